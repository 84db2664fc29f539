"""Evidence frozen at publication: what a call publishes when its vote closes (counted ballots, result,
files) stays byte-identical whatever happens afterwards, and is served as stored.

Each attack is run after publication; the evidence is compared by SHA-256 before and after.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from constituencies.models import Constituency
from participatory.accounts.services.deletion import erase_account
from participatory.audit.models import AuditEvent, PublishedFile
from participatory.calls import rules as call_rules
from participatory.calls.errors import Forbidden
from participatory.calls.exports import FILES, render_files, stored_files
from participatory.calls.models import BallotItem, CallResult, Proposal
from participatory.calls.services import calls as call_services
from participatory.calls.services import proposals as proposal_services
from participatory.calls.services.results import close_call, counted_ballots
from participatory.extensions import db
from tests.builders import make_closed_call

README = Path(__file__).resolve().parents[2] / "README.md"
RESULT_FIELDS = ("rule", "engine_version", "ballots_digest", "computed_at", "selected", "spent_cents", "ballots")
RESULT_FIELDS += ("budget_cents", "registered_voters", "projects", "alternatives")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def evidence(client, call) -> dict:
    """Everything published about the call, as hashes: read fresh from the database and over HTTP."""
    db.session.expire_all()
    result = db.session.scalar(select(CallResult).where(CallResult.call_id == call.id))
    stored = stored_files(db.session, call.id)
    served = {
        name: _sha(client.get(f"/api/v1/calls/{call.constituency_code}/exports/{name}?year={call.year}").data)
        for name in FILES
    }
    served["results.pb"] = _sha(client.get(f"/api/v1/calls/{call.constituency_code}/results.pb").data)
    served["receipts.txt (api)"] = _sha(client.get(f"/api/v1/calls/{call.constituency_code}/receipts.txt").data)
    return {
        "counted_ballots": _sha(json.dumps(counted_ballots(db.session, call)).encode()),
        "result": _sha(repr({f: getattr(result, f) for f in RESULT_FIELDS}).encode()),
        "stored": {name: row.sha256 for name, row in stored.items()},
        "stored_recomputed": {name: _sha(row.content) for name, row in stored.items()},
        "served": served,
    }


def _winner(world) -> Proposal:
    return next(p for p in world.proposals if p.id == world.result.selected[0])


def hide_a_winner(session, world, now):
    proposal_services.hide(session, world.mp, now, _winner(world), "Projet abandonné par la commune")


def edit_a_proposal(session, world, now):
    winner = _winner(world)
    author = next(a for a in world.authors if a.id == winner.author_id)
    data = proposal_services.ProposalInput("Autre titre", "Autre", "Autre", "sport", 1_000_000)
    with pytest.raises(Forbidden):  # the author may not: proposals closed long ago
        proposal_services.edit(session, author, now, winner, data)
    # and even a change that bypasses the services (an operator in the database) changes no published file
    winner.title, winner.summary, winner.final_cost_cents = "Titre réécrit", "Réécrit", 1


def delete_a_voter(session, world, now):
    erase_account(session, world.voters[1], now=now)


def close_again(session, world, now):
    assert close_call(session, world.call.id, now).id == world.result.id
    assert close_call(session, world.call.id, now + timedelta(days=3)).id == world.result.id


def import_new_boundaries(session, world, now):
    place = session.get(Constituency, world.call.constituency_code)
    place.registered_voters += 12_345
    place.name = f"{place.name} (redécoupée)"


def retitle_the_call(session, world, now):
    settings = call_services.CallSettings.of(world.call)
    dates = {k: call_rules.aware(v) for k, v in vars(settings).items() if isinstance(v, datetime)}  # SQLite: naive
    call_services.update_call(session, world.mp, now, world.call, replace(settings, title="Nouveau titre", **dates))


@pytest.fixture(autouse=True)
def _constituencies_put_back(app):
    """The constituencies are reference data kept between tests: undo what an attack changed in them."""
    with app.app_context():
        kept = db.session.execute(select(Constituency.code, Constituency.name, Constituency.registered_voters)).all()
        db.session.remove()
    yield
    with app.app_context():
        for code, name, voters in kept:
            db.session.execute(
                sa.update(Constituency).where(Constituency.code == code).values(name=name, registered_voters=voters)
            )
        db.session.commit()
        db.session.remove()


ATTACKS = [hide_a_winner, edit_a_proposal, delete_a_voter, close_again, import_new_boundaries, retitle_the_call]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.__name__ for a in ATTACKS])
def test_nothing_after_publication_changes_the_ballots_the_result_or_the_files(client, session, now, attack):
    world = make_closed_call(session, now, proposals=6, voters=14, seed=5)
    before = evidence(client, world.call)
    assert before["stored"] == before["stored_recomputed"] == {n: h for n, h in before["served"].items() if n in FILES}
    assert before["served"]["results.pb"] == before["stored"]["ballots.pb"]
    assert before["served"]["receipts.txt (api)"] == before["stored"]["receipts.txt"]
    items = session.scalar(select(sa.func.count()).select_from(BallotItem))

    attack(session, world, now)
    session.commit()

    assert evidence(client, world.call) == before
    assert session.scalar(select(sa.func.count()).select_from(BallotItem)) == items


def test_rendering_again_would_differ_which_is_why_the_stored_bytes_are_served(client, session, now):
    """The test above can fail: after a change, the files rendered afresh are not those published."""
    world = make_closed_call(session, now)
    edit_a_proposal(session, world, now)
    retitle_the_call(session, world, now)
    session.commit()
    fresh = render_files(session, world.call, world.result)
    stored = stored_files(session, world.call.id)
    assert fresh["results.json"] != stored["results.json"].content
    assert fresh["proposals.csv"] != stored["proposals.csv"].content
    served = client.get(f"/api/v1/calls/33-04/exports/results.json?year={world.call.year}")
    assert served.data == stored["results.json"].content and b"Titre r" not in served.data


def test_the_audit_event_holds_the_hash_of_every_file_once(session, now):
    world = make_closed_call(session, now)
    close_call(session, world.call.id, now)
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "call.files_published")).all()
    assert len(events) == 1 and events[0].object_id == str(world.call.id)
    recorded = {f["name"]: (f["sha256"], f["bytes"]) for f in events[0].details["files"]}
    stored = stored_files(session, world.call.id)
    assert list(recorded) == list(FILES)
    assert recorded == {name: (_sha(row.content), len(row.content)) for name, row in stored.items()}
    # Rendered from the stored result with nothing changed, the files come out the same: no clock, no moving head.
    assert render_files(session, world.call, world.result) == {name: row.content for name, row in stored.items()}


def test_published_files_refuse_update(session, now):
    world = make_closed_call(session, now)
    with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as conn:
        conn.execute(sa.update(PublishedFile).where(PublishedFile.call_id == world.call.id).values(content=b"forged"))
    session.expire_all()
    assert stored_files(session, world.call.id)["ballots.pb"].content.startswith(b"META")


def test_a_hide_after_the_vote_is_a_public_note_beside_the_project(client, session, now):
    world = make_closed_call(session, now)
    winner = _winner(world)
    voted_for = session.scalar(select(sa.func.count()).where(BallotItem.proposal_id == winner.id))
    assert voted_for > 0
    hide_a_winner(session, world, now)
    session.commit()
    assert session.scalar(select(sa.func.count()).where(BallotItem.proposal_id == winner.id)) == voted_for
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.hidden")).one()
    assert event.details["after_vote"] is True
    results = client.get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    assert f'data-note-for="{winner.id}"' in results and "Projet abandonné par la commune" in results
    assert winner.title in results
    page = client.get(f"/propositions/{winner.id}").get_data(as_text=True)
    assert 'id="moderation-note"' in page and "Projet abandonné par la commune" in page
    assert 'id="hidden-notice"' not in page and winner.title in page
    listed = client.get(f"/appels/{world.call.id}").get_data(as_text=True)
    assert winner.title in listed


def test_a_hide_between_the_close_and_the_count_does_not_take_the_project_out(session, now):
    world = make_closed_call(session, now, close=False)  # closed by the clock, not counted yet
    voted = [p for p in world.proposals if any(p.id in ids for ids in world.ballots.values())]
    proposal_services.hide(session, world.mp, now, voted[0], "Signalé après la clôture")
    result = close_call(session, world.call.id, now)
    session.commit()
    line = next(p for p in result.projects if p["proposal_id"] == voted[0].id)
    assert line["votes"] == sum(voted[0].id in ids for ids in world.ballots.values())


def test_hiding_during_the_vote_still_takes_the_project_off_the_ballots(session, now):
    """Before the close the ballots are not evidence yet: the hidden project leaves them (tests/calls too)."""
    world = make_closed_call(session, now, close=False)
    voted = next(p for p in world.proposals if any(p.id in ids for ids in world.ballots.values()))
    during_vote = call_rules.aware(world.call.voting_close_at) - timedelta(hours=1)
    proposal_services.hide(session, world.mp, during_vote, voted, "Publicité")
    assert session.scalar(select(sa.func.count()).where(BallotItem.proposal_id == voted.id)) == 0
    result = close_call(session, world.call.id, now)
    assert voted.id not in [p["proposal_id"] for p in result.projects]


def test_results_published_before_files_were_stored_get_them_once_on_first_use(client, session, now):
    world = make_closed_call(session, now)
    with db.engine.begin() as conn:  # as if published before this version: a result without files
        conn.execute(sa.delete(PublishedFile))
    first = client.get("/api/v1/calls/33-04/results.pb")
    assert first.status_code == 200 and first.data.startswith(b"META")
    stored = stored_files(session, world.call.id)
    assert set(stored) == set(FILES) and stored["ballots.pb"].content == first.data
    for name in FILES:
        assert client.get(f"/api/v1/calls/33-04/exports/{name}").data == stored[name].content
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "call.files_published")).all()
    assert len(events) == 2  # the first publication's, and this one's: the log keeps both


def _readme_export_recipe() -> str:
    section = README.read_text(encoding="utf-8").split("**Checking a call's export without the platform**", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_export_recipe_checks_files_manifest_log_and_receipt_count(app, session, now, tmp_path):
    world = make_closed_call(session, now, voters=9)
    runner = app.test_cli_runner()
    folder, log = tmp_path / "export", tmp_path / "audit.jsonl"
    assert runner.invoke(args=["export", "call", "33-04", "--format", "all", "-o", str(folder)]).exit_code == 0
    assert runner.invoke(args=["audit", "export", "-o", str(log)]).exit_code == 0
    script = tmp_path / "verify_export.py"
    script.write_text(_readme_export_recipe(), encoding="utf-8")

    def run():
        return subprocess.run([sys.executable, str(script), str(folder), str(log)], capture_output=True, text=True)

    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert f"{world.result.ballots} ballots, {world.result.ballots} receipts" in ok.stdout

    receipts = folder / f"33-04-{world.call.year}-receipts.txt"
    original = receipts.read_bytes()
    receipts.write_bytes(b"".join(original.splitlines(keepends=True)[1:]))  # a receipt dropped
    assert run().returncode == 1 and "differs from the manifest" in run().stderr
    # the same, with a manifest rewritten to match: the audit log still holds the published hashes
    manifest_path = folder / f"33-04-{world.call.year}-manifest.json"
    manifest = json.loads(manifest_path.read_bytes())
    for entry in manifest["files"]:
        if entry["name"] == "receipts.txt":
            entry["sha256"] = hashlib.sha256(receipts.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    forged = run()
    assert forged.returncode == 1 and "audit log recorded" in forged.stderr
