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
        "このトークでは、会員証・ポイント・クーポンの確認、店舗検索、"
        "よくあるご質問への回答ができます。下のメニューからお選びいただくか、"
        "ご質問を文字でお送りください。"
    ),
    "media_answer": (
        "{kind}をお送りいただきありがとうございます。\n"
        "申し訳ありません、{kind}の内容にはお答えできません。"
        "ご質問は文字でお送りいただくか、メニューの「スタッフに相談」から"
        "スタッフにおたずねください。"
    ),
    "media_kind_image": "画像",
    "media_kind_video": "動画",
    "media_kind_audio": "音声",
    "media_kind_file": "ファイル",
    "unknown_action": (
        "申し訳ありません。この操作は現在ご利用いただけません。"
        "お手数ですが、メニューからもう一度お試しください。"
    ),
    "customer_fallback_name": "お客様",
}
