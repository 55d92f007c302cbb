"""Learning from misses: questions the bot could not answer, operators' proposals.

Nothing here changes the FAQ. Gaps are listed for people to read, and
suggestions are written out as a YAML patch a person reviews before
`flask faq load`, which stays the one way content changes.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import yaml
from sqlalchemy import delete, select

from bot.extensions import db
from bot.faq.analysis import text_features
from bot.faq.content import FaqEntry
from bot.faq.models import FaqGap, FaqSuggestion
from bot.faq.service import live_faq

# Gaps at least this similar (cosine of their features) are listed together.
GROUP_SIMILARITY = 0.5
SUGGESTION_TEXT_LIMIT = 500
TOP_MATCHES = 3


class FaqSuggestionError(ValueError):
    """A suggestion names an entry the FAQ does not have, or has no text."""


@dataclass
class GapGroup:
    """Similar questions the bot missed, most recent phrasing first."""

    texts: list[str] = field(default_factory=list)
    users: set[int] = field(default_factory=set)
    kinds: Counter[str] = field(default_factory=Counter)
    last_seen: datetime | None = None
    vector: dict[str, float] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Return how many times these questions were asked."""
        return len(self.texts)


def record_gap(user_id: int, text: str, kind: str, best_faq_id: str | None) -> None:
    """Keep a question the bot fell back on or had to ask about (flush only)."""
    if not text.strip():
        return
    db.session.add(
        FaqGap(user_id=user_id, text=text, kind=kind, best_faq_id=best_faq_id)
    )
    db.session.flush()


def purge_gaps(now: datetime, keep_days: int) -> int:
    """Delete gaps older than the retention; return how many went."""
    gone = db.session.execute(
        delete(FaqGap)
        .where(FaqGap.created_at < now - timedelta(days=keep_days))
        .execution_options(synchronize_session=False)
    )
    return gone.rowcount or 0


def gap_groups(since: datetime) -> list[GapGroup]:
    """Group the gaps since a moment by similarity, most frequent first."""
    gaps = db.session.scalars(
        select(FaqGap)
        .where(FaqGap.created_at >= since)
        .order_by(FaqGap.created_at.desc(), FaqGap.id.desc())
    ).all()
    groups: list[GapGroup] = []
    for gap in gaps:
        vector = _unit(text_features(gap.text))
        group = next(
            (g for g in groups if _cosine(g.vector, vector) >= GROUP_SIMILARITY),
            None,
        )
        if group is None:
            group = GapGroup(vector=vector, last_seen=gap.created_at)
            groups.append(group)
        group.texts.append(gap.text)
        group.users.add(gap.user_id)
        group.kinds[gap.kind] += 1
    groups.sort(key=lambda g: (-g.count, -len(g.users)))
    return groups


def top_matches(text: str) -> list[FaqEntry]:
    """Return the live FAQ entries closest to a text, best first."""
    index = live_faq().index
    return [index.entries[position] for _, position in index.score(text)][:TOP_MATCHES]


def propose(
    conversation_id: int, operator_id: int, text: str, faq_id: str | None
) -> FaqSuggestion:
    """Note a customer's question for an entry, or for a new one (flush only)."""
    text = text.strip()
    if not text or len(text) > SUGGESTION_TEXT_LIMIT:
        raise FaqSuggestionError("質問文は1〜500文字です。")
    if faq_id is not None and faq_id not in live_faq().by_id:
        raise FaqSuggestionError("そのFAQは見つかりません。")
    suggestion = FaqSuggestion(
        conversation_id=conversation_id,
        operator_id=operator_id,
        text=text,
        faq_id=faq_id,
    )
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def suggestions() -> list[FaqSuggestion]:
    """Return every operator suggestion, oldest first."""
    return list(
        db.session.scalars(
            select(FaqSuggestion).order_by(FaqSuggestion.created_at, FaqSuggestion.id)
        )
    )


def suggestions_patch(found: list[FaqSuggestion]) -> str:
    """Write suggestions as YAML for a person to review and merge into the FAQ."""
    by_id = live_faq().by_id
    alternatives: dict[str, dict[str, object]] = {}
    new_entries: list[dict[str, str]] = []
    for suggestion in found:
        if suggestion.faq_id is None:
            new_entries.append({"question": suggestion.text})
            continue
        entry = by_id.get(suggestion.faq_id)
        proposed = alternatives.setdefault(
            suggestion.faq_id,
            {"question": entry.question if entry else "(no longer in the FAQ)"},
        )
        texts = proposed.setdefault("add_alternatives", [])
        if isinstance(texts, list) and suggestion.text not in texts:
            texts.append(suggestion.text)
    header = (
        "# Operators' proposals (flask faq suggestions). Review them, copy what\n"
        "# fits into the FAQ file, and run `flask faq load`: nothing here is live.\n"
    )
    body = {"alternatives": alternatives, "new_entries": new_entries}
    return header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def _unit(features: Counter[str]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in features.values())) or 1.0
    return {key: value / norm for key, value in features.items()}


def _cosine(left: dict[str, float], right: dict[str, float]) -> float:
    if len(left) > len(right):
        left, right = right, left
    return sum(value * right.get(key, 0.0) for key, value in left.items())
