"""Throw-away servers for the tests: a free loopback port, and a redis-server of the test's own.

The SQLite and PostgreSQL passes run at the same time (`make test`): a test that flushes or scans Redis
uses a redis-server of its own, never the machine's shared one, so the two passes cannot see each other.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from redis import Redis

REDIS_SERVER = shutil.which("redis-server")
requires_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="no redis-server binary")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server (no persistence) on a free loopback port, that a test can kill and restart."""

    def __init__(self, folder) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url).ping():
                    return
            except Exception:  # OSError or redis.ConnectionError while it starts
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
