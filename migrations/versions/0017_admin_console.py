"""marketing console: audit log, send idempotency keys (role marketer needs none)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admin_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_admin_audit_log_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit_log")),
    )
    with op.batch_alter_table("admin_audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admin_audit_log_operator_id"), ["operator_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_admin_audit_log_created_at"), ["created_at"]
        )
    op.create_table(
        "admin_send_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("send_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["segment_sends.id"],
            name=op.f("fk_admin_send_keys_send_id_segment_sends"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_admin_send_keys_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_admin_send_keys")),
    )


def downgrade():
    op.drop_table("admin_send_keys")
    with op.batch_alter_table("admin_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_admin_audit_log_operator_id"))
    op.drop_table("admin_audit_log")
