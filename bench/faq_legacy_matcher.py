"""The FAQ matcher as shipped before issue 21, kept for the bench to compare with."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from bot.faq.content import FaqEntry

# Normalising and splitting clauses are unchanged since then: shared, not copied.
from bot.faq.normalise import clauses as _normalised_clauses

MatchKind = Literal["answer", "candidates", "none"]

# Kanji unigrams plus all bigrams; trigrams only added noise across particles.
NGRAM_WEIGHTS = {1: 1.0, 2: 1.0}
# Keywords count this many times over in the whole-entry vector.
KEYWORD_WEIGHT = 2.0
# How much of the score comes from the best single phrasing versus the whole entry.
PHRASING_SHARE = 0.3
# N-grams no entry contains still weigh on the query (off-topic words pull the
# score down) but at half the rarest known weight, so rambling stays answerable.
UNKNOWN_IDF_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class MatchThresholds:
    """Score limits that decide between answering, offering choices and giving up.

    Tuned on tests/faq/eval_questions.yaml; scores are blended cosine similarities.
    """

    # Answer outright only at or above this score (for an FAQ of reference_size
    # entries or fewer)...
    answer: float = 0.21
    # ...raised by this much per e-fold of entries beyond reference_size: a
    # bigger FAQ has rarer n-grams with higher IDF, so chance overlaps between
    # an off-topic message and some entry score higher.
    answer_growth: float = 0.01
    reference_size: int = 50
    # ...and only when the runner-up trails by both of these margins.
    min_margin: float = 0.01
    min_relative_margin: float = 0.08
    # Below this the message is not about the FAQ at all.
    candidate: float = 0.18
    # Offer only candidates scoring at least this share of the best one.
    candidate_ratio: float = 0.6

    def answer_at(self, size: int) -> float:
        """Return the answer threshold for an FAQ with this many entries."""
        growth = math.log(max(1.0, size / self.reference_size))
        return self.answer + self.answer_growth * growth


DEFAULT_THRESHOLDS = MatchThresholds()


@dataclass(frozen=True, slots=True)
class FaqMatch:
    """The outcome of matching one message against the FAQ."""

    kind: MatchKind
    score: float
    entry: FaqEntry | None = None
    candidates: tuple[FaqEntry, ...] = ()


def text_features(text: str) -> Counter[str]:
    """Return weighted character n-gram counts of normalised text."""
    features: Counter[str] = Counter()
    for clause in _normalised_clauses(text):
        for size, weight in NGRAM_WEIGHTS.items():
            for start in range(len(clause) - size + 1):
                gram = clause[start : start + size]
                if size == 1 and not _is_kanji(gram):
                    continue
                features[gram] += weight
    return features


def _is_kanji(char: str) -> bool:
    """Tell whether a character is a CJK ideograph (meaningful on its own)."""
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _weigh(
    features: Counter[str], idf: Mapping[str, float], unknown: float
) -> dict[str, float]:
    """Turn weighted counts into a unit-length TF-IDF vector (sublinear tf)."""
    vector = {
        gram: (1.0 + math.log(count) if count >= 1 else count) * idf.get(gram, unknown)
        for gram, count in features.items()
    }
    norm = math.sqrt(sum(value * value for value in vector.values()))
    if norm == 0.0:
        return {}
    return {gram: value / norm for gram, value in vector.items()}


@dataclass(frozen=True, slots=True)
class FaqIndex:
    """An immutable TF-IDF index over FAQ entries; rebuild and swap to update."""

    entries: tuple[FaqEntry, ...]
    idf: Mapping[str, float]
    unknown_idf: float
    entry_postings: Mapping[str, tuple[tuple[int, float], ...]]
    phrasing_postings: Mapping[str, tuple[tuple[int, float], ...]]
    phrasing_owner: tuple[int, ...]

    @classmethod
    def build(cls, entries: Sequence[FaqEntry]) -> FaqIndex:
        """Build the index from parsed FAQ entries."""
        entry_features: list[Counter[str]] = []
        phrasings: list[tuple[int, Counter[str]]] = []
        for position, entry in enumerate(entries):
            whole: Counter[str] = Counter()
            for text in (entry.question, *entry.alternatives):
                features = text_features(text)
                phrasings.append((position, features))
                whole.update(features)
            for keyword in entry.keywords:
                features = text_features(keyword)
                phrasings.append((position, features))
                for gram, count in features.items():
                    whole[gram] += count * KEYWORD_WEIGHT
            entry_features.append(whole)
        document_frequency: Counter[str] = Counter()
        for features in entry_features:
            document_frequency.update(features.keys())
        total = len(entries)
        idf = {
            gram: math.log((1 + total) / (1 + frequency)) + 1.0
            for gram, frequency in document_frequency.items()
        }
        unknown_idf = (math.log(1 + total) + 1.0) * UNKNOWN_IDF_FACTOR
        return cls(
            entries=tuple(entries),
            idf=MappingProxyType(idf),
            unknown_idf=unknown_idf,
            entry_postings=_postings(
                [_weigh(f, idf, unknown_idf) for f in entry_features]
            ),
            phrasing_postings=_postings(
                [_weigh(f, idf, unknown_idf) for _, f in phrasings]
            ),
            phrasing_owner=tuple(owner for owner, _ in phrasings),
        )

    def score(self, text: str) -> list[tuple[float, int]]:
        """Rank entries sharing any n-gram with the text as (score, position)."""
        query = _weigh(text_features(text), self.idf, self.unknown_idf)
        whole_scores: defaultdict[int, float] = defaultdict(float)
        phrasing_scores: defaultdict[int, float] = defaultdict(float)
        for gram, weight in query.items():
            for position, value in self.entry_postings.get(gram, ()):
                whole_scores[position] += weight * value
            for phrasing, value in self.phrasing_postings.get(gram, ()):
                phrasing_scores[phrasing] += weight * value
        best_phrasing: defaultdict[int, float] = defaultdict(float)
        for phrasing, value in phrasing_scores.items():
            owner = self.phrasing_owner[phrasing]
            best_phrasing[owner] = max(best_phrasing[owner], value)
        combined = [
            (
                PHRASING_SHARE * best_phrasing[position]
                + (1 - PHRASING_SHARE) * whole_scores[position],
                position,
            )
            for position in whole_scores
        ]
        combined.sort(reverse=True)
        return combined

    def match(
        self, text: str, thresholds: MatchThresholds = DEFAULT_THRESHOLDS
    ) -> FaqMatch:
        """Answer, offer up to three candidates, or give up on a message."""
        ranked = self.score(text)
        if not ranked or ranked[0][0] < thresholds.candidate:
            return FaqMatch(kind="none", score=ranked[0][0] if ranked else 0.0)
        top_score, top_position = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        margin = max(thresholds.min_margin, thresholds.min_relative_margin * top_score)
        answer_floor = thresholds.answer_at(len(self.entries))
        if top_score >= answer_floor and top_score - runner_up >= margin:
            return FaqMatch(
                kind="answer", score=top_score, entry=self.entries[top_position]
            )
        floor = max(thresholds.candidate, top_score * thresholds.candidate_ratio)
        candidates = tuple(
            self.entries[position] for score, position in ranked[:3] if score >= floor
        )
        return FaqMatch(kind="candidates", score=top_score, candidates=candidates)


def _postings(
    vectors: list[dict[str, float]],
) -> Mapping[str, tuple[tuple[int, float], ...]]:
    """Invert per-document vectors into feature -> (document, weight) postings."""
    inverted: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for document, vector in enumerate(vectors):
        for gram, value in vector.items():
            inverted[gram].append((document, value))
    return MappingProxyType({gram: tuple(items) for gram, items in inverted.items()})
