"""Accuracy of the matcher on the held-out paraphrase set."""

from typing import Any

from bot.faq.content import FaqEntry
from bot.faq.matcher import FaqIndex

MIN_TOP1_ACCURACY = 0.90
MIN_OUT_OF_SCOPE_REJECTION = 0.90


def test_eval_set_is_held_out(
    shipped_entries: list[FaqEntry], eval_questions: list[dict[str, Any]]
) -> None:
    known_ids = {entry.id for entry in shipped_entries}
    written = {
        text
        for entry in shipped_entries
        for text in (entry.question, *entry.alternatives, *entry.keywords)
    }
    in_scope = [q for q in eval_questions if q["expected"] is not None]
    assert len(in_scope) >= 120
    assert len(eval_questions) - len(in_scope) >= 40
    assert {q["expected"] for q in in_scope} <= known_ids
    assert not [q["text"] for q in eval_questions if q["text"] in written]


def test_paraphrases_are_answered_and_out_of_scope_rejected(
    shipped_index: FaqIndex, eval_questions: list[dict[str, Any]]
) -> None:
    in_scope = [q for q in eval_questions if q["expected"] is not None]
    out_of_scope = [q for q in eval_questions if q["expected"] is None]
    answered_right = 0
    first_candidate_right = 0
    misses: list[str] = []
    for question in in_scope:
        result = shipped_index.match(question["text"])
        if result.kind == "answer" and result.entry.id == question["expected"]:
            answered_right += 1
            continue
        if result.kind == "candidates" and (
            result.candidates[0].id == question["expected"]
        ):
            first_candidate_right += 1
        wanted = question["expected"]
        misses.append(f"{question['text']} -> {result.kind} (want {wanted})")
    wrongly_answered = [
        question["text"]
        for question in out_of_scope
        if shipped_index.match(question["text"]).kind == "answer"
    ]
    top1 = answered_right / len(in_scope)
    top1_or_first_candidate = (answered_right + first_candidate_right) / len(in_scope)
    rejection = 1 - len(wrongly_answered) / len(out_of_scope)
    report = (
        f"top-1 answered {top1:.3f} ({answered_right}/{len(in_scope)}), "
        f"answer or first candidate {top1_or_first_candidate:.3f}, "
        f"out-of-scope rejection {rejection:.3f}; "
        f"misses: {misses}; out-of-scope answered: {wrongly_answered}"
    )
    assert top1 >= MIN_TOP1_ACCURACY, report
    assert rejection >= MIN_OUT_OF_SCOPE_REJECTION, report
