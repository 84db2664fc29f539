"""The tally engine's input: an election as projects, a budget and approval ballots.

Kept deliberately plain so that the platform can build one from its database
(``Election(budget=13_000_000, projects=[Project("p1", 250_000), ...],
ballots=[[0, 3], [1], ...])``) as easily as the pabulib reader does from a file.

Money is exact: amounts are ``int`` (the platform uses integer cents) or
``Fraction`` (a few pabulib files have budgets such as ``740793.05``); floats
are refused because rule decisions on near-ties must not depend on rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import lcm

import numpy as np

Amount = int | Fraction
SUPPORTED_VOTE_TYPES = ("approval", "choose-1")


class TallyError(ValueError):
    """An election the engine cannot tally (bad amounts, unknown projects, ...)."""


def as_amount(value: object, what: str = "amount") -> Amount:
    """An exact, non-negative amount: ints stay ints, other exact numbers become Fractions."""
    if isinstance(value, bool):
        raise TallyError(f"{what} must be a number, not {value!r}")
    if isinstance(value, (int, np.integer)):
        amount: Amount = int(value)
    elif isinstance(value, (Fraction, Decimal)):
        amount = Fraction(value)
    elif isinstance(value, float) and value.is_integer():
        amount = int(value)  # 4000.0 is harmless; 0.1 is not representable exactly
    else:
        raise TallyError(f"{what} must be an int or a Fraction, not {value!r}")
    if amount < 0:
        raise TallyError(f"{what} must not be negative: {value!r}")
    if isinstance(amount, Fraction) and amount.denominator == 1:
        amount = amount.numerator
    return amount


@dataclass(frozen=True)
class Project:
    """A project on the ballot. ``extra`` keeps other pabulib columns (category, votes, ...)."""

    id: str
    cost: Amount
    name: str = ""
    extra: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or self.id != self.id.strip():
            raise TallyError(f"project id must be a non-empty string without surrounding spaces: {self.id!r}")
        if "," in self.id or ";" in self.id:
            raise TallyError(f"project id must not contain ',' or ';': {self.id!r}")
        object.__setattr__(self, "cost", as_amount(self.cost, f"cost of project {self.id}"))


@dataclass(frozen=True, eq=False)
class Ballots:
    """Approval ballots in CSR form: voter v approves ``indices[indptr[v]:indptr[v+1]]``.

    Within a ballot the project indices are unique (a ballot is a set, as in
    pabutools). Compact on purpose: 90,000 ballots cost a few megabytes.
    """

    indptr: np.ndarray  # int64, length n + 1
    indices: np.ndarray  # int32, project indices

    @classmethod
    def from_lists(cls, ballots: Sequence[Sequence[int]]) -> Ballots:
        indptr = np.zeros(len(ballots) + 1, dtype=np.int64)
        flat: list[int] = []
        for v, ballot in enumerate(ballots):
            flat.extend(ballot)
            indptr[v + 1] = len(flat)
        return cls.from_arrays(indptr, np.asarray(flat, dtype=np.int64))

    @classmethod
    def from_arrays(cls, indptr: np.ndarray, indices: np.ndarray) -> Ballots:
        """Build from raw CSR arrays, dropping projects repeated within a ballot.

        Ballots keep their given order unless a repetition forces a sort.
        """
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int32)
        if (
            indptr.ndim != 1
            or len(indptr) == 0
            or indptr[0] != 0
            or indptr[-1] != len(indices)
            or np.any(np.diff(indptr) < 0)
        ):
            raise TallyError("malformed ballot arrays")
        if len(indices) and indices.min() < 0:
            raise TallyError("negative project index in a ballot")
        n = len(indptr) - 1
        width = int(indices.max()) + 1 if len(indices) else 1
        # One integer key per (ballot, project); int32 when it fits, to keep memory low.
        dtype = np.int32 if n * width < 2**31 else np.int64
        keys: np.ndarray = np.repeat(np.arange(n, dtype=dtype), np.diff(indptr))
        keys *= width
        keys += indices
        keys.sort()
        if len(keys) > 1 and np.any(keys[1:] == keys[:-1]):  # a project twice in a ballot
            keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
            rows, cols = np.divmod(keys, width)
            indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n))))
            indices = cols.astype(np.int32)
        return cls(indptr, indices)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, voter: int) -> np.ndarray:
        return self.indices[self.indptr[voter] : self.indptr[voter + 1]]

    def tolist(self) -> list[list[int]]:
        flat = self.indices.tolist()
        bounds = self.indptr.tolist()
        return [flat[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]

    def approvals(self, num_projects: int) -> np.ndarray:
        """Number of approvals of each project."""
        return np.bincount(self.indices, minlength=num_projects).astype(np.int64)

    def lengths(self) -> np.ndarray:
        return np.diff(self.indptr)


@dataclass(eq=False)
class Election:
    """A participatory-budgeting election: a budget, projects and approval ballots.

    ``ballots`` may be given as lists of project indices; it is stored as
    :class:`Ballots`. ``voter_ids`` and ``vote_columns`` (extra per-ballot columns
    such as a receipt hash) are optional and only used by the pabulib writer.
    """

    budget: Amount
    projects: list[Project]
    ballots: Ballots | Sequence[Sequence[int]]
    vote_type: str = "approval"
    meta: dict[str, str] = field(default_factory=dict)
    voter_ids: list[str] | None = None
    vote_columns: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.budget = as_amount(self.budget, "budget")
        self.projects = list(self.projects)
        seen: set[str] = set()
        for p in self.projects:
            if p.id in seen:
                raise TallyError(f"duplicate project id {p.id!r}")
            seen.add(p.id)
        if not isinstance(self.ballots, Ballots):
            self.ballots = Ballots.from_lists(self.ballots)
        ballots = self.ballots
        if len(ballots.indices) and int(ballots.indices.max()) >= len(self.projects):
            raise TallyError(
                f"a ballot approves project index {int(ballots.indices.max())}, "
                f"but there are {len(self.projects)} projects"
            )
        if self.vote_type not in SUPPORTED_VOTE_TYPES:
            raise TallyError(f"vote type {self.vote_type!r} is not supported (approval, choose-1)")
        if self.vote_type == "choose-1" and len(ballots) and int(ballots.lengths().max()) > 1:
            voter = int(np.argmax(ballots.lengths() > 1))
            raise TallyError(f"choose-1 ballot {voter} approves more than one project")
        n = len(ballots)
        if self.voter_ids is not None and len(self.voter_ids) != n:
            raise TallyError(f"{len(self.voter_ids)} voter ids for {n} ballots")
        for column, values in self.vote_columns.items():
            if len(values) != n:
                raise TallyError(f"vote column {column!r} has {len(values)} values for {n} ballots")

    @property
    def num_voters(self) -> int:
        return len(self.ballots)

    def approvals(self) -> np.ndarray:
        """Number of approvals (votes) of each project, in project order."""
        assert isinstance(self.ballots, Ballots)
        return self.ballots.approvals(len(self.projects))

    def scaled(self) -> tuple[int, list[int], int]:
        """(scale, costs, budget) as integers: every amount multiplied by ``scale``.

        Rules compare and add amounts only, so they can run on integers; the
        common denominator makes that exact for Fraction costs and budgets.
        """
        amounts = [self.budget, *(p.cost for p in self.projects)]
        scale = lcm(1, *(a.denominator for a in amounts if isinstance(a, Fraction)))
        ints = [int(a * scale) for a in amounts]
        return scale, ints[1:], ints[0]
