"""scenarios, their enrollments and step sends; the marketing ledger; checkouts

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scenario_send_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_send_batches")),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenarios_trigger"), ["trigger"], unique=False
        )

    op.create_table(
        "marketing_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_marketing_messages_line_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_messages")),
    )
    with op.batch_alter_table("marketing_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_marketing_messages_user_day",
            ["line_user_id", "local_day"],
            unique=False,
        )

    op.create_table(
        "scenario_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("line_user_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exit_reason", sa.String(length=32), nullable=True),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("trigger_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quiet_waits", sa.Integer(), nullable=False),
        sa.Column("cap_waits", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_user_id"],
            ["line_users.id"],
            name=op.f("fk_scenario_enrollments_line_user_id_line_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_enrollments_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_enrollments")),
        sa.UniqueConstraint(
            "scenario_id",
            "line_user_id",
            "occurrence",
            name=op.f("uq_scenario_enrollments_scenario_id"),
        ),
    )
    with op.batch_alter_table("scenario_enrollments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_enrollments_next_due_at"),
            ["next_due_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_scenario_enrollments_user_status",
            ["line_user_id", "status"],
            unique=False,
        )

    op.create_table(
        "ec_checkouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("recovery_url", sa.String(length=1000), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_ec_checkouts_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_checkouts")),
        sa.UniqueConstraint("token", name=op.f("uq_ec_checkouts_token")),
    )
    with op.batch_alter_table("ec_checkouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ec_checkouts_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ec_checkouts_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "scenario_step_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("coupon_id", sa.String(length=64), nullable=True),
        sa.Column("quiet_waits", sa.Integer(), nullable=False),
        sa.Column("cap_waits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["scenario_send_batches.id"],
            name=op.f("fk_scenario_step_sends_batch_id_scenario_send_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["scenario_enrollments.id"],
            name=op.f("fk_scenario_step_sends_enrollment_id_scenario_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_step_sends")),
        sa.UniqueConstraint(
            "enrollment_id",
            "step_no",
            name=op.f("uq_scenario_step_sends_enrollment_id"),
        ),
    )
    with op.batch_alter_table("scenario_step_sends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_step_sends_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            "ix_scenario_step_sends_scenario_step",
            ["scenario_id", "step_no"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scenario_step_sends_status"), ["status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("scenario_step_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_step_sends_status"))
        batch_op.drop_index("ix_scenario_step_sends_scenario_step")
        batch_op.drop_index(batch_op.f("ix_scenario_step_sends_batch_id"))

    op.drop_table("scenario_step_sends")
    with op.batch_alter_table("ec_checkouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ec_checkouts_updated_at"))
        batch_op.drop_index(batch_op.f("ix_ec_checkouts_member_id"))

    op.drop_table("ec_checkouts")
    with op.batch_alter_table("scenario_enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_scenario_enrollments_user_status")
        batch_op.drop_index(batch_op.f("ix_scenario_enrollments_next_due_at"))

    op.drop_table("scenario_enrollments")
    with op.batch_alter_table("marketing_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_marketing_messages_user_day")

    op.drop_table("marketing_messages")
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenarios_trigger"))

    op.drop_table("scenarios")
    op.drop_table("scenario_send_batches")
