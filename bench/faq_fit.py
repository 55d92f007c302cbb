"""Fit the FAQ re-ranker on tuning questions, with out-of-fold copies for the decision.

The re-ranker's learned word table and weights come from the tuning questions;
the decision that follows must see rankings of questions the re-ranker was not
fitted on, or it would trust the re-ranker more than it deserves. Folds are
fixed by a question's place in the tuning list (place % FOLDS).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.faq.analysis import analyse
from bot.faq.content import FaqEntry
from bot.faq.decision import DecisionModel
from bot.faq.matcher import FaqIndex, _word_keys
from bot.faq.reranker import FEATURE_NAMES, Reranker, fit_reranker

FOLDS = 5


@dataclass(frozen=True)
class FittedReranker:
    """The re-ranker fitted on all tuning questions and one per left-out fold."""

    final: Reranker
    # Index of each tuning question's fold, and that fold's re-ranker
    # (fitted without the fold).
    fold_of: list[int]
    fold_rerankers: list[Reranker]

    def index_for(
        self,
        entries: Sequence[FaqEntry],
        decision: DecisionModel | None,
        **options: Any,
    ) -> tuple[FaqIndex, list[FaqIndex]]:
        """Build the final index and one index per fold."""
        final = FaqIndex.build(
            entries, decision=decision, reranker=self.final, **options
        )
        folds = [
            FaqIndex.build(entries, decision=decision, reranker=r, **options)
            for r in self.fold_rerankers
        ]
        return final, folds


def question_keys(questions: Sequence[dict]) -> dict[str, dict[str, int]]:
    """Count, per expected entry, the tuning questions holding each word key."""
    counts: dict[str, Counter[str]] = {}
    for question in questions:
        if question["expected"] is None:
            continue
        _, words = analyse(question["text"])
        keys = {key for word in words for key in _word_keys(word)}
        counts.setdefault(question["expected"], Counter()).update(keys)
    return {entry: dict(keys) for entry, keys in counts.items()}


def _no_keys(questions: Sequence[dict]) -> dict[str, dict[str, int]]:
    """Learn no words from the questions."""
    return {}


def _groups(
    index: FaqIndex, questions: Sequence[dict]
) -> list[tuple[list[tuple[float, ...]], int]]:
    """Return (candidate measures, place of the right one) per answerable question."""
    groups = []
    for question in questions:
        if question["expected"] is None:
            continue
        ranking = index.rank_by_score(question["text"])
        if len(ranking.ranked) < 2:
            continue
        rows = index.candidate_features(question["text"], ranking.ranked, ranking.words)
        places = [
            place
            for place, (_, position) in enumerate(ranking.ranked[: len(rows)])
            if index.entries[position].id == question["expected"]
        ]
        if places:
            groups.append((rows, places[0]))
    return groups


def fit_on(
    entries: Sequence[FaqEntry],
    questions: Sequence[dict],
    folds: int = FOLDS,
    learn_words: bool = True,
    **options: Any,
) -> FittedReranker:
    """Fit the re-ranker on tuning questions (features out of fold for its words).

    learn_words=False leaves the tuning questions' words out of the learned
    word table (FAQ text only), for the ablation.
    """
    count_keys = question_keys if learn_words else _no_keys
    fold_of = [place % folds for place in range(len(questions))]
    zero = (0.0,) * len(FEATURE_NAMES)
    ones = (1.0,) * len(FEATURE_NAMES)
    fold_groups = []
    fold_keys = []
    for fold in range(folds):
        inside = [q for q, f in zip(questions, fold_of, strict=True) if f != fold]
        left_out = [q for q, f in zip(questions, fold_of, strict=True) if f == fold]
        keys = count_keys(inside)
        fold_keys.append(keys)
        index = FaqIndex.build(
            entries, decision=None, reranker=Reranker(zero, ones, zero, keys), **options
        )
        fold_groups.append(_groups(index, left_out))
    everything = [group for groups in fold_groups for group in groups]
    mean, scale, weights = fit_reranker(everything)
    final = Reranker(mean, scale, weights, count_keys(questions))
    fold_rerankers = []
    for fold in range(folds):
        others = [
            g for f, groups in enumerate(fold_groups) if f != fold for g in groups
        ]
        mean, scale, weights = fit_reranker(others)
        fold_rerankers.append(Reranker(mean, scale, weights, fold_keys[fold]))
    return FittedReranker(final, fold_of, fold_rerankers)
