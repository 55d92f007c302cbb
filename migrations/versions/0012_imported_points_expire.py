"""imported points expire: opening balances without an expiry get one

Revision ID: 0012
Revises: 0011

Opening balances written by `members import` used to have no expiry, so they
never lapsed and the card showed none. They now lapse like earned points. Rows
imported before get POINTS_EXPIRY_DAYS from this upgrade (not from their
import, which could take customers' points away at once).
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    settings = current_app.config.get("SETTINGS")
    days = settings.POINTS_EXPIRY_DAYS if settings is not None else 365
    entries = sa.table(
        "point_entries",
        sa.column("kind", sa.String),
        sa.column("delta", sa.Integer),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        entries.update()
        .where(
            entries.c.kind == "opening",
            entries.c.delta > 0,
            entries.c.expires_at.is_(None),
        )
        .values(expires_at=datetime.now(UTC) + timedelta(days=days))
    )


def downgrade():
    # Which expiries this upgrade wrote is not recorded; they stay.
    pass
