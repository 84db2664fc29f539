"""The auditors' pages: the audit log, every call's exports and every donation ledger, read-only.

Apart from the audit log (participatory/audit/, a leaf every domain imports), because these pages
read the other domains: auditing imports calls, crowdfunding and accounts; nothing imports auditing
but the app factory.
"""
