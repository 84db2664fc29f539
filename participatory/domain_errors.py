"""One error for every domain: a refused action, named by a code, told by the domain's message table.

A domain's errors.py holds its MESSAGES (code -> lazy translated text) and a subclass of DomainError
bound to them, with subclasses for other statuses (403, 404, 409, 503; or `status=` on one error);
its rules return codes, its services raise them (`raise_if(rules.x_problem(...))`), and neither
imports flask_babel. A view turns the error into a response with participatory.pages.refused
(re-render or redirect, after a rollback), or lets it reach the app's handler (participatory.errors):
rollback, then JSON under /api/ or the error page.

This module is a leaf: it imports nothing of the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """A refused action; `status` is the HTTP status a page answers with.

    `code` names the refusal (str(error) is the code: logs and tests match on it), `field` the form
    field it is about, if any, and `params` fill the message's %(name)s placeholders. `commit` is True
    when the refusal itself changed something that must be kept (a wrong letter code counts as an
    attempt): the view commits instead of rolling back.
    """

    status: ClassVar[int] = 400
    messages: ClassVar[Mapping[str, object]] = {}

    def __init__(
        self,
        code: str,
        /,
        *,
        field: str | None = None,
        status: int | None = None,
        commit: bool = False,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.commit = commit
        self.params = params
        if status is not None:
            self.status = status  # type: ignore[misc]  # an instance may answer with another status

    @classmethod
    def raise_if(cls, code: str | None, /, kind: type[DomainError] | None = None, **params: Any) -> None:
        """Raise `kind(code)` (this class by default) when a rule found a problem; nothing when code is None.

        `CallError.raise_if(rules.cost_problem(...))`, `Conflict.raise_if(code)`; a domain's errors.py
        exports it as `raise_if = CallError.raise_if`.
        """
        if code is not None:
            raise (kind or cls)(code, **params)

    @property
    def message(self) -> str:
        """The translated message (in the request's language), its placeholders filled."""
        text = str(self.messages.get(self.code, self.code))
        return text % self.params if self.params and "%(" in text else text
