"""ballots keyed by the voter's identity: ballot.voter_key, unique per call (one person, one ballot)

Ballots of calls still without results get the key of their voter's email, computed with
the running app's secret (VOTER_KEY_SECRET, else SECRET_KEY), so the rule holds from the
upgrade on. Ballots already unlinked from a deleted account cannot be keyed; those of
published calls keep none (the key is erased at publication).

Revision ID: 0009_voter_keys
Revises: 0008_audit_pending
Create Date: 2026-12-02

"""

from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = "0009_voter_keys"
down_revision = "0008_audit_pending"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voter_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_ballot_call_voter_key", ["call_id", "voter_key"])
    _key_open_ballots()


def _key_open_ballots():
    from participatory.accounts import voter_keys

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT ballot.id, ballot.call_id, user_account.email FROM ballot"
            " JOIN user_account ON user_account.id = ballot.voter_id"
            " WHERE user_account.email IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM call_result WHERE call_result.call_id = ballot.call_id)"
            " ORDER BY ballot.id"
        )
    ).all()
    if not rows:
        return
    key = voter_keys.configured_key(current_app.config)
    keyed, updates = set(), []
    for ballot_id, call_id, email in rows:
        voter_key = voter_keys.voter_key(voter_keys.EMAIL, email, key)
        if (call_id, voter_key) not in keyed:  # two accounts of one person already voted: the first keeps the key
            keyed.add((call_id, voter_key))
            updates.append({"id": ballot_id, "voter_key": voter_key})
    connection.execute(sa.text("UPDATE ballot SET voter_key = :voter_key WHERE id = :id"), updates)


def downgrade():
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ballot_call_voter_key", type_="unique")
        batch_op.drop_column("voter_key")
