"""FAQ entries as loaded from the hand-written file; retired rows are kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.faq.content import FaqEntry
from bot.models_base import UTCDateTime, utcnow


class FaqRecord(db.Model):
    """One FAQ entry; `retired` once a later load no longer contains its id."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    faq_id: Mapped[str] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Order in the file, so menus list categories and questions as written.
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    def to_entry(self) -> FaqEntry:
        """Return the entry as the matcher takes it."""
        return FaqEntry(
            id=self.faq_id,
            category=self.category,
            question=self.question,
            answer=self.answer,
            alternatives=tuple(self.alternatives or ()),
            keywords=tuple(self.keywords or ()),
        )


class FaqGap(db.Model):
    """A question the bot could not answer or had to ask about; kept for a while."""

    __tablename__ = "faq_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    # none (fell back) or candidates (asked which question was meant).
    kind: Mapped[str] = mapped_column(String(16))
    best_faq_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, index=True
    )


class FaqSuggestion(db.Model):
    """An operator's proposal: a customer's question as another way to ask an entry.

    `faq_id` empty means "note it for a new entry". Nothing here changes the
    FAQ: `flask faq suggestions` writes them as a YAML patch a person reviews.
    """

    __tablename__ = "faq_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(String(500))
    faq_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
