"""Kana spellings, synonyms, intents sharing a word, and other businesses' words.

Each of these failed with the matcher shipped before issue 21
(bench/faq_legacy_matcher.py), checked by running this file against it once.
"""

from bot.faq.content import FaqEntry
from bot.faq.matcher import FaqIndex


def test_kana_spelling_meets_the_kanji_entry(shipped_index: FaqIndex) -> None:
    result = shipped_index.match("とどけさきをかえたい")  # 届け先を変えたい
    assert result.kind == "answer"
    assert result.entry is not None and result.entry.id == "order-change"


def test_synonym_the_faq_does_not_use_finds_the_entry() -> None:
    index = FaqIndex.build(
        [
            FaqEntry(
                id="refund",
                category="返品",
                question="返金してもらえますか？",
                answer="a",
            ),
            FaqEntry(
                id="fee", category="配送", question="送料はいくらですか？", answer="b"
            ),
            FaqEntry(id="hours", category="店舗", question="営業時間は？", answer="c"),
        ]
    )
    result = index.match("払い戻してほしい")  # 払い戻し: Sudachi's group of 返金
    offered = [result.entry] if result.entry else list(result.candidates)
    assert [entry.id for entry in offered][:1] == ["refund"]


def test_word_telling_intents_apart_wins(shipped_index: FaqIndex) -> None:
    result = shipped_index.match("ぽいんとはきょうつう？")  # shared, not using
    assert result.kind == "answer"
    assert result.entry is not None and result.entry.id == "points-shared"


def test_another_business_sharing_a_word_is_not_answered(
    shipped_index: FaqIndex,
) -> None:
    assert shipped_index.match("カラオケの会員証を作りたい").kind != "answer"


def test_intent_set_is_large_split_and_not_copied(
    shipped_entries: list[FaqEntry],
) -> None:
    from bench.faq_bench import load_halves

    tuning, held_out = load_halves()
    questions = tuning + held_out
    in_scope = [q for q in questions if q["expected"] is not None]
    written = {
        text
        for entry in shipped_entries
        for text in (entry.question, *entry.alternatives, *entry.keywords)
    }
    assert len(in_scope) >= 300
    assert len(questions) - len(in_scope) >= 100
    assert {q["expected"] for q in in_scope} <= {e.id for e in shipped_entries}
    assert not [q["text"] for q in questions if q["text"] in written]
    assert abs(len(tuning) - len(held_out)) <= len({q["expected"] for q in questions})
