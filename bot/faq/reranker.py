"""Re-rank the closest FAQ entries with weights learned from tuning questions.

The matcher's blended score is one number; the re-ranker looks at the few
closest entries side by side (how much of the question each explains, by
which route, which of them alone has a word, keyword hits, how the tuning
questions worded each intent) and orders them by a conditional logistic model.
`python bench/faq_bench.py --calibrate` fits it on the tuning questions only
and writes `reranker.json` beside this module, which is read once per process.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.faq.analysis import Word, is_meaningful

if TYPE_CHECKING:
    from bot.faq.matcher import FaqIndex

RERANKER_PATH = Path(__file__).with_name("reranker.json")
# Only this many best entries are re-ranked.
RERANK_DEPTH = 5
# Additive smoothing of the learned word table (counts of texts).
SMOOTHING = 0.5
FEATURE_NAMES = (
    "score share",
    "score",
    "ranked first",
    "explained share",
    "same word share",
    "telling share",
    "reading overlap",
    "keyword hits",
    "learned words",
    "learned words lead",
)


@dataclass(frozen=True, slots=True)
class Reranker:
    """Standardised weights over FEATURE_NAMES and the tuning questions' words."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    # entry id -> word key -> number of tuning questions with that key.
    question_keys: Mapping[str, Mapping[str, int]]

    def logit(self, values: Sequence[float]) -> float:
        """Return the candidate's unnormalised log-odds of being the right one."""
        return sum(
            w * (v - m) / s
            for w, v, m, s in zip(
                self.weights, values, self.mean, self.scale, strict=True
            )
        )

    def to_json(self) -> str:
        """Serialise for reranker.json (one line per list and per entry)."""

        def line(value: object) -> str:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)

        entries = ",\n".join(
            f"  {line(entry)}: {line(dict(keys))}"
            for entry, keys in sorted(self.question_keys.items())
        )
        return (
            f'{{\n "features": {line(FEATURE_NAMES)},\n'
            f' "mean": {line([round(v, 5) for v in self.mean])},\n'
            f' "scale": {line([round(v, 5) for v in self.scale])},\n'
            f' "weights": {line([round(v, 5) for v in self.weights])},\n'
            f' "question_keys": {{\n{entries}\n }}\n}}'
        )


@functools.cache
def default_reranker() -> Reranker | None:
    """Return the shipped re-ranker (read on first use), or None without one."""
    if not RERANKER_PATH.exists():
        return None
    data = json.loads(RERANKER_PATH.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError(f"{RERANKER_PATH}: features differ; run --calibrate")
    return Reranker(
        mean=tuple(data["mean"]),
        scale=tuple(data["scale"]),
        weights=tuple(data["weights"]),
        question_keys=data["question_keys"],
    )


@dataclass(frozen=True, slots=True)
class LearnedWords:
    """Per-entry log weights of word keys from FAQ text and tuning questions."""

    weights: tuple[Mapping[str, float], ...]
    floor: Mapping[str, float]

    def mean_weight(self, position: int, keys: Sequence[str]) -> float:
        """Return the mean weight of the known keys for one entry (0 if none)."""
        known = [key for key in keys if key in self.floor]
        if not known:
            return 0.0
        table = self.weights[position]
        return sum(table.get(key, self.floor[key]) for key in known) / len(known)


def learned_words(
    entry_ids: Sequence[str],
    text_keys: Sequence[Counter[str]],
    question_keys: Mapping[str, Mapping[str, int]],
) -> LearnedWords:
    """Weigh each word key by how much more one entry uses it than the others.

    weight(k, e) = log(E * (n(k, e) + a) / (n(k) + a * E)): 0 when a key is
    spread evenly, positive for the entries that use it.
    """
    counts = []
    for entry_id, keys in zip(entry_ids, text_keys, strict=True):
        merged = Counter(keys)
        merged.update(question_keys.get(entry_id, {}))
        counts.append(merged)
    totals: Counter[str] = Counter()
    for merged in counts:
        totals.update(merged)
    size = max(1, len(entry_ids))
    floor = {
        key: math.log(size * SMOOTHING / (total + SMOOTHING * size))
        for key, total in totals.items()
    }
    weights = tuple(
        {
            key: math.log(size * (count + SMOOTHING) / (totals[key] + SMOOTHING * size))
            for key, count in merged.items()
        }
        for merged in counts
    )
    return LearnedWords(weights, floor)


def candidate_features(
    index: FaqIndex,
    ranked: Sequence[tuple[float, int]],
    words: Sequence[Word],
    keys: Sequence[str],
    normalised: str,
) -> list[tuple[float, ...]]:
    """Measure each of the closest entries against the question."""
    from bot.faq.decision import reading_bigrams

    meaningful = [word for word in words if is_meaningful(word)]
    count = max(1, len(meaningful))
    contenders = [position for _, position in ranked]
    explains = {
        position: [index.explained(position, word) for word in meaningful]
        for position in contenders
    }
    readings = reading_bigrams(words)
    top = ranked[0][0] or 1.0
    learned = [index.learned.mean_weight(position, keys) for position in contenders]
    best_learned = max(learned)
    rows = []
    for rank, (score, position) in enumerate(ranked):
        mine = explains[position]
        telling = sum(
            hit
            and not any(explains[other][i] for other in contenders if other != position)
            for i, hit in enumerate(mine)
        )
        same = sum(
            f"w:{word.lemma}" in index.entry_keys[position] for word in meaningful
        )
        reading_text = index.entry_readings[position]
        overlap = sum(gram in reading_text for gram in readings) / max(1, len(readings))
        hits = sum(
            bool(keyword) and keyword in normalised
            for keyword in index.entry_keywords[position]
        )
        rows.append(
            (
                score / top,
                score,
                1.0 if rank == 0 else 0.0,
                sum(mine) / count,
                same / count,
                telling / count,
                overlap,
                float(min(hits, 3)),
                learned[rank],
                learned[rank] - best_learned,
            )
        )
    return rows


def rerank(
    reranker: Reranker,
    rows: Sequence[tuple[float, ...]],
    ranked: list[tuple[float, int]],
) -> tuple[list[tuple[float, int]], float]:
    """Order the closest entries by the model; return the ranking and its top share.

    The best entry keeps the best score (the decision's scale); the others
    get it times their probability relative to the best's.
    """
    logits = [reranker.logit(row) for row in rows]
    peak = max(logits)
    odds = [math.exp(logit - peak) for logit in logits]
    total = sum(odds)
    top = ranked[0][0]
    head = sorted(
        (
            (top * share, position)
            for share, (_, position) in zip(odds, ranked, strict=False)
        ),
        reverse=True,
    )
    floor = head[-1][0]
    tail = [(min(score, floor), position) for score, position in ranked[len(head) :]]
    return head + tail, 1.0 / total


def fit_reranker(
    groups: Sequence[tuple[Sequence[tuple[float, ...]], int]],
    rounds: int = 400,
    rate: float = 0.5,
    penalty: float = 0.01,
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """Fit (mean, scale, weights) of a conditional logit by gradient descent.

    Each group is one question's candidates and the place of the right one.
    """
    size = len(FEATURE_NAMES)
    flat = [row for rows, _ in groups for row in rows]
    count = max(1, len(flat))
    mean = tuple(sum(row[i] for row in flat) / count for i in range(size))
    scale = tuple(
        math.sqrt(sum((row[i] - mean[i]) ** 2 for row in flat) / count) or 1.0
        for i in range(size)
    )
    data = [
        ([[(row[i] - mean[i]) / scale[i] for i in range(size)] for row in rows], right)
        for rows, right in groups
    ]
    weights = [0.0] * size
    for _ in range(rounds):
        gradient = [0.0] * size
        for rows, right in data:
            logits = [
                sum(w * v for w, v in zip(weights, row, strict=True)) for row in rows
            ]
            peak = max(logits)
            odds = [math.exp(logit - peak) for logit in logits]
            total = sum(odds)
            for place, row in enumerate(rows):
                error = odds[place] / total - (1.0 if place == right else 0.0)
                for i in range(size):
                    gradient[i] += error * row[i]
        for i in range(size):
            weights[i] -= rate * (
                gradient[i] / max(1, len(data)) + penalty * weights[i]
            )
    return mean, scale, tuple(weights)
