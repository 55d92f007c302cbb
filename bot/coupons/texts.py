"""What customers read about coupons (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "coupons_none": (
        "いまお使いいただけるクーポンはありません。"
        "新しいクーポンはこのトークでお知らせします。"
    ),
}
