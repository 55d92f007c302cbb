"""What customers read around FAQ answers (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "faq_not_understood": (
        "メッセージありがとうございます。\n"
        "申し訳ありません、ご質問の内容をうまく理解できませんでした。"
        "言葉を変えてもう一度お送りいただくか、「スタッフに相談」から"
        "スタッフにおつなぎします。"
    ),
    "faq_candidates": (
        "お問い合わせの内容は、次のどれに近いでしょうか？下のボタンからお選びください。"
    ),
    "faq_menu": (
        "よくあるご質問です。知りたい内容のカテゴリーをお選びください。\n"
        "メッセージで直接ご質問いただくこともできます。"
    ),
    "faq_menu_empty": (
        "ただいまよくあるご質問をご用意しておりません。"
        "「スタッフに相談」からスタッフにおつなぎします。"
    ),
    "faq_category": (
        "「{category}」のよくあるご質問です。知りたい質問をお選びください。"
    ),
    "faq_pick_gone": (
        "申し訳ありません。そのご質問のご案内は終了しました。"
        "メッセージでもう一度ご質問ください。"
    ),
    "faq_more_button": "他の質問を見る",
}
