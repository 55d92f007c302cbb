"""What customers read about coupons (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "coupons_none": (
        "いまお使いいただけるクーポンはありません。"
        "新しいクーポンはこのトークでお知らせします。"
    ),
    "coupons_alt": "使えるクーポンが{count}枚あります",
    "coupon_alt": "クーポンが届きました：{title}",
    "coupon_label": "クーポン",
    "coupon_use_button": "使う",
    "coupon_expiry": "有効期限 {date} まで",
    "coupon_min_purchase": "{amount}円以上のお買い物でご利用いただけます",
    "coupon_value_amount_off": "{value}円引き",
    "coupon_value_percent_off": "{value}%オフ",
    "coupon_value_free_item": "無料（{value}円分）",
}
