"""audit log: filter indexes and append-only triggers

Revision ID: 0006_audit
Revises: 0005_crowdfunding
Create Date: 2026-11-22

The triggers refuse UPDATE (both dialects) and DELETE (PostgreSQL) on
audit_event: the application only ever appends. They are a guard against
mistakes, not against the database owner; the hash chain (`flask audit verify`)
is what detects a change made by someone who can drop them. SQLite keeps DELETE
allowed because the test suite empties tables row by row between tests.
"""
from alembic import op


revision = '0006_audit'
down_revision = '0005_crowdfunding'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_object', ['object_type', 'object_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only (UPDATE refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_object')
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
