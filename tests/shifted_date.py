"""The machine's date moved ahead for a whole test run, to prove the suite passes on any date.

`TEST_SHIFT_DAYS=1100 make test-sqlite` (what .ci/run does) moves the wall clock as Python
sees it (time.time, datetime.now, …) that many days ahead, still ticking, in the test process
and in the helper servers it starts (localstripe), so both sides of a signed webhook agree.
Monotonic clocks are left alone. Debian's libfaketime was tried first: it fakes the monotonic
clock too, and Python's timed waits (Event.wait, Thread.join with a timeout) then never return.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import time_machine


def shift_from_environment() -> int:
    """Start the shift TEST_SHIFT_DAYS asks for (nothing when unset); the number of days."""
    days = int(os.environ.get("TEST_SHIFT_DAYS", "") or 0)
    if days:
        time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True).start()
    return days
