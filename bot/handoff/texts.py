"""What customers read when they are handed to a person (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "handoff_ack": (
        "スタッフにおつなぎします。担当者が順番にお返事しますので、"
        "このままメッセージでご用件をお送りください。\n"
        "自動応答に戻るときは、メニューの「スタッフとの会話を終える」を"
        "タップしてください。"
    ),
    "handoff_ack_closed": (
        "スタッフにおつなぎします。\n"
        "ただいま営業時間外です（対応時間：{hours}）。"
        "{opens}以降、担当者より順番にお返事します。\n"
        "このままメッセージでご用件をお送りください。"
    ),
    "handoff_after_misses": "うまくお答えできず申し訳ありません。",
    "handoff_no_answer": (
        "お待たせしてしまい申し訳ありません。ただいま担当者が順番に対応して"
        "おります。もうしばらくお待ちください。"
    ),
    "handoff_closing": (
        "お問い合わせありがとうございました。スタッフとの会話を終了し、"
        "自動応答に戻ります。またいつでもメッセージをお送りください。"
    ),
    "handoff_closing_customer": (
        "スタッフとの会話を終了しました。自動応答に戻ります。"
        "ご利用ありがとうございました。"
    ),
    "handoff_closing_idle": (
        "しばらくメッセージがなかったため、スタッフとの会話を終了し、"
        "自動応答に戻りました。ご用件があれば、もう一度"
        "「スタッフと話したい」とお送りください。"
    ),
    "handoff_not_in_support": (
        "現在スタッフとの会話はありません。ご質問はメッセージでお送りください。"
    ),
    "handoff_button": "スタッフに相談",
    "handoff_button_text": "スタッフに相談したい",
}
