"""Join the per-domain branches (accounts, calls, crowdfunding, audit) into one head.

Revision ID: 0007_merge_domains
Revises: 0003_accounts, 0004_calls, 0005_crowdfunding, 0006_audit
Create Date: 2026-11-22

"""

revision = "0007_merge_domains"
down_revision = ("0003_accounts", "0004_calls", "0005_crowdfunding", "0006_audit")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
