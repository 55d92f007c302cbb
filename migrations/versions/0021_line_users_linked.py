"""segment counts: line_users.linked kept by triggers on members; count indexes

Revision ID: 0021
Revises: 0020

The marketing console counts segments live. With `line_users.linked` and
partial indexes of the reachable friends (all, linked, unlinked), a segment
without member conditions is counted from one index of just its rows; members
of a rank or a home store from an index of those. Triggers on `members` keep
the flag right whatever writes `members.line_user_id` (linking, unlinking,
imports, deletes).
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

REACHABLE = "is_friend IS true AND blocked_at IS NULL"
PARTIAL_INDEXES = {
    "ix_line_users_reachable": REACHABLE,
    "ix_line_users_reachable_linked": f"{REACHABLE} AND linked IS true",
    "ix_line_users_reachable_unlinked": f"{REACHABLE} AND linked IS false",
}
MEMBER_INDEXES = {
    "ix_members_rank_line_user": ["rank", "line_user_id"],
    "ix_members_home_store_line_user": ["home_store_code", "line_user_id"],
}

_PG_FUNCTION = """
CREATE FUNCTION line_users_linked_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.line_user_id IS NOT NULL THEN
        UPDATE line_users SET linked = EXISTS (
            SELECT 1 FROM members WHERE members.line_user_id = OLD.line_user_id
        ) WHERE id = OLD.line_user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.line_user_id IS NOT NULL THEN
        UPDATE line_users SET linked = true
        WHERE id = NEW.line_user_id AND linked IS false;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER members_line_users_linked
AFTER INSERT OR DELETE OR UPDATE OF line_user_id ON members
FOR EACH ROW EXECUTE FUNCTION line_users_linked_sync()
"""
_RELINK = (
    "UPDATE line_users SET linked = EXISTS (SELECT 1 FROM members"
    " WHERE members.line_user_id = line_users.id) WHERE id = {row}.line_user_id"
)
_SQLITE_TRIGGERS = {
    "members_linked_insert": (
        "AFTER INSERT ON members WHEN NEW.line_user_id IS NOT NULL",
        "UPDATE line_users SET linked = 1 WHERE id = NEW.line_user_id",
    ),
    "members_linked_update": (
        "AFTER UPDATE OF line_user_id ON members",
        _RELINK.format(row="OLD") + "; " + _RELINK.format(row="NEW"),
    ),
    "members_linked_delete": (
        "AFTER DELETE ON members WHEN OLD.line_user_id IS NOT NULL",
        _RELINK.format(row="OLD"),
    ),
}


def upgrade():
    with op.batch_alter_table("line_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("linked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE line_users SET linked = EXISTS (SELECT 1 FROM members"
        " WHERE members.line_user_id = line_users.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for name, (when, body) in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body}; END")
    with op.batch_alter_table("line_users", schema=None) as batch_op:
        for name, where in PARTIAL_INDEXES.items():
            batch_op.create_index(
                name,
                ["id"],
                postgresql_where=sa.text(where),
                sqlite_where=sa.text(where),
            )
    with op.batch_alter_table("members", schema=None) as batch_op:
        for name, columns in MEMBER_INDEXES.items():
            batch_op.create_index(name, columns)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER members_line_users_linked ON members")
        op.execute("DROP FUNCTION line_users_linked_sync()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("members", schema=None) as batch_op:
        for name in MEMBER_INDEXES:
            batch_op.drop_index(name)
    with op.batch_alter_table("line_users", schema=None) as batch_op:
        for name in PARTIAL_INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("linked")
