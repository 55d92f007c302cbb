"""Match a customer's Japanese question to an FAQ entry by weighted features."""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
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
from bot.faq.decision import DEFAULT_DECISION, DecisionModel, evidence
from bot.faq.normalise import normalise_text
from bot.faq.reranker import (
    RERANK_DEPTH,
    LearnedWords,
    Reranker,
    candidate_features,
    default_reranker,
    learned_words,
    rerank,
)

__all__ = ["FaqIndex", "FaqMatch", "MatchThresholds", "normalise_text"]

MatchKind = Literal["answer", "candidates", "none"]

# Keywords count this many times over in the whole-entry vector.
KEYWORD_WEIGHT = 2.0
# How much of the score comes from the best single phrasing versus the whole entry.
PHRASING_SHARE = 0.3
# N-grams no entry contains still weigh on the query (off-topic words pull the
# score down) but at half the rarest known weight, so rambling stays answerable.
UNKNOWN_IDF_FACTOR = 0.5
# Features in more than this share of entries (and more than this many) are
# left out of the look-up lists: they tell nothing apart in a large FAQ.
COMMON_SHARE = 0.1
COMMON_MIN_ENTRIES = 60
# Only this many best entries are kept in a ranking.
RANKED_DEPTH = 10
# Among this many closest entries, words only one has re-rank them...
CONTENDERS = 3
# ...adding this share of their weight again to that entry's score.
INTENT_SHARE = 0.6
# A question about another business's thing keeps this share of its score.
FOREIGN_OWNER_FACTOR = 0.6
# An unknown noun followed by one of these particles ("ジムの", "メルカリで")
# owns or hosts a known word within this many following words.
OWNING_PARTICLES = frozenset({"の", "で"})
SCOPE_REACH = 4


@dataclass(frozen=True, slots=True)
class MatchThresholds:
    """Score limits that decide between answering, offering choices and giving up.

    Used when the index has no decision model (the learned decision replaces
    answer and candidate); tie_margin is set on the tuning questions by
    `python bench/faq_bench.py --calibrate`. Scores are blended cosine
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
    # A runner-up within this share of the best score: ask which was meant
    # (picked from 0.02-0.2 by --calibrate; the decision weighs wider leads).
    tie_margin: float = 0.02

    def answer_at(self, size: int) -> float:
        """Return the answer threshold for an FAQ with this many entries."""
        growth = math.log(max(1.0, size / self.reference_size))
        return self.answer + self.answer_growth * growth


DEFAULT_THRESHOLDS = MatchThresholds()


@dataclass(frozen=True, slots=True)
class Ranking:
    """Entries ranked for one text, with what the decision looks at."""

    ranked: list[tuple[float, int]]
    words: list[Word]
    # (query weight, entry postings) of each word or synonym feature shared.
    shared: list[tuple[float, tuple[tuple[int, float], ...]]]
    foreign: bool
    # The re-ranker's probability for the best entry (1.0 without one).
    confidence: float = 1.0
    # The ranking by blended score before the re-ranker (empty without one).
    blended: tuple[tuple[float, int], ...] = ()


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
    scope_veto: bool = False
    scope_reach: int = SCOPE_REACH
    owning_particles: frozenset[str] = OWNING_PARTICLES
    ask_on_shared_word: bool = True
    intent_share: float = 0.0
    decision: DecisionModel | None = DEFAULT_DECISION
    entry_keywords: tuple[tuple[str, ...], ...] = ()
    learned: LearnedWords = LearnedWords((), {})
    reranker: Reranker | None = None

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        weights: FeatureWeights = DEFAULT_WEIGHTS,
        scope_check: bool = True,
        scope_veto: bool = False,
        scope_reach: int = SCOPE_REACH,
        owning_particles: frozenset[str] = OWNING_PARTICLES,
        ask_on_shared_word: bool = True,
        intent_share: float = INTENT_SHARE,
        decision: DecisionModel | None = DEFAULT_DECISION,
        reranker: Reranker | None | Literal["shipped"] = "shipped",
    ) -> FaqIndex:
        """Build the index from parsed FAQ entries.

        reranker: "shipped" reads bot/faq/reranker.json; None ranks by score.
        """
        if reranker == "shipped":
            reranker = default_reranker()
        text_keys: list[Counter[str]] = []
        entry_features: list[Counter[str]] = []
        phrasings: list[tuple[int, Counter[str]]] = []
        entry_keys: list[frozenset[str]] = []
        entry_readings: list[str] = []
        for position, entry in enumerate(entries):
            whole: Counter[str] = Counter()
            keys: set[str] = set()
            key_counts: Counter[str] = Counter()
            readings: list[str] = []
            for text in (entry.question, *entry.alternatives):
                features, words = analyse(text, weights)
                keys.update(key for word in words for key in _word_keys(word))
                key_counts.update({k for word in words for k in _word_keys(word)})
                readings.append("".join(word.reading for word in words))
                phrasings.append((position, features))
                whole.update(features)
            for keyword in entry.keywords:
                features, words = analyse(keyword, weights)
                keys.update(key for word in words for key in _word_keys(word))
                key_counts.update({k for word in words for k in _word_keys(word)})
                readings.append("".join(word.reading for word in words))
                phrasings.append((position, features))
                for gram, count in features.items():
                    whole[gram] += count * KEYWORD_WEIGHT
            entry_features.append(whole)
            entry_keys.append(frozenset(keys))
            entry_readings.append("|".join(readings))
            text_keys.append(key_counts)
        document_frequency: Counter[str] = Counter()
        for features in entry_features:
            document_frequency.update(features.keys())
        total = len(entries)
        idf = {
            gram: math.log((1 + total) / (1 + frequency)) + 1.0
            for gram, frequency in document_frequency.items()
        }
        unknown_idf = (math.log(1 + total) + 1.0) * UNKNOWN_IDF_FACTOR
        # Features most entries share weigh little but cost the most to look up.
        crowded = max(COMMON_MIN_ENTRIES, COMMON_SHARE * total)
        common = {gram for gram, count in document_frequency.items() if count > crowded}
        return cls(
            entries=tuple(entries),
            idf=MappingProxyType(idf),
            unknown_idf=unknown_idf,
            entry_postings=_postings(
                [_weigh(f, idf, unknown_idf) for f in entry_features], common
            ),
            phrasing_postings=_postings(
                [_weigh(f, idf, unknown_idf) for _, f in phrasings], common
            ),
            phrasing_owner=tuple(owner for owner, _ in phrasings),
            vocabulary=frozenset().union(*entry_keys),
            entry_keys=tuple(entry_keys),
            entry_readings=tuple(entry_readings),
            weights=weights,
            scope_check=scope_check,
            scope_veto=scope_veto,
            scope_reach=scope_reach,
            owning_particles=owning_particles,
            ask_on_shared_word=ask_on_shared_word,
            intent_share=intent_share,
            decision=decision,
            entry_keywords=tuple(
                tuple(normalise_text(keyword) for keyword in entry.keywords)
                for entry in entries
            ),
            learned=learned_words(
                [entry.id for entry in entries],
                text_keys,
                reranker.question_keys if reranker else {},
            ),
            reranker=reranker,
        )

    def score(self, text: str) -> list[tuple[float, int]]:
        """Rank the closest entries to the text as (score, position), best first."""
        return self.rank(text).ranked

    def rank(self, text: str) -> Ranking:
        """Rank entries for a text and keep what the decision needs."""
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
        best_phrasing: dict[int, float] = {}
        owners = self.phrasing_owner
        for phrasing, value in phrasing_scores.items():
            if value > best_phrasing.get(owners[phrasing], 0.0):
                best_phrasing[owners[phrasing]] = value
        combined = heapq.nlargest(
            RANKED_DEPTH,
            (
                (
                    PHRASING_SHARE * best_phrasing.get(position, 0.0)
                    + (1 - PHRASING_SHARE) * score,
                    position,
                )
                for position, score in whole_scores.items()
            ),
        )
        if self.intent_share and len(combined) > 1:
            combined = _weigh_telling_words(combined, shared, self.intent_share)
        foreign = self.scope_check and self.names_something_else(words)
        if foreign:
            combined = [(score * FOREIGN_OWNER_FACTOR, pos) for score, pos in combined]
        if self.reranker is None or len(combined) < 2 or combined[0][0] <= 0:
            return Ranking(combined, words, shared, foreign)
        rows = self.candidate_features(text, combined, words)
        reranked, confidence = rerank(self.reranker, rows, combined)
        return Ranking(reranked, words, shared, foreign, confidence, tuple(combined))

    def candidate_features(
        self, text: str, ranked: list[tuple[float, int]], words: list[Word]
    ) -> list[tuple[float, ...]]:
        """Return the re-ranker's measures of the closest entries to a text."""
        keys = [key for word in words for key in _word_keys(word)]
        return candidate_features(
            self, ranked[:RERANK_DEPTH], words, keys, normalise_text(text)
        )

    def rank_by_score(self, text: str) -> Ranking:
        """Rank by the blended score alone (the re-ranker's input)."""
        return replace(self, reranker=None).rank(text)

    def explained(self, position: int, word: Word) -> bool:
        """Tell whether an entry has this word, a synonym of it or its reading."""
        if any(key in self.entry_keys[position] for key in _word_keys(word)):
            return True
        return len(word.reading) >= 2 and word.reading in self.entry_readings[position]

    def names_something_else(self, words: list[Word]) -> bool:
        """Tell whether the text is about another business's thing.

        "ユニクロの営業時間", "ゲームのポイント" or "メルカリで売った商品の送料":
        a brand the FAQ never names, or an unknown noun owning ("Xの") or
        hosting ("Xで") a word the FAQ knows within scope_reach words, means
        the shared word belongs to something else.
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
            following = words[position + 1 : position + 2 + self.scope_reach]
            if (
                len(following) >= 2
                and following[0].surface in self.owning_particles
                and any(
                    is_meaningful(later) and self.knows(later)
                    for later in following[1:]
                )
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
        ranking = self.rank(text)
        ranked = ranking.ranked
        if not ranked:
            return FaqMatch(kind="none", score=0.0)
        top_score, top_position = ranked[0]
        if self.decision is not None:
            confidence = self.decision.probability(evidence(self, ranking))
            answer = confidence >= self.decision.answer
            offer = confidence >= self.decision.candidates
        else:
            runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
            margin = max(
                thresholds.min_margin, thresholds.min_relative_margin * top_score
            )
            answer = (
                top_score >= thresholds.answer_at(len(self.entries))
                and top_score - runner_up >= margin
            )
            offer = top_score >= thresholds.candidate
        if answer and not self.holds_back(ranking, thresholds):
            return FaqMatch(
                kind="answer", score=top_score, entry=self.entries[top_position]
            )
        if not (answer or offer):
            return FaqMatch(kind="none", score=top_score)
        # Offer entries near the best by blended score, in the re-ranker's order.
        blended = {position: score for score, position in ranking.blended or ranked}
        floor = max(blended.values()) * thresholds.candidate_ratio
        candidates = tuple(
            self.entries[position]
            for _, position in ranked[:3]
            if blended[position] >= floor
        )
        return FaqMatch(kind="candidates", score=top_score, candidates=candidates)

    def holds_back(self, ranking: Ranking, thresholds: MatchThresholds) -> bool:
        """Tell whether to ask instead of answering, whatever the confidence.

        A close call fits two entries; a one-word question can fit two alike.
        With scope_veto, a question about another business's thing is never
        answered either: off by default, because on the tuning questions the
        scope check also flags long in-scope questions with context
        ("家族で車で行こうと思っている..."), and as evidence for the decision it
        rejects as many out-of-scope questions while answering more in scope.
        """
        return (
            self.close_call(ranking, thresholds)
            or (self.ask_on_shared_word and self.undecided(ranking))
            or (self.scope_veto and ranking.foreign)
        )

    def undecided(self, ranking: Ranking) -> bool:
        """Tell whether a one-word question fits the two best entries alike.

        "ポイントについて" names what several entries are about, but none of
        them more than the others: ask which one was meant.
        """
        ranked = ranking.ranked
        if len(ranked) < 2:
            return False
        first, second = ranked[0][1], ranked[1][1]
        words = [word for word in ranking.words if is_meaningful(word)]
        # One word both entries have; longer questions carry context the
        # scores and the decision already weigh.
        return (
            len(words) == 1
            and not _is_hiragana(words[0].surface)  # kana splits unreliably
            and self.explained(first, words[0])
            and self.explained(second, words[0])
        )

    def close_call(self, ranking: Ranking, thresholds: MatchThresholds) -> bool:
        """Tell whether the runner-up is too close to answer without asking.

        Words that tell intents apart have already re-ranked the contenders,
        so a lead this small means the question fits both ("返品したい").
        """
        ranked = ranking.ranked
        if len(ranked) < 2 or ranked[0][0] <= 0.0:
            return False
        return ranked[0][0] - ranked[1][0] < thresholds.tie_margin * ranked[0][0]


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
    vectors: list[dict[str, float]], common: set[str]
) -> Mapping[str, tuple[tuple[int, float], ...]]:
    """Invert per-document vectors into feature -> (document, weight) postings."""
    inverted: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for document, vector in enumerate(vectors):
        for gram, value in vector.items():
            if gram not in common:
                inverted[gram].append((document, value))
    return MappingProxyType({gram: tuple(items) for gram, items in inverted.items()})
