"""webhook events: a partial index of each customer's pending events

Revision ID: 0022
Revises: 0021

The worker handles a customer's events in the order they were stored: the
query that reads an event also asks whether an earlier one of the same
customer is still pending, and if so handles that one first. This index holds
only pending events (a few at a time), not the customer's whole history.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_events_pending_by_user",
            ["line_user_id", "id"],
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )


def downgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_pending_by_user")
