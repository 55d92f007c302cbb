"""coupons: definitions, personal coupons, scan codes; purchase discounts

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "coupon_definitions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("min_purchase", sa.Integer(), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("stores", sa.JSON(), nullable=True),
        sa.Column("beacon_stores", sa.JSON(), nullable=False),
        sa.Column("limit_per_customer", sa.Integer(), nullable=False),
        sa.Column("total_limit", sa.Integer(), nullable=True),
        sa.Column("issued_count", sa.Integer(), nullable=False),
        sa.Column("image_url", sa.String(length=1000), nullable=True),
        sa.Column("line_coupon", sa.Boolean(), nullable=False),
        sa.Column("line_coupon_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_definitions")),
    )
    op.create_table(
        "personal_coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_channel", sa.String(length=8), nullable=True),
        sa.Column("used_store_code", sa.String(length=32), nullable=True),
        sa.Column("used_reference", sa.String(length=120), nullable=True),
        sa.Column("discount", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["coupon_definitions.id"],
            name=op.f("fk_personal_coupons_coupon_id_coupon_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_personal_coupons_line_user_id_line_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_personal_coupons_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_coupons")),
        sa.UniqueConstraint("code", name=op.f("uq_personal_coupons_code")),
    )
    with op.batch_alter_table("personal_coupons", schema=None) as batch_op:
        for column in (
            "coupon_id",
            "line_user_id",
            "member_id",
            "source",
            "used_reference",
        ):
            batch_op.create_index(
                batch_op.f(f"ix_personal_coupons_{column}"), [column], unique=False
            )
    op.create_table(
        "coupon_scan_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("personal_coupon_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_store_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["personal_coupon_id"],
            ["personal_coupons.id"],
            name=op.f("fk_coupon_scan_codes_personal_coupon_id_personal_coupons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_scan_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_coupon_scan_codes_code")),
    )
    with op.batch_alter_table("coupon_scan_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coupon_scan_codes_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_coupon_scan_codes_personal_coupon_id"),
            ["personal_coupon_id"],
            unique=False,
        )
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discount", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("segment_sends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coupon_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("segment_sends", schema=None) as batch_op:
        batch_op.drop_column("coupon_id")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_column("discount")
    op.drop_table("coupon_scan_codes")
    op.drop_table("personal_coupons")
    op.drop_table("coupon_definitions")
