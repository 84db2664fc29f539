"""The one way the platform writes CSV files.

Anyone can put text into a CSV the platform publishes (a proposal title, a donor's
name through the public donation form), and spreadsheets run a cell that begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula. Following
OWASP's CSV injection guidance, every text cell that begins so gets a leading
``'``; numbers the platform writes itself (``int``, ``float``, ``Decimal``) are
not text and stay numbers. ``tests/test_csvfiles.py`` checks the tree uses no
other CSV writer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet will show as text; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Rows:
    """Rows written with ``\\r\\n`` then re-ended as asked.

    ``csv`` quotes only the characters of the line terminator, so with ``\\n`` a lone
    carriage return inside a cell would stay bare and split the row in most readers.
    Writing each row with ``\\r\\n`` quotes both; only the row's own ending is replaced.
    """

    def __init__(self, f: IO[str], lineterminator: str) -> None:
        self._f = f
        self._end = lineterminator
        self.buffer = io.StringIO(newline="")

    def flush(self) -> None:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        self._f.write(text[:-2] + self._end)


class Writer:
    """``csv.writer`` whose text cells cannot be formulas."""

    def __init__(self, f: IO[str], *, lineterminator: str = "\r\n", **fmtparams: Any) -> None:
        self._rows = _Rows(f, lineterminator)
        self._writer = csv.writer(self._rows.buffer, lineterminator="\r\n", **fmtparams)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(v) for v in row])
        self._rows.flush()

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter:
    """``csv.DictWriter`` whose text cells cannot be formulas (header names are the platform's)."""

    def __init__(self, f: IO[str], fieldnames: Sequence[str], *, lineterminator: str = "\r\n", **kwargs: Any) -> None:
        self._rows = _Rows(f, lineterminator)
        self._writer = csv.DictWriter(self._rows.buffer, fieldnames=fieldnames, lineterminator="\r\n", **kwargs)

    def writeheader(self) -> None:
        self._writer.writeheader()
        self._rows.flush()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: neutralise(v) for k, v in row.items()})
        self._rows.flush()

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(f: IO[str], **fmtparams: Any) -> Writer:
    return Writer(f, **fmtparams)


def dict_writer(f: IO[str], fieldnames: Sequence[str], **kwargs: Any) -> DictWriter:
    return DictWriter(f, fieldnames, **kwargs)


def interchange_writer(f: IO[str], **fmtparams: Any) -> Any:
    """A plain writer for machine formats that are not spreadsheets (pabulib ``.pb``).

    pabutools reads a project named ``=x`` back as ``=x``; a leading ``'`` would change
    the election it reads, so these files are written verbatim. Nothing meant to be
    opened in a spreadsheet may use this.
    """
    return csv.writer(f, **fmtparams)
