"""Run localstripe bound to loopback only (its own command listens on every interface).

Usage: python -m tests.crowdfunding.localstripe_launcher PORT
"""

from __future__ import annotations

import sys


def main(port: int) -> None:
    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    from tests.shifted_date import shift_from_environment

    shift_from_environment()  # the same date as the test run that started it

    # localstripe pickles its whole store to /tmp/localstripe.pickle on every write: parallel
    # test runs would share that file. Each run keeps its own store in memory instead.
    store.dump_to_disk = lambda: None
    web.run_app(app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
