"""What customers read after a purchase (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "purchase_thanks_store": (
        "{name}様、本日は{store}でお買い物いただきありがとうございました。\n"
        "今回のお買い物で {earned} ポイントがたまりました。"
    ),
    "purchase_thanks_online": (
        "{name}様、オンラインストアでのご注文ありがとうございます。\n"
        "ご注文番号：{order}\n"
        "今回のご注文で {earned} ポイントがたまりました。"
        "発送まで今しばらくお待ちください。"
    ),
    "review_request": (
        "{name}様、先日お届けした商品はいかがでしょうか。\n"
        "よろしければ、ご感想をレビューでお聞かせください。\n{url}"
    ),
}
