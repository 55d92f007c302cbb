"""Analyse Japanese text into matching features: n-grams, readings, words, synonyms.

SudachiPy with SudachiDict-core gives every word its reading (so 送料 and そうりょう
meet), its normalised form (so 引っ越し and 引越し meet) and the groups of Sudachi's
synonym dictionary it belongs to (so 返金 and 払い戻し meet). The dictionary is
memory-mapped once per process on first use; each thread gets its own tokenizer.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.faq.normalise import KATAKANA_TO_HIRAGANA, LONG_VOWEL_MARKS, clauses

if TYPE_CHECKING:
    from sudachipy import MorphemeList

# Parts of speech whose words carry meaning (Sudachi's first POS field).
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "代名詞"})
# Words that appear in nearly every question and tell no intent apart.
STOP_WORDS = frozenset(
    "為る 有る 居る 成る 出来る 言う 思う 事 物 方 の 此れ 其れ 何 何か 貰う"
    " 呉れる 頂く 下さる 教える 知る 分かる 良い 御 様 さん ちゃん 今 いつ"
    " どう どれ 欲しい".split()
)


@dataclass(frozen=True, slots=True)
class FeatureWeights:
    """How much each kind of feature counts; zero turns a kind off (ablation)."""

    ngrams: float = 1.0
    readings: float = 1.0
    words: float = 1.0
    synonyms: float = 1.0


DEFAULT_WEIGHTS = FeatureWeights()


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text as the analyser sees it."""

    surface: str
    reading: str  # hiragana, long vowel marks dropped
    lemma: str  # normalised form; empty for particles, endings and symbols
    groups: tuple[int, ...]  # synonym groups of Sudachi's synonym dictionary
    noun: bool  # a noun naming a thing (not a time, amount or number word)
    proper: bool  # a proper noun that is not a place (a brand, a service)


class _Analyser:
    """One process's Sudachi dictionary and a tokenizer per thread."""

    def __init__(self) -> None:
        from sudachipy import Dictionary  # imported on first use: nothing at import

        self.dictionary = Dictionary(dict="core")
        self.local = threading.local()

    def tokenize(self, text: str) -> list[Word]:
        """Return the words of a text."""
        from sudachipy import SplitMode

        tokenizer = getattr(self.local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = self.dictionary.tokenizer(SplitMode.C)
            self.local.tokenizer = tokenizer
        words = []
        morphemes = tokenizer.tokenize(text)
        for position, morpheme in enumerate(morphemes):
            pos = morpheme.part_of_speech()
            surface = morpheme.surface()
            content = pos[0] in CONTENT_POS and not _in_compound_particle(
                morphemes, position
            )
            words.append(
                Word(
                    surface=surface,
                    reading=_fold_kana(morpheme.reading_form() or surface),
                    lemma=morpheme.normalized_form().lower() if content else "",
                    groups=tuple(morpheme.synonym_group_ids()) if content else (),
                    noun=pos[0] in ("名詞", "代名詞")
                    and pos[1] != "数詞"
                    and pos[2] != "副詞可能",
                    proper=pos[1] == "固有名詞" and pos[2] != "地名",
                )
            )
        return words


def _in_compound_particle(morphemes: MorphemeList, position: int) -> bool:
    """Tell whether a verb is part of "について" or "に関して" (about), not a word.

    Sudachi splits them into に + 付く/関する + て, and 付く would then read
    as "ポイントがつく" (earning points).
    """
    surface = morphemes[position].surface()
    if surface not in ("つい", "関し", "かんし") or position == 0:
        return False
    following = position + 1 < len(morphemes) and morphemes[position + 1].surface()
    return morphemes[position - 1].surface() == "に" and following == "て"


_lock = threading.Lock()
_analyser: _Analyser | None = None


def analyser() -> _Analyser:
    """Return the process's analyser, loading the dictionary on first use."""
    global _analyser
    if _analyser is None:
        with _lock:
            if _analyser is None:
                _analyser = _Analyser()
    return _analyser


def text_features(text: str, weights: FeatureWeights = DEFAULT_WEIGHTS) -> Counter[str]:
    """Return the weighted features of one text."""
    return analyse(text, weights)[0]


def analyse(
    text: str, weights: FeatureWeights = DEFAULT_WEIGHTS
) -> tuple[Counter[str], list[Word]]:
    """Return the weighted features of one text and its words."""
    features: Counter[str] = Counter()
    if weights.ngrams:
        for clause in clauses(text):
            _add_ngrams(features, clause, "", weights.ngrams, kanji_unigrams=True)
    words = analyser().tokenize(unicodedata.normalize("NFKC", text))
    _add_word_features(features, words, weights)
    return features, words


def _add_ngrams(
    features: Counter[str],
    clause: str,
    prefix: str,
    weight: float,
    kanji_unigrams: bool = False,
) -> None:
    """Count character bigrams (and kanji unigrams) of one clause."""
    if kanji_unigrams:
        for char in clause:
            if _is_kanji(char):
                features[prefix + char] += weight
    for start in range(len(clause) - 1):
        features[prefix + clause[start : start + 2]] += weight


def _add_word_features(
    features: Counter[str], words: list[Word], weights: FeatureWeights
) -> None:
    """Add reading bigrams, normalised content words and synonym groups."""
    reading: list[str] = []
    for word in words:
        if not any(unicodedata.category(c)[0] in "LN" for c in word.surface):
            _flush_reading(features, reading, weights.readings)
            continue
        reading.append(word.reading)
        if not is_meaningful(word):
            continue
        if weights.words:
            features["w:" + word.lemma] += weights.words
        if weights.synonyms:
            for group in word.groups:
                features[f"s:{group}"] += weights.synonyms
    _flush_reading(features, reading, weights.readings)


def is_meaningful(word: Word) -> bool:
    """Tell whether a word carries meaning (a content word, not a stop word)."""
    return bool(word.lemma) and word.lemma not in STOP_WORDS


def _flush_reading(features: Counter[str], reading: list[str], weight: float) -> None:
    """Count the reading bigrams of the clause collected so far."""
    if reading and weight:
        _add_ngrams(features, "".join(reading), "r:", weight)
    reading.clear()


def _fold_kana(reading: str) -> str:
    return reading.lower().translate(KATAKANA_TO_HIRAGANA).translate(LONG_VOWEL_MARKS)


def _is_kanji(char: str) -> bool:
    """Tell whether a character is a CJK ideograph (meaningful on its own)."""
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
