"""Speed, memory and agreement of the tally engine against pabutools.

For each pabulib file and rule it prints: voters, projects, the parse time of
both (ours: best of ``--repeat``; pabutools: once), the rule time of both on
an already parsed election, the speed-ups, whether the selected sets are
equal, the peak memory of our parse + tally (tracemalloc, in a separate
pass) against the size of the ballot data (the .pb file), and the whole
process ``python -m participatory.tally FILE --rule R`` (start, imports, parse,
tally; best of ``--repeat``: wall time, and CPU time, which other work on a
shared machine does not inflate) against the goal of 0.5 s per file.

pabutools runs in a subprocess (scripts/pabutools_reference.py's worker),
killed after ``--timeout`` seconds per step; its equal-shares-completed can
take hours on large files and is then reported as "timeout".

Usage::

    .venv/bin/python benchmarks/tally_vs_pabutools.py                 # representative set
    .venv/bin/python benchmarks/tally_vs_pabutools.py --all --timeout 300
    .venv/bin/python benchmarks/tally_vs_pabutools.py Poland_Lodz_2022.pb --rules greedy,equal-shares
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from participatory.tally import RULES, read_pabulib, tally  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "pabulib"
GOAL_PROCESS_SECONDS = 0.5  # whole process, every shared file (issue 20: equal-shares-completed)
REPRESENTATIVE = [
    "Poland_Lodz_2022.pb",  # the largest: 90,494 voters, 160 projects
    "Poland_Warszawa_2021_Bialoleka.pb",  # 11,063 voters, 110 projects
    "Poland_Gdynia_2021.pb",  # 23,597 voters, 6 projects
    "France_Toulouse_2022.pb",  # 4,532 voters, 199 projects
    "Netherlands_Amsterdam_622.pb",  # 2,575 voters, 67 projects
]


def _reference_module():
    spec = importlib.util.spec_from_file_location("pabutools_reference", ROOT / "scripts" / "pabutools_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - started)
    return best, value


def peak_memory(path: Path, rule: str) -> int:
    """Peak bytes allocated while parsing the file and running one rule."""
    gc.collect()
    tracemalloc.start()
    try:
        tally(read_pabulib(path), rule)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def process_seconds(path: Path, rule: str, repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of the whole command, as a user would run it.

    On a machine shared with other work the wall time also counts the waits for a core;
    the CPU time is what the command itself cost.
    """
    command = [sys.executable, "-m", "participatory.tally", str(path), "--rule", rule]
    best = best_cpu = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, command)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, usage.ru_utime + usage.ru_stime)
    return best, best_cpu


def ours(path: Path, rules: list[str], repeat: int) -> dict:
    parse_s, election = best_of(repeat, lambda: read_pabulib(path))
    out: dict = {"voters": election.num_voters, "projects": len(election.projects), "parse": parse_s, "rules": {}}
    for rule in rules:
        seconds, result = best_of(repeat, lambda rule=rule: tally(election, rule))
        out["rules"][rule] = {
            "seconds": seconds,
            "selected": sorted(result.selected),
            "peak": peak_memory(path, rule),
        }
        out["rules"][rule]["process"], out["rules"][rule]["process_cpu"] = process_seconds(path, rule, repeat)
    return out


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.4f}" if x < 10 else f"{x:.1f}"


def _verdict(seconds: float) -> str:
    return "met" if seconds <= GOAL_PROCESS_SECONDS else "NOT met"


def fmt_x(a: float | None, b: float | None) -> str:
    return "-" if not a or b is None else f"{b / a:,.0f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="file names in --dir (default: a representative set)")
    parser.add_argument("--all", action="store_true", help="every .pb file in --dir")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pabutools step (parse, each rule)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our engine; the best is kept")
    parser.add_argument("--no-pabutools", action="store_true", help="time our engine only")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    args = parser.parse_args(argv)
    rules = [r for r in args.rules.split(",") if r]
    for rule in rules:
        if rule not in RULES:
            parser.error(f"unknown rule {rule!r}")
    names = sorted(p.name for p in args.dir.glob("*.pb")) if args.all else (args.files or REPRESENTATIVE)
    module = _reference_module()
    reference = None if args.no_pabutools else module

    header = (
        "file",
        "voters",
        "projects",
        "rule",
        "parse ours s",
        "parse pabutools s",
        "parse x",
        "rule ours s",
        "rule pabutools s",
        "rule x",
        "same",
        "peak MiB",
        "peak/file",
        "process s",
        "process cpu s",
        f"goal <= {GOAL_PROCESS_SECONDS} s",
    )
    print(" | ".join(header), flush=True)
    print("-|-".join("-" * len(h) for h in header), flush=True)
    report = []
    for name in names:
        path = args.dir / name
        size = path.stat().st_size
        vote_type = module.vote_type_of(path)
        if vote_type not in ("approval", "choose-1"):
            print(f"{name} | unsupported vote type {vote_type!r}", flush=True)
            continue
        mine = ours(path, rules, args.repeat)
        theirs: dict = {"rules": {}}
        if reference is not None:
            timeouts = {"parse": args.timeout, **{r: args.timeout for r in RULES}}
            theirs = reference.run_file(path, rules, timeouts)
        for rule in rules:
            m = mine["rules"][rule]
            t = theirs.get("rules", {}).get(rule, {})
            if reference is None:
                same, t_s = "-", None
            elif t.get("status") == "ok":
                same, t_s = ("yes" if t["selected"] == m["selected"] else "NO"), t["seconds"]
            else:
                same, t_s = t.get("status", "-"), None
            pab_parse = theirs.get("parse_seconds")
            row = (
                name,
                mine["voters"],
                mine["projects"],
                rule,
                fmt_s(mine["parse"]),
                fmt_s(pab_parse) if pab_parse is not None else str(theirs.get("parse", "-")),
                fmt_x(mine["parse"], pab_parse),
                fmt_s(m["seconds"]),
                fmt_s(t_s) if t_s is not None else (t.get("status") or "-"),
                fmt_x(m["seconds"], t_s),
                same,
                f"{m['peak'] / 2**20:.1f}",
                f"{m['peak'] / size:.1f}x",
                fmt_s(m["process"]),
                fmt_s(m["process_cpu"]),
                f"wall {_verdict(m['process'])}, cpu {_verdict(m['process_cpu'])}",
            )
            print(" | ".join(str(c) for c in row), flush=True)
            report.append(
                {
                    "file": name,
                    "rule": rule,
                    "bytes": size,
                    "voters": mine["voters"],
                    "projects": mine["projects"],
                    "parse_ours": mine["parse"],
                    "parse_pabutools": pab_parse,
                    "rule_ours": m["seconds"],
                    "rule_pabutools": t_s,
                    "same": same,
                    "peak_bytes": m["peak"],
                    "process_seconds": m["process"],
                    "process_cpu_seconds": m["process_cpu"],
                }
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
