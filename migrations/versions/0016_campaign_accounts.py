"""campaign accounts (compte de campagne): the account, its entries and their attachments

Revision ID: 0016_campaign_accounts
Revises: 0015_stripe_connect
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_campaign_accounts'
down_revision = '0015_stripe_connect'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'campaign_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidacy_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('filed_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decision_on', sa.Date(), nullable=True),
        sa.Column('refund_cents', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['candidacy_id'], ['candidacy.id'], name=op.f('fk_campaign_account_candidacy_id_candidacy')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_campaign_account_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_campaign_account_filed_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_account')),
        sa.UniqueConstraint('candidacy_id', name=op.f('uq_campaign_account_candidacy_id')),
    )
    op.create_table(
        'campaign_account_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('election_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('entry_date', sa.Date(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('origin', sa.String(length=30), nullable=True),
        sa.Column('counterparty', sa.String(length=160), nullable=True),
        sa.Column('reference', sa.String(length=60), nullable=True),
        sa.Column('means', sa.String(length=10), nullable=True),
        sa.Column('donor_first_name', sa.String(length=80), nullable=True),
        sa.Column('donor_last_name', sa.String(length=80), nullable=True),
        sa.Column('donor_address', sa.String(length=200), nullable=True),
        sa.Column('donor_postal_code', sa.String(length=12), nullable=True),
        sa.Column('donor_city', sa.String(length=80), nullable=True),
        sa.Column('donor_country', sa.String(length=2), nullable=True),
        sa.Column('donor_key', sa.String(length=64), nullable=True),
        sa.Column('reverses_id', sa.Integer(), nullable=True),
        sa.Column('after_filing', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_campaign_account_entry_entry_amount_positive')),
        sa.CheckConstraint('amount_cents <= 100000000', name=op.f('ck_campaign_account_entry_entry_amount_bounded')),
        sa.ForeignKeyConstraint(['account_id'], ['campaign_account.id'], name=op.f('fk_campaign_account_entry_account_id_campaign_account')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_campaign_account_entry_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['election_id'], ['election.id'], name=op.f('fk_campaign_account_entry_election_id_election')),
        sa.ForeignKeyConstraint(['reverses_id'], ['campaign_account_entry.id'], name=op.f('fk_campaign_account_entry_reverses_id_campaign_account_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_account_entry')),
        sa.UniqueConstraint('reverses_id', name=op.f('uq_campaign_account_entry_reverses_id')),
    )
    with op.batch_alter_table('campaign_account_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_account_entry_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_account_entry_donor_key'), ['donor_key'], unique=False)
    op.create_table(
        'campaign_account_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=80), nullable=False),
        sa.Column('mimetype', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['campaign_account_entry.id'], name=op.f('fk_campaign_account_attachment_entry_id_campaign_account_entry')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_campaign_account_attachment_uploaded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_account_attachment')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_campaign_account_attachment_stored_name')),
    )
    with op.batch_alter_table('campaign_account_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_account_attachment_entry_id'), ['entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('campaign_account_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_account_attachment_entry_id'))
    op.drop_table('campaign_account_attachment')
    with op.batch_alter_table('campaign_account_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_account_entry_donor_key'))
        batch_op.drop_index(batch_op.f('ix_campaign_account_entry_account_id'))
    op.drop_table('campaign_account_entry')
    op.drop_table('campaign_account')
