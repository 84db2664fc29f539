"""The 577 legislative constituencies: model, boundary import, point lookup, map views.

This package does not import from participatory's domains (calls, accounts, ...):
they depend on it, never the reverse.
"""
