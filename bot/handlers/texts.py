"""What customers read from the core handlers (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "welcome": (
        "{name}さん、友だち追加ありがとうございます！\n"
        "店舗とオンラインストアの会員証・ポイント・お知らせをLINEでお届けします。\n"
        "下のメニューから「会員登録・連携」をタップすると、お持ちの会員番号と"
        "LINEがつながります。"
    ),
    "welcome_back": (
        "{name}さん、おかえりなさい！ブロック解除ありがとうございます。\n"
        "またLINEで会員証やお得な情報をお届けします。"
    ),
    "default_answer": (
        "メッセージありがとうございます。\n"
        "ただいま自動応答の準備中です。お問い合わせは下のメニューからご利用ください。"
    ),
    "unknown_action": (
        "申し訳ありません。この操作は現在ご利用いただけません。"
        "お手数ですが、メニューからもう一度お試しください。"
    ),
    "customer_fallback_name": "お客様",
}
