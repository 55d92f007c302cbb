"""What customers read when they walk into a store (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "beacon_member_welcome": (
        "{name}さん、{store}へようこそ！\n"
        "現在のポイント: {points}pt\n"
        "会員ランク: {rank}"
    ),
    "beacon_guest_invite": (
        "{store}へようこそ！\n"
        "LINEで会員連携すると、ポイントの確認や店舗限定クーポンを"
        "ご利用いただけます。下のボタンから会員登録・連携へお進みください。"
    ),
    "beacon_link_button": "会員登録・連携",
    "beacon_store_info": (
        "{store}\n住所: {address}\n営業時間: {opens}〜{closes}\n地図: {map_url}"
    ),
}
