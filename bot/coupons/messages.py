"""The coupon's LINE messages: one coupon's Flex bubble and the usable carousel.

No message ever carries a personal code: the button opens the coupon page,
which shows the code only to the signed-in customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import current_app

from bot.messages import render

if TYPE_CHECKING:
    from bot.coupons.models import CouponDefinition, PersonalCoupon

# LINE shows at most 12 bubbles in a carousel.
MAX_BUBBLES = 12
BRAND_COLOR = "#06C755"


def coupon_page_url(coupon_id: str | None = None) -> str:
    """Return the coupon page: the LIFF app's /coupons path, or the bot's page."""
    settings = current_app.config["SETTINGS"]
    query = f"?{urlencode({'coupon': coupon_id})}" if coupon_id else ""
    if settings.LIFF_ID:
        return f"https://liff.line.me/{settings.LIFF_ID}/coupons{query}"
    return f"{settings.BOT_BASE_URL.rstrip('/')}/liff/card/coupons{query}"


def value_label(kind: str, value: int) -> str:
    """Return the discount as customers read it: 500円引き, 10%オフ, ..."""
    return render(f"coupon_value_{kind}", value=f"{value:,}")


def _expiry_label(expires_at: datetime) -> str:
    zone = current_app.config["SETTINGS"].timezone
    # A coupon valid until midnight is shown as valid through the day before.
    local = expires_at.astimezone(zone)
    return render("coupon_expiry", date=f"{local:%Y/%m/%d %H:%M}")


def coupon_bubble(
    definition: CouponDefinition, expires_at: datetime | None
) -> dict[str, Any]:
    """Build one coupon's bubble: title, value, expiry and a 使う button."""
    body: list[dict[str, Any]] = [
        _text(render("coupon_label"), size="xs", color=BRAND_COLOR, weight="bold"),
        _text(definition.title, size="lg", weight="bold", wrap=True),
        _text(
            value_label(definition.kind, definition.value),
            size="xxl",
            weight="bold",
            color="#E03C31",
        ),
    ]
    if definition.min_purchase:
        minimum = render("coupon_min_purchase", amount=f"{definition.min_purchase:,}")
        body.append(_text(minimum, size="xs", color="#888888", wrap=True))
    if expires_at is not None:
        body.append(_text(_expiry_label(expires_at), size="xs", color="#888888"))
    bubble: dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "color": BRAND_COLOR,
                    "action": {
                        "type": "uri",
                        "label": render("coupon_use_button"),
                        "uri": coupon_page_url(definition.id),
                    },
                }
            ],
        },
    }
    if definition.image_url:
        bubble["hero"] = {
            "type": "image",
            "url": definition.image_url,
            "size": "full",
            "aspectRatio": "20:13",
            "aspectMode": "cover",
        }
    return bubble


def coupon_message(coupon: PersonalCoupon) -> dict[str, Any]:
    """Return the Flex message announcing a coupon; it opens the coupon page."""
    definition = coupon.definition
    return {
        "type": "flex",
        "altText": render("coupon_alt", title=definition.title)[:400],
        "contents": coupon_bubble(definition, coupon.expires_at),
    }


def definition_message(definition: CouponDefinition) -> dict[str, Any]:
    """Return the same message for a definition, as a send to many carries it."""
    return {
        "type": "flex",
        "altText": render("coupon_alt", title=definition.title)[:400],
        "contents": coupon_bubble(definition, None),
    }


def coupons_carousel(coupons: list[PersonalCoupon]) -> dict[str, Any]:
    """Return the usable coupons as a Flex carousel (at most 12)."""
    shown = coupons[:MAX_BUBBLES]
    return {
        "type": "flex",
        "altText": render("coupons_alt", count=len(coupons)),
        "contents": {
            "type": "carousel",
            "contents": [coupon_bubble(c.definition, c.expires_at) for c in shown],
        },
    }


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, **style}
