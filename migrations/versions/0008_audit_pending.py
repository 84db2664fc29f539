"""audit events waiting to be chained (ballots write there without the chain's lock)

Revision ID: 0008_audit_pending
Revises: 0006_audit
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_audit_pending'
down_revision = '0006_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_pending',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=60), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_pending'))
    )


def downgrade():
    op.drop_table('audit_pending')
