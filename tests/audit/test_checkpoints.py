"""Signed checkpoints: a log that cannot be cut or rebuilt without `flask audit verify` saying so.

Each attack is played as someone with database access would (the append-only triggers bypassed,
see tests/conftest.py triggers_off), on SQLite and PostgreSQL; verification must exit 1 naming what
is missing or altered, and 0 on an intact log.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from participatory.audit import checkpoints
from participatory.audit.models import AuditCheckpoint, AuditEvent
from participatory.audit.rules import BODY_FIELDS, GENESIS, chain_hash, event_body
from participatory.audit.services import (
    checkpoint_document,
    checkpoint_list,
    head,
    make_checkpoint,
    record,
    seal,
    verify_with_checkpoints,
)
from participatory.audit.signing import Keys, PublicKey, current_keys, keys_from_config, public_key_from_text
from participatory.extensions import db


def _events(session, now, n, start=0):
    for i in range(start, start + n):
        record(
            session,
            now=now + timedelta(minutes=i),
            actor="system",
            action="call.updated",
            object_type="call",
            object_id="33-04",
            details={"i": i},
        )
    session.commit()


def _checkpoint(session, now, keys=None) -> dict:
    document = checkpoint_document(make_checkpoint(session, now, keys))
    session.commit()
    return document


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *map(str, args)])


def _write(path, document) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def _other_keys() -> Keys:
    signing = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    return Keys(signing, PublicKey(signing.public_key()))


def _rows(conn) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.seq))]


def _empty_log(conn) -> None:
    """TRUNCATE on PostgreSQL; SQLite has none, DELETE without WHERE is its equivalent."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("TRUNCATE audit_event"))
    else:
        conn.execute(sa.text("DELETE FROM audit_event"))


# --- making checkpoints ----------------------------------------------------------------------------------------


def test_a_checkpoint_signs_the_head_and_is_made_once_per_head(session, now):
    assert make_checkpoint(session, now) is None  # an empty log: nothing to vouch for
    _events(session, now, 3)
    document = _checkpoint(session, now)
    assert (document["seq"], document["head"]) == head(session)
    assert document["at"] == "2026-11-22T12:00:00.000000Z" and document["type"] == checkpoints.TYPE
    assert checkpoints.malformed(document) == ""
    assert checkpoints.signature_problem(document, current_keys().trusted()) == ""

    assert _checkpoint(session, now + timedelta(hours=1)) == document  # log unchanged: the same checkpoint
    _events(session, now, 2, start=3)
    newer = _checkpoint(session, now + timedelta(days=1))
    assert newer["seq"] == 5 and [c.seq for c in checkpoint_list(session)] == [3, 5]


def test_publishing_results_makes_a_checkpoint_covering_the_results_and_their_files(session, now):
    from tests.builders import make_closed_call

    make_closed_call(session, now, proposals=3, voters=4)
    results = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "call.results_computed"))
    files = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "call.files_published"))
    newest = checkpoint_list(session, newest_first=True, limit=1)[0]
    assert results.seq < files.seq
    assert (newest.seq, newest.head_hash) == (files.seq, files.hash) == head(session)


def test_checkpoint_command_seals_signs_and_writes_the_file(app, session, now, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "empty" in result.output
    _events(session, now, 2)
    record(session, now=now, actor="u_ab", action="ballot.cast", object_type="call", object_id="1", deferred=True)
    session.commit()
    out = tmp_path / "cp.json"
    result = runner.invoke(args=["audit", "checkpoint", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["seq"] == 3 and f"sequence 3, head {document['head']}" in result.output  # the ballot sealed first
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    assert len(checkpoint_list(session)) == 1


# --- verify: intact ----------------------------------------------------------------------------------------------


def test_verify_exits_0_on_an_intact_log_with_stored_and_given_checkpoints(app, session, now, tmp_path):
    _events(session, now, 3)
    first = _checkpoint(session, now)
    _events(session, now, 2, start=3)
    _checkpoint(session, now + timedelta(days=1))
    _events(session, now, 1, start=5)  # after the newest checkpoint: fine
    listing = app.test_client().get("/api/v1/audit/checkpoints").json
    result = _verify(app, _write(tmp_path / "one.json", first), _write(tmp_path / "all.json", listing))
    assert result.exit_code == 0, result.output
    assert "6 events" in result.output
    assert (
        "5 checkpoint(s) match; the newest covers sequence 5" in result.output and "1 event(s) since" in result.output
    )


def test_verify_without_checkpoints_says_nothing_vouches_for_the_head(app, session, now):
    _events(session, now, 2)
    result = _verify(app)
    assert result.exit_code == 0 and "no checkpoint yet" in result.output


# --- verify: each way of cutting or rebuilding the log ----------------------------------------------------------


def test_deleting_the_newest_events_is_detected(app, session, now, tamper):
    _events(session, now, 6)
    _checkpoint(session, now)
    with tamper() as conn:
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq > 4"))
    result = _verify(app)
    assert result.exit_code == 1
    assert "stored checkpoint at sequence 6" in result.output
    assert "the log ends at sequence 4, before this checkpoint: events 5 to 6 are missing" in result.output


def test_truncating_and_reinserting_all_but_the_last_events_is_detected(app, session, now, tamper):
    _events(session, now, 5)
    _checkpoint(session, now)
    with tamper() as conn:
        rows = _rows(conn)
        _empty_log(conn)
        conn.execute(sa.insert(AuditEvent.__table__), rows[:-1])
    assert verify_with_checkpoints(session).chain.ok  # the chain alone is fooled
    result = _verify(app)
    assert result.exit_code == 1 and "event 5 is missing" in result.output


def test_a_rebuilt_chain_with_other_hashes_is_detected(app, session, now, tamper):
    _events(session, now, 5)
    _checkpoint(session, now)
    with tamper() as conn:
        rows = _rows(conn)
        _empty_log(conn)
        rows[1]["details"] = {"i": 99}  # rewrite event 2, then re-hash everything after it
        prev = GENESIS
        for row in rows:
            row["prev_hash"] = prev
            row["hash"] = prev = chain_hash(prev, event_body(*(row[f] for f in BODY_FIELDS)))
        conn.execute(sa.insert(AuditEvent.__table__), rows)
    assert verify_with_checkpoints(session).chain.ok
    result = _verify(app)
    assert result.exit_code == 1 and "event 5 has hash" in result.output and "rebuilt" in result.output


def test_deleting_the_stored_checkpoints_too_is_caught_by_an_auditors_copy(app, session, now, tmp_path, tamper):
    _events(session, now, 3)
    _checkpoint(session, now)
    _events(session, now, 3, start=3)
    kept = _write(tmp_path / "kept.json", _checkpoint(session, now + timedelta(days=1)))  # an auditor's copy
    with tamper() as conn:
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq > 3"))
        conn.execute(sa.text("DELETE FROM audit_checkpoint WHERE seq > 3"))
    assert _verify(app).exit_code == 0  # what the database holds agrees with itself: copies matter
    result = _verify(app, kept)
    assert result.exit_code == 1
    assert "kept.json: the log ends at sequence 3" in result.output
    assert "missing from the stored checkpoints" in result.output


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d | {"seq": d["seq"] - 1},  # a checkpoint made to fit a shortened log
        lambda d: d | {"head": "f" * 64},
        lambda d: d | {"signature": base64.b64encode(b"\0" * 64).decode()},
    ],
    ids=["seq", "head", "signature"],
)
def test_a_forged_checkpoint_file_is_refused(app, session, now, tmp_path, change):
    _events(session, now, 4)
    document = _checkpoint(session, now)
    result = _verify(app, _write(tmp_path / "forged.json", change(document)))
    assert result.exit_code == 1 and "forged.json: the signature does not match: a forged" in result.output


def test_a_checkpoint_signed_with_another_key_is_refused(app, session, now, tmp_path):
    _events(session, now, 2)
    _checkpoint(session, now)
    other = _other_keys()
    seq, digest = head(session)
    document = checkpoints.payload(seq, digest, now, other.public.key_id)
    document["signature"] = other.sign(checkpoints.message(document))
    result = _verify(app, _write(tmp_path / "other.json", document))
    assert result.exit_code == 1 and f"unknown key {other.public.key_id}" in result.output


def test_public_key_option_replaces_the_configured_key(app, client, session, now, tmp_path):
    _events(session, now, 2)
    document = _checkpoint(session, now)
    key_file = _write(tmp_path / "key.json", client.get("/api/v1/audit/public-key").json)
    assert _verify(app, "--public-key", key_file, _write(tmp_path / "cp.json", document)).exit_code == 0
    result = _verify(app, "--public-key", _other_keys().public.b64)
    assert result.exit_code == 1 and "stored checkpoint at sequence 2: signed by an unknown key" in result.output
    bad = _verify(app, "--public-key", "AAEC")
    assert bad.exit_code == 2 and "32 bytes" in bad.output


def test_checkpoints_of_a_retired_key_still_verify_when_it_is_listed(session, now, app):
    old = _other_keys()
    _events(session, now, 2)
    _checkpoint(session, now, keys=old)
    assert verify_with_checkpoints(session).problems  # the configured key alone does not know it
    config = {"SECRET_KEY": app.config["SECRET_KEY"], "AUDIT_RETIRED_PUBLIC_KEYS": old.public.b64}
    assert verify_with_checkpoints(session, trusted=keys_from_config(config).trusted()).ok


def test_a_file_that_is_not_a_checkpoint_is_named(app, session, now, tmp_path):
    _events(session, now, 1)
    (tmp_path / "junk.json").write_text("not json", encoding="utf-8")
    result = _verify(app, tmp_path / "junk.json", _write(tmp_path / "partial.json", {"seq": 1}))
    assert result.exit_code == 1
    assert "junk.json (JSONDecodeError): not a JSON object" in result.output
    assert "partial.json: fields must be exactly" in result.output
    assert _verify(app, tmp_path / "absent.json").exit_code == 2


# --- the database refuses to cut the log ------------------------------------------------------------------------


def _refusals(dialect: str) -> list[str]:
    common = [
        "UPDATE audit_event SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 2",
        "UPDATE audit_checkpoint SET seq = 1",
        "DELETE FROM audit_checkpoint",
    ]
    if dialect == "postgresql":
        return [*common, "TRUNCATE audit_event", "TRUNCATE audit_checkpoint", "TRUNCATE audit_event CASCADE"]
    return [*common, "DELETE FROM audit_event"]  # SQLite's TRUNCATE


def test_update_delete_and_truncate_of_the_log_and_its_checkpoints_are_refused(session, now):
    _events(session, now, 2)
    _checkpoint(session, now)
    statements = _refusals(db.engine.dialect.name)
    for sql in statements:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditCheckpoint)) == 1
    assert verify_with_checkpoints(session).ok


def test_pending_events_can_still_be_drained_by_seal(session, now):
    record(session, now=now, actor="u_ab", action="ballot.cast", object_type="call", object_id="1", deferred=True)
    session.commit()
    assert seal(session) == 1
    session.commit()
    assert head(session)[0] == 1


# --- open data ---------------------------------------------------------------------------------------------------


def test_api_publishes_the_checkpoints_each_file_and_the_public_key(client, session, now):
    assert client.get("/api/v1/audit/checkpoints").json == {"count": 0, "checkpoints": []}
    _events(session, now, 2)
    document = _checkpoint(session, now)
    listing = client.get("/api/v1/audit/checkpoints")
    assert listing.status_code == 200 and listing.json == {"count": 1, "checkpoints": [document]}
    assert listing.headers["ETag"] and "public" in listing.headers["Cache-Control"]

    one = client.get("/api/v1/audit/checkpoints/2.json")
    assert one.status_code == 200 and json.loads(one.data) == document
    assert one.headers["Content-Disposition"] == 'attachment; filename="audit-checkpoint-2.json"'
    assert client.get("/api/v1/audit/checkpoints/1.json").status_code == 404

    key = client.get("/api/v1/audit/public-key").json
    assert key["algorithm"] == "Ed25519" and key["key_id"] == document["key_id"] and key["retired"] == []
    for published in (key["public_key"], key["pem"]):  # the file verifies with the key as published
        public = public_key_from_text(published)
        assert public.key_id == key["key_id"]
        assert checkpoints.signature_problem(document, {public.key_id: public}) == ""


# --- concurrency (PostgreSQL: the chain's advisory lock) ----------------------------------------------------------


def test_concurrent_writers_and_checkpoints_never_sign_a_head_the_log_does_not_keep(app_ctx, now):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency of the advisory lock is a PostgreSQL matter")
    keys, engine, workers, rounds = current_keys(), db.engine, 8, 5
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(rounds):
                barrier.wait(timeout=60)  # each round, every worker signs at once, while one also appends an event
                with Session(engine) as s, s.begin():
                    if k == 0:  # as a publication: an event and its checkpoint in one transaction
                        record(s, now=now, actor="system", action="test.append", object_type="w", object_id=str(i))
                    make_checkpoint(s, now + timedelta(seconds=i), keys)  # as cron
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors  # no duplicate checkpoint of one head, no deadlock
    with Session(db.engine) as s:
        report = verify_with_checkpoints(s, trusted=keys.trusted())
        assert report.ok and report.chain.events == rounds, report.problems
        assert report.newest["seq"] == report.last_seq == rounds  # each publication's event is signed
        assert [c.seq for c in checkpoint_list(s)] == list(range(1, rounds + 1))  # once each


# --- keys ----------------------------------------------------------------------------------------------------------


def test_the_signing_key_reads_as_a_base64_seed_or_a_pem_and_defaults_to_one_derived_from_secret_key():
    from cryptography.hazmat.primitives import serialization

    seed = bytes(range(32))
    pem = (
        Ed25519PrivateKey.from_private_bytes(seed)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    expected = _other_keys().public.key_id
    for text in (base64.b64encode(seed).decode(), pem, pem.replace("\n", "\\n")):  # one-line PEM as in .env files
        assert keys_from_config({"AUDIT_SIGNING_KEY": text}).public.key_id == expected
    derived = keys_from_config({"SECRET_KEY": "s1"}).public.key_id
    assert (
        derived
        == keys_from_config({"SECRET_KEY": "s1"}).public.key_id
        != keys_from_config({"SECRET_KEY": "s2"}).public.key_id
    )
