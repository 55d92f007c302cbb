"""segment sends: A/B variants, a holdout, each batch's variant; unreachable users

Revision ID: 0020
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


UNREACHABLE = "is_friend IS NOT true OR blocked_at IS NOT NULL"


def upgrade():
    with op.batch_alter_table("line_users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_line_users_unreachable",
            ["id"],
            postgresql_where=sa.text(UNREACHABLE),
            sqlite_where=sa.text(UNREACHABLE),
        )
    with op.batch_alter_table("segment_sends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variants", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "holdout_percent", sa.Integer(), nullable=False, server_default="0"
            )
        )
        batch_op.add_column(sa.Column("split_seed", sa.Integer(), nullable=True))
    with op.batch_alter_table("segment_send_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "variant", sa.String(length=16), nullable=False, server_default=""
            )
        )


def downgrade():
    with op.batch_alter_table("line_users", schema=None) as batch_op:
        batch_op.drop_index("ix_line_users_unreachable")
    with op.batch_alter_table("segment_send_batches", schema=None) as batch_op:
        batch_op.drop_column("variant")
    with op.batch_alter_table("segment_sends", schema=None) as batch_op:
        batch_op.drop_column("split_seed")
        batch_op.drop_column("holdout_percent")
        batch_op.drop_column("variants")
