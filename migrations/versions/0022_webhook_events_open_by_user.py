"""webhook events: a partial index of each user's open (pending or sending) events

Revision ID: 0022
Revises: 0021

A job that holds a customer's lock first handles that customer's earlier open
events, so replies go out in the order the customer wrote. It finds them by
this index, which holds only open events (a few at a time), not the user's
whole history.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'sending')"


def upgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_events_open_by_user",
            ["line_user_id", "id"],
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_open_by_user")
