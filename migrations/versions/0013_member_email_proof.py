"""member email proof: when a member proved their e-mail address

Revision ID: 0013
Revises: 0012

Online orders are credited by e-mail address only once the member opened the
link mailed to it. Addresses that came from `members import` (the shop's own
records) count as proven; registered ones must be proven again.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
    members = sa.table(
        "members",
        sa.column("email", sa.String),
        sa.column("source", sa.String),
        sa.column("email_verified_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        members.update()
        .where(members.c.source == "import", members.c.email.is_not(None))
        .values(email_verified_at=datetime.now(UTC))
    )


def downgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
