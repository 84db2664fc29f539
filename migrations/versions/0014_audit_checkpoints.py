"""audit checkpoints, and a log that refuses DELETE and TRUNCATE on both databases

Revision ID: 0014_audit_checkpoints
Revises: 0013_outbox
Create Date: 2026-12-02

audit_checkpoint stores the signed heads of the log (participatory/audit/checkpoints.py).
The triggers make audit_event and audit_checkpoint append-only: UPDATE, DELETE
(PostgreSQL: each row; SQLite: each row, and a DELETE without WHERE too, since
SQLite skips its truncate optimisation on a table with triggers) and TRUNCATE
(PostgreSQL, per statement) raise an error. audit_pending stays writable: `seal`
drains it with DELETE … RETURNING. As in 0006, they guard against mistakes and
casual edits, not against a superuser (session_replication_role = replica, or
dropping them); the signed checkpoints are what detect that.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_audit_checkpoints'
down_revision = '0013_outbox'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql
"""
# 0006 made audit_event_append_only (UPDATE, and DELETE on PostgreSQL); these add the rest.
PG_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
]
SQLITE_TRIGGERS = [
    ("audit_event_no_delete", "DELETE", "audit_event"),
    ("audit_checkpoint_append_only", "UPDATE", "audit_checkpoint"),
    ("audit_checkpoint_no_delete", "DELETE", "audit_checkpoint"),
]


def upgrade():
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_checkpoint_seq'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)
    else:
        for name, operation, table in SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only ({operation} refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.drop_table('audit_checkpoint')  # its triggers go with it
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.drop_table('audit_checkpoint')
