"""Compute pabutools' outcomes on the shared pabulib files, once, for the tally tests.

pabutools is the reference implementation but takes minutes on large files
(hours for equal-shares with completion), so its outcomes are computed here
and stored in ``tests/tally/data/pabutools_outcomes.json``; the parametrized
test in ``tests/tally/test_pabulib_reference.py`` compares our engine with it.

Each file runs in its own subprocess (``--worker FILE``) that parses it once
and prints one JSON line per rule as soon as it is done; the parent kills the
worker when a rule exceeds its timeout and records ``"timeout"``. At most
``--jobs`` workers (default 2: this is the core budget) run at once, largest
files first so that the long runs overlap with the many small ones.

The pabutools calls (pabutools 1.2.3) are, for an approval or choose-1 file::

    greedy                  greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    equal-shares            method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    equal-shares-completed  completion_by_rule_combination(
                                instance, profile,
                                [method_of_equal_shares, greedy_utilitarian_welfare],
                                [{"sat_class": Cost_Sat, "voter_budget_increment": 1},
                                 {"sat_class": Cost_Sat}])

all with pabutools' default lexicographic tie-breaking on project ids.

Usage::

    .venv/bin/python scripts/pabutools_reference.py            # every file
    .venv/bin/python scripts/pabutools_reference.py --files Poland_Lodz_2022.pb --merge
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "pabulib"
DEFAULT_OUT = ROOT / "tests" / "tally" / "data" / "pabutools_outcomes.json"
RULES = ("greedy", "equal-shares", "equal-shares-completed")
SUPPORTED = ("approval", "choose-1")


def run_rule(rule: str, instance, profile):
    """One rule, exactly as documented in the module docstring."""
    from pabutools.election import Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    if rule == "greedy":
        return greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    if rule == "equal-shares":
        return method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    if rule == "equal-shares-completed":
        return completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    raise ValueError(rule)


def vote_type_of(path: Path) -> str:
    """The META vote_type, read without pabutools (which refuses some types late)."""
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            key, _, value = line.partition(";")
            if key.strip().lower() == "vote_type":
                return value.strip().strip('"').lower()
            if key.strip().lower() == "projects":
                break
    return "approval"  # the pabulib default


def worker(path: str, rules: list[str]) -> None:
    """Child process: parse once, print one JSON line per event."""
    from pabutools.election import parse_pabulib

    def emit(**kw) -> None:
        print(json.dumps(kw), flush=True)

    t0 = time.perf_counter()
    instance, profile = parse_pabulib(path)
    emit(event="parsed", seconds=time.perf_counter() - t0, voters=profile.num_ballots(), projects=len(instance))
    for rule in rules:
        t0 = time.perf_counter()
        outcome = run_rule(rule, instance, profile)
        emit(event="rule", rule=rule, seconds=time.perf_counter() - t0, selected=sorted(str(p.name) for p in outcome))


def run_file(path: Path, rules: list[str], timeouts: dict[str, float]) -> dict:
    """Parent side of one file: run the worker, enforce per-step deadlines."""
    vote_type = vote_type_of(path)
    entry: dict = {"vote_type": vote_type, "bytes": path.stat().st_size}
    if vote_type not in SUPPORTED:
        entry["note"] = f"vote_type {vote_type!r} is not supported by the tally engine"
        return entry
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(path), "--rules", ",".join(rules)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    results: dict[str, dict] = {}
    pending = ["parse", *rules]
    started = time.perf_counter()
    step_start = started
    while pending:
        step = pending[0]
        remaining = timeouts[step] - (time.perf_counter() - step_start)
        try:
            line = lines.get(timeout=max(remaining, 0.01))
        except queue.Empty:
            proc.kill()
            proc.wait()
            for later in pending:
                if later == "parse":
                    entry["parse"] = f"timeout after {timeouts['parse']:.0f} s"
                    continue
                note = (
                    f"timeout: pabutools did not finish within {timeouts[later]:.0f} s"
                    if later == step
                    else f"not run: {step} timed out before it"
                )
                results[later] = {"status": "timeout", "note": note}
            pending = []
            break
        if line is None:  # the worker died
            proc.wait()
            err = (proc.stderr.read() if proc.stderr else "").strip().splitlines()
            message = err[-1] if err else f"exit code {proc.returncode}"
            for later in pending:
                if later != "parse":
                    results[later] = {"status": "error", "note": message}
            entry.setdefault("error", message)
            break
        event = json.loads(line)
        if event["event"] == "parsed":
            entry.update(voters=event["voters"], projects=event["projects"], parse_seconds=round(event["seconds"], 3))
        else:
            results[event["rule"]] = {
                "status": "ok",
                "selected": event["selected"],
                "seconds": round(event["seconds"], 3),
            }
        pending.pop(0)
        step_start = time.perf_counter()
    if proc.poll() is None:
        proc.wait()
    entry["rules"] = results
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--files", nargs="*", help="file names inside --dir (default: all)")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (cores)")
    parser.add_argument("--timeout-parse", type=float, default=600)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per rule for greedy and equal-shares")
    parser.add_argument("--timeout-completed", type=float, default=1200, help="seconds for equal-shares-completed")
    parser.add_argument("--merge", action="store_true", help="keep the entries of --out for files not run now")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rules = [r for r in args.rules.split(",") if r]
    if args.worker:
        worker(args.worker, rules)
        return 0

    names = args.files or [p.name for p in args.dir.glob("*.pb")]
    paths = sorted((args.dir / n for n in names), key=lambda p: -p.stat().st_size)
    timeouts = {
        "parse": args.timeout_parse,
        "greedy": args.timeout,
        "equal-shares": args.timeout,
        "equal-shares-completed": args.timeout_completed,
    }
    data: dict = {"files": {}}
    if args.merge and args.out.exists():
        data = json.loads(args.out.read_text(encoding="utf-8"))
    from importlib.metadata import version

    import pabutools  # noqa: F401  (only for the version below)

    data["generator"] = {
        "script": "scripts/pabutools_reference.py",
        "pabutools": version("pabutools"),
        "timeouts_seconds": timeouts,
        "calls": {
            "greedy": "greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)",
            "equal-shares": "method_of_equal_shares(instance, profile, sat_class=Cost_Sat)",
            "equal-shares-completed": (
                "completion_by_rule_combination(instance, profile, "
                "[method_of_equal_shares, greedy_utilitarian_welfare], "
                "[{'sat_class': Cost_Sat, 'voter_budget_increment': 1}, {'sat_class': Cost_Sat}])"
            ),
        },
    }
    lock = threading.Lock()
    t_start = time.perf_counter()

    def save() -> None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        data["files"] = dict(sorted(data["files"].items()))
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, args.out)

    def one(path: Path) -> None:
        entry = run_file(path, rules, timeouts)
        with lock:
            data["files"][path.name] = entry
            save()
            status = {r: v["status"] for r, v in entry.get("rules", {}).items()}
            print(f"[{time.perf_counter() - t_start:7.0f}s] {path.name}: {entry.get('note') or status}", flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(one, paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
