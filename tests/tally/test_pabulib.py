"""The pabulib reader (well-formed, malformed, unsupported) and the writer's round trip."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import pytest

from participatory.tally import (
    Election,
    PabulibError,
    Project,
    UnsupportedVoteType,
    pabulib_string,
    parse_pabulib,
    read_pabulib,
    tally,
    write_pabulib,
)

from .conftest import PABULIB, requires_shared, to_pabutools

GOOD = """META
key;value
description;A "test" election
num_projects;3
num_votes;4
budget;1000,5
vote_type;approval
PROJECTS
project_id;cost;name;category
1;400.0;"Trees; and flowers";green
2;600;Bench;None
3;0,5;"A ""quoted"" name";culture
VOTES
voter_id;vote;age
v1;1,2;30

v2;"2,3";41
v3;;52
v4;3,1,3;None
"""


def test_reads_a_well_formed_file() -> None:
    election = parse_pabulib(GOOD)
    assert election.budget == Fraction("1000.5")
    assert [(p.id, p.cost, p.name) for p in election.projects] == [
        ("1", 400, "Trees; and flowers"),
        ("2", 600, "Bench"),
        ("3", Fraction(1, 2), 'A "quoted" name'),
    ]
    assert election.projects[0].extra == {"category": "green"}
    assert election.ballots.tolist() == [[0, 1], [1, 2], [], [0, 2]]  # a ballot is a set
    assert election.meta["description"] == 'A "test" election'
    assert election.vote_type == "approval"
    assert election.voter_ids is None and election.vote_columns == {}


def test_details_keep_voter_ids_and_columns() -> None:
    election = parse_pabulib(GOOD, details=True)
    assert election.voter_ids == ["v1", "v2", "v3", "v4"]
    assert election.vote_columns == {"age": ["30", "41", "52", "None"]}


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode(),
        lambda s: b"\xef\xbb\xbf" + s.encode(),  # BOM
        lambda s: s.replace("\n", "\r\n").encode(),  # Windows line ends
        lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r\n").encode(),
    ],
    ids=["plain", "bom", "crlf", "bom-crlf"],
)
def test_encodings_and_line_ends(tmp_path: Path, encode) -> None:
    path = tmp_path / "e.pb"
    path.write_bytes(encode(GOOD))
    election = read_pabulib(path)
    assert election.ballots.tolist() == [[0, 1], [1, 2], [], [0, 2]]
    assert election.projects[0].name == "Trees; and flowers"
    assert read_pabulib(io.StringIO(path.read_bytes().decode("utf-8-sig"))).budget == Fraction("1000.5")


HEAD = "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\nb;6\nVOTES\nvoter_id;vote\n"


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("x;y\n" + HEAD, 1, "data before the META section"),
        (
            "META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\nVOTES\nvoter_id;vote\n",
            7,
            "META has no budget",
        ),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;5\nVOTES\nvoter_id;vote\n", 7, "no vote_type"),
        (HEAD.replace("budget;10", "budget;ten"), 3, "budget is not a non-negative number"),
        (HEAD.replace("budget;10", "budget;-10"), 3, "budget is not a non-negative number"),
        (HEAD.replace("budget;10", "budget"), 3, "META rows are key;value"),
        (HEAD.replace("a;5", "a;5;7"), 7, "project row has 3 fields, the header has 2"),
        (HEAD.replace("a;5", "a;five"), 7, "cost of project a is not a non-negative number"),
        (HEAD.replace("b;6", "a;6"), 8, "duplicate project_id 'a'"),
        (HEAD.replace("b;6", ";6"), 8, "empty project_id"),
        (HEAD.replace("b;6", '"b;c";6'), 8, "project id must not contain ',' or ';'"),
        (HEAD.replace("project_id;cost", "project_id;price"), 6, "no 'cost' column"),
        (HEAD + "1;a\n2;a,c\n", 12, "vote for unknown project 'c'"),
        (HEAD + "1;a\n2;a;x\n", 12, "vote row has 3 fields, the header has 2"),
        (HEAD + '1;a\n2;"a,b\n', 12, "unbalanced quotes"),
        (HEAD + "1;a\nMETA\n", 12, "META section after VOTES"),
        (HEAD.replace("VOTES\nvoter_id;vote", "VOTES\nvoter_id;ballot"), 10, "no 'vote' column"),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nVOTES\nvoter_id;vote\n",
            5,
            "VOTES section where PROJECTS was expected",
        ),
        ("META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n", 7, "no VOTES section"),
        (HEAD.replace("approval", "choose-1") + "1;a\n\n2;a,b\n", 13, "a choose-1 ballot approves 2 projects"),
        ("META\nkey;value\nbudget;10\nvote_type;approval\nMETA\n", 5, "second META section"),
        ("", None, "no META, PROJECTS, VOTES sections"),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int | None, message: str) -> None:
    with pytest.raises(PabulibError) as info:
        parse_pabulib(text)
    assert info.value.line == line
    assert message in info.value.message
    if line:
        assert str(info.value).startswith(f"line {line}: ")


def test_duplicate_voter_ids_with_details() -> None:
    with pytest.raises(PabulibError, match="line 12: duplicate voter_id '1'"):
        parse_pabulib(HEAD + "1;a\n1;b\n", details=True)


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.pb"
    path.write_bytes((HEAD + "1;a\n").encode() + b"2;\xff\n")
    with pytest.raises(PabulibError) as info:
        read_pabulib(path)
    assert info.value.line == 12 and "not valid UTF-8" in info.value.message


@pytest.mark.parametrize("vote_type", ["cumulative", "ordinal", "scoring"])
def test_unsupported_vote_types(vote_type: str) -> None:
    with pytest.raises(UnsupportedVoteType) as info:
        parse_pabulib(HEAD.replace("approval", vote_type))
    assert info.value.line == 4
    assert f"vote_type '{vote_type}' is not supported" in info.value.message


def test_votes_lenient_like_pabutools() -> None:
    # Spaces around ids, an empty item, "None" for an empty ballot: read as pabutools would mean them.
    election = parse_pabulib(HEAD + "1; a , b\n2;a,,\n3;None\n")
    assert election.ballots.tolist() == [[0, 1], [0], []]


# -- writer --------------------------------------------------------------------


def _as_sets(election: Election) -> list[set[str]]:
    return [{election.projects[j].id for j in b} for b in election.ballots.tolist()]


def _assert_pabutools_reads_back(text: str, election: Election) -> None:
    from pabutools.election.pabulib import parse_pabulib_from_string

    instance, profile = parse_pabulib_from_string(text)
    assert instance.budget_limit == election.budget
    assert {p.name: p.cost for p in instance} == {p.id: p.cost for p in election.projects}
    names = {p.name: instance.project_meta[p].get("name", "") for p in instance}
    assert names == {p.id: p.name for p in election.projects}
    assert [{p.name for p in ballot} for ballot in profile] == _as_sets(election)


def test_writer_round_trip_with_extra_columns(tmp_path: Path) -> None:
    pytest.importorskip("pabutools")
    election = Election(
        budget=Fraction("740793.05"),
        projects=[
            Project("p1", 250_000, 'Bancs; et "tables"', {"category": "urbanisme"}),
            Project("p2", Fraction(1, 3), "Deux\nlignes"),
            Project("p10", 0, ""),
        ],
        ballots=[[0, 1], [2], [], [1, 0, 2]],
        meta={"description": "Appel 33-04", "country": "France", "unit": "33-04", "instance": "2026"},
        voter_ids=["x7f3", "a912", "c001", "b444"],
        vote_columns={"receipt": ["h1", "h2", "h3", "h4"], "channel": ["web", "web", "paper", "web"]},
    )
    path = tmp_path / "call.pb"
    write_pabulib(election, path)
    text = path.read_text(encoding="utf-8")
    assert "budget;740793.05\n" in text and "p2;1/3;Deux lignes;None\n" in text
    assert "voter_id;vote;receipt;channel\n" in text
    back = read_pabulib(path, details=True)
    assert back.budget == election.budget
    assert [(p.id, p.cost, p.name, dict(p.extra)) for p in back.projects] == [
        ("p1", 250_000, 'Bancs; et "tables"', {"category": "urbanisme"}),
        ("p2", Fraction(1, 3), "Deux lignes", {}),
        ("p10", 0, "", {}),
    ]
    assert back.ballots.tolist() == election.ballots.tolist()
    assert back.voter_ids == election.voter_ids and back.vote_columns == election.vote_columns
    assert back.meta["description"] == "Appel 33-04" and back.meta["num_votes"] == "4"
    election.projects[1] = Project("p2", Fraction(1, 3), "Deux lignes")  # newlines become spaces
    _assert_pabutools_reads_back(text, election)


def test_writer_rejects_reserved_columns() -> None:
    election = Election(1, [Project("a", 1)], [[0]], vote_columns={"vote": ["x"]})
    with pytest.raises(ValueError, match="reserved"):
        pabulib_string(election)


@requires_shared
@pytest.mark.parametrize(
    "name",
    [
        "France_Toulouse_2022_1_-_Capitole_Arnaud_Bernard_Carmes.pb",
        "Poland_Warszawa_2017_Saska_Kepa.pb",
        "Poland_Warszawa_2022_Wola.pb",
        "Poland_Zabrze_2021_Grzybowice.pb",
    ],
)
def test_real_files_round_trip(name: str) -> None:
    pytest.importorskip("pabutools")
    from pabutools.election import parse_pabulib as pabutools_parse

    election = read_pabulib(PABULIB / name, details=True)
    text = pabulib_string(election)
    _assert_pabutools_reads_back(text, election)
    instance, profile = pabutools_parse(str(PABULIB / name))  # and the original reads the same
    assert [{p.name for p in b} for b in profile] == _as_sets(election)
    again = parse_pabulib(text, details=True)
    for rule in ("greedy", "equal-shares"):
        assert tally(again, rule).selected == tally(election, rule).selected
    assert to_pabutools(again)[0].budget_limit == instance.budget_limit


@pytest.mark.parametrize("crlf", [False, True])
def test_votes_read_by_blocks(tmp_path: Path, monkeypatch, crlf: bool) -> None:
    # Tiny blocks: lines cut across blocks, and an error found deep in a block names its line.
    from participatory.tally.pabulib import _VoteReader

    monkeypatch.setattr(_VoteReader, "BLOCK", 16)
    votes = "".join(f"{v};{'a,b' if v % 3 else 'b'}\n" for v in range(40))
    text = HEAD + votes
    path = tmp_path / "blocks.pb"
    path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode())
    election = read_pabulib(path)
    assert election.ballots.tolist() == [[0, 1] if v % 3 else [1] for v in range(40)]
    path.write_bytes((text + "40;a,x\n" + votes).encode())
    with pytest.raises(PabulibError, match="line 51: vote for unknown project 'x'"):
        read_pabulib(path)


# -- hostile files: each refused with its line named ---------------------------------------------


@pytest.mark.parametrize(
    ("votes", "line"),
    [
        ("1;a\n1;b\n", 12),
        ("1;a\n2;b\n 1 ;a\n", 13),
        ("x;a\n" + "".join(f"{v};a\n" for v in range(30)) + "x;b\n", 42),
        ('1;a\n"1";b\n', 12),
    ],
)
@pytest.mark.parametrize("block", [16, 1 << 16])
def test_duplicate_voter_ids_are_refused_whatever_the_path(tmp_path: Path, monkeypatch, votes, line, block) -> None:
    from participatory.tally.pabulib import _VoteReader

    monkeypatch.setattr(_VoteReader, "BLOCK", block)
    path = tmp_path / "dup.pb"
    path.write_text(HEAD + votes)
    for read in (lambda: read_pabulib(path), lambda: parse_pabulib(HEAD + votes)):
        with pytest.raises(PabulibError) as info:
            read()
        assert info.value.line == line and "duplicate voter_id" in info.value.message


@pytest.mark.parametrize(
    ("meta", "votes", "message"),
    [
        ("num_votes;3", "1;a\n2;b\n", "META num_votes is '3' but the file has 2 ballots"),
        ("num_votes;1", "1;a\n2;b\n", "META num_votes is '1' but the file has 2 ballots"),
        ("num_votes;two", "1;a\n2;b\n", "META num_votes is 'two'"),
        ("num_votes;" + "9" * 5000, "1;a\n", "META num_votes is '99999"),
        ("num_projects;5", "1;a\n", "META num_projects is '5' but the file has 2 projects"),
    ],
)
def test_meta_counts_that_disagree_with_the_file_name_the_meta_line(meta, votes, message) -> None:
    text = HEAD.replace("vote_type;approval", f"vote_type;approval\n{meta}") + votes
    with pytest.raises(PabulibError) as info:
        parse_pabulib(text)
    assert info.value.line == 5 and message in info.value.message


def test_meta_counts_that_agree_are_fine() -> None:
    text = HEAD.replace("vote_type;approval", "vote_type;approval\nnum_votes;2\nnum_projects;2") + "1;a\n2;b\n"
    assert len(parse_pabulib(text).ballots) == 2


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("budget;10", "budget;" + "9" * 5000, 3, "budget is too large or too precise"),
        ("budget;10", "budget;1000000000000001", 3, "budget is too large"),
        ("budget;10", "budget;1/" + "0" * 40, 3, "too large or too precise"),
        ("a;5", "a;" + "9" * 40, 7, "cost of project a is too large or too precise"),
        ("a;5", "a;1e999", 7, "cost of project a is not a non-negative number"),
        ("a;5", "a;١٢", 7, "cost of project a is not a non-negative number"),
        ("a;5", "a;NaN", 7, "not a non-negative number"),
        ("a;5", "a;Infinity", 7, "not a non-negative number"),
        ("a;5", "a;2000000000000000", 7, "cost of project a is too large"),
    ],
)
def test_numbers_too_large_or_not_numbers_name_their_line(old, new, line, message) -> None:
    with pytest.raises(PabulibError) as info:
        parse_pabulib(HEAD.replace(old, new) + "1;a\n")
    assert info.value.line == line and message in info.value.message
