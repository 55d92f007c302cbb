"""Decide from the evidence of a ranking how likely the best entry is right.

A logistic model over a few plain measures (score, lead over the runner-up,
share of the question's words the entry explains, words the FAQ has never
seen, a brand or another business named, the re-ranker's probability) fitted
on the tuning questions (all of tests/faq/intent_questions.yaml,
tests/faq/tuning_questions.yaml and tests/faq/blind_tuning_questions.yaml, each
ranked by a re-ranker fitted without it) plus tests/faq/eval_questions.yaml by
`python bench/faq_bench.py --calibrate`, which prints the values below. The
bench measures it on tests/faq/fresh_questions.yaml, which nothing is fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.faq.analysis import Word, is_meaningful

if TYPE_CHECKING:
    from bot.faq.matcher import FaqIndex, Ranking

EVIDENCE_NAMES = (
    "score",
    "lead",
    "explained share",
    "unexplained words",
    "other business",
    "words",
    "known share",
    "log score",
    "unknown nouns",
    "reading overlap",
    "rerank share",
)


@dataclass(frozen=True, slots=True)
class DecisionModel:
    """Standardised logistic regression and the probabilities that act on it."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    # Answer at or above this probability; offer choices at or above the other.
    answer: float
    candidates: float

    def probability(self, values: Sequence[float]) -> float:
        """Return the modelled probability that the best entry is the right one."""
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(
                self.weights, values, self.mean, self.scale, strict=True
            )
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def evidence(index: FaqIndex, ranking: Ranking) -> tuple[float, ...]:
    """Measure a ranking's best entry against the question's words."""
    if not ranking.ranked:
        return (0.0,) * len(EVIDENCE_NAMES)
    top, position = ranking.ranked[0]
    runner_up = ranking.ranked[1][0] if len(ranking.ranked) > 1 else 0.0
    words = [word for word in ranking.words if is_meaningful(word)]
    explained = sum(index.explained(position, word) for word in words)
    known = sum(index.knows(word) for word in words)
    count = len(words)
    unknown_nouns = sum(
        word.noun and not _is_hiragana(word.surface) and not index.knows(word)
        for word in words
    )
    readings = reading_bigrams(ranking.words)
    reading_text = index.entry_readings[position]
    overlap = sum(gram in reading_text for gram in readings) / max(1, len(readings))
    return (
        top,
        (top - runner_up) / top if top else 0.0,
        explained / count if count else 0.0,
        float(count - explained),
        float(ranking.foreign),
        float(count),
        known / count if count else 0.0,
        math.log(top + 1e-3),
        float(unknown_nouns),
        overlap,
        ranking.confidence,
    )


def reading_bigrams(words: Sequence[Word]) -> set[str]:
    """Return the reading bigrams of a text's content words."""
    return {
        word.reading[i : i + 2]
        for word in words
        if word.lemma
        for i in range(len(word.reading) - 1)
    }


def _is_hiragana(text: str) -> bool:
    return all("\u3041" <= char <= "\u309f" for char in text)


def fit(
    samples: Sequence[tuple[Sequence[float], bool]],
    rounds: int = 3000,
    rate: float = 0.5,
    penalty: float = 0.01,
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], float]:
    """Fit (mean, scale, weights, bias) by gradient descent on log loss."""
    size = len(samples[0][0])
    count = len(samples)
    mean = tuple(sum(x[i] for x, _ in samples) / count for i in range(size))
    scale = tuple(
        math.sqrt(sum((x[i] - mean[i]) ** 2 for x, _ in samples) / count) or 1.0
        for i in range(size)
    )
    rows = [
        ([(x[i] - mean[i]) / scale[i] for i in range(size)], 1.0 if y else 0.0)
        for x, y in samples
    ]
    weights, bias = [0.0] * size, 0.0
    for _ in range(rounds):
        gradient, gradient_bias = [0.0] * size, 0.0
        for z, y in rows:
            error = (
                1
                / (
                    1
                    + math.exp(
                        -(sum(w * v for w, v in zip(weights, z, strict=True)) + bias)
                    )
                )
                - y
            )
            for i in range(size):
                gradient[i] += error * z[i]
            gradient_bias += error
        for i in range(size):
            weights[i] -= rate * (gradient[i] / count + penalty * weights[i])
        bias -= rate * gradient_bias / count
    return mean, scale, tuple(weights), bias


DEFAULT_DECISION: DecisionModel | None = DecisionModel(
    mean=(
        0.3593,
        0.874,
        0.6265,
        1.861,
        0.1887,
        4.366,
        0.7011,
        -1.153,
        0.7478,
        0.6521,
        0.8792,
    ),
    scale=(
        0.1687,
        0.2355,
        0.3304,
        2.28,
        0.3913,
        3.024,
        0.3122,
        0.5871,
        0.9897,
        0.2829,
        0.1968,
    ),
    weights=(
        0.615,
        0.4981,
        0.5718,
        0.4105,
        -0.4622,
        0.7332,
        0.305,
        0.3573,
        -0.2278,
        0.6296,
        0.07549,
    ),
    bias=1.26,
    answer=0.64,
    candidates=0.59,
)
