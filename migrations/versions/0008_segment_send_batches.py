"""segment send batches: record a send per batch, not per recipient

Revision ID: 0008
Revises: 0007

A 100,000-user send used to update 100,000 recipient rows as its batches went
out; it now updates one batch row per multicast. Recipients keep only whether
they were skipped (blocked the shop after the list was frozen).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "segment_send_batches",
        sa.Column("send_id", sa.Integer(), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["segment_sends.id"],
            name=op.f("fk_segment_send_batches_send_id_segment_sends"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "send_id", "batch_no", name=op.f("pk_segment_send_batches")
        ),
    )
    with op.batch_alter_table("segment_send_recipients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("skipped", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A batch whose recipients all left 'pending' went out; skipped stays skipped.
    op.execute(
        """
        INSERT INTO segment_send_batches
            (send_id, batch_no, size, status, delivered, sent_at)
        SELECT send_id, batch_no, COUNT(*),
               CASE WHEN SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) = 0
                    THEN 'sent' ELSE 'pending' END,
               SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END),
               MAX(sent_at)
        FROM segment_send_recipients
        GROUP BY send_id, batch_no
        """
    )
    op.execute("UPDATE segment_send_recipients SET skipped = (status = 'skipped')")
    with op.batch_alter_table("segment_send_recipients", schema=None) as batch_op:
        batch_op.alter_column("skipped", server_default=None)
        batch_op.drop_column("status")
        batch_op.drop_column("sent_at")


def downgrade():
    with op.batch_alter_table("segment_send_recipients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status", sa.String(length=16), nullable=False, server_default="pending"
            )
        )
        batch_op.add_column(
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        """
        UPDATE segment_send_recipients SET
            status = CASE
                WHEN skipped THEN 'skipped'
                WHEN (SELECT b.status FROM segment_send_batches b
                      WHERE b.send_id = segment_send_recipients.send_id
                        AND b.batch_no = segment_send_recipients.batch_no) = 'sent'
                THEN 'sent' ELSE 'pending' END,
            sent_at = CASE WHEN skipped THEN NULL ELSE
                (SELECT b.sent_at FROM segment_send_batches b
                 WHERE b.send_id = segment_send_recipients.send_id
                   AND b.batch_no = segment_send_recipients.batch_no) END
        """
    )
    with op.batch_alter_table("segment_send_recipients", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
        batch_op.drop_column("skipped")
    op.drop_table("segment_send_batches")
