"""Match a customer's Japanese question to an FAQ entry by weighted features."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from bot.faq.analysis import (
    DEFAULT_WEIGHTS,
    FeatureWeights,
    Word,
    analyse,
    is_meaningful,
)
from bot.faq.content import FaqEntry
from bot.faq.normalise import normalise_text

__all__ = ["FaqIndex", "FaqMatch", "MatchThresholds", "normalise_text"]

MatchKind = Literal["answer", "candidates", "none"]

# Keywords count this many times over in the whole-entry vector.
KEYWORD_WEIGHT = 2.0
# How much of the score comes from the best single phrasing versus the whole entry.
PHRASING_SHARE = 0.3
# N-grams no entry contains still weigh on the query (off-topic words pull the
# score down) but at half the rarest known weight, so rambling stays answerable.
UNKNOWN_IDF_FACTOR = 0.5
# Among this many closest entries, words only one has re-rank them...
CONTENDERS = 3
# ...adding this share of their weight again to that entry's score.
INTENT_SHARE = 0.6
# The closest entries' scores are scaled by (share of words explained) ** power.
COVERAGE_DEPTH = 5
COVERAGE_POWER = 0.0
# A question about another business's thing keeps this share of its score.
FOREIGN_OWNER_FACTOR = 0.6


@dataclass(frozen=True, slots=True)
class MatchThresholds:
    """Score limits that decide between answering, offering choices and giving up.

    Set on the tuning half of tests/faq/intent_questions.yaml by
    `python bench/faq_bench.py --calibrate` (most right answers while at least
    95% of out-of-scope questions go unanswered); scores are blended cosine
    similarities scaled by word coverage.
    """

    # Answer outright only at or above this score (for an FAQ of reference_size
    # entries or fewer)...
    answer: float = 0.24
    # ...raised by this much per e-fold of entries beyond reference_size: a
    # bigger FAQ has rarer n-grams with higher IDF, so chance overlaps between
    # an off-topic message and some entry score higher.
    answer_growth: float = 0.01
    reference_size: int = 50
    # ...and only when the runner-up trails by both of these margins.
    min_margin: float = 0.01
    min_relative_margin: float = 0.1
    # Below this the message is not about the FAQ at all (about 85% of the
    # tuning half's out-of-scope questions score under it).
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
    vocabulary: frozenset[str] = frozenset()
    entry_keys: tuple[frozenset[str], ...] = ()
    entry_readings: tuple[str, ...] = ()
    weights: FeatureWeights = DEFAULT_WEIGHTS
    scope_check: bool = True
    intent_share: float = 0.0
    coverage_power: float = 0.0

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        weights: FeatureWeights = DEFAULT_WEIGHTS,
        scope_check: bool = True,
        intent_share: float = INTENT_SHARE,
        coverage_power: float = COVERAGE_POWER,
    ) -> FaqIndex:
        """Build the index from parsed FAQ entries."""
        entry_features: list[Counter[str]] = []
        phrasings: list[tuple[int, Counter[str]]] = []
        entry_keys: list[frozenset[str]] = []
        entry_readings: list[str] = []
        for position, entry in enumerate(entries):
            whole: Counter[str] = Counter()
            keys: set[str] = set()
            readings: list[str] = []
            for text in (entry.question, *entry.alternatives):
                features, words = analyse(text, weights)
                keys.update(key for word in words for key in _word_keys(word))
                readings.append("".join(word.reading for word in words))
                phrasings.append((position, features))
                whole.update(features)
            for keyword in entry.keywords:
                features, words = analyse(keyword, weights)
                keys.update(key for word in words for key in _word_keys(word))
                readings.append("".join(word.reading for word in words))
                phrasings.append((position, features))
                for gram, count in features.items():
                    whole[gram] += count * KEYWORD_WEIGHT
            entry_features.append(whole)
            entry_keys.append(frozenset(keys))
            entry_readings.append("|".join(readings))
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
            vocabulary=frozenset().union(*entry_keys),
            entry_keys=tuple(entry_keys),
            entry_readings=tuple(entry_readings),
            weights=weights,
            scope_check=scope_check,
            intent_share=intent_share,
            coverage_power=coverage_power,
        )

    def score(self, text: str) -> list[tuple[float, int]]:
        """Rank entries sharing any n-gram with the text as (score, position)."""
        features, words = analyse(text, self.weights)
        query = _weigh(features, self.idf, self.unknown_idf)
        whole_scores: defaultdict[int, float] = defaultdict(float)
        phrasing_scores: defaultdict[int, float] = defaultdict(float)
        shared: list[tuple[float, tuple[tuple[int, float], ...]]] = []
        for gram, weight in query.items():
            postings = self.entry_postings.get(gram, ())
            for position, value in postings:
                whole_scores[position] += weight * value
            if postings and gram[:2] in ("w:", "s:"):
                shared.append((weight, postings))
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
        if self.intent_share and len(combined) > 1:
            combined = _weigh_telling_words(combined, shared, self.intent_share)
        if self.coverage_power:
            combined = self._weigh_coverage(combined, words)
        if self.scope_check and self.names_something_else(words):
            combined = [(score * FOREIGN_OWNER_FACTOR, pos) for score, pos in combined]
        return combined

    def _weigh_coverage(
        self, ranked: list[tuple[float, int]], words: list[Word]
    ) -> list[tuple[float, int]]:
        """Scale the closest entries' scores by the share of words they explain.

        "会社のメールアドレスを作りたい" shares メールアドレス with an entry but
        leaves 作る unexplained; a question the entry answers leaves little.
        """
        meaningful = [word for word in words if is_meaningful(word)]
        if not meaningful:
            return ranked
        rescored = []
        for score, position in ranked[:COVERAGE_DEPTH]:
            keys, reading = self.entry_keys[position], self.entry_readings[position]
            covered = sum(
                any(key in keys for key in _word_keys(word))
                or (len(word.reading) >= 2 and word.reading in reading)
                for word in meaningful
            )
            share = covered / len(meaningful)
            rescored.append((score * share**self.coverage_power, position))
        rescored.sort(reverse=True)
        return rescored

    def names_something_else(self, words: list[Word]) -> bool:
        """Tell whether the text is about another business's thing.

        "ユニクロの営業時間" or "ゲームのポイント": a brand the FAQ never names, or
        an unknown noun owning ("Xの") a word the FAQ knows, means the shared
        word belongs to something else.
        """
        for position, word in enumerate(words):
            if (
                not word.noun
                or not is_meaningful(word)
                or _is_hiragana(word.surface)  # unconverted kana splits unreliably
                or self.knows(word)
            ):
                continue
            if word.proper:
                return True
            following = words[position + 1 : position + 3]
            if (
                len(following) == 2
                and following[0].surface == "の"
                and is_meaningful(following[1])
                and self.knows(following[1])
            ):
                return True
        return False

    def knows(self, word: Word) -> bool:
        """Tell whether any FAQ text has this word, a synonym or its reading."""
        return any(key in self.vocabulary for key in _word_keys(word))

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


def _weigh_telling_words(
    ranked: list[tuple[float, int]],
    shared: list[tuple[float, tuple[tuple[int, float], ...]]],
    share: float,
) -> list[tuple[float, int]]:
    """Re-rank the closest entries by the query words only one of them has.

    Earning, using and losing points all say ポイント; what tells them apart is
    使う, 貯まる or 期限. Among the top contenders, a feature that exactly one
    of them has adds its share again to that one's score.
    """
    contenders = {position for _, position in ranked[:CONTENDERS]}
    bonus: defaultdict[int, float] = defaultdict(float)
    for weight, postings in shared:
        holders = [(p, value) for p, value in postings if p in contenders]
        if len(holders) == 1:
            bonus[holders[0][0]] += weight * holders[0][1]
    rescored = [
        (score + share * bonus[position], position) for score, position in ranked
    ]
    rescored.sort(reverse=True)
    return rescored


def _is_hiragana(text: str) -> bool:
    return all("\u3041" <= char <= "\u309f" for char in text)


def _word_keys(word: Word) -> tuple[str, ...]:
    """Return the keys under which a meaningful word is known to the FAQ."""
    if not is_meaningful(word):
        return ()
    return (f"w:{word.lemma}", f"y:{word.reading}", *(f"s:{g}" for g in word.groups))


def _postings(
    vectors: list[dict[str, float]],
) -> Mapping[str, tuple[tuple[int, float], ...]]:
    """Invert per-document vectors into feature -> (document, weight) postings."""
    inverted: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for document, vector in enumerate(vectors):
        for gram, value in vector.items():
            inverted[gram].append((document, value))
    return MappingProxyType({gram: tuple(items) for gram, items in inverted.items()})
