"""When a part fails (issue 22): voting goes on through a Redis outage (limits in memory, jobs inline, both
back in Redis after), the app says "come back later" with a clean 503 while the database is unreachable,
/readyz names the failed part, and the worker outlives Redis outages.

The Redis here is a server of the test's own, on another loopback port, killed and restarted mid-test:
the machine's Redis is never touched.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from participatory import clock, create_app
from participatory.accounts import signin
from participatory.audit.services import pending_count
from participatory.calls import rules
from participatory.extensions import db, limiter
from participatory.mail import read_outbox
from tests.calls import builders
from tests.calls.conftest import sign_in
from tests.servers import free_port, requires_redis_server

ROOT = Path(__file__).resolve().parents[1]


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
    assert {job.func_name for job in queued.jobs} == {
        "participatory.outbox.send_waiting_job",
        "participatory.audit.jobs.seal_pending",
    }, "jobs go to the queue again: one sender for the receipts, one sealer for the audit events"
    assert len([m for m in read_outbox(tmp_path / "outbox") if "bulletin" in str(m["Subject"])]) == 3


# --- database unreachable -----------------------------------------------------------------------------------


@pytest.fixture
def no_database_app(app, tmp_path):
    """An app whose PostgreSQL is a closed loopback port: every connection attempt is refused."""
    configured = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres",
            "SERVER_NAME": "localhost",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": "",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }
    )
    yield configured
    with configured.app_context():
        db.session.remove()
        db.engine.dispose()


PAGES_WHILE_DOWN = [
    ("GET", "/", False),  # the map
    ("GET", "/appels", False),
    ("GET", "/appels/1", False),
    ("GET", "/compte", True),  # signed in: loading the user is the first query
    ("GET", "/appels/1/vote", True),
    ("POST", "/appels/1/vote", True),  # a ballot
    ("POST", "/compte/connexion", False),
    ("GET", "/nulle-part", True),  # a 404 page's signed-in menu would read the database too
]


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Service momentanément indisponible"), ("en", "Service temporarily unavailable")]
)
@pytest.mark.parametrize(("method", "path", "signed_in"), PAGES_WHILE_DOWN)
def test_while_the_database_is_unreachable_pages_are_a_clean_503(
    no_database_app, method, path, signed_in, language, heading
):
    client = no_database_app.test_client()
    client.set_cookie("lang", language, domain="localhost")
    if signed_in:
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = "1"
            flask_session["_fresh"] = True
            flask_session[signin.SESSION_KEY] = "a-server-side-session-token"  # so loading the user queries
    response = client.open(path, method=method, data={"projects": ["1"], "email": "a@example.org", "password": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:300]
    assert response.headers["Retry-After"].isdigit()
    assert heading in body and 'id="unavailable"' in body
    assert "no-store" in response.headers["Cache-Control"]


def test_while_the_database_is_unreachable_the_api_answers_a_json_503(no_database_app):
    response = no_database_app.test_client().get("/api/v1/constituencies")
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.get_json()["status"] == 503


def test_readyz_names_the_database_when_it_is_unreachable_and_healthz_stays_alive(no_database_app):
    client = no_database_app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable", "redis": "not configured"}
    assert client.get("/healthz").status_code == 200, "liveness does not depend on the database"


def test_readyz_is_ok_when_the_database_answers(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"


@requires_redis_server
@pytest.mark.parametrize(("required", "status"), [(False, 200), (True, 503)])
def test_readyz_reports_redis_and_fails_on_it_only_when_required(app, own_redis, monkeypatch, required, status):
    monkeypatch.setitem(app.config, "REDIS_URL", own_redis.url)
    monkeypatch.setitem(app.config, "READYZ_REQUIRES_REDIS", required)
    client = app.test_client()
    assert client.get("/readyz").get_json()["redis"] == "ok"
    own_redis.kill()
    response = client.get("/readyz")
    assert response.status_code == status and response.get_json()["redis"] == "unreachable"


# --- the worker -----------------------------------------------------------------------------------------------


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


class Workers:
    """`flask jobs worker` subprocesses on the test database and our Redis, logging to one file each."""

    def __init__(self, app, database_url, tmp_path, monkeypatch, **settings) -> None:
        self.settings = {"JOBS_INLINE": False, "SMTP_URL": "", "OUTBOX_DIR": str(tmp_path / "eml"), **settings}
        for key, value in self.settings.items():
            monkeypatch.setitem(app.config, key, value)
        self.env = {
            **os.environ,
            **{key: str(value) for key, value in self.settings.items() if key != "JOBS_INLINE"},
            "DATABASE_URL": database_url,
            "JOBS_INLINE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self.folder = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        with (self.folder / f"worker-{len(self.processes)}.log").open("a") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def log(self, index: int = 0) -> str:
        return (self.folder / f"worker-{index}.log").read_text()[-6000:]

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _promise(app, session, subject: str) -> None:
    """A message promised through the outbox, as a view does: written, committed, then its job queued."""
    from participatory import outbox
    from participatory.mail import Mail

    with app.test_request_context():
        outbox.add(session, Mail(to="ana@example.org", subject=subject, body="123456"), clock.now())
        session.commit()
        outbox.dispatch()


@requires_redis_server
def test_the_worker_outlives_a_redis_outage_and_delivers_after_it(
    app, session, own_redis, database_url, tmp_path, monkeypatch
):
    workers = Workers(
        app, database_url, tmp_path, monkeypatch, REDIS_URL=own_redis.url, JOBS_QUEUE=f"worker-{uuid.uuid4().hex[:8]}"
    )

    def delivered() -> int:
        return len(read_outbox(tmp_path / "eml")) if (tmp_path / "eml").is_dir() else 0

    own_redis.kill()
    worker = workers.start()  # RQ alone exits within 2 s when Redis is down at start
    try:
        assert _wait_for(lambda: workers.log().count("a new worker starts") >= 2, 30), workers.log()
        assert worker.poll() is None, "the worker never exits on a connection error:\n" + workers.log()
        own_redis.start()
        _promise(app, session, "après le démarrage")
        assert _wait_for(lambda: delivered() == 1, 45), workers.log()
        own_redis.kill()  # and again, while it waits for jobs
        time.sleep(4)
        assert worker.poll() is None, workers.log()
        own_redis.start()
        _promise(app, session, "après la panne")
        assert _wait_for(lambda: delivered() == 2, 45), workers.log()
        time.sleep(1)  # idle again: the stop below is the signal's, not a lost Redis's
    finally:
        workers.stop_all()
    assert worker.returncode == 0, "a SIGTERM is a clean stop:\n" + workers.log()


def _gone(pid: int) -> bool:
    """The process ended (a zombie waiting for a parent that never reaps it counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@requires_redis_server
def test_a_killed_workers_job_is_done_by_another_worker_within_a_minute_and_its_scheduler_dies_with_it(
    app, session, own_redis, database_url, tmp_path, monkeypatch
):
    """SIGKILL a worker in the middle of a delivery (the relay holds the message's DATA): a second worker puts
    the abandoned job back on the queue once its lease expired and delivers the message, once; the killed
    worker's scheduler exits with it and the second worker's scheduler takes the lock."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    import asyncio
    import threading

    from sqlalchemy import func, select

    from participatory.outbox import OutboxMessage

    received, holding, release = [], threading.Event(), threading.Event()

    class FirstDataHangs:
        async def handle_DATA(self, server, smtp_session, envelope):
            if not holding.is_set():  # the first attempt: hang until the test ends (its sender is killed)
                holding.set()
                while not release.is_set():
                    await asyncio.sleep(0.05)
                return "451 4.3.0 too late"
            received.append(envelope.content)
            return "250 OK"

    controller = controller_module.Controller(FirstDataHangs(), hostname="127.0.0.1", port=free_port())
    controller.start()
    name = f"killed-{uuid.uuid4().hex[:8]}"
    workers = Workers(
        app,
        database_url,
        tmp_path,
        monkeypatch,
        REDIS_URL=own_redis.url,
        JOBS_QUEUE=name,
        SMTP_URL=f"smtp://127.0.0.1:{controller.port}",
        JOBS_LEASE_SECONDS=2,
        JOBS_MAINTENANCE_SECONDS=1,
    )
    redis = Redis.from_url(own_redis.url)
    lock = f"rq:scheduler-lock:{name}"
    try:
        first = workers.start()
        assert _wait_for(lambda: redis.get(lock) is not None, 60), workers.log(0)  # started
        first_scheduler = redis.get(lock).decode()
        # The worker takes the lock, then forks the scheduler, which registers itself.
        assert _wait_for(lambda: redis.hget(f"rq:scheduler:{first_scheduler}", "pid") is not None, 30)
        scheduler_pid = int(redis.hget(f"rq:scheduler:{first_scheduler}", "pid"))
        _promise(app, session, "reçu")
        assert _wait_for(holding.is_set, 30), workers.log(0)  # the first worker is in the middle of DATA
        workers.start()
        assert _wait_for(lambda: "Listening on" in workers.log(1), 60), workers.log(1)  # idle, on the queue
        first.kill()
        killed_at = time.monotonic()
        first.wait()

        assert _wait_for(lambda: len(received) == 1, 60), workers.log(1)
        recovered_in = time.monotonic() - killed_at
        assert recovered_in < 60, recovered_in
        assert "back on the queue" in workers.log(1)
        assert _wait_for(lambda: _gone(scheduler_pid), 10), "the killed worker's scheduler outlived it"
        assert _wait_for(lambda: redis.get(lock) not in (None, first_scheduler.encode()), 20), workers.log(1)
        time.sleep(1)  # nothing more arrives: the message was sent once
        assert len(received) == 1 and b"123456" in received[0]
        assert _wait_for(lambda: not redis.keys("rq:job:*"), 5), "the job ended done, not failed nor retried"
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0, "deleted once delivered"
    finally:
        release.set()
        workers.stop_all()
        controller.stop()


@requires_redis_server
def test_the_worker_outlives_a_postgresql_outage_and_works_after_it(
    app, session, own_redis, database_url, tmp_path, monkeypatch
):
    """PostgreSQL refuses the worker's connections (its database closed to connections, its sessions
    terminated): the job in hand fails and waits for its retry, the worker goes on, and once the database
    is back the next sender delivers the message held back and the next one."""
    import sqlalchemy as sa

    from participatory import outbox
    from participatory.mail import Mail

    if not database_url.startswith("postgresql"):
        pytest.skip("the outage is PostgreSQL's")
    workers = Workers(
        app, database_url, tmp_path, monkeypatch, REDIS_URL=own_redis.url, JOBS_QUEUE=f"pg-{uuid.uuid4().hex[:8]}"
    )
    name = sa.make_url(database_url).database
    admin = sa.create_engine(sa.make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")

    def database(open_: bool) -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(open_).lower()}'))
            if not open_:
                conn.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                )

    def delivered() -> int:
        return len(read_outbox(tmp_path / "eml")) if (tmp_path / "eml").is_dir() else 0

    worker = workers.start()
    try:
        _promise(app, session, "avant")
        assert _wait_for(lambda: delivered() == 1, 60), workers.log()  # started, then sent
        with app.test_request_context():
            waiting = outbox.add(session, Mail(to="ana@example.org", subject="pendant", body="1"), clock.now())
            session.commit()
        session.remove()
        database(open_=False)
        try:
            with app.test_request_context():
                session.info["outbox_ids"] = [waiting]
                outbox.dispatch()  # the worker takes the job: the database refuses it
            assert _wait_for(lambda: "OperationalError" in workers.log(), 20), workers.log()
            time.sleep(1)
            assert worker.poll() is None, "the worker never exits on a database error:\n" + workers.log()
        finally:
            database(open_=True)
        _promise(app, session, "après")
        # The next sender sends every message due: the one the outage held back too, without waiting for
        # the failed job's retry.
        assert _wait_for(lambda: delivered() == 3, 30), workers.log()
        assert [m["Subject"] for m in read_outbox(tmp_path / "eml")] == ["avant", "pendant", "après"]
        session.expire_all()
        assert session.get(outbox.OutboxMessage, waiting) is None
    finally:
        workers.stop_all()
        admin.dispose()
    assert worker.returncode == 0, workers.log()
