"""Kana spellings, synonyms, intents sharing a word, and other businesses' words.

Each of the first four fails with the matcher shipped before issue 21
(bench/faq_legacy_matcher.py) on the same FAQ, checked by running them against it.
"""

from collections import Counter

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
    # 払い戻し is in Sudachi's synonym group of 返金, and the question shares no
    # character bigram with the entry (the old matcher ranks nothing; with
    # 「払い戻してほしい」 it ranked the entry first by the chance bigram して).
    # On this three-line FAQ one shared synonym scores low, and the decision
    # fitted on the shipped FAQ (issue 21's third round) does not answer it
    # outright: what the synonym changes is the entry an operator is offered
    # first (top matches), and nothing else may be answered.
    ranked = index.score("払い戻しは可能？")
    assert [index.entries[position].id for _, position in ranked][:1] == ["refund"]
    result = index.match("払い戻しは可能？")
    assert result.entry is None or result.entry.id == "refund"


def test_word_telling_intents_apart_wins(shipped_index: FaqIndex) -> None:
    # Linking and unlinking both say 連携; 切る tells them apart. (The earlier
    # example, 「ぽいんとはきょうつう？」, the old matcher now answers too, since
    # the FAQ gained the keyword きょうつう.)
    result = shipped_index.match("LINEの連携を切りたい")
    assert result.kind == "answer"
    assert result.entry is not None and result.entry.id == "account-unlink"


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


def test_extra_tuning_questions_are_new_text(
    shipped_entries: list[FaqEntry],
) -> None:
    from bench.faq_bench import earlier_questions, extra_tuning_questions, load_halves

    tuning, held_out = load_halves()
    extra = extra_tuning_questions()
    taken = {q["text"] for q in tuning + held_out + earlier_questions()}
    written = {
        text
        for entry in shipped_entries
        for text in (entry.question, *entry.alternatives, *entry.keywords)
    }
    assert len(extra) >= 100
    assert {q["expected"] for q in extra} - {None} <= {e.id for e in shipped_entries}
    assert not [q["text"] for q in extra if q["text"] in taken | written]


def test_fresh_held_out_questions_are_new_and_cover_every_entry(
    shipped_entries: list[FaqEntry],
) -> None:
    from bench.faq_bench import (
        earlier_questions,
        extra_tuning_questions,
        fresh_questions,
        load_halves,
    )

    fresh = fresh_questions()
    tuning, held_out = load_halves()
    fitted_on = {
        q["text"]
        for q in tuning + held_out + extra_tuning_questions() + earlier_questions()
    }
    written = {
        text
        for entry in shipped_entries
        for text in (entry.question, *entry.alternatives, *entry.keywords)
    }
    per_entry = Counter(q["expected"] for q in fresh)
    assert per_entry.pop(None) >= 95
    assert set(per_entry) == {entry.id for entry in shipped_entries}
    assert sum(per_entry.values()) >= 280 and min(per_entry.values()) >= 5
    assert not [q["text"] for q in fresh if q["text"] in fitted_on | written]


def test_a_business_hosting_the_question_is_noticed(shipped_index: FaqIndex) -> None:
    # "Xで" (bought at X) as well as "Xの" (X's): the shared word belongs elsewhere.
    assert shipped_index.rank("フリマで買った服を返品したい").foreign
    assert not shipped_index.rank("オンラインストアで買った服を返品したい").foreign


def test_about_is_a_particle_not_the_verb_to_earn() -> None:
    from bot.faq.analysis import analyse, is_meaningful

    _, words = analyse("ポイントについて")
    assert [word.lemma for word in words if is_meaningful(word)] == ["ポイント"]


def test_halves_are_stratified_by_entry_and_style() -> None:
    from collections import Counter

    from bench.faq_bench import load_halves

    tuning, held_out = load_halves()
    for half in (tuning, held_out):
        styles = Counter(q["style"] for q in half)
        other = Counter(q["style"] for q in (held_out if half is tuning else tuning))
        # Every style on both sides, within one question of half.
        assert set(styles) == set(other)
        assert all(abs(styles[style] - other[style]) <= 1 for style in styles)
    per_entry = Counter(q["expected"] for q in tuning if q["expected"])
    per_entry_held = Counter(q["expected"] for q in held_out if q["expected"])
    assert per_entry == per_entry_held


def test_legacy_halves_are_kept_for_comparison() -> None:
    from bench.faq_bench import load_halves

    tuning, held_out = load_halves(split="legacy")
    assert {q["style"] for q in tuning if q["expected"]} == {"kana", "polite", "typo"}
    assert {q["style"] for q in held_out if q["expected"]} == {
        "casual",
        "long",
        "synonym",
    }


def test_reranker_puts_the_entry_the_question_explains_first(
    shipped_index: FaqIndex,
) -> None:
    assert shipped_index.reranker is not None
    ranking = shipped_index.rank("LINEの連携を切りたい")
    assert shipped_index.entries[ranking.ranked[0][1]].id == "account-unlink"
    assert 0.0 < ranking.confidence <= 1.0
    assert [s for s, _ in ranking.ranked] == sorted(
        (s for s, _ in ranking.ranked), reverse=True
    )
