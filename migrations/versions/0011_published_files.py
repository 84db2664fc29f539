"""published files: the files of a call's results, stored once at publication

Revision ID: 0011_published_files
Revises: 0010_stripe_deferred
Create Date: 2026-12-02

A trigger refuses UPDATE on both dialects: a published file is never rewritten.
DELETE stays allowed (the demo reset removes its own calls); the SHA-256 of every
file is in the audit log's `call.files_published` event, which is what shows a
file that was deleted and stored again differently.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_published_files'
down_revision = '0010_stripe_deferred'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION published_file_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published_file is frozen (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table('published_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_published_file_call_id_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_file')),
    sa.UniqueConstraint('call_id', 'name', name='uq_published_file_call_name')
    )
    with op.batch_alter_table('published_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_file_call_id'), ['call_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER published_file_frozen BEFORE UPDATE ON published_file "
                   "FOR EACH ROW EXECUTE FUNCTION published_file_frozen()")
    else:
        op.execute("CREATE TRIGGER published_file_frozen BEFORE UPDATE ON published_file "
                   "BEGIN SELECT RAISE(ABORT, 'published_file is frozen (UPDATE refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS published_file_frozen ON published_file")
        op.execute("DROP FUNCTION IF EXISTS published_file_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS published_file_frozen")
    with op.batch_alter_table('published_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_file_call_id'))
    op.drop_table('published_file')
