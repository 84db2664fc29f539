"""Domain errors of the accounts services; the message is shown to the person as is."""

from __future__ import annotations


class AccountError(Exception):
    """A refused account operation; `field` names the form field it is about, if any.

    `commit` is True when the refusal itself changed something that must be kept (a
    wrong letter code counts as an attempt): the caller commits instead of rolling back.
    """

    def __init__(self, message, field: str | None = None, commit: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.commit = commit

    def __str__(self) -> str:
        return str(self.message)


class TokenError(AccountError):
    """An email link that is unknown, expired or already used (`state` says which)."""

    def __init__(self, message, state: str) -> None:
        super().__init__(message)
        self.state = state
