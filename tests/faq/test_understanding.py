"""Kana spellings, synonyms, intents sharing a word, and other businesses' words.

Each of the first four fails with the matcher shipped before issue 21
(bench/faq_legacy_matcher.py) on the same FAQ, checked by running them against it.
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


def test_a_business_hosting_the_question_is_noticed(shipped_index: FaqIndex) -> None:
    # "Xで" (bought at X) as well as "Xの" (X's): the shared word belongs elsewhere.
    assert shipped_index.rank("フリマで買った服を返品したい").foreign
    assert not shipped_index.rank("オンラインストアで買った服を返品したい").foreign


def test_about_is_a_particle_not_the_verb_to_earn() -> None:
    from bot.faq.analysis import analyse, is_meaningful

    _, words = analyse("ポイントについて")
    assert [word.lemma for word in words if is_meaningful(word)] == ["ポイント"]
