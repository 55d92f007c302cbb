"""segments, segment sends and their recipients

Revision ID: 0006
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_segments_name")),
    )
    op.create_table(
        "segment_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_name", sa.String(length=64), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_sends")),
    )
    with op.batch_alter_table("segment_sends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_segment_sends_fingerprint"), ["fingerprint"], unique=False
        )
    op.create_table(
        "segment_send_recipients",
        sa.Column("send_id", sa.Integer(), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_segment_send_recipients_line_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["segment_sends.id"],
            name=op.f("fk_segment_send_recipients_send_id_segment_sends"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "send_id", "line_user_id", name=op.f("pk_segment_send_recipients")
        ),
    )
    with op.batch_alter_table("segment_send_recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_send_recipients_send_batch",
            ["send_id", "batch_no"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("segment_send_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_send_recipients_send_batch")
    op.drop_table("segment_send_recipients")
    with op.batch_alter_table("segment_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_sends_fingerprint"))
    op.drop_table("segment_sends")
    op.drop_table("segments")
