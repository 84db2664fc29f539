"""What changes account data. Every function takes the session, the acting user (or the
user concerned) and `now`; it raises AccountError, only flushes, and never commits:
the view, the CLI command or the job commits once.

  identity   registration, sign-in, email confirmation, passwords, profile
  tokens     single-use email links
  residence  declaring a home (map point or country abroad), the verification plug point
  letters    residence verified by a code sent by post
  roles      granting and revoking roles, the MP of each constituency
  deletion   deleting an account (ballots stay counted, unlinked)
  franceconnect  signing in or registering with FranceConnect, linking and unlinking an identity
"""
