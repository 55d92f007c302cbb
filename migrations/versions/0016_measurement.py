"""measurement: tracked links, clicks, exposures, conversions, daily roll-ups

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "aggregation_units",
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=True),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unique_impression", sa.Integer(), nullable=True),
        sa.Column("unique_click", sa.Integer(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("unit", name=op.f("pk_aggregation_units")),
    )
    with op.batch_alter_table("aggregation_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aggregation_units_campaign"), ["campaign"], unique=False
        )

    op.create_table(
        "friend_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("join_visits", sa.Integer(), nullable=False),
        sa.Column("follows", sa.Integer(), nullable=False),
        sa.Column("unfollows", sa.Integer(), nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "source", name=op.f("pk_friend_daily")),
    )
    op.create_table(
        "measure_daily",
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("clickers", sa.Integer(), nullable=False),
        sa.Column("converted", sa.Integer(), nullable=False),
        sa.Column("converted_store", sa.Integer(), nullable=False),
        sa.Column("converted_online", sa.Integer(), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Integer(), nullable=False),
        sa.Column("blocks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign", "variant", "day", name=op.f("pk_measure_daily")
        ),
    )
    op.create_table(
        "tracked_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_links")),
        sa.UniqueConstraint(
            "campaign", "variant", "url", name=op.f("uq_tracked_links_campaign")
        ),
    )
    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["tracked_links.id"],
            name=op.f("fk_clicks_link_id_tracked_links"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
    )
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clicks_uncounted",
            ["id"],
            unique=False,
            postgresql_where=sa.text("NOT counted"),
        )

    op.create_table(
        "exposures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("first_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("store_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("online_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_exposures_line_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposures")),
        sa.UniqueConstraint(
            "campaign", "variant", "line_user_id", name=op.f("uq_exposures_campaign")
        ),
    )
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exposures_user_last", ["line_user_id", "last_sent_at"], unique=False
        )

    op.create_table(
        "conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exposure_id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exposure_id"],
            ["exposures.id"],
            name=op.f("fk_conversions_exposure_id_exposures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
    )
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversions_exposure_id"), ["exposure_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversions_exposure_id"))

    op.drop_table("conversions")
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.drop_index("ix_exposures_user_last")

    op.drop_table("exposures")
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_clicks_uncounted", postgresql_where=sa.text("NOT counted")
        )

    op.drop_table("clicks")
    op.drop_table("tracked_links")
    op.drop_table("measure_daily")
    op.drop_table("friend_daily")
    with op.batch_alter_table("aggregation_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aggregation_units_campaign"))

    op.drop_table("aggregation_units")
