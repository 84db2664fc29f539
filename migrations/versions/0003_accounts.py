"""accounts: email tokens, residence letters, residence country/verification method, session version

Revision ID: 0003_accounts
Revises: 0002_accounts_audit
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_accounts'
down_revision = '0002_accounts_audit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('residence_country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('residence_verified_by', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    # One current grant of a role per user; one current MP per constituency.
    op.create_index('uq_role_grant_current_user_role', 'role_grant', ['user_id', 'role'], unique=True,
                    sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
    op.create_index('uq_role_grant_current_mp', 'role_grant', ['constituency_code'], unique=True,
                    sqlite_where=sa.text("revoked_at IS NULL AND role = 'mp'"),
                    postgresql_where=sa.text("revoked_at IS NULL AND role = 'mp'"))

    op.create_table('account_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_token_token_hash'))
    )
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_token_user_id'), ['user_id'], unique=False)

    op.create_table('letter_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('constituency_code', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('letters', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_format', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['constituency_code'], ['constituency.code'], name=op.f('fk_letter_batch_constituency_code_constituency')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_letter_batch_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_batch'))
    )
    with op.batch_alter_table('letter_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_batch_constituency_code'), ['constituency_code'], unique=False)

    op.create_table('residence_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('constituency_code', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('complement', sa.String(length=200), nullable=True),
    sa.Column('postcode', sa.String(length=12), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['letter_batch.id'], name=op.f('fk_residence_letter_batch_id_letter_batch')),
    sa.ForeignKeyConstraint(['constituency_code'], ['constituency.code'], name=op.f('fk_residence_letter_constituency_code_constituency')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_residence_letter_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_letter'))
    )
    with op.batch_alter_table('residence_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_letter_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_letter_constituency_code'), ['constituency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_letter_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_letter_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('residence_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_letter_user_id'))
        batch_op.drop_index(batch_op.f('ix_residence_letter_status'))
        batch_op.drop_index(batch_op.f('ix_residence_letter_constituency_code'))
        batch_op.drop_index(batch_op.f('ix_residence_letter_batch_id'))
    op.drop_table('residence_letter')
    with op.batch_alter_table('letter_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_batch_constituency_code'))
    op.drop_table('letter_batch')
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_token_user_id'))
    op.drop_table('account_token')
    op.drop_index('uq_role_grant_current_mp', table_name='role_grant')
    op.drop_index('uq_role_grant_current_user_role', table_name='role_grant')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('residence_verified_by')
        batch_op.drop_column('residence_country')
