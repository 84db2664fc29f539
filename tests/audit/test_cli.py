"""`flask audit verify` and `flask audit export`, and the README's standalone verification recipe."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from participatory.audit.rules import BODY_FIELDS, GENESIS, chain_hash, event_body, export_line
from participatory.audit.services import head_hash, pending_count, record

README = Path(__file__).resolve().parents[2] / "README.md"


def _events(session, now, n=4):
    for i in range(n):
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


def test_verify_passes_on_an_intact_log(app, session, now):
    _events(session, now)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "4 events" in result.output and head_hash(session) in result.output


def test_verify_counts_ballot_events_not_chained_yet_and_seal_chains_them(app, session, now):
    _events(session, now, n=2)
    for i in range(3):
        record(
            session,
            now=now + timedelta(hours=1, seconds=i),
            actor="u_abcd",
            action="ballot.cast",
            object_type="call",
            object_id="1",
            details={"call": 1},
            deferred=True,
        )
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "2 events" in result.output and "3 more waiting to be chained" in result.output
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0 and "3 events chained" in result.output
    assert pending_count(session) == 0
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "5 events" in result.output and "waiting" not in result.output


def test_verify_exits_1_naming_the_row_changed_with_raw_sql(app, session, now, tamper):
    _events(session, now)
    with tamper() as conn:
        conn.execute(sa.text("UPDATE audit_event SET object_id = '75-18' WHERE seq = 3"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "sequence 3" in result.output


def _readme_recipe() -> str:
    section = README.read_text(encoding="utf-8").split("## Verifying results and the audit log", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_recipe_verifies_an_export_and_catches_an_edit(app, session, now, tmp_path):
    _events(session, now, n=6)
    path = tmp_path / "audit.jsonl"
    result = app.test_cli_runner().invoke(args=["audit", "export", "-o", str(path)])
    assert result.exit_code == 0, result.output
    script = tmp_path / "verify_audit.py"
    script.write_text(_readme_recipe(), encoding="utf-8")
    assert len(script.read_text().strip().splitlines()) <= 45  # short enough to read before running it

    ok = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert ok.returncode == 0 and head_hash(session) in ok.stdout

    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace('"i":4', '"i":40')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert broken.returncode == 1 and "sequence 5" in broken.stderr


def _recipe(tmp_path, *args):
    script = tmp_path / "verify_audit.py"
    script.write_text(_readme_recipe(), encoding="utf-8")
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True)


def test_readme_recipe_checks_checkpoints_a_cut_a_rebuild_and_a_forgery(app, client, session, now, tmp_path):
    from participatory.audit.services import make_checkpoint

    _events(session, now, n=3)
    make_checkpoint(session, now)
    _events(session, now + timedelta(hours=1), n=3)
    make_checkpoint(session, now + timedelta(hours=1))
    session.commit()
    key = client.get("/api/v1/audit/public-key").json["public_key"]
    listing = tmp_path / "checkpoints.json"
    listing.write_bytes(client.get("/api/v1/audit/checkpoints").data)
    log = tmp_path / "audit.jsonl"
    assert app.test_cli_runner().invoke(args=["audit", "export", "-o", str(log)]).exit_code == 0
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)

    ok = _recipe(tmp_path, log, key, listing)
    assert ok.returncode == 0 and "6 events" in ok.stdout and "2 checkpoint(s) matched" in ok.stdout, ok.stderr

    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:4]), encoding="utf-8")
    assert _recipe(tmp_path, cut).returncode == 0  # without checkpoints the cut goes unseen
    result = _recipe(tmp_path, cut, key, listing)
    assert result.returncode == 1 and "ends at sequence 4, before the checkpoint at 6" in result.stderr

    rebuilt = tmp_path / "rebuilt.jsonl"  # event 2 rewritten and every hash after it recomputed
    events, prev = [json.loads(line) for line in lines], GENESIS
    events[1]["details"] = {"i": 99}
    for event in events:
        event["prev_hash"] = prev
        event["hash"] = prev = chain_hash(prev, event_body(*(event[f] for f in BODY_FIELDS)))
    rebuilt.write_text("".join(export_line(e, e["prev_hash"], e["hash"]) + "\n" for e in events), encoding="utf-8")
    result = _recipe(tmp_path, rebuilt, key, listing)
    assert result.returncode == 1 and "sequence 3 differs from its signed checkpoint" in result.stderr

    forged = tmp_path / "forged.json"
    document = json.loads(listing.read_text())["checkpoints"][1]
    forged.write_text(json.dumps(document | {"seq": 4, "head": events[3]["hash"]}), encoding="utf-8")
    result = _recipe(tmp_path, log, key, forged)
    assert result.returncode == 1 and "bad signature" in result.stderr
