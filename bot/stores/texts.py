"""What customers read about stores near them (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "stores_ask_location": (
        "お近くの営業中の店舗をお探しします。\n"
        "下の「位置情報を送る」をタップして、現在地を送ってください。"
    ),
    "stores_location_button": "位置情報を送る",
    "stores_nearby_alt": "お近くの営業中の店舗です",
    "stores_column_text": "現在地から{distance}\n営業時間 {opens}〜{closes}",
    "stores_map_button": "地図を見る",
    "stores_none_open": (
        "申し訳ありません。ただいま営業中の店舗が見つかりませんでした。\n"
        "営業時間内にもう一度お試しください。"
    ),
}
