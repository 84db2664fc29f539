"""connect_account: what Stripe last said of each campaign's connected account

Revision ID: 0015_stripe_connect
Revises: 0014_audit_checkpoints
Create Date: 2026-12-03

Donations now open only when the connected account can take card payments and has payouts
enabled, as read from Stripe. Candidacies linked before this revision have no row: their
donations stay closed until `flask donations sync-accounts` (or the mandataire's dashboard)
reads their status from Stripe.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_stripe_connect'
down_revision = '0014_audit_checkpoints'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'connect_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidacy_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=False),
        sa.Column('origin', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('charges_enabled', sa.Boolean(), nullable=False),
        sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
        sa.Column('card_payments', sa.String(length=20), nullable=True),
        sa.Column('details_submitted', sa.Boolean(), nullable=False),
        sa.Column('requirements_due', sa.Boolean(), nullable=False),
        sa.Column('disabled_reason', sa.String(length=80), nullable=True),
        sa.Column('stripe_as_of', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['candidacy_id'], ['candidacy.id'], name=op.f('fk_connect_account_candidacy_id_candidacy')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_connect_account')),
        sa.UniqueConstraint('candidacy_id', name=op.f('uq_connect_account_candidacy_id')),
    )
    with op.batch_alter_table('connect_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connect_account_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('connect_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connect_account_account_id'))
    op.drop_table('connect_account')
