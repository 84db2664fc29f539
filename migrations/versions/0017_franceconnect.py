"""FranceConnect identities linked to accounts

Revision ID: 0017_franceconnect
Revises: 0016_campaign_accounts
Create Date: 2026-12-03

franceconnect_identity: at most one per account (unique user_id) and one account per
person (unique subject_hash, the HMAC of FranceConnect's `sub`); the names FranceConnect
vouched for and when. Calls may now require the level "franceconnect" (a string in
call.verification_level: no schema change there).
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_franceconnect'
down_revision = '0016_campaign_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'franceconnect_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject_hash', sa.String(length=64), nullable=False),
        sa.Column('given_name', sa.String(length=200), nullable=False),
        sa.Column('family_name', sa.String(length=200), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subject_hash'),
        sa.UniqueConstraint('user_id'),
    )


def downgrade():
    op.drop_table('franceconnect_identity')
