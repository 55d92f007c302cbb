"""faq gaps and suggestions: questions the bot missed, and operators' proposals

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "faq_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("best_faq_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["line_users.id"],
            name=op.f("fk_faq_gaps_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_gaps")),
    )
    with op.batch_alter_table("faq_gaps") as batch:
        batch.create_index(batch.f("ix_faq_gaps_user_id"), ["user_id"])
        batch.create_index(batch.f("ix_faq_gaps_created_at"), ["created_at"])
    op.create_table(
        "faq_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("faq_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_faq_suggestions_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_faq_suggestions_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_suggestions")),
    )
    with op.batch_alter_table("faq_suggestions") as batch:
        batch.create_index(
            batch.f("ix_faq_suggestions_conversation_id"), ["conversation_id"]
        )


def downgrade():
    op.drop_table("faq_suggestions")
    op.drop_table("faq_gaps")
