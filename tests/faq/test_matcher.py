"""Normalisation and matching of customers' Japanese questions."""

import pytest

from bot.faq.content import FaqEntry
from bot.faq.matcher import FaqIndex, normalise_text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ｿｳﾘｮｳ", "そうりょう"),
        ("ソウリョウ", "そうりょう"),
        ("ＰａｙＰａｙ", "paypay"),
        ("ポイント　残高!!", "ぽいんと残高"),
        ("クーポン😊", "くぽん"),
        ("パスワード", "ぱすわど"),
    ],
)
def test_folds_width_case_kana_and_symbols(typed: str, expected: str) -> None:
    assert normalise_text(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "送料はいくらですか？",
        "送料はいくらでしょうか",
        "送料はいくら？教えてください",
        "送料はいくらなんですけど",
        "すみません、送料はいくら",
        "送料はいくらか知りたいです",
    ],
)
def test_polite_and_casual_endings_meet(typed: str) -> None:
    assert normalise_text(typed) == "送料はいくら"


def test_greeting_alone_normalises_to_nothing() -> None:
    assert normalise_text("こんにちは！") == ""


def test_confident_match_answers_with_entry(shipped_index: FaqIndex) -> None:
    result = shipped_index.match("ﾎﾟｲﾝﾄの有効期限っていつまで？")
    assert result.kind == "answer"
    assert result.entry is not None and result.entry.id == "points-expiry"
    assert result.candidates == ()


def test_close_call_offers_candidates(shipped_index: FaqIndex) -> None:
    result = shipped_index.match("支払い")
    assert result.kind == "candidates"
    assert result.entry is None
    assert 2 <= len(result.candidates) <= 3
    assert {"payment-methods-online", "payment-methods-store"} <= {
        entry.id for entry in result.candidates
    }


def test_close_call_between_small_entries_offers_both() -> None:
    index = FaqIndex.build(
        [
            make_entry("return-online", "オンラインストアの商品を返品したい"),
            make_entry("return-in-store", "店舗の商品を返品したい"),
            make_entry("store-hours", "営業時間を教えてください"),
        ]
    )
    result = index.match("返品したい")
    assert result.kind == "candidates"
    assert {entry.id for entry in result.candidates} == {
        "return-online",
        "return-in-store",
    }


@pytest.mark.parametrize("text", ["ほげほげ", "asdfghjkl", "こんにちは", "", "👍"])
def test_nonsense_matches_nothing(shipped_index: FaqIndex, text: str) -> None:
    result = shipped_index.match(text)
    assert result.kind == "none"
    assert result.entry is None and result.candidates == ()


def test_empty_index_matches_nothing() -> None:
    assert FaqIndex.build([]).match("送料はいくら").kind == "none"


def make_entry(entry_id: str, question: str) -> FaqEntry:
    """Build a minimal FAQ entry for matcher tests."""
    return FaqEntry(id=entry_id, category="test", question=question, answer="回答")
