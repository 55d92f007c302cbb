"""Fold how customers type (width, kana, endings, fillers) so phrasings meet."""

from __future__ import annotations

import unicodedata

KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
LONG_VOWEL_MARKS = str.maketrans("", "", "ー〜～")
# Openers that carry no meaning for matching; removed from the start of a clause.
LEADING_FILLERS = (
    "おはようございます",
    "こんにちは",
    "こんばんは",
    "はじめまして",
    "すみません",
    "すいません",
    "ちなみに",
    "しつもん",
    "質問です",
    "質問",
    "えっと",
    "あの",
)
# Polite and casual sentence endings, so "送料はいくらですか" meets "送料いくら".
TRAILING_ENDINGS = tuple(
    sorted(
        (
            "でしょうか",
            "ませんか",
            "ますか",
            "ですか",
            "くださいませ",
            "ください",
            "下さい",
            "おねがいします",
            "お願いします",
            "おねがい",
            "お願い",
            "おしえてほしい",
            "教えてほしい",
            "おしえて",
            "教えて",
            "しりたいです",
            "知りたいです",
            "しりたい",
            "知りたい",
            "なんですけど",
            "んですけど",
            "んだけど",
            "なんですが",
            "んですが",
            "のですが",
            "ですが",
            "けど",
            "でしょう",
            "なさい",
            "ですよね",
            "ですね",
            "だよね",
            "よね",
            "です",
            "ます",
            "って",
            "かな",
            "かね",
            "の",
            "か",
            "ね",
            "よ",
        ),
        key=len,
        reverse=True,
    )
)
# Everyday retail synonyms folded to one spelling (keys are already normalised).
SYNONYMS = (
    ("おんらいんしょっぷ", "おんらいん"),
    ("おんらいんすとあ", "おんらいん"),
    ("ねっとしょっぷ", "おんらいん"),
    ("ねっと", "おんらいん"),
    ("通販", "おんらいん"),
    ("お店", "店舗"),
    ("店頭", "店舗"),
    ("元旦", "元日"),
)


def normalise_text(text: str) -> str:
    """Fold width, case, kana and endings so differently typed questions meet."""
    return "".join(clauses(text))


def clauses(text: str) -> list[str]:
    """Split text into clauses at punctuation and strip fillers and endings."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = folded.translate(KATAKANA_TO_HIRAGANA).translate(LONG_VOWEL_MARKS)
    for variant, canonical in SYNONYMS:
        folded = folded.replace(variant, canonical)
    clauses: list[str] = []
    current: list[str] = []
    for char in folded + " ":
        if unicodedata.category(char)[0] in "LN":
            current.append(char)
        elif current:
            clauses.append(_strip_fillers("".join(current)))
            current = []
    return [clause for clause in clauses if clause]


def _strip_fillers(clause: str) -> str:
    """Remove leading fillers and trailing polite or casual endings."""
    changed = True
    while changed and clause:
        changed = False
        for filler in LEADING_FILLERS:
            if clause.startswith(filler):
                clause = clause[len(filler) :]
                changed = True
        for ending in TRAILING_ENDINGS:
            if clause.endswith(ending) and len(clause) > len(ending):
                clause = clause[: -len(ending)]
                changed = True
                break
    if clause in TRAILING_ENDINGS:
        return ""
    return clause
