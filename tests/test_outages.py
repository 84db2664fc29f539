"""When a part fails (issue 22): voting goes on through a Redis outage, and the app says "come back
later" with a clean 503 while the database is unreachable.

The Redis here is a server of the test's own, on another loopback port, killed and restarted mid-test:
the machine's Redis is never touched.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from redis import Redis
from rq import Queue

from participatory import clock, create_app
from participatory.audit.services import pending_count
from participatory.calls import rules
from participatory.extensions import db, limiter
from participatory.mail import read_outbox
from tests.calls import builders
from tests.calls.conftest import sign_in

REDIS_SERVER = shutil.which("redis-server")
requires_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="no redis-server binary")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A throw-away redis-server (no persistence) on a free loopback port, that a test can kill and restart."""

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
            except OSError:
                pass
            except Exception:  # redis.ConnectionError while it starts
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_app(app, database_url, own_redis, tmp_path, monkeypatch):
    """A second app on the test database, with rate limits on and counted in our Redis, jobs on its queue."""
    # The limiter is one object for the process: give its state back to the other tests afterwards.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    monkeypatch.setattr(limiter, "_storage_dead", False)
    configured = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_VOTE": "3 per minute",
            "REDIS_URL": own_redis.url,
            "JOBS_INLINE": False,
            "JOBS_QUEUE": f"outage-{uuid.uuid4().hex[:8]}",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            "SMTP_URL": "",
            "BOUNDARY_CHECK_SECONDS": 0,
        }
    )
    yield configured
    with configured.app_context():
        db.session.remove()


def _voter_clients(app, session, n: int):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    project = builders.proposal(session, now, call)
    voters = [builders.user(session, now) for _ in range(n)]
    session.commit()
    clients = []
    for i, voter in enumerate(voters):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.22.0.{i + 1}"  # limits count per address
        sign_in(client, voter)
        clients.append(client)
    return call, project, clients


def _vote(client, call, project) -> int:
    return client.post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]}).status_code


@requires_redis_server
def test_voting_goes_on_while_redis_is_down_and_limits_return_to_redis(redis_app, own_redis, session, tmp_path, caplog):
    call, project, (before, during, after) = _voter_clients(redis_app, session, 3)
    redis = Redis.from_url(own_redis.url)
    queue = Queue(redis_app.config["JOBS_QUEUE"], connection=redis)

    assert _vote(before, call, project) == 200
    assert redis.keys("LIMITS*"), "limits count in Redis while it is up"
    assert queue.count >= 1, "the receipt mail waits on the queue"

    own_redis.kill()
    caplog.set_level(logging.INFO)
    statuses = [_vote(during, call, project) for _ in range(4)]
    assert statuses == [200, 200, 200, 429], "no 500; the limit still holds, counted in this process's memory"
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records), "the log says so"
    receipts = [m for m in read_outbox(tmp_path / "outbox") if "bulletin" in str(m["Subject"])]
    assert len(receipts) == 3, "the receipt mails were sent in the request, not lost"
    session.expire_all()
    assert pending_count(session) == 0, "the audit events were chained in the request"

    own_redis.start()  # empty: the outage lost what Redis held
    deadline = time.monotonic() + 40
    while limiter._storage_dead and time.monotonic() < deadline:  # Flask-Limiter re-checks after 2, 4, 8… s
        redis_app.test_client().get("/healthz")
        time.sleep(0.5)
    assert not limiter._storage_dead, "the limiter went back to Redis"
    redis = Redis.from_url(own_redis.url)
    assert [_vote(after, call, project) for _ in range(4)] == [200, 200, 200, 429]
    assert redis.keys("LIMITS*"), "the limits count in Redis again"
    queued = Queue(redis_app.config["JOBS_QUEUE"], connection=redis)
    assert queued.count >= 3, "jobs go to the queue again"
    assert len([m for m in read_outbox(tmp_path / "outbox") if "bulletin" in str(m["Subject"])]) == 3
