"""account linking: link tokens, nonces, rich menu deployments and user links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_link_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_account_link_tokens_line_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_link_tokens")),
        sa.UniqueConstraint(
            "token_sha256", name=op.f("uq_account_link_tokens_token_sha256")
        ),
    )
    with op.batch_alter_table("account_link_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_link_tokens_line_user_id"),
            ["line_user_id"],
            unique=False,
        )

    op.create_table(
        "account_link_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_sha256", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("link_token_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_event", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_account_link_nonces_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_token_id"],
            ["account_link_tokens.id"],
            name=op.f("fk_account_link_nonces_link_token_id_account_link_tokens"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_link_nonces")),
        sa.UniqueConstraint(
            "nonce_sha256", name=op.f("uq_account_link_nonces_nonce_sha256")
        ),
    )
    with op.batch_alter_table("account_link_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_link_nonces_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_link_nonces_link_token_id"),
            ["link_token_id"],
            unique=False,
        )

    op.create_table(
        "rich_menu_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("alias", sa.String(length=32), nullable=False),
        sa.Column("rich_menu_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rich_menu_deployments")),
        sa.UniqueConstraint(
            "rich_menu_id", name=op.f("uq_rich_menu_deployments_rich_menu_id")
        ),
    )
    with op.batch_alter_table("rich_menu_deployments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rich_menu_deployments_name"), ["name"], unique=False
        )

    op.create_table(
        "rich_menu_user_links",
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("rich_menu_id", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_rich_menu_user_links_line_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_user_id", name=op.f("pk_rich_menu_user_links")),
    )
    with op.batch_alter_table("rich_menu_user_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rich_menu_user_links_rich_menu_id"),
            ["rich_menu_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("rich_menu_user_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rich_menu_user_links_rich_menu_id"))
    op.drop_table("rich_menu_user_links")
    with op.batch_alter_table("rich_menu_deployments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rich_menu_deployments_name"))
    op.drop_table("rich_menu_deployments")
    with op.batch_alter_table("account_link_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_nonces_link_token_id"))
        batch_op.drop_index(batch_op.f("ix_account_link_nonces_member_id"))
    op.drop_table("account_link_nonces")
    with op.batch_alter_table("account_link_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_tokens_line_user_id"))
    op.drop_table("account_link_tokens")
