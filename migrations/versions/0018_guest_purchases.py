"""guest purchases: a register sale with a guest's coupon has no member

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("line_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_purchases_line_user_id_line_users"),
            "line_users",
            ["line_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_purchases_line_user_id"), ["line_user_id"], unique=False
        )


def downgrade():
    op.execute("DELETE FROM purchases WHERE member_id IS NULL")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchases_line_user_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_purchases_line_user_id_line_users"), type_="foreignkey"
        )
        batch_op.drop_column("line_user_id")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
