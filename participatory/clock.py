"""The one clock of the platform.

Every decision that depends on the current time (views, CLI commands, jobs, the API,
templates) reads `now()`, and passes it on to services, which never read a clock
themselves. Tests freeze it, so the suite gives the same answers on any date.
Intervals that are not decisions (cache ages, timeouts) use `time.monotonic()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current time, aware and in UTC (the frozen time when a test froze the clock)."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


def freeze(at: datetime) -> None:
    """Make `now()` answer `at` until `unfreeze()` (process-wide: threads of a live test server see it too)."""
    global _frozen_at
    if at.tzinfo is None:
        raise ValueError("the clock only holds aware times")
    _frozen_at = at.astimezone(UTC)


def unfreeze() -> None:
    global _frozen_at
    _frozen_at = None


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze the clock at `at` for a block, then put back what was there."""
    previous = _frozen_at
    freeze(at)
    try:
        yield
    finally:
        if previous is None:
            unfreeze()
        else:
            freeze(previous)
