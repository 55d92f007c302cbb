"""Import members from the stores' or shop's system: all rows or none.

Rows upsert on member_no. Points become the member's opening balance through
the points service: a ledger row of kind "opening", reference
"import:<member_no>", lapsing POINTS_EXPIRY_DAYS after the import like earned
points, or after the day in the optional `points_expire_on` column. The ledger
is append-only, so the first import sets the opening balance and a later import
never changes it (points may have been earned and spent since); a row whose
points differ from the recorded opening balance is reported as a notice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.extensions import db
from bot.members.email_proof import mark_proven
from bot.members.models import Member
from bot.members.numbers import is_valid_member_no
from bot.members.service import normalize_email
from bot.models_base import utcnow
from bot.points.service import open_balance
from bot.requests import UNSTORABLE_CHARACTER

HEADER = ["member_no", "name", "email", "birthday", "home_store", "points"]
# An optional last column: the day the imported points lapse after.
EXPIRY_COLUMN = "points_expire_on"
MAX_POINTS = 10_000_000


class ImportRejected(Exception):
    """The file has problems; nothing was loaded. `problems` name each line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportRow:
    """One valid line of the file."""

    line: int
    member_no: str
    name: str
    email: str | None
    birthday: date | None
    home_store: str | None
    points: int | None
    points_expire_on: date | None = None


@dataclass
class ImportReport:
    """What an import changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    opening_balances: int = 0
    notices: list[str] = field(default_factory=list)


def parse_members_csv(text: str, today: date | None = None) -> list[ImportRow]:
    """Check every line of a members CSV; raise ImportRejected listing all problems."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, None) or []]
    if header not in (HEADER, [*HEADER, EXPIRY_COLUMN]):
        raise ImportRejected(
            [f"line 1: header must be {','.join(HEADER)}[,{EXPIRY_COLUMN}]"]
        )
    columns, today = len(header), today or date.today()
    rows: list[ImportRow] = []
    problems: list[str] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, values in _lines(reader, problems):
        row = _parse_row(line, values, columns, today, problems)
        if row is None:
            continue
        for key, seen in ((row.member_no, seen_numbers), (row.email, seen_emails)):
            if key and key in seen:
                problems.append(f"line {line}: {key} repeats line {seen[key]}")
            elif key:
                seen[key] = line
        rows.append(row)
    if problems:
        raise ImportRejected(problems)
    return rows


def _lines(reader: Any, problems: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield the non-blank lines with their numbers; note the unreadable ones.

    A NUL or lone surrogate, which no column holds, and what csv itself refuses
    (a field past its size limit) are problems, not tracebacks.
    """
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if any(UNSTORABLE_CHARACTER.search(v) for v in values):
                problems.append(
                    f"line {reader.line_num}: a field holds NUL or a lone surrogate"
                )
                continue
            yield reader.line_num, values
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")


def _parse_row(
    line: int, values: list[str], columns: int, today: date, problems: list[str]
) -> ImportRow | None:
    if len(values) != columns:
        problems.append(f"line {line}: expected {columns} fields, got {len(values)}")
        return None
    no, name, email, birthday, store, points = (v.strip() for v in values[:6])
    expire_on = values[6].strip() if columns > len(HEADER) else ""
    before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(f"line {line}: {field}: {message}")

    if not is_valid_member_no(no):
        bad("member_no", "must be 13 digits with a valid check digit")
    if not 1 <= len(name) <= 100:
        bad("name", "must be 1-100 characters")
    email = normalize_email(email)
    if email and ("@" not in email or len(email) > 254 or " " in email):
        bad("email", "is not an email address")
    parsed_birthday = None
    if birthday:
        try:
            parsed_birthday = date.fromisoformat(birthday)
        except ValueError:
            bad("birthday", "must be YYYY-MM-DD")
        if len(birthday) != 10:
            bad("birthday", "must be YYYY-MM-DD")
    if len(store) > 32:
        bad("home_store", "must be at most 32 characters")
    parsed_points = None
    if points:
        # isdigit() also takes "²" and other digits int() refuses.
        if not (points.isascii() and points.isdigit()) or int(points) > MAX_POINTS:
            bad("points", f"must be a whole number from 0 to {MAX_POINTS}")
        else:
            parsed_points = int(points)
    parsed_expiry = None
    if expire_on:
        parsed_expiry = _iso_date(expire_on)
        if parsed_expiry is None:
            bad(EXPIRY_COLUMN, "must be YYYY-MM-DD")
        elif parsed_expiry < today:
            bad(EXPIRY_COLUMN, "is in the past")
    if len(problems) > before:
        return None
    return ImportRow(
        line,
        no,
        name,
        email or None,
        parsed_birthday,
        store or None,
        parsed_points,
        parsed_expiry,
    )


def _iso_date(text: str) -> date | None:
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def import_members(
    rows: list[ImportRow], now: datetime | None = None, zone: ZoneInfo | None = None
) -> ImportReport:
    """Upsert the rows and their opening balances; flush, never commit."""
    now, zone = now or utcnow(), zone or ZoneInfo("Asia/Tokyo")
    report = ImportReport()
    numbers = [row.member_no for row in rows]
    existing = {
        m.member_no: m
        for m in db.session.scalars(select(Member).where(Member.member_no.in_(numbers)))
    }
    _check_email_owners(rows)
    for row in rows:
        member = existing.get(row.member_no)
        if member is None:
            member = Member(member_no=row.member_no, source="import")
            db.session.add(member)
            existing[row.member_no] = member
            report.created += 1
        elif _changed(member, row):
            report.updated += 1
        else:
            report.unchanged += 1
        if member.email != row.email:
            member.email_verified_at = None
        member.name, member.email = row.name, row.email
        mark_proven(member)  # the shop's own records
        member.birthday, member.home_store_code = row.birthday, row.home_store
    db.session.flush()
    for row in rows:
        _opening_balance(existing.get(row.member_no), row, report, now, zone)
    return report


def _check_email_owners(rows: list[ImportRow]) -> None:
    # An email in use by another member is refused, never moved silently.
    emails = {row.email: row for row in rows if row.email}
    if not emails:
        return
    owners = db.session.execute(
        select(func.lower(Member.email), Member.member_no).where(
            func.lower(Member.email).in_(list(emails))
        )
    )
    problems = [
        (emails[email].line, f"email: already used by member {owner}")
        for email, owner in owners
        if owner != emails[email].member_no
    ]
    if problems:
        raise ImportRejected(
            [f"line {line}: {text}" for line, text in sorted(problems)]
        )


def _changed(member: Member, row: ImportRow) -> bool:
    return (member.name, member.email, member.birthday, member.home_store_code) != (
        row.name,
        row.email,
        row.birthday,
        row.home_store,
    )


def _opening_balance(
    member: Member | None,
    row: ImportRow,
    report: ImportReport,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    if member is None or row.points is None:
        return
    expires_at = None
    if row.points_expire_on is not None:
        # Usable through that day in the shop's zone.
        next_day = row.points_expire_on + timedelta(days=1)
        expires_at = datetime.combine(next_day, time(0), tzinfo=zone)
    reference = f"import:{row.member_no}"
    entry, created = open_balance(member.id, row.points, reference, now, expires_at)
    if created:
        report.opening_balances += 1
    elif entry is not None and entry.delta != row.points:
        report.notices.append(
            f"line {row.line}: opening balance of {row.member_no} stays "
            f"{entry.delta} (file says {row.points}); adjust points in the ledger"
        )
