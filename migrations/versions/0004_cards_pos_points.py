"""card codes, store API keys, purchase follow-ups

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_store_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"],
            name=op.f("fk_card_codes_member_id_members"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_card_codes_code")),
    )
    with op.batch_alter_table("card_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_card_codes_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_card_codes_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "store_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"],
            name=op.f("fk_store_api_keys_store_id_stores"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_store_api_keys_key_hash")),
    )
    with op.batch_alter_table("store_api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_store_api_keys_store_id"), ["store_id"], unique=False
        )

    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("thanks_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("thanked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("thanks_result", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_result", sa.String(length=16), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_purchases_thanks_due_at"), ["thanks_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_purchases_review_due_at"), ["review_due_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchases_review_due_at"))
        batch_op.drop_index(batch_op.f("ix_purchases_thanks_due_at"))
        for column in (
            "review_result", "review_requested_at", "review_due_at",
            "thanks_result", "thanked_at", "thanks_due_at", "shipped_at",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("store_api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_api_keys_store_id"))
    op.drop_table("store_api_keys")
    with op.batch_alter_table("card_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_codes_expires_at"))
        batch_op.drop_index(batch_op.f("ix_card_codes_member_id"))
    op.drop_table("card_codes")
