"""The durable outbox (participatory/outbox.py): promised mail is written in the transaction of the change
that promises it (rolled back: no message), sent once, deleted once delivered, and retried with backoff
after SMTP failures; with Redis a worker sends it, and if Redis lost the job, `flask mail send-outbox` does.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from participatory import clock, outbox
from participatory.mail import Mail, read_outbox
from participatory.outbox import OutboxMessage
from tests.accounts.test_auth import NEW
from tests.servers import OwnRedis, requires_redis_server
from tests.test_jobs import run_burst_worker
from tests.test_mail import _free_port
from tests.test_outages import _voter_clients

HANG_UP = "hang up"  # a scripted answer: the server drops the connection instead of answering DATA


class Received(list):
    """The envelopes the server accepted, and the client's address and port at every DATA."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list = []

    def connections(self) -> int:
        """How many connections the DATA commands came over (each new one has a new client port)."""
        return len(self.peers) and 1 + sum(a != b for a, b in zip(self.peers, self.peers[1:], strict=False))


@contextmanager
def smtp_server(app, monkeypatch, data_answers: list[str] | None = None):
    """A local SMTP server (aiosmtpd) whose DATA replies are taken from `data_answers`, then "250 OK"."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    received = Received()
    answers = list(data_answers or [])

    class Scripted(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.peers.append(session.peer)
            reply = answers.pop(0) if answers else "250 OK"
            if reply == HANG_UP:
                server.transport.close()
                return "421 4.4.2 closing connection"
            if reply.startswith("250"):
                received.append(envelope)
            return reply

    port = _free_port()
    controller = controller_module.Controller(Scripted(), hostname="127.0.0.1", port=port)
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    controller.start()
    try:
        yield received
    finally:
        controller.stop()


def _waiting(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage)))


def _utc(moment: datetime) -> datetime:
    """SQLite gives the stored UTC time back without its zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_message_exists_only_if_its_transaction_commits(app, session, now):
    with app.test_request_context():
        outbox.add(session, Mail(to="ana@example.org", subject="Code", body="123456"), now)
        session.rollback()
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        outbox.add(session, Mail(to="ana@example.org", subject="Code", body="123456"), now)
        session.commit()
    assert len(_waiting(session)) == 1


def test_only_the_committed_transaction_s_messages_are_dispatched(app, session, now, monkeypatch):
    """A rollback (whoever makes it) forgets the ids its transaction added: dispatch() after the next
    commit sends that commit's messages only (inline here), and only once."""
    handed: list[int] = []
    monkeypatch.setattr(outbox, "try_send", lambda session, message_id, now, due_only: handed.append(message_id))
    with app.test_request_context():
        outbox.add(session, Mail(to="ana@example.org", subject="Annulé", body="1"), now)
        session.rollback()
        kept = outbox.add(session, Mail(to="ana@example.org", subject="Gardé", body="2"), now)
        session.commit()
        outbox.dispatch()
        outbox.dispatch()  # nothing twice
    assert handed == [kept]


def test_a_refused_ballot_promises_no_mail(app, session, monkeypatch):
    call, project, (voter,) = _voter_clients(app, session, 1)
    with smtp_server(app, monkeypatch) as received:
        response = voter.post(f"/appels/{call.id}/vote", data={"projects": ["999999"]})
    assert 400 <= response.status_code < 500
    assert _waiting(session) == [] and received == []


def test_a_ballot_receipt_is_sent_once_and_deleted_after_delivery(app, session, monkeypatch):
    call, project, (voter,) = _voter_clients(app, session, 1)
    with smtp_server(app, monkeypatch) as received:
        assert voter.post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]}).status_code == 200
        assert len(received) == 1 and b"code de re" in received[0].content.lower()
        assert _waiting(session) == [], "deleted once delivered: the receipt code is not kept"
        assert outbox.send_due(session, clock.now()) == (0, 0)
    assert len(received) == 1, "sent once"


def test_a_failed_delivery_is_kept_and_retried_with_backoff(app, session, monkeypatch, caplog):
    call, project, (voter,) = _voter_clients(app, session, 1)
    caplog.set_level(logging.WARNING, logger="participatory.outbox")
    start = clock.now()
    with smtp_server(app, monkeypatch, ["451 4.3.0 try again later", "451 4.3.0 try again later"]) as received:
        response = voter.post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]})
        assert response.status_code == 200, "the ballot is recorded whatever the relay does"
        [waiting] = _waiting(session)
        assert (waiting.attempts, waiting.last_error) == (1, "SMTPDataError 451")
        assert _utc(waiting.next_attempt_at) == start + timedelta(seconds=30)
        assert outbox.send_due(session, clock.now()) == (0, 0), "not due before its backoff"

        clock.freeze(start + timedelta(seconds=31))
        result = app.test_cli_runner().invoke(args=["mail", "send-outbox"])
        assert result.exit_code == 0 and "0 sent, 1 failed" in result.output
        [waiting] = _waiting(session)
        assert waiting.attempts == 2 and _utc(waiting.next_attempt_at) == clock.now() + timedelta(seconds=120)

        clock.freeze(start + timedelta(seconds=200))
        result = app.test_cli_runner().invoke(args=["mail", "send-outbox"])
        assert "1 sent, 0 failed" in result.output
    assert len(received) == 1 and _waiting(session) == []
    user_email = received[0].rcpt_tos[0]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "SMTPDataError" in logged and user_email not in logged, "the log names the error, never the address"


def test_the_sender_job_sends_every_message_due_and_fails_naming_the_error_when_one_was_refused(
    app, session, now, monkeypatch
):
    """One refusal does not hold back the messages after it; the job then fails (RQ retries it), naming the
    error's class only, and the refused message waits for its next attempt."""
    with app.test_request_context():
        for i in range(3):
            outbox.add(session, Mail(to=f"voter{i}@example.org", subject=f"Code {i}", body="1"), now)
        session.commit()
    with smtp_server(app, monkeypatch, ["250 OK", "554 5.7.1 refused"]) as received:
        with app.app_context(), pytest.raises(outbox.MailNotSent) as failed:
            outbox.send_waiting_job()
        assert str(failed.value) == "SMTPDataError 554" and "@" not in str(failed.value)
        assert sorted(_receipts(received)) == ["voter0@example.org", "voter2@example.org"]
        [waiting] = _waiting(session)
        assert waiting.attempts == 1 and _utc(waiting.next_attempt_at) == now + timedelta(seconds=30)
        with app.app_context():
            assert outbox.send_waiting_job() == 0, "not due before its backoff"
        clock.freeze(now + timedelta(seconds=30))
        with app.app_context():
            assert outbox.send_waiting_job() == 1
    assert _waiting(session) == [] and len(received) == 3


@pytest.mark.parametrize(("waiting", "limit", "sent"), [(5, 1000, 5), (5, 3, 3), (4, 4, 4), (0, 1000, 0), (2, 1, 1)])
def test_send_due_goes_through_every_batch_up_to_its_limit(app, session, now, monkeypatch, waiting, limit, sent):
    monkeypatch.setattr(outbox, "SEND_BATCH", 2)
    with app.test_request_context():
        for i in range(waiting):
            outbox.add(session, Mail(to=f"voter{i}@example.org", subject=f"Code {i}", body="1"), now)
        session.commit()
    with smtp_server(app, monkeypatch) as received, app.app_context():
        assert outbox.send_due(session, now, limit=limit) == (sent, 0)
    assert sorted(_receipts(received)) == [f"voter{i}@example.org" for i in range(sent)]
    assert len(_waiting(session)) == waiting - sent


@pytest.mark.parametrize(
    ("batch", "answers", "sent", "connections"),
    [
        (50, [], 5, 1),  # one connection for the whole batch
        (2, [], 5, 3),  # one per batch
        (50, ["250 OK", "554 5.7.1 refused"], 4, 2),  # a new one after a refusal
        (50, ["250 OK", "250 OK", HANG_UP], 4, 2),  # and after the relay hung up
        (50, [HANG_UP, HANG_UP, HANG_UP, HANG_UP, "451 4.3.0 later"], 0, 5),
        (1, ["451 4.3.0 later", "250 OK"], 4, 5),
    ],
)
def test_a_sender_hands_a_batch_over_one_smtp_connection_and_opens_a_new_one_after_a_failure(
    app, session, now, monkeypatch, batch, answers, sent, connections
):
    """No TCP, TLS and login per message: a national evening sends hundreds of thousands of receipts."""
    monkeypatch.setattr(outbox, "SEND_BATCH", batch)
    with app.test_request_context():
        for i in range(5):
            outbox.add(session, Mail(to=f"voter{i}@example.org", subject=f"Code {i}", body="1"), now)
        session.commit()
    with smtp_server(app, monkeypatch, answers) as received, app.app_context():
        assert outbox.send_due(session, now) == (sent, 5 - sent)
    assert len(received) == sent and received.connections() == connections
    assert len(_waiting(session)) == 5 - sent, "each refused message waits for its next attempt"


def test_an_unreachable_relay_is_not_a_500_and_the_message_waits(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{_free_port()}")  # nobody listens
    response = client.post("/compte/inscription", data=NEW)
    assert response.status_code in (200, 302)
    [waiting] = _waiting(session)
    assert waiting.last_error == "ConnectionRefusedError" and waiting.attempts == 1


@requires_redis_server
def test_with_redis_a_worker_sends_and_without_the_job_cron_still_does(app, session, tmp_path, monkeypatch):
    server = OwnRedis(tmp_path)
    server.start()
    try:
        for key, value in {
            "REDIS_URL": server.url,
            "JOBS_INLINE": False,
            "JOBS_QUEUE": f"outbox-{uuid.uuid4().hex[:8]}",
            "OUTBOX_DIR": str(tmp_path / "eml"),
            "SMTP_URL": "",
        }.items():
            monkeypatch.setitem(app.config, key, value)
        queue = Queue(app.config["JOBS_QUEUE"], connection=Redis.from_url(server.url))
        call, project, voters = _voter_clients(app, session, 2)

        assert voters[0].post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]}).status_code == 200
        assert len(_waiting(session)) == 1 and queue.count >= 1, "written, and a worker woken"
        run_burst_worker(app)
        assert _waiting(session) == [] and len(read_outbox(tmp_path / "eml")) == 1

        assert voters[1].post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]}).status_code == 200
        Redis.from_url(server.url).flushall()  # Redis lost its jobs (a crash without persistence)
        assert len(_waiting(session)) == 1, "the promise is in the database, not in Redis"
        assert "1 sent" in app.test_cli_runner().invoke(args=["mail", "send-outbox"]).output
        assert _waiting(session) == [] and len(read_outbox(tmp_path / "eml")) == 2
    finally:
        server.kill()


DELETE_FAILS = {
    "sqlite": [
        "CREATE TRIGGER outbox_delete_fails BEFORE DELETE ON outbox_message "
        "BEGIN SELECT RAISE(ABORT, 'the database went away'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION outbox_delete_fails() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'the database went away'; END $$",
        "CREATE TRIGGER outbox_delete_fails BEFORE DELETE ON outbox_message "
        "FOR EACH ROW EXECUTE FUNCTION outbox_delete_fails()",
    ],
}
DELETE_WORKS = {
    "sqlite": ["DROP TRIGGER outbox_delete_fails"],
    "postgresql": ["DROP TRIGGER outbox_delete_fails ON outbox_message", "DROP FUNCTION outbox_delete_fails()"],
}


@requires_redis_server
def test_a_message_the_relay_accepted_is_not_sent_again_when_its_delete_could_not_commit(
    app, session, now, tmp_path, monkeypatch
):
    """The relay accepted the message, then the database refused the delete (down, or the sender killed
    before its commit): the next sender finds the note left in Redis and deletes the row without sending."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    server = OwnRedis(tmp_path)
    server.start()
    dialect = session.get_bind().dialect.name
    for key, value in {"REDIS_URL": server.url, "JOBS_INLINE": False, "JOBS_QUEUE": "sent-note"}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.test_request_context():
        outbox.add(session, Mail(to="ana@example.org", subject="Code", body="123456"), now)
    for statement in DELETE_FAILS[dialect]:
        session.execute(text(statement))
    session.commit()
    try:
        with smtp_server(app, monkeypatch) as received, app.app_context():
            with pytest.raises(DatabaseError, match="the database went away"):
                outbox.send_due(session, now)
            session.rollback()
            assert len(received) == 1 and len(_waiting(session)) == 1, "sent, but still waiting"
            for statement in DELETE_WORKS[dialect]:
                session.execute(text(statement))
            session.commit()
            assert outbox.send_due(session, now) == (1, 0)
        assert len(received) == 1, "not sent again"
        assert _waiting(session) == []
    finally:
        session.rollback()
        if session.execute(text("SELECT 1")).scalar() and dialect == "postgresql":
            session.execute(text("DROP TRIGGER IF EXISTS outbox_delete_fails ON outbox_message"))
            session.execute(text("DROP FUNCTION IF EXISTS outbox_delete_fails()"))
        elif dialect == "sqlite":
            session.execute(text("DROP TRIGGER IF EXISTS outbox_delete_fails"))
        session.commit()
        server.kill()


def test_concurrent_senders_send_each_message_once_on_postgresql(app, session, now, monkeypatch):
    """Cron's send-outbox and workers may run at once: each holds a message's row lock while it talks to the
    relay, and the others skip it."""
    from tests.calls.test_concurrency import run_together

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the row locks are PostgreSQL's (SQLite serialises writers anyway)")
    with app.test_request_context():
        for i in range(30):
            outbox.add(session, Mail(to=f"voter{i}@example.org", subject=f"Code {i}", body="123456"), now)
        session.commit()
    with smtp_server(app, monkeypatch) as received:
        outcomes = run_together(app, 4, lambda s, i: outbox.send_due(s, now))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(_receipts(received)) == sorted(f"voter{i}@example.org" for i in range(30)), "each once"
    assert _waiting(session) == []


def _receipts(received) -> list[str]:
    return [e.rcpt_tos[0] for e in received]


def test_a_deferred_mail_is_built_by_the_sender_the_same_at_every_attempt(app, session, now):
    """The ballot view stores the receipt's plain values; the sender renders it, with the Date and
    Message-ID chosen when it was promised (a retry sends the very same message)."""
    from participatory.calls.mail import receipt_mail

    params = {"to": "ana@example.org", "title": "Parc", "code": "AB12-CD34", "changed": False, "renewed": False}
    params["link"] = "https://example.org/appels/1/recu"
    with app.test_request_context():
        row = session.get(OutboxMessage, outbox.add_deferred(session, receipt_mail, params, now))
        session.commit()
        assert row.message.startswith(outbox.DEFERRED)
        first, again = outbox.built(row.message), outbox.built(row.message)
    assert first["Message-ID"] == again["Message-ID"] and first["Date"] == again["Date"]
    assert first["To"] == "ana@example.org" and "Parc" in first["Subject"]
    body = first.get_content()
    assert "AB12-CD34" in body and "Votre code de reçu" in body and "receipt code" in body.lower()
    assert bytes(first) == bytes(again)


def test_a_deferred_mail_is_rendered_by_the_platform_only(app, session, now):
    with app.test_request_context(), pytest.raises(ValueError):
        outbox.add_deferred(session, lambda **kw: Mail("a@example.org", "s", "b"), {}, now)
    forged = outbox.DEFERRED + b'{"render": "os:system", "params": {}, "date": "", "message_id": ""}'
    with app.app_context(), pytest.raises(ValueError):
        outbox.built(forged)
