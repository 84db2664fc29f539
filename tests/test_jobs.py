"""Background jobs on a real Redis (participatory/jobs.py): mail waits on the queue until a worker
delivers it, a failed delivery is retried and never stores the address in Redis, many requests to a
closed call queue one closing job, many ballots queue one job that chains their audit events, and an
unreachable Redis makes the job run inline.

Each test uses its own queue name in Redis database 13 and deletes every key of it afterwards.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from participatory import clock, create_app, jobs, mail, outbox
from participatory import config as settings
from participatory.audit.models import AuditEvent
from participatory.audit.services import pending_count
from participatory.calls import rules
from participatory.calls.models import CallResult
from participatory.mail import Attachment, Mail, read_outbox, send
from tests.builders import make_closed_call
from tests.calls import builders
from tests.calls.conftest import sign_in
from tests.servers import requires_redis_server

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
ADDRESS = "ana.verite-dupont@example.org"


def _keys_of(redis: Redis, queue_name: str) -> set[bytes]:
    """Every Redis key of this queue: the queue, its registries and locks, and its jobs."""
    keys = set(redis.scan_iter(f"*{queue_name}*"))
    for key in redis.scan_iter("rq:job:*"):
        if redis.hget(key, "origin") == queue_name.encode():
            job_id = key.decode().removeprefix("rq:job:")
            keys |= {key} | set(redis.scan_iter(f"*{job_id}*"))
    return keys


@pytest.fixture
def redis_url(module_redis) -> str:
    return module_redis.url


@pytest.fixture
def rq_mode(app, redis_url, tmp_path, monkeypatch):
    """The app in RQ mode on a queue of its own, writing mail to a per-test outbox."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    for key, value in {
        "REDIS_URL": redis_url,
        "JOBS_INLINE": False,
        "JOBS_QUEUE": name,
        "OUTBOX_DIR": str(tmp_path),
        "SMTP_URL": "",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    redis = Redis.from_url(redis_url)
    yield SimpleNamespace(
        name=name, redis=redis, queue=Queue(name, connection=redis), outbox=lambda: read_outbox(tmp_path)
    )
    keys = _keys_of(redis, name)
    if keys:
        redis.delete(*keys)
    redis.srem("rq:queues", f"rq:queue:{name}")
    redis.close()


@contextmanager
def pytest_signal_handlers():
    """RQ's worker takes over SIGINT and SIGTERM; give them back to pytest afterwards."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def run_burst_worker(app) -> None:
    """What `flask jobs worker --burst` does."""
    with pytest_signal_handlers():
        jobs.worker(app).work(burst=True, with_scheduler=True)


def send_through_scripted_smtp(app, rq_mode, monkeypatch, answers: dict):
    """Queue one message, then run a burst worker against a local SMTP server whose RCPT and DATA replies
    are taken in turn from `answers` (then "250 OK"), retrying at once. Returns the job and what arrived."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    received = []

    class Scripted(Sink):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            reply = answers["rcpt"].pop(0) if answers.get("rcpt") else "250 OK"
            if reply.startswith("250"):
                envelope.rcpt_tos.append(address)
            return reply

        async def handle_DATA(self, server, session, envelope):
            reply = answers["data"].pop(0) if answers.get("data") else "250 OK"
            if reply.startswith("250"):
                received.append(envelope)
            return reply

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = controller_module.Controller(Scripted(), hostname="127.0.0.1", port=port)
    monkeypatch.setattr(mail, "RETRY_DELAYS", (0, 0))  # two retries, at once: no waiting for RQ's scheduler
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    controller.start()
    try:
        with app.app_context():
            send(Mail(to=ADDRESS, subject="Code", body="123456"))
        [job] = rq_mode.queue.get_jobs()
        run_burst_worker(app)
    finally:
        controller.stop()
    return job, received


# --- mail ---------------------------------------------------------------------------------------------------


@requires_redis_server
def test_a_mail_waits_in_redis_until_a_worker_delivers_it_then_nothing_is_left(app, rq_mode):
    with app.app_context():
        send(Mail(to=ADDRESS, subject="Bonjour", body="Corps", attachments=[Attachment("r.pdf", b"%PDF-1.4")]))
    assert rq_mode.outbox() == [], "in RQ mode the request only queues the message"
    [job] = rq_mode.queue.get_jobs()
    assert job.result_ttl == 0 and job.failure_ttl == app.config["JOBS_FAILURE_TTL"]
    assert job.retries_left == len(mail.RETRY_DELAYS) and job.retry_intervals == list(mail.RETRY_DELAYS)
    assert ADDRESS not in job.description  # RQ logs and dashboards show the description

    run_burst_worker(app)

    [message] = rq_mode.outbox()
    assert message["To"] == ADDRESS and message["Subject"] == "Bonjour"
    assert [part.get_filename() for part in message.iter_attachments()] == ["r.pdf"]
    assert not rq_mode.redis.exists(f"rq:job:{job.id}"), "a delivered message must not stay in Redis"
    assert rq_mode.queue.count == 0 and FailedJobRegistry(queue=rq_mode.queue).count == 0


@requires_redis_server
def test_a_page_that_sends_mail_only_queues_it(app, client, rq_mode):
    """Callers keep calling participatory.mail.send: registration's confirmation goes through the queue."""
    data = {
        "email": ADDRESS,
        "display_name": "Ana",
        "password": "correct horse battery staple",
        "password_confirm": "correct horse battery staple",
    }
    assert client.post("/compte/inscription", data=data).status_code == 302
    assert rq_mode.outbox() == [] and rq_mode.queue.count == 1
    run_burst_worker(app)
    [message] = rq_mode.outbox()
    assert message["To"] == ADDRESS and "/compte/confirmer/" in message.get_content()


@requires_redis_server
def test_a_failed_delivery_is_retried_and_then_delivered(app, rq_mode, monkeypatch):
    answers = {"data": ["451 4.3.0 try again later"]}
    job, received = send_through_scripted_smtp(app, rq_mode, monkeypatch, answers)
    assert answers["data"] == [], "the first attempt was refused"
    assert len(received) == 1 and received[0].rcpt_tos == [ADDRESS] and b"123456" in received[0].content
    assert FailedJobRegistry(queue=rq_mode.queue).count == 0 and not rq_mode.redis.exists(f"rq:job:{job.id}")


@requires_redis_server
def test_a_delivery_failing_every_time_ends_failed_without_the_address_in_redis(app, rq_mode, monkeypatch):
    answers = {"rcpt": [f"550 5.1.1 <{ADDRESS}>: unknown user"] * 3}
    job, received = send_through_scripted_smtp(app, rq_mode, monkeypatch, answers)
    assert answers["rcpt"] == [], "one attempt and two retries"
    assert received == []
    failed = FailedJobRegistry(queue=rq_mode.queue)
    assert failed.get_job_ids() == [job.id]
    job.refresh()
    error = job.latest_result().exc_string
    assert "MailNotSent: SMTPRecipientsRefused" in error and ADDRESS not in error
    assert 0 < rq_mode.redis.ttl(f"rq:job:{job.id}") <= app.config["JOBS_FAILURE_TTL"], "failed jobs expire"


def test_inline_mode_delivers_at_once_even_with_redis_configured(app, redis_url, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    with app.app_context():
        send(Mail(to=ADDRESS, subject="Bonjour", body="Corps"))
    assert [m["To"] for m in read_outbox(tmp_path)] == [ADDRESS]


# --- closing calls ------------------------------------------------------------------------------------------


@requires_redis_server
def test_many_requests_to_a_closed_call_queue_one_job_and_the_worker_closes_it_once(app, client, session, rq_mode):
    world = make_closed_call(session, clock.now(), close=False)
    call_id = world.call.id
    pages = [f"/appels/{call_id}/resultats", f"/appels/{call_id}", f"/api/v1/calls/{world.call.constituency_code}"]
    for i in range(30):
        response = client.get(pages[i % len(pages)])
        assert response.status_code == 200
    pending = client.get(f"/appels/{call_id}/resultats").get_data(as_text=True)
    assert 'id="results-pending"' in pending and "en cours de calcul" in pending
    assert rq_mode.queue.job_ids == [f"{rq_mode.name}-close-call-{call_id}"], "one job however many requests"
    assert session.scalar(select(func.count()).select_from(CallResult)) == 0, "requests do not compute"

    run_burst_worker(app)

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(CallResult).where(CallResult.call_id == call_id)) == 1
    computed = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "call.results_computed")
    assert session.scalar(computed) == 1
    published = client.get(f"/appels/{call_id}/resultats").get_data(as_text=True)
    assert 'id="results-pending"' not in published
    assert rq_mode.queue.count == 0 and not rq_mode.redis.exists(f"rq:job:{rq_mode.name}-close-call-{call_id}")
    # Once stored, the results are final: later requests queue nothing.
    client.get(f"/appels/{call_id}/resultats")
    assert rq_mode.queue.count == 0


def _voters_on_a_call(app, session, n: int):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    projects = [builders.proposal(session, now, call) for _ in range(2)]
    voters = [builders.user(session, now) for _ in range(n)]
    session.commit()
    clients = []
    for voter in voters:
        client = app.test_client()
        sign_in(client, voter)
        clients.append(client)
    return call, projects, clients


def _chained_ballots(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("ballot.%")))


def test_ballots_queue_one_job_that_chains_their_audit_events(app, session, rq_mode):
    call, projects, clients = _voters_on_a_call(app, session, 3)
    for i, client in enumerate(clients * 2):  # three ballots, then three changes
        response = client.post(f"/appels/{call.id}/vote", data={"projects": [str(projects[i % 2].id)]})
        assert response.status_code == 200
    assert _chained_ballots(session) == 0 and pending_count(session) == 6, "written beside the chain"
    seal_jobs = [job for job in rq_mode.queue.jobs if job.func_name.endswith("seal_pending")]
    assert len(seal_jobs) == 1, "one job however many ballots, while it waits"

    run_burst_worker(app)

    assert _chained_ballots(session) == 6 and pending_count(session) == 0
    assert not rq_mode.redis.exists(f"{rq_mode.name}-audit-seal-wanted"), "the job cleared its flag"
    # A ballot after the job ran asks for a new one.
    clients[0].post(f"/appels/{call.id}/vote", data={"projects": [str(projects[0].id)]})
    assert [job.func_name.endswith("seal_pending") for job in rq_mode.queue.jobs].count(True) == 1
    run_burst_worker(app)
    assert _chained_ballots(session) == 7


@requires_redis_server
def test_ballots_queue_one_sender_that_sends_every_receipt_and_hands_over_on_a_long_burst(
    app, session, rq_mode, monkeypatch
):
    call, projects, clients = _voters_on_a_call(app, session, 3)
    for i, client in enumerate(clients * 2):  # three ballots, then three changes: six receipts
        response = client.post(f"/appels/{call.id}/vote", data={"projects": [str(projects[i % 2].id)]})
        assert response.status_code == 200
    senders = [job for job in rq_mode.queue.jobs if job.func_name.endswith("send_waiting_job")]
    assert len(senders) == 1, "one sender however many receipts, while it waits"
    assert senders[0].args == () and rq_mode.outbox() == [], "the job holds no address; the request sent nothing"
    assert session.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 6

    # A long burst: a sender hands over to a new job after each batch of two.
    monkeypatch.setattr(outbox, "SEND_BATCH", 2)
    monkeypatch.setattr(outbox, "SENDER_SECONDS", 0)
    run_burst_worker(app)

    assert len(rq_mode.outbox()) == 6 and session.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 0
    assert not rq_mode.redis.exists(f"{rq_mode.name}-outbox-sender-wanted"), "the last sender cleared its flag"
    clients[0].post(f"/appels/{call.id}/vote", data={"projects": [str(projects[0].id)]})
    assert [job.func_name.endswith("send_waiting_job") for job in rq_mode.queue.jobs].count(True) == 1
    run_burst_worker(app)
    assert len(rq_mode.outbox()) == 7


def test_without_a_queue_a_ballot_is_chained_before_its_receipt_page(app, session):
    call, projects, clients = _voters_on_a_call(app, session, 1)
    response = clients[0].post(f"/appels/{call.id}/vote", data={"projects": [str(projects[0].id)]})
    assert response.status_code == 200
    assert _chained_ballots(session) == 1 and pending_count(session) == 0


# --- Redis unreachable --------------------------------------------------------------------------------------


def test_with_redis_unreachable_jobs_run_inline_and_the_log_names_no_one(
    app, client, session, tmp_path, monkeypatch, caplog
):
    for key, value in {
        "REDIS_URL": UNREACHABLE_REDIS_URL,
        "JOBS_INLINE": False,
        "JOBS_QUEUE": "unreachable",
        "OUTBOX_DIR": str(tmp_path),
        "SMTP_URL": "",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    caplog.set_level(logging.WARNING, logger="participatory.jobs")
    send(Mail(to=ADDRESS, subject="Bonjour", body="Corps"))
    assert [m["To"] for m in read_outbox(tmp_path)] == [ADDRESS], "delivered at once rather than lost"

    world = make_closed_call(session, clock.now(), close=False)
    response = client.get(f"/appels/{world.call.id}/resultats")
    assert response.status_code == 200 and 'id="results-pending"' not in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(CallResult)) == 1

    warnings = [r.getMessage() for r in caplog.records if r.name == "participatory.jobs"]
    assert len(warnings) == 2 and all("Redis unreachable" in w for w in warnings)
    assert not any(ADDRESS in w or "Corps" in w for w in warnings)


# --- a worker that died ----------------------------------------------------------------------------------


@requires_redis_server
def test_a_job_whose_lease_expired_goes_back_to_the_front_of_the_queue_three_times_at_most(app, rq_mode):
    from rq.registry import StartedJobRegistry

    with app.app_context():
        send(Mail(to=ADDRESS, subject="Bonjour", body="Corps"))
        send(Mail(to=ADDRESS, subject="Suivant", body="Corps"))
    first, second = rq_mode.queue.get_jobs()
    registry = StartedJobRegistry(queue=rq_mode.queue)
    for round_ in (1, 2, 3, 4):
        # A worker takes the job (RQ's own steps), then dies: its lease runs out (the entry's score passes).
        rq_mode.queue.remove(first.id)
        dead = jobs.worker(app)
        execution = dead.prepare_execution(first)
        assert 0 < rq_mode.redis.zscore(registry.key, execution.composite_key) - time.time() <= 16
        assert jobs.requeue_abandoned(rq_mode.queue) == [], "the lease still runs"
        rq_mode.redis.zadd(registry.key, {execution.composite_key: 1})
        if round_ <= jobs.ABANDONED_LIMIT:
            assert jobs.requeue_abandoned(rq_mode.queue) == [first.id]
            assert rq_mode.queue.job_ids == [first.id, second.id], "at the front"
            first.refresh()
            assert first.meta["abandoned"] == round_ and first.get_status() == "queued"
            assert not rq_mode.redis.exists(execution.key), "the dead execution is gone"
            assert registry.get_job_ids(cleanup=False) == []
        else:  # it took its worker down each time: RQ's clean-up fails it (or uses one of its retries)
            assert jobs.requeue_abandoned(rq_mode.queue) == []
            assert rq_mode.queue.job_ids == [second.id]
            assert registry.get_job_ids(cleanup=False) == [first.id]


@requires_redis_server
def test_rqs_own_clean_up_puts_an_abandoned_job_back_on_the_queue_rather_than_failing_or_delaying_it(app, rq_mode):
    """RQ's clean-up of the registries judges leases at its own instant: one that expired just after the
    maintenance's re-queue reaches it. There too the job goes back to the front of the queue, at once, rather
    than being failed or put off by a retry (which then tripped on the dead execution's expired record)."""
    from rq.registry import StartedJobRegistry

    with app.app_context():
        send(Mail(to=ADDRESS, subject="Bonjour", body="Corps"))
    (job,) = rq_mode.queue.get_jobs()
    registry = StartedJobRegistry(queue=rq_mode.queue)
    rq_mode.queue.remove(job.id)
    execution = jobs.worker(app).prepare_execution(job)
    rq_mode.redis.zadd(registry.key, {execution.composite_key: 1})  # its worker died, its lease ran out

    jobs.worker(app).clean_registries()

    assert rq_mode.queue.job_ids == [job.id], "back on the queue, not scheduled for a retry"
    job.refresh()
    assert job.meta["abandoned"] == 1 and job.get_status() == "queued" and job.retries_left == 5
    assert not rq_mode.redis.exists(execution.key) and registry.get_job_ids(cleanup=False) == []
    assert rq_mode.queue.failed_job_registry.get_job_ids() == []
    assert not rq_mode.redis.exists(rq_mode.queue.registry_cleaning_key), "the clean-up lock released"


# --- command and settings -----------------------------------------------------------------------------------


def test_the_worker_command_refuses_to_run_without_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


@requires_redis_server
def test_the_worker_command_runs_the_queue_in_burst_mode(app, rq_mode):
    with app.app_context():
        send(Mail(to=ADDRESS, subject="Bonjour", body="Corps"))
    with pytest_signal_handlers():
        result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in rq_mode.outbox()] == [ADDRESS]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("JOBS_QUEUE", "mail queue", "JOBS_QUEUE"),
        ("JOBS_FAILURE_TTL", 0, "JOBS_FAILURE_TTL"),
        ("JOBS_LEASE_SECONDS", 0, "JOBS_LEASE_SECONDS"),
        ("JOBS_MAINTENANCE_SECONDS", 3601, "JOBS_MAINTENANCE_SECONDS"),
    ],
)
def test_job_settings_are_checked(name, value, message):
    with pytest.raises(settings.ConfigError, match=message):
        create_app({"TESTING": True, name: value})


def test_job_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("JOBS_INLINE", "1")
    monkeypatch.setenv("JOBS_QUEUE", "pb-prod")
    monkeypatch.setenv("JOBS_FAILURE_TTL", "3600")
    monkeypatch.setenv("JOBS_LEASE_SECONDS", "20")
    monkeypatch.setenv("JOBS_MAINTENANCE_SECONDS", "10")
    config = settings.from_environment(tmp_path)
    assert (config["JOBS_INLINE"], config["JOBS_QUEUE"], config["JOBS_FAILURE_TTL"]) == (True, "pb-prod", 3600)
    assert (config["JOBS_LEASE_SECONDS"], config["JOBS_MAINTENANCE_SECONDS"]) == (20, 10)


def test_a_worker_wakes_for_its_maintenance_and_holds_a_short_lease(app, redis_url):
    worker = jobs.worker(app, Redis.from_url(redis_url))
    assert (worker.lease, worker.maintenance_interval, worker.dequeue_timeout) == (15, 15, 15)
