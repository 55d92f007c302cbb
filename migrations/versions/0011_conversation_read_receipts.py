"""conversation read receipts: keep each customer message's mark-as-read token

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversation_messages") as batch:
        batch.add_column(sa.Column("read_token", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("read_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("conversation_messages") as batch:
        batch.drop_column("read_at")
        batch.drop_column("read_token")
