"""Read and write pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each a ``;``-separated table with a header row:
``META`` (``key;value``), ``PROJECTS`` (``project_id;cost;...``) and ``VOTES``
(``voter_id;vote;...``, the vote being a comma-separated list of project ids).
Fields may be quoted; files are UTF-8 with or without a BOM; numbers may be
written ``4000``, ``4000.0`` or ``4000,0``. Approval and ``choose-1`` ballots are
supported; other vote types raise :class:`UnsupportedVoteType`.

Reading follows pabutools' ``parse_pabulib`` (fields are stripped, ``None``
means absent, a ballot is a set) but refuses what pabutools would misread or
crash on, with a :class:`PabulibError` naming the line. The VOTES section,
which is nearly all of a file, is read by blocks of text into a CSR structure:
the 90,494 ballots of Poland_Lodz_2022.pb take a fraction of a second.

The writer is in :mod:`participatory.tally.pabulib_writer`.
"""

from __future__ import annotations

import csv
import io
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import IO

import numpy as np

from participatory.tally.model import SUPPORTED_VOTE_TYPES, Amount, Ballots, Election, Project, TallyError

SECTIONS = ("meta", "projects", "votes")
_NUMBER = re.compile(r"\d+(\.\d+)?|\d+/\d+", re.ASCII)
# Amounts beyond this are not budgets but attacks or typing errors; the engine's arrays are 64-bit.
MAX_AMOUNT = 10**15
MAX_DIGITS = 30  # read before converting: Python refuses (with a traceback) ints of 4,300 digits
_RESERVED_VOTE = ("voter_id", "vote")


class PabulibError(ValueError):
    """A malformed pabulib file; ``line`` is the 1-based line number when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class UnsupportedVoteType(PabulibError):
    """A well-formed file whose ballots (cumulative, ordinal, ...) the engine does not tally."""


def parse_amount(text: str, what: str, line: int | None) -> Amount:
    """An exact amount from ``4000``, ``4000.0``, ``4000,50`` or ``81/2``."""
    s = text.strip().replace(",", ".")
    if not _NUMBER.fullmatch(s):
        raise PabulibError(f"{what} is not a non-negative number: {text[:40]!r}", line)
    if len(s) > MAX_DIGITS:
        raise PabulibError(f"{what} is too large or too precise ({len(s)} characters)", line)
    try:
        value = Fraction(s)
    except ZeroDivisionError:
        raise PabulibError(f"{what} divides by zero: {text!r}", line) from None
    if value > MAX_AMOUNT:
        raise PabulibError(f"{what} is too large: {text.strip()} (at most {MAX_AMOUNT:,})", line)
    return value.numerator if value.denominator == 1 else value


class _Lines:
    """Iterates over a text stream's lines, counting them (csv.reader reports rows, not lines)."""

    def __init__(self, stream: Iterable[str]) -> None:
        self.stream = stream
        self._it: Iterator[str] = iter(stream)
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self.count += 1
        return line


def read_pabulib(source: str | os.PathLike[str] | IO[str], *, details: bool = False) -> Election:
    """Read a pabulib file (a path, or an open text stream).

    ``details=True`` also keeps the voter ids and the extra vote columns (for
    re-export); the tally itself needs neither, and 90,000 voter ids are the
    bulk of the memory otherwise.
    """
    if not isinstance(source, (str, os.PathLike)):
        return _parse(source, details)
    try:
        with open(source, encoding="utf-8-sig", newline="") as f:
            return _parse(f, details)
    except UnicodeDecodeError:
        raise _decoding_error(source) from None


def parse_pabulib(text: str, *, details: bool = False) -> Election:
    """Parse the content of a pabulib file given as a string."""
    return _parse(io.StringIO(text.removeprefix("\ufeff"), newline=""), details)


def _decoding_error(path: str | os.PathLike[str]) -> PabulibError:
    """The text decoder reads ahead by blocks: find the line of the first invalid byte."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return PabulibError(f"not valid UTF-8 ({exc.reason} at byte {exc.start + 1})", number)
    return PabulibError("not valid UTF-8")


def _parse(stream: Iterable[str], details: bool) -> Election:
    lines = _Lines(stream)
    try:
        return _parse_lines(lines, details)
    except csv.Error as exc:
        raise PabulibError(f"unreadable CSV: {exc}", lines.count) from None


def _section_of(row: list[str]) -> str | None:
    if row and row[0].strip().lower() in SECTIONS and not any(f.strip() for f in row[1:]):
        return row[0].strip().lower()
    return None


def _header(reader: Iterator[list[str]], lines: _Lines, section: str, required: tuple[str, ...]) -> list[str]:
    row = next(reader, None)
    if row is None:
        raise PabulibError(f"{section.upper()} section has no header row", lines.count)
    header = [h.strip() for h in row]
    for column in required:
        if column not in header:
            raise PabulibError(f"{section.upper()} header has no {column!r} column: {';'.join(row)!r}", lines.count)
    if len(set(header)) != len(header):
        raise PabulibError(f"{section.upper()} header repeats a column", lines.count)
    return header


def _parse_lines(lines: _Lines, details: bool) -> Election:
    reader = csv.reader(lines, delimiter=";")
    section: str | None = None
    seen: set[str] = set()
    meta: dict[str, str] = {}
    meta_line: dict[str, int] = {}
    projects: list[Project] = []
    position: dict[str, int] = {}
    header: list[str] = []
    for row in reader:
        if not any(f.strip() for f in row):
            continue  # blank line
        name = _section_of(row)
        if name is not None:
            if name in seen:
                raise PabulibError(f"second {name.upper()} section", lines.count)
            expected = SECTIONS[len(seen)]
            if name != expected:
                raise PabulibError(f"{name.upper()} section where {expected.upper()} was expected", lines.count)
            seen.add(name)
            section = name
            if name == "meta":
                _header(reader, lines, "meta", ())
            elif name == "projects":
                header = _header(reader, lines, "projects", ("project_id", "cost"))
            else:
                marker = lines.count
                header = _header(reader, lines, "votes", ("vote",))
                vote_type = _check_meta(meta, meta_line, marker)
                return _read_votes(lines, header, meta, meta_line, projects, position, vote_type, details)
            continue
        if section is None:
            raise PabulibError("data before the META section", lines.count)
        if section == "meta":
            if len(row) < 2 or any(f.strip() for f in row[2:]):
                raise PabulibError(f"META rows are key;value, got {len(row)} fields", lines.count)
            key = row[0].strip()
            meta[key] = row[1].strip()
            meta_line[key] = lines.count
            if key == "vote_type" and meta[key].lower() not in SUPPORTED_VOTE_TYPES:
                raise UnsupportedVoteType(
                    f"vote_type {meta[key]!r} is not supported (only approval and choose-1)", lines.count
                )
        else:
            if len(row) != len(header):
                raise PabulibError(f"project row has {len(row)} fields, the header has {len(header)}", lines.count)
            fields = {h: v.strip() for h, v in zip(header, row, strict=False)}
            pid = fields.pop("project_id")
            if not pid:
                raise PabulibError("empty project_id", lines.count)
            if "," in pid:
                raise PabulibError(f"project_id {pid!r} contains ','", lines.count)
            if pid in position:
                raise PabulibError(f"duplicate project_id {pid!r}", lines.count)
            cost = parse_amount(fields.pop("cost"), f"cost of project {pid}", lines.count)
            name = fields.pop("name", "")
            position[pid] = len(projects)
            extra = {k: v for k, v in fields.items() if v.lower() != "none"}  # pabutools: None is absent
            try:
                projects.append(Project(pid, cost, "" if name.lower() == "none" else name, extra))
            except TallyError as exc:
                raise PabulibError(str(exc), lines.count) from None
    missing = [s.upper() for s in SECTIONS if s not in seen]
    raise PabulibError(f"no {', '.join(missing)} section" + ("s" if len(missing) > 1 else ""), lines.count or None)


def _check_meta(meta: dict[str, str], meta_line: dict[str, int], votes_line: int) -> str:
    if "budget" not in meta:
        raise PabulibError("META has no budget", votes_line)
    if "vote_type" not in meta:
        raise PabulibError("META has no vote_type", votes_line)
    parse_amount(meta["budget"], "budget", meta_line["budget"])
    return meta["vote_type"].lower()


class _VoteReader:
    """Ballots into CSR arrays, by blocks of text on the fast path, line by line otherwise.

    The fast path handles well-formed blocks (no quotes, no blank lines, the
    right number of fields, known project ids) with C-level string methods;
    any other block is replayed line by line, which names the offending line.
    """

    BLOCK = 1 << 16  # characters read at a time: bounds the transient memory

    def __init__(self, header: list[str], position: dict[str, int], details: bool) -> None:
        self.width = len(header)
        self.vote_col = header.index("vote")
        self.id_col = header.index("voter_id") if "voter_id" in header else None
        self.extra_cols = [(i, h) for i, h in enumerate(header) if h not in _RESERVED_VOTE]
        self.position = position
        self.details = details
        self.indices: list[int] = []  # list.extend(map(...)) beats array.extend here
        self.indptr = array("q", [0])
        self.voter_ids: list[str] = []
        self.extra: dict[str, list[str]] = {h: [] for _, h in self.extra_cols}
        self.seen_ids: set[str] = set()
        self.skipped: list[int] = []  # ballot numbers before which a blank line was skipped
        # The vote field of every line of a block, in one regex pass; the voter id the same way.
        self.vote_field = re.compile("^" + "[^;\n]*;" * self.vote_col + "([^;\n]*)", re.MULTILINE)
        self.id_field = (
            re.compile("^" + "[^;\n]*;" * self.id_col + "([^;\n]*)", re.MULTILINE) if self.id_col is not None else None
        )

    def read(self, lines: _Lines) -> None:
        line_no = lines.count
        read = getattr(lines.stream, "read", None)
        if read is None or lines._it is not lines.stream or self.details:
            for line in lines._it:  # no block reads, or every column is wanted
                line_no += 1
                self.line(line, line_no)
            return
        carry = ""
        while True:
            data = read(self.BLOCK)
            block = carry + data
            if data:
                cut = block.rfind("\n") + 1
                block, carry = block[:cut], block[cut:]
            elif block and not block.endswith("\n"):
                block += "\n"
            if block:
                line_no = self.block(block, line_no)
            if not data:
                return

    def block(self, block: str, line_no: int) -> int:
        """Whole lines ending in newlines; returns the number of the last line read."""
        if "\r" in block:
            block = block.replace("\r\n", "\n")
        count = block.count("\n")
        votes = None
        if (
            '"' not in block
            and "\n\n" not in block
            and not block.startswith("\n")
            and block.count(";") == count * (self.width - 1)
        ):
            votes = self.vote_field.findall(block)
        fresh = self._fresh_ids(block, count) if votes is not None and len(votes) == count else None
        if fresh is not None and votes is not None:
            filled = [v for v in votes if v]
            tokens = ",".join(filled).split(",") if filled else []
            if "" not in tokens:
                try:
                    ids = list(map(self.position.__getitem__, tokens))
                except KeyError:
                    pass  # an unknown id, or spaces around ids: the line path sorts it out
                else:
                    self.seen_ids |= fresh
                    self.indices.extend(ids)
                    total = self.indptr[-1]
                    for v in votes:
                        if v:
                            total += v.count(",") + 1
                        self.indptr.append(total)
                    return line_no + count
        for line in block.split("\n")[:-1]:
            line_no += 1
            self.line(line, line_no)
        return line_no

    def _fresh_ids(self, block: str, count: int) -> set[str] | None:
        """The block's voter ids when all are new, else None (the line path names the repeated one)."""
        if self.id_field is None:
            return set()
        # [:count]: "^" also matches after the block's last newline, an empty match that is no line.
        found = self.id_field.findall(block)[:count]
        ids = set(found) if " " not in block else {v.strip() for v in found}
        return ids if len(ids) == count and self.seen_ids.isdisjoint(ids) else None

    def line(self, line: str, line_no: int) -> None:
        fields = _quoted_row(line, line_no) if '"' in line else line.split(";")
        if len(fields) != self.width:
            if not any(f.strip() for f in fields):
                self.skipped.append(len(self.indptr) - 1)
                return
            if _section_of(fields):
                raise PabulibError(f"{fields[0].strip().upper()} section after VOTES", line_no)
            raise PabulibError(f"vote row has {len(fields)} fields, the header has {self.width}", line_no)
        vote = fields[self.vote_col].strip()
        if vote:
            start = len(self.indices)
            try:
                self.indices.extend(map(self.position.__getitem__, vote.split(",")))
            except KeyError:
                del self.indices[start:]
                self.indices.extend(_slow_ballot(vote, self.position, line_no))
        self.indptr.append(len(self.indices))
        if self.id_col is not None:
            vid = fields[self.id_col].strip()
            if vid in self.seen_ids:
                raise PabulibError(f"duplicate voter_id {vid[:40]!r}", line_no)
            self.seen_ids.add(vid)
        if self.details:
            if self.id_col is not None:
                self.voter_ids.append(vid)
            for i, h in self.extra_cols:
                self.extra[h].append(fields[i].strip())

    def ballots(self, vote_type: str, first_line: int) -> Ballots:
        flat = np.array(self.indices, dtype=np.int32)
        self.indices = []
        # Repeated projects are dropped: a ballot is a set, as in pabutools.
        ballots = Ballots.from_arrays(np.frombuffer(self.indptr, dtype=np.int64), flat)
        if vote_type == "choose-1" and len(ballots):
            lengths = ballots.lengths()
            if lengths.max() > 1:
                ballot = int(np.argmax(lengths > 1))
                line = first_line + ballot + sum(1 for k in self.skipped if k <= ballot)
                raise PabulibError(f"a choose-1 ballot approves {int(lengths[ballot])} projects", line)
        return ballots


def _read_votes(
    lines: _Lines,
    header: list[str],
    meta: dict[str, str],
    meta_line: dict[str, int],
    projects: list[Project],
    position: dict[str, int],
    vote_type: str,
    details: bool,
) -> Election:
    reader = _VoteReader(header, position, details)
    first_line = lines.count + 1
    reader.read(lines)
    ballots = reader.ballots(vote_type, first_line)
    reader.seen_ids = set()
    for key, actual, what in (("num_votes", len(ballots), "ballots"), ("num_projects", len(projects), "projects")):
        if key in meta:
            stated = meta[key].strip()
            if not (stated.isascii() and stated.isdigit() and len(stated) <= 12) or int(stated) != actual:
                raise PabulibError(f"META {key} is {stated[:20]!r} but the file has {actual} {what}", meta_line[key])
    budget = parse_amount(meta["budget"], "budget", meta_line["budget"])
    try:
        return Election(
            budget=budget,
            projects=projects,
            ballots=ballots,
            vote_type=vote_type,
            meta=meta,
            voter_ids=reader.voter_ids if details and reader.id_col is not None else None,
            vote_columns=reader.extra if details else {},
        )
    except TallyError as exc:
        raise PabulibError(str(exc)) from None


def _quoted_row(line: str, line_no: int) -> list[str]:
    """A VOTES line with quotes goes through the csv module (rare: our writer quotes only ';' and '"')."""
    if line.count('"') % 2:
        raise PabulibError("unbalanced quotes (a vote row must fit on one line)", line_no)
    return next(csv.reader([line.rstrip("\r\n")], delimiter=";"))


def _slow_ballot(vote: str, position: dict[str, int], line_no: int) -> list[int]:
    ballot: list[int] = []
    if vote.lower() == "none":
        return ballot  # pabutools' spelling of an empty field
    for item in vote.split(","):
        item = item.strip()
        if not item:
            continue  # "1,,2" or a trailing comma: pabutools skips empty names too
        if item not in position:
            raise PabulibError(f"vote for unknown project {item!r}", line_no)
        ballot.append(position[item])
    return ballot
