"""Canned answers operators can drop into the reply box (overridable texts)."""

from __future__ import annotations

from bot.messages import render

CANNED_ANSWERS = {
    "operator_canned_greeting": (
        "お待たせいたしました。スタッフの{operator}です。ご用件を伺います。"
    ),
    "operator_canned_checking": (
        "確認いたしますので、少々お待ちいただけますでしょうか。"
    ),
    "operator_canned_member_no": (
        "お手数ですが、会員番号またはご注文番号をお知らせいただけますか。"
    ),
    "operator_canned_thanks": (
        "お問い合わせいただきありがとうございました。ほかにご不明な点はございますか。"
    ),
}


def canned_answers(operator_name: str) -> list[str]:
    """Return the canned answers with the operator's name filled in."""
    return [render(name, operator=operator_name) for name in CANNED_ANSWERS]
