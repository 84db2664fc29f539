"""Write pabulib ``.pb`` files that pabutools reads back to the same election.

The platform exports each call's ballots this way, with pseudonymous voter
ids and extra per-vote columns (a receipt hash, ...): every extra project
and vote column is written after the standard ones. Amounts are exact
(``4000``, ``740793.05``, or ``1/3`` when no finite decimal exists); text is
kept on one line, since pabutools splits files into lines before reading CSV.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from typing import IO

from participatory import csvfiles
from participatory.tally.model import Amount, Ballots, Election, TallyError

_RESERVED_PROJECT = ("project_id", "cost", "name")
_RESERVED_VOTE = ("voter_id", "vote")


def _number(value: Amount) -> str:
    """Exact text for an amount: ``4000``, ``740793.05`` or, if not a finite decimal, ``1/3``."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    d = value.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign, whole = ("-" if scaled < 0 else ""), abs(int(scaled))
    return f"{sign}{whole // 10**digits}.{whole % 10**digits:0{digits}d}"


def _text(value: object) -> str:
    """One-line text: pabutools splits the file on line breaks before reading CSV."""
    return " ".join(str(value).splitlines()).strip()


def write_pabulib(
    election: Election,
    target: str | os.PathLike[str] | IO[str],
    *,
    meta: Mapping[str, str] | None = None,
) -> None:
    """Write ``election`` as a pabulib file (UTF-8, no BOM, ``\\n`` line ends).

    META gets the election's meta, then ``meta``, with ``num_projects``,
    ``num_votes``, ``budget`` and ``vote_type`` always taken from the election.
    PROJECTS has ``project_id;cost;name`` then every key of ``Project.extra``;
    VOTES has ``voter_id;vote`` then every ``Election.vote_columns`` column.
    """
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8", newline="") as f:
            _write(election, f, meta)
    else:
        _write(election, target, meta)


def pabulib_string(election: Election, *, meta: Mapping[str, str] | None = None) -> str:
    buffer = io.StringIO(newline="")
    _write(election, buffer, meta)
    return buffer.getvalue()


def _write(election: Election, f: IO[str], extra_meta: Mapping[str, str] | None) -> None:
    writer = csvfiles.interchange_writer(f, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    assert isinstance(election.ballots, Ballots)
    n = len(election.ballots)
    meta = {**election.meta, **(extra_meta or {})}
    meta.update(
        num_projects=str(len(election.projects)),
        num_votes=str(n),
        budget=_number(election.budget),
        vote_type=election.vote_type,
    )
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([_text(key), _text(value)])

    project_cols: list[str] = []
    for p in election.projects:
        for key in p.extra:
            if key in _RESERVED_PROJECT:
                raise TallyError(f"project {p.id}: extra column {key!r} is reserved")
            if key not in project_cols:
                project_cols.append(key)
    writer.writerow(["PROJECTS"])
    writer.writerow([*_RESERVED_PROJECT, *project_cols])
    for p in election.projects:
        writer.writerow([p.id, _number(p.cost), _text(p.name), *(_text(p.extra.get(k, "None")) for k in project_cols)])

    vote_cols = list(election.vote_columns)
    for key in vote_cols:
        if key in _RESERVED_VOTE:
            raise TallyError(f"vote column {key!r} is reserved")
    voter_ids = election.voter_ids or [str(v + 1) for v in range(n)]
    if len(set(voter_ids)) != n:
        raise TallyError("voter ids must be unique")
    ids = [p.id for p in election.projects]
    columns = [election.vote_columns[k] for k in vote_cols]
    writer.writerow(["VOTES"])
    writer.writerow([*_RESERVED_VOTE, *vote_cols])
    flat = election.ballots.indices.tolist()
    bounds = election.ballots.indptr.tolist()
    for v in range(n):
        vote = ",".join(ids[j] for j in flat[bounds[v] : bounds[v + 1]])
        writer.writerow([_text(voter_ids[v]), vote, *(_text(col[v]) for col in columns)])
