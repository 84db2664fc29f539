"""``python -m participatory.tally``: output formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from participatory.tally.__main__ import main

from .conftest import ROOT
from .test_pabulib import HEAD

ELECTION = HEAD + "1;a\n2;a,b\n3;b\n4;b\n"  # budget 10: a (5, 2 votes), b (6, 3 votes)


@pytest.fixture
def pb(tmp_path: Path) -> Path:
    path = tmp_path / "e.pb"
    path.write_text(ELECTION, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args, stdout",
    [
        ([], "b\n"),
        (["--rule", "greedy"], "b\n"),
        (["--rule", "equal-shares"], "b\n"),  # b: 3 x 2.5 >= 6 at rate 2/6; a: 2 x 2.5 = 5 at rate 1/2
        (["--rule", "equal-shares-completed"], "b\n"),
    ],
)
def test_prints_selected_ids(pb: Path, capsys, args: list[str], stdout: str) -> None:
    assert main([str(pb), *args]) == 0
    assert capsys.readouterr().out == stdout


def test_json_output(pb: Path, capsys) -> None:
    assert main([str(pb), "--rule", "equal-shares", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["selected"] == ["b"] and data["spent"] == 6 and data["rule"] == "equal-shares"
    assert data["budget"] == 10 and data["voters"] == 4 and data["seconds"] >= 0
    assert "projects" not in data


def test_json_explain(pb: Path, capsys) -> None:
    assert main([str(pb), "--json", "--explain"]) == 0
    projects = json.loads(capsys.readouterr().out)["projects"]
    assert [(p["id"], p["votes"], p["selected"], p["reason"]) for p in projects] == [
        ("a", 2, False, "did_not_fit"),
        ("b", 3, True, None),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read"),
        (HEAD + "1;c\n", "line 11: vote for unknown project 'c'"),
        (HEAD.replace("approval", "cumulative"), "line 4: vote_type 'cumulative' is not supported"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, capsys, content: str | None, message: str) -> None:
    path = tmp_path / "x.pb"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main([str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_bad_rule_exits_2(pb: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main([str(pb), "--rule", "phragmen"])
    assert info.value.code == 2
    assert "invalid choice: 'phragmen'" in capsys.readouterr().err


def test_module_entry_point_without_flask(pb: Path) -> None:
    # The real command, in a fresh interpreter: exit codes, and Flask never imported.
    code = (
        "import runpy, sys; sys.argv = ['x', sys.argv[1], '--json']; "
        "sys.modules['flask'] = None; "  # any import of flask would now fail
        "runpy.run_module('participatory.tally', run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", code, str(pb)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["selected"] == ["b"]
    bad = subprocess.run(
        [sys.executable, "-m", "participatory.tally", str(pb) + ".missing"], cwd=ROOT, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "cannot read" in bad.stderr
    bad_rule = subprocess.run(
        [sys.executable, "-m", "participatory.tally", str(pb), "--rule", "x"], cwd=ROOT, capture_output=True, text=True
    )
    assert bad_rule.returncode == 2 and "invalid choice" in bad_rule.stderr


def test_tally_package_imports_no_web_stack() -> None:
    code = (
        "import sys, participatory.tally; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug', "
        "'pabutools')); print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
