"""Exports of a closed call: recomputable with pabutools, receipts proving inclusion only, sealed by the manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares

from participatory.audit.rules import verify_chain
from participatory.audit.services import export_lines
from participatory.calls import rules as call_rules
from participatory.calls.exports import FILES, stored_files
from participatory.tally import parse_pabulib as our_parse_pabulib
from participatory.tally import tally
from tests.builders import make_closed_call


def exported(session, call) -> dict[str, bytes]:
    """The files stored when the call's results were published (close_call froze them)."""
    return {name: row.content for name, row in stored_files(session, call.id).items()}


def pabutools_winners(pb_path, rule: str, increment: int) -> list[str]:
    """The documented pabutools calls (tests/tally), with the export's voter_budget_increment."""
    instance, profile = parse_pabulib(str(pb_path))
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "equal-shares":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    else:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": increment}, {"sat_class": Cost_Sat}],
        )
    return sorted(p.name for p in outcome)


def _meta(pb_text: str) -> dict:
    meta, section = {}, None
    for row in csv.reader(io.StringIO(pb_text), delimiter=";"):
        if row and row[0] in ("META", "PROJECTS", "VOTES"):
            section = row[0]
            continue
        if section == "META" and row[0] != "key":
            meta[row[0]] = row[1]
    return meta


def _votes(pb_text: str) -> list[dict]:
    votes = pb_text.split("VOTES\n", 1)[1]
    return list(csv.DictReader(io.StringIO(votes), delimiter=";"))


@pytest.mark.parametrize("rule", ["greedy", "equal-shares", "equal-shares-completed"])
def test_pabutools_recomputes_the_published_winners_from_the_pb_export(session, now, tmp_path, rule):
    world = make_closed_call(session, now, proposals=7, voters=25, rule=rule, seed=3)
    pb = exported(session, world.call)["ballots.pb"]
    path = tmp_path / "ballots.pb"
    path.write_bytes(pb)
    increment = int(_meta(pb.decode())["voter_budget_increment"])
    published = sorted(call_rules.tally_project_id(pid) for pid in world.result.selected)
    assert published, "a call with no winner would prove nothing"
    assert pabutools_winners(path, rule, increment) == published
    # and with the platform's own engine, reading the same file
    ours = tally(our_parse_pabulib(pb.decode()), rule, add_one_step=increment)
    assert sorted(ours.selected) == published


def test_each_voter_finds_their_receipt_in_the_sorted_list_and_no_ballot_line_carries_one(session, now):
    world = make_closed_call(session, now, proposals=5, voters=12)
    files = exported(session, world.call)
    pb = files["ballots.pb"].decode()
    votes = _votes(pb)
    receipts = files["receipts.txt"].decode().splitlines()
    # Inclusion: every voter's receipt hash is listed; the list is sorted and as long as the ballots.
    assert len(votes) == len(world.voters) == len(receipts) == world.result.ballots
    assert receipts == sorted(receipts) and len(set(receipts)) == len(receipts)
    for voter in world.voters:
        assert call_rules.receipt_hash(world.receipts[voter.id]) in receipts
    # Not content: no receipt hash anywhere in the ballots file, nor a column for one.
    assert list(votes[0]) == ["voter_id", "vote"]
    assert not any(h in pb for h in receipts) and "receipt" not in pb
    manifest = json.loads(files["manifest.json"])
    assert manifest["ballots"] == manifest["receipts"] == len(receipts)


def test_ballots_are_ordered_by_random_public_id_not_by_casting_order(session, now):
    world = make_closed_call(session, now, proposals=4, voters=12, seed=11)
    voter_ids = [row["voter_id"] for row in _votes(exported(session, world.call)["ballots.pb"].decode())]
    assert voter_ids == sorted(voter_ids)
    assert all(len(v) == 32 for v in voter_ids) and not {str(u.id) for u in world.voters} & set(voter_ids)


def test_manifest_seals_every_file_and_points_into_the_audit_chain(session, now):
    world = make_closed_call(session, now)
    files = exported(session, world.call)
    manifest = json.loads(files["manifest.json"])
    assert [f["name"] for f in manifest["files"]] == [n for n in FILES if n != "manifest.json"]
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256(files[entry["name"]]).hexdigest()
        assert entry["bytes"] == len(files[entry["name"]])
    assert "audit_head" not in manifest  # a moving head would make the frozen manifest a snapshot of nothing
    assert manifest["rule"] == world.result.rule and manifest["engine_version"] == world.result.engine_version
    assert manifest["ballots_digest"] == world.result.ballots_digest
    events = [json.loads(line) for line in export_lines(session)]
    assert verify_chain(events).ok
    computed = events[manifest["results_event"]["seq"] - 1]
    assert computed["hash"] == manifest["results_event"]["hash"] and computed["action"] == "call.results_computed"
    assert computed["details"]["ballots_digest"] == manifest["ballots_digest"]
    # The next event publishes every file's hash, the manifest's included.
    published = events[manifest["results_event"]["seq"]]
    assert published["action"] == "call.files_published" and published["object_id"] == str(world.call.id)
    assert {f["name"]: f["sha256"] for f in published["details"]["files"]} == {
        name: hashlib.sha256(content).hexdigest() for name, content in files.items()
    }


def test_ballots_digest_is_recomputable_from_the_pb_export(session, now):
    world = make_closed_call(session, now)
    votes = _votes(exported(session, world.call)["ballots.pb"].decode())
    ballots = [(row["voter_id"], [int(x) for x in row["vote"].split(",") if x]) for row in votes]
    assert call_rules.ballots_digest(ballots) == world.result.ballots_digest


def test_results_and_proposals_files(session, now):
    world = make_closed_call(session, now, proposals=5)
    files = exported(session, world.call)
    results = json.loads(files["results.json"])
    assert results["selected"] == world.result.selected and results["rule"] == world.result.rule
    rows = list(csv.DictReader(io.StringIO(files["results.csv"].decode())))
    assert [int(r["proposal_id"]) for r in rows if r["selected"] == "True"] == sorted(world.result.selected)
    proposals = list(csv.DictReader(io.StringIO(files["proposals.csv"].decode())))
    assert len(proposals) == 5
    assert [p["status"] for p in proposals].count("infeasible") == 1


def test_cli_export_writes_each_format_and_refuses_unpublished_calls(app, session, now, tmp_path):
    world = make_closed_call(session, now)
    files = exported(session, world.call)
    runner = app.test_cli_runner()
    formats = (
        ("json", "results.json"),
        ("csv", "results.csv"),
        ("pabulib", "ballots.pb"),
        ("receipts", "receipts.txt"),
    )
    for fmt, name in formats:
        out = tmp_path / name
        result = runner.invoke(args=["export", "call", "33-04", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == files[name]
    result = runner.invoke(args=["export", "call", "33-04", "--format", "all", "-o", str(tmp_path / "all")])
    assert result.exit_code == 0 and len(list((tmp_path / "all").iterdir())) == len(FILES)
    for name, content in files.items():
        assert (tmp_path / "all" / f"33-04-{world.call.year}-{name}").read_bytes() == content
    for code, args in (("75-18", []), ("33-04", ["--year", "1999"]), ("33-04", ["--format", "xml"])):
        refused = runner.invoke(args=["export", "call", code, *args])
        assert refused.exit_code != 0


def test_api_serves_the_same_files(client, session, now):
    world = make_closed_call(session, now)
    files = exported(session, world.call)
    pb = client.get("/api/v1/calls/33-04/results.pb")
    assert pb.status_code == 200 and pb.data == files["ballots.pb"]
    assert "attachment" in pb.headers["Content-Disposition"]
    receipts = client.get("/api/v1/calls/33-04/receipts.txt")
    assert receipts.status_code == 200 and receipts.data == files["receipts.txt"]
    for name in FILES:
        response = client.get(f"/api/v1/calls/33-04/exports/{name}?year={world.call.year}")
        assert response.status_code == 200 and response.data == files[name]
    assert client.get("/api/v1/calls/75-18/results.pb").status_code == 404
    assert client.get("/api/v1/calls/33-04/exports/secret.txt").status_code == 404
    assert client.get("/api/v1/calls/33-04/results.pb?year=abc").status_code == 400


def test_no_export_before_results(client, session, now):
    make_closed_call(session, now, close=False)
    assert client.get("/api/v1/calls/33-04/results.pb").status_code == 404
    assert client.get("/api/v1/calls/33-04/receipts.txt").status_code == 404
