"""How long `flask demo seed` takes to put 1,000,000 ballots into PostgreSQL.

Creates a fresh database on the server (default 127.0.0.1:5432, user postgres,
trust auth), migrates it, loads the 577 constituencies and their boundaries (the
shared 2012 file when present), then times the real command

    flask --app app demo seed --calls 577 --voters-per-call M

with M the smallest average reaching the target (see participatory/demo/rules.py),
checks the number of ballots stored and drops the database (also on failure).

Usage::

    .venv/bin/python benchmarks/seed_scale.py                  # 1,000,000 ballots
    .venv/bin/python benchmarks/seed_scale.py --ballots 200000 --keep   # keep the database
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from participatory.demo import rules  # noqa: E402

SHARED_GEOJSON = (
    ROOT.parent / "shared" / "data" / "constituencies" / "france-circonscriptions-legislatives-2012.geojson"
)
GOAL_SECONDS = 120


def flask(url: str, *args: str, quiet: bool = False) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=rules.MAX_CALLS)
    parser.add_argument("--seed", type=int, default=rules.DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

    voters_per_call = rules.voters_per_call_for(args.ballots, args.calls)
    name = f"pb_seed_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(sa.make_url(args.server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    url = sa.make_url(args.server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        print(f"database {name}: migrating and loading the constituencies…", flush=True)
        flask(url, "db", "upgrade", "head", quiet=True)
        if SHARED_GEOJSON.is_file():
            flask(url, "constituencies", "import", str(SHARED_GEOJSON), quiet=True)
        else:
            flask(url, "constituencies", "sync", quiet=True)
        with_votes = rules.ballot_calls(args.calls)
        print(
            f"seeding {args.calls} calls x {voters_per_call:,} voters per call with a vote "
            f"({with_votes} calls) = {voters_per_call * with_votes:,} ballots",
            flush=True,
        )
        started = time.perf_counter()
        flask(
            url,
            "demo",
            "seed",
            "--calls",
            str(args.calls),
            "--voters-per-call",
            str(voters_per_call),
            "--seed",
            str(args.seed),
        )
        elapsed = time.perf_counter() - started
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            ballots = conn.scalar(sa.text("SELECT count(*) FROM ballot"))
            items = conn.scalar(sa.text("SELECT count(*) FROM ballot_item"))
            users = conn.scalar(sa.text("SELECT count(*) FROM user_account"))
            results = conn.scalar(sa.text("SELECT count(*) FROM call_result"))
        engine.dispose()
        verdict = "goal met" if elapsed < GOAL_SECONDS else f"goal NOT met (< {GOAL_SECONDS} s)"
        print(
            f"\n{ballots:,} ballots ({items:,} ballot items, {users:,} accounts, {results} published results) "
            f"seeded in {elapsed:.1f} s, command start-up included: {ballots / elapsed:,.0f} ballots/s — {verdict}"
        )
        if args.keep:
            print(f"kept: DATABASE_URL={url}")
        return 0 if ballots >= args.ballots else 1
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
