"""The one clock: frozen for the tests, and the machine's date moved when the run asks for it."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

import pytest

from participatory import clock
from tests.conftest import FROZEN_NOW, SHIFTED_DAYS


def test_the_platform_reads_the_frozen_time_not_the_machines():
    assert clock.now() == FROZEN_NOW
    time.sleep(0.01)
    assert clock.now() == FROZEN_NOW  # frozen: it does not tick


def test_a_block_can_move_the_clock_and_puts_it_back():
    later = FROZEN_NOW + timedelta(days=40)
    with clock.frozen(later):
        assert clock.now() == later
    assert clock.now() == FROZEN_NOW


def test_the_clock_refuses_naive_times_and_answers_in_utc():
    with pytest.raises(ValueError):
        clock.freeze(datetime(2027, 1, 1))
    with clock.frozen(datetime(2027, 1, 1, 12, tzinfo=UTC).astimezone()):
        assert clock.now().tzinfo == UTC


@pytest.mark.skipif(not SHIFTED_DAYS, reason="the run did not ask for a shifted date (TEST_SHIFT_DAYS)")
def test_the_machines_date_really_is_shifted_in_this_run():
    """The kernel stamps a new file with the real time; Python's wall clock is SHIFTED_DAYS ahead."""
    with tempfile.NamedTemporaryFile() as handle:
        real = os.fstat(handle.fileno()).st_mtime
    assert abs(time.time() - real - SHIFTED_DAYS * 86400) < 3600
    assert datetime.now(UTC).year >= datetime.fromtimestamp(real, UTC).year + SHIFTED_DAYS // 366
