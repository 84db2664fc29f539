"""Stripe events that arrive before the event they follow are kept and applied later

Revision ID: 0010_stripe_deferred
Revises: 0009_voter_keys
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_stripe_deferred"
down_revision = "0009_voter_keys"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stripe_event") as batch:
        batch.add_column(sa.Column("payment_intent_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("deferred", sa.JSON(), nullable=True))
        batch.create_index(batch.f("ix_stripe_event_payment_intent_id"), ["payment_intent_id"], unique=False)


def downgrade():
    with op.batch_alter_table("stripe_event") as batch:
        batch.drop_index(batch.f("ix_stripe_event_payment_intent_id"))
        batch.drop_column("deferred")
        batch.drop_column("payment_intent_id")
