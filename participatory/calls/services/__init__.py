"""What changes the calls domain's data: each service takes the session, the acting user
and `now`, raises a CallError, and only flushes (the view, CLI or job commits).

calls.py (the call), proposals.py (submit, edit, withdraw, report, hide, review),
ballots.py (cast, change, cancel), results.py (closing and tallying),
implementation.py (status updates on winners). The read-only summaries are in calls/queries.py.
"""
