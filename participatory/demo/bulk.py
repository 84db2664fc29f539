"""Bulk inserts for large demo data: PostgreSQL COPY, executemany batches elsewhere.

The ORM costs about a millisecond per object: a million ballots would take many
minutes. Rows go in as tuples in the table's column order instead, in the caller's
transaction, with ids reserved up front so that child rows can point at them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

BATCH = 20_000


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` consecutive fresh primary keys for `table` (an integer `id` column).

    The table is locked against other writers until the seeding transaction ends (SHARE ROW
    EXCLUSIVE: reads go on), so the block taken from the sequence cannot collide with
    another insert. SQLite serialises writers itself: the block follows the current maximum.
    """
    if count <= 0:
        return []
    if is_postgresql(session):
        session.execute(text(f'LOCK TABLE "{table.name}" IN SHARE ROW EXCLUSIVE MODE'))
        last = session.scalar(
            text("SELECT setval(pg_get_serial_sequence(:t, 'id'), nextval(pg_get_serial_sequence(:t, 'id')) + :n - 1)"),
            {"t": table.name, "n": count},
        )
        return list(range(last - count + 1, last + 1))
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


@contextmanager
def foreign_keys_checked_once(session: Session, tables: Sequence[Table]) -> Iterator[None]:
    """On PostgreSQL, check the tables' foreign keys once at the end instead of row by row.

    PostgreSQL checks a foreign key with one index probe per inserted row, which costs
    more than the insert itself for millions of rows. As its manual advises for bulk
    loading ("Populating a Database"), the constraints are dropped and re-added, each
    re-add validating every row in a single join. Everything happens in the caller's
    transaction: an error puts the constraints back as they were. The tables stay locked
    (ACCESS EXCLUSIVE) until commit: seed a demo database, not a live one.
    """
    if not is_postgresql(session):
        yield
        return
    definitions = session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": [t.name for t in tables]},
    ).all()
    for table, name, _ in definitions:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    yield
    for table, name, definition in definitions:
        session.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))


class GrowingTables:
    """Good query plans on tables that one long transaction keeps filling (PostgreSQL).

    Autovacuum never sees uncommitted rows: without help the planner goes on planning as if the
    tables were empty, and closing a call of the demo read every ballot item of the country to
    find its own. ANALYZE inside the transaction counts its own rows: run each time the rows
    double, it keeps the estimates within a factor of two for about twenty runs per million
    rows. And the tally's query, run once per closed call, gets a plan for its own call rather
    than the generic plan psycopg's prepared statement would settle on (planned from the early,
    tiny tables): 1,000,000 ballots seeded in 93 s instead of 127 s.
    """

    def __init__(self, session: Session, tables: Sequence[Table]) -> None:
        self.session, self.tables = session, tables
        self.rows = self.analyzed_at = 0
        if is_postgresql(session):
            session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    def grew(self, rows: int) -> None:
        self.rows += rows

    def analyze_if_doubled(self) -> None:
        if self.rows > 2 * self.analyzed_at and is_postgresql(self.session):
            for table in self.tables:
                self.session.execute(text(f'ANALYZE "{table.name}"'))
            self.analyzed_at = self.rows


def column_defaults(table: Table, given: Sequence[str]) -> dict[str, object]:
    """Scalar Python-side defaults of the columns not given (e.g. a column added later with a default)."""
    values = {}
    for column in table.columns:
        if column.name in given:
            continue
        default = column.default
        if isinstance(default, ScalarElementColumnDefault):  # a constant, not a callable or SQL
            values[column.name] = default.arg
    return values


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert tuples (values in `columns` order) into `table`; returns the number of rows."""
    extra = column_defaults(table, columns)
    names = list(columns) + list(extra)
    tail = tuple(extra.values())
    if is_postgresql(session):
        return _copy(session, table, names, rows, tail)
    count = 0
    batch: list[dict] = []
    statement = table.insert()
    for row in rows:
        batch.append(dict(zip(names, tuple(row) + tail, strict=False)))
        if len(batch) >= BATCH:
            session.execute(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        session.execute(statement, batch)
        count += len(batch)
    return count


def _copy(session: Session, table: Table, names: list[str], rows: Iterable[Sequence], tail: tuple) -> int:
    connection = session.connection().connection.driver_connection  # psycopg 3, inside the session's transaction
    quoted = ", ".join(f'"{name}"' for name in names)
    count = 0
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(tuple(row) + tail if tail else row)
            count += 1
    return count
