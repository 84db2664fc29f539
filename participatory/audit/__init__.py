"""The hash-chained audit log: its events, chaining, signed checkpoints and verification.

A leaf: every domain may import it and it imports no domain (tests/test_architecture.py). The
auditors' pages, which read the domains, are in participatory/auditing/; the call exports in
participatory/calls/exports.py.
"""
