"""Signals other domains listen to, so that accounts never imports them.

`account_deleted` is sent by services.deletion.delete_account inside the deletion's
transaction, before the user row is anonymised:

    account_deleted.send(session, user=user, now=now)

A receiver must only use `session` (no commit): e.g. the calls domain sets
`voter_id = NULL` on the user's ballots, so they stay counted but unlinked; their
`voter_key` (accounts/voter_keys.py) stays until the call's results are published, so
the same person registering again cannot add a ballot.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

account_deleted = _signals.signal("account-deleted")
