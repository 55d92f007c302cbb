"""Parse and validate the hand-written FAQ file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.line.limits import TEXT_LIMIT, line_length
from bot.yaml_files import UnreadableYaml, read_yaml

REQUIRED_TEXT_FIELDS = ("id", "category", "question", "answer")
OPTIONAL_LIST_FIELDS = ("alternatives", "keywords")
KNOWN_FIELDS = frozenset(REQUIRED_TEXT_FIELDS + OPTIONAL_LIST_FIELDS)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question the bot can answer, with the exact reply text."""

    id: str
    category: str
    question: str
    answer: str
    alternatives: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


class FaqContentError(Exception):
    """The FAQ file is invalid; `problems` lists every error found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in FAQ\n{listing}")


def parse_faq(text: str, source: str) -> list[FaqEntry]:
    """Parse FAQ YAML into entries, raising FaqContentError listing every problem."""
    try:
        document = read_yaml(text)
    except UnreadableYaml as error:
        raise FaqContentError(source, [str(error)]) from error
    if not isinstance(document, dict) or not isinstance(document.get("faqs"), list):
        raise FaqContentError(
            source, ["top level must be a mapping with a 'faqs' list"]
        )
    problems: list[str] = [
        f"unknown top-level key {key!r}" for key in document if key != "faqs"
    ]
    entries: list[FaqEntry] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(document["faqs"]):
        entry, entry_problems = _parse_entry(index, raw)
        problems.extend(entry_problems)
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str) and raw_id.strip():
            if raw_id.strip() in seen_ids:
                problems.append(
                    f"entry {raw_id.strip()!r} (#{index}), field 'id': duplicate id"
                )
            seen_ids.add(raw_id.strip())
        if entry is not None:
            entries.append(entry)
    if problems:
        raise FaqContentError(source, problems)
    return entries


# What the faq_entries columns hold (the answer's limit is LINE's).
COLUMN_LIMITS = {"id": 100, "category": 100, "question": 500}


def _parse_entry(index: int, raw: Any) -> tuple[FaqEntry | None, list[str]]:
    """Validate one raw entry; return it (or None) and its problems."""
    if not isinstance(raw, dict):
        return None, [f"entry #{index}: must be a mapping, got {type(raw).__name__}"]
    raw_id = raw.get("id")
    label = (
        f"entry {raw_id!r}"
        if isinstance(raw_id, str) and raw_id.strip()
        else f"entry #{index}"
    )
    problems = [
        f"{label}, field {key!r}: unknown key" for key in raw if key not in KNOWN_FIELDS
    ]
    texts: dict[str, str] = {}
    for field in REQUIRED_TEXT_FIELDS:
        value = raw.get(field)
        if value is None:
            problems.append(f"{label}, field {field!r}: missing")
        elif not isinstance(value, str):
            problems.append(
                f"{label}, field {field!r}: must be text, got {type(value).__name__}"
            )
        elif not value.strip():
            problems.append(f"{label}, field {field!r}: empty")
        else:
            texts[field] = value.strip()
    for field, limit in COLUMN_LIMITS.items():
        if len(texts.get(field, "")) > limit:
            problems.append(f"{label}, field {field!r}: longer than {limit} characters")
    if line_length(texts.get("answer", "")) > TEXT_LIMIT:
        problems.append(
            f"{label}, field 'answer': {line_length(texts['answer'])} characters "
            f"as LINE counts them, over LINE's {TEXT_LIMIT}-character limit"
        )
    lists = {
        field: _parse_text_list(label, field, raw.get(field, []), problems)
        for field in OPTIONAL_LIST_FIELDS
    }
    if problems:
        return None, problems
    entry = FaqEntry(
        id=texts["id"],
        category=texts["category"],
        question=texts["question"],
        answer=texts["answer"],
        alternatives=lists["alternatives"],
        keywords=lists["keywords"],
    )
    return entry, []


def _parse_text_list(
    label: str, field: str, value: Any, problems: list[str]
) -> tuple[str, ...]:
    """Return a list field as a tuple of non-empty strings, noting problems."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(
            f"{label}, field {field!r}: must be a list, got {type(value).__name__}"
        )
        return ()
    items: list[str] = []
    for position, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                f"{label}, field {field!r}: item {position} must be non-empty text"
            )
            continue
        items.append(item.strip())
    return tuple(items)
