"""Load benchmark: the platform under gunicorn (2 workers), PostgreSQL and Redis, driven by locust.

What it does, all on 127.0.0.1 and bounded in time:
  1. creates a fresh PostgreSQL database (default server 127.0.0.1:5432, user postgres, trust
     auth), migrates it, loads the constituencies and seeds the demo (`flask demo seed`);
  2. creates signed-in voters: real accounts (one per virtual user) in constituencies whose
     call is open for voting, signed in through the real login form (CSRF included);
  3. starts gunicorn (2 workers, gthread) with REDIS_URL=redis://127.0.0.1:6379/0 as the
     rate-limit storage and job queue, the voting and login limits raised for the run, and one
     RQ worker (`flask jobs worker`, niced: at scale it has its own machine) that writes the
     ballot receipts to a scratch outbox, counted at the end;
  4. runs one fixed-length scenario per endpoint with locust (as a library, FastHttpUser,
     closed loop without think time): the trivial `/healthz` (the stack's ceiling), the
     national map `/`, a results page, the constituency GeoJSON, and ballot submission (the
     real ballot form POSTed with its CSRF token, each virtual user its own voter);
  5. prints one row per endpoint: requests, requests/s, p50/p95/p99 latency (ms), % of the
     trivial endpoint's throughput and whether the goal is met (plus, for information, the map
     and GeoJSON revalidated by a browser that has them: If-None-Match, 304); then, per
     endpoint, the CPU time each kind of process spent per request while it was measured (the
     app servers, PostgreSQL, Redis, the RQ worker, the load generator), read from /proc: where
     a request's cost goes, and so what bounds its throughput on this machine (the niced worker
     lags behind the ballots: its share is counted until it has caught up, per receipt it
     delivered meanwhile, rather than cut at the window's end); checks that the
     worker delivered the ballot receipts and chained the ballots' audit events (`flask audit
     verify`); stops gunicorn and drops the database (unless --keep).

Goals: ballot submission >= 50 % of the trivial throughput with p99 < 200 ms; the map, results
and GeoJSON >= 80 % of it. The load generator shares the machine's cores with the server, so
absolute numbers depend on the machine; the ratios are what the goals are about.

Usage::

    .venv/bin/python benchmarks/load.py                       # 20 s per scenario, 10 virtual users
    .venv/bin/python benchmarks/load.py --duration 10 --users 16 --demo-calls 100
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
SHARED_GEOJSON = (
    ROOT.parent / "shared" / "data" / "constituencies" / "france-circonscriptions-legislatives-2012.geojson"
)
HOST = "127.0.0.1"  # the only address this benchmark ever sends traffic to
PASSWORD = "banc-d-essai-charge-2027"
BALLOT_CPU_GOAL_MS = 6.0  # machine CPU per ballot, every process included (issue 20)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROJECT = re.compile(r'name="projects" value="(\d+)"')


# --- set-up (no locust imported yet: it patches the standard library with gevent) -------------


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def prepare_voters(count: int) -> None:
    """Run in a child process (--prepare): create the voters, print what the load phase needs as JSON."""
    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime

    from sqlalchemy import select

    from participatory import create_app
    from participatory.accounts.models import User
    from participatory.accounts.services.identity import hash_password
    from participatory.calls import rules
    from participatory.calls.models import Call, CallResult
    from participatory.calls.services.calls import phase_of
    from participatory.calls.services.proposals import ballot_proposals
    from participatory.extensions import db

    app = create_app()
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        calls = [
            c
            for c in session.scalars(select(Call).order_by(Call.id))
            if phase_of(c, now) == rules.VOTING and len(ballot_proposals(session, c)) >= 2
        ]
        results = session.scalar(select(CallResult.call_id).order_by(CallResult.ballots.desc()).limit(1))
        password_hash = hash_password(PASSWORD)  # one argon2 hash shared by the benchmark accounts
        voters = []
        for i in range(count):
            call = calls[i % len(calls)]
            email = f"banc.essai.{i}@example.org"
            session.add(
                User(
                    email=email,
                    password_hash=password_hash,
                    display_name=f"Votant {i}",
                    created_at=now,
                    email_confirmed_at=now,
                    constituency_code=call.constituency_code,
                    residence_declared_at=now,
                )
            )
            voters.append({"email": email, "call_id": call.id})
        session.commit()
    print(json.dumps({"voters": voters, "results_call_id": results}))


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time")


def sign_in(base: str, voter: dict) -> dict:
    """The real login form, then the ballot page: session cookie, CSRF token and two valid choices."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/compte/connexion", timeout=30).read().decode()
    form = urllib.parse.urlencode(
        {"csrf_token": CSRF.search(page).group(1), "email": voter["email"], "password": PASSWORD}
    ).encode()
    opener.open(base + "/compte/connexion", data=form, timeout=30).read()
    ballot = opener.open(f"{base}/appels/{voter['call_id']}/vote", timeout=30).read().decode()
    projects = PROJECT.findall(ballot)
    match = CSRF.search(ballot)
    if not match or len(projects) < 2:
        raise SystemExit(f"{voter['email']}: not signed in or no ballot to fill")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"cookie": cookie, "csrf": match.group(1), "call_id": voter["call_id"], "choices": projects[:2]}


def receipts_delivered(outbox: Path, expected: int, seconds: float = 120) -> int:
    """Wait for the worker to catch up (the measured window counts only part of the ballots sent, so
    more than `expected` may arrive), then count the receipts written to the outbox."""
    deadline = time.monotonic() + seconds
    count, last_change = 0, time.monotonic()
    while time.monotonic() < deadline:
        now = sum(1 for _ in outbox.glob("*.eml"))
        if now != count:
            count, last_change = now, time.monotonic()
        elif count >= expected and time.monotonic() - last_change > 3:
            break
        time.sleep(0.5)
    return count


# --- CPU accounting ---------------------------------------------------------------------------

ROLES = ("app", "postgres", "redis", "worker", "locust")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(worker_pid: int | None) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each role's live processes, from /proc (Linux)."""
    used = dict.fromkeys(ROLES, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        role = (
            "worker"
            if pid == worker_pid
            else "locust"
            if pid == os.getpid()
            else {"gunicorn": "app", "postgres": "postgres", "redis-server": "redis"}.get(comm)
        )
        if role:
            used[role] += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return used


# --- the load phase ---------------------------------------------------------------------------


def run_scenarios(
    base: str,
    voters: list[dict],
    results_call_id: int,
    users: int,
    duration: float,
    warmup: float,
    only: set[str],
    worker_pid: int | None,
    outbox: Path | None = None,
) -> list[dict]:
    import gevent
    from locust import FastHttpUser, constant, task
    from locust.env import Environment

    headers = {"Accept-Encoding": "gzip", "Accept": "text/html,application/json"}

    def page(path: str, revalidate: bool = False):
        """GET `path` in a loop; with `revalidate`, as a browser that has it: If-None-Match, 304 expected."""

        class Reader(FastHttpUser):
            wait_time = constant(0)
            host = base

            def on_start(self) -> None:
                self.headers = dict(headers)
                if revalidate:
                    self.headers["If-None-Match"] = self.client.get(path, headers=headers).headers["ETag"]

            @task
            def get(self) -> None:
                # The body is read as sent, not inflated: a browser inflates on its own machine, while
                # here inflating 120 KB of GeoJSON took the cores the server is measured on.
                with self.client.get(
                    path, headers=self.headers, name=path, catch_response=True, stream=True
                ) as response:
                    sent = response.stream.read()
                    if response.status_code != (304 if revalidate else 200) or (not revalidate and not sent):
                        response.failure(f"status {response.status_code}, {len(sent)} bytes")

        return Reader

    pool = list(voters)

    class Voter(FastHttpUser):
        wait_time = constant(0)
        host = base

        def on_start(self) -> None:
            self.voter = pool.pop()
            self.turn = 0

        @task
        def vote(self) -> None:
            v = self.voter
            self.turn += 1
            body = urllib.parse.urlencode({"csrf_token": v["csrf"], "projects": v["choices"][self.turn % 2]})
            with self.client.post(
                f"/appels/{v['call_id']}/vote",
                data=body,
                name="POST ballot",
                headers={"Cookie": v["cookie"], "Content-Type": "application/x-www-form-urlencoded"},
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")

    scenarios = [
        ("trivial  GET /healthz", page("/healthz"), None),
        ("map      GET /", page("/"), 0.8),
        ("results  GET /appels/<id>/resultats", page(f"/appels/{results_call_id}/resultats"), 0.8),
        ("geojson  GET /api/v1/constituencies.geojson", page("/api/v1/constituencies.geojson"), 0.8),
        # What returning browsers and proxies do with the ETag: informative, no goal.
        ("map      GET / (If-None-Match: 304)", page("/", revalidate=True), None),
        ("geojson  GET …geojson (If-None-Match: 304)", page("/api/v1/constituencies.geojson", revalidate=True), None),
        ("ballot   POST /appels/<id>/vote", Voter, 0.5),
        # The ceiling again: the machine is shared, and the higher of the two runs is the one compared with.
        ("trivial  GET /healthz (again)", page("/healthz"), None),
    ]
    rows = []
    for label, user_class, goal in scenarios:
        if only and label.split()[0] not in only | {"trivial"}:
            continue
        env = Environment(user_classes=[user_class], host=base)
        runner = env.create_local_runner()
        runner.start(users, spawn_rate=users)
        gevent.sleep(warmup)
        env.stats.reset_all()
        started, cpu_before = time.monotonic(), cpu_seconds(worker_pid)
        if outbox is not None:
            delivered_before = sum(1 for _ in outbox.glob("*.eml"))
        gevent.sleep(duration)
        elapsed, cpu_after = time.monotonic() - started, cpu_seconds(worker_pid)
        total = env.stats.total
        row = {
            "label": label,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": total.num_requests / elapsed,
            "goal": goal,
            "cpu": {role: cpu_after[role] - cpu_before[role] for role in ROLES},
            "elapsed": elapsed,
            **{f"p{q}": total.get_response_time_percentile(q / 100) for q in (50, 95, 99)},
        }
        runner.quit()
        if user_class is Voter and worker_pid is not None and outbox is not None:
            # The niced worker lags behind the ballots: its share is counted until it has caught up, per
            # receipt it delivered meanwhile (one per ballot, those of the warm-up included).
            delivered = receipts_delivered(outbox, 0) - delivered_before
            row["worker_caught_up"] = (cpu_seconds(worker_pid)["worker"] - cpu_before["worker"], delivered)
        rows.append(row)
        print(f"  {label}: {row['requests']} requests, {row['rps']:.0f}/s", file=sys.stderr, flush=True)
        gevent.sleep(1)
    return rows


def print_table(rows: list[dict], workers: int, users: int, duration: float) -> None:
    ceilings = [row for row in rows if row["label"].startswith("trivial")]
    ceiling = max(row["rps"] for row in ceilings) or 1
    print(f"\nLoad benchmark: gunicorn {workers} workers, {users} virtual users per scenario, {duration:.0f} s each\n")
    head = (
        f"{'endpoint':46} {'requests':>9} {'fail':>5} {'rps':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'% trivial':>9}  goal"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        share = 100 * row["rps"] / ceiling
        if row in ceilings:
            verdict = "(ceiling)" if row["rps"] == max(r["rps"] for r in ceilings) else "(ceiling, lower run)"
        elif row["goal"] is None:
            verdict = "(informative)"
        else:
            met = share >= 100 * row["goal"] and not row["failures"]
            if row["label"].startswith("ballot"):
                met = met and row["p99"] < 200
                wanted = f">= {100 * row['goal']:.0f} %, p99 < 200 ms"
            else:
                wanted = f">= {100 * row['goal']:.0f} %"
            verdict = f"{'yes' if met else 'NO'} ({wanted})"
        print(
            f"{row['label']:46} {row['requests']:>9} {row['failures']:>5} {row['rps']:>8.0f} {row['p50']:>7.0f} "
            f"{row['p95']:>7.0f} {row['p99']:>7.0f} {share:>8.0f}%  {verdict}"
        )
    print(f"\nCPU time per request while measured, in ms ({os.cpu_count()} cores; 'busy' is the share of them used)\n")
    head = f"{'endpoint':46} " + " ".join(f"{role:>8}" for role in ROLES) + f" {'total':>8} {'busy':>6}  goal"
    print(head)
    print("-" * len(head))
    for row in rows:
        per_request = {role: 1000 * row["cpu"][role] / max(row["requests"], 1) for role in ROLES}
        if "worker_caught_up" in row:
            seconds, receipts = row["worker_caught_up"]
            per_request["worker"] = 1000 * seconds / max(receipts, 1)
        busy = 100 * sum(row["cpu"].values()) / (row["elapsed"] * (os.cpu_count() or 1))
        total = sum(per_request.values())
        goal = ""
        if row["label"].startswith("ballot"):
            goal = f"{'yes' if total <= BALLOT_CPU_GOAL_MS else 'NO'} (<= {BALLOT_CPU_GOAL_MS:.0f} ms)"
        print(
            f"{row['label']:46} "
            + " ".join(f"{per_request[role]:>8.2f}" for role in ROLES)
            + f" {total:>8.2f} {busy:>5.0f}%  {goal}".rstrip()
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--users", type=int, default=10, help="virtual users per scenario")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="seconds run before measuring")
    parser.add_argument("--demo-calls", type=int, default=577)
    parser.add_argument("--demo-voters", type=int, default=400, help="--voters-per-call of the demo")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios among map,results,geojson,ballot "
        "(the trivial ceiling always runs); all by default",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare is not None:
        prepare_voters(args.prepare)
        return 0
    if not 1 <= args.users <= 200 or not 1 <= args.duration <= 300:
        parser.error("--users must be 1-200 and --duration 1-300 seconds")
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if only - {"map", "results", "geojson", "ballot"}:
        parser.error("--only takes map, results, geojson or ballot")

    name = f"pb_load_{secrets.token_hex(4)}"
    server = args.server.rsplit("/", 1)[0]
    url = f"{server}/{name}"
    admin = [
        str(BIN / "python"),
        "-c",
        "import sys, sqlalchemy as sa; e = sa.create_engine(sys.argv[1], isolation_level='AUTOCOMMIT');"
        "c = e.connect(); c.execute(sa.text(sys.argv[2])); c.close()",
        args.server,
    ]
    outbox = tempfile.mkdtemp(prefix="pb-load-outbox-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "OUTBOX_DIR": outbox,
        "JOBS_QUEUE": name,
        "RATELIMIT_VOTE": "1000000 per minute",
        "RATELIMIT_LOGIN": "1000000 per minute",
        "RATELIMIT_LOGIN_ACCOUNT": "1000000 per minute",
        "PARTICIPATORY_ENV": "development",
    }
    subprocess.run(admin + [f'CREATE DATABASE "{name}"'], check=True)
    gunicorn = worker = None
    try:
        print(f"database {name}: migrating, loading constituencies, seeding the demo…", file=sys.stderr, flush=True)
        flask(env, "db", "upgrade", "head")
        if SHARED_GEOJSON.is_file():
            flask(env, "constituencies", "import", str(SHARED_GEOJSON))
        else:
            flask(env, "constituencies", "sync")
        print(
            flask(
                env, "demo", "seed", "--calls", str(args.demo_calls), "--voters-per-call", str(args.demo_voters)
            ).strip(),
            file=sys.stderr,
            flush=True,
        )
        prepared = json.loads(
            subprocess.run(
                [str(BIN / "python"), __file__, "--prepare", str(args.users)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        # One RQ worker sends the ballot receipts. At scale it has a machine of its own; here it shares the
        # cores, at a lower priority, and the run ends by checking that it delivered every receipt.
        worker = subprocess.Popen(
            ["nice", "-n", "10", str(BIN / "flask"), "--app", "app", "jobs", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        gunicorn = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--bind",
                f"{HOST}:{args.port}",
                "--log-level",
                "warning",
                "app:app",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://{HOST}:{args.port}"
        wait_until_up(base)
        print(f"signing in {len(prepared['voters'])} voters…", file=sys.stderr, flush=True)
        voters = [sign_in(base, voter) for voter in prepared["voters"]]
        rows = run_scenarios(
            base,
            voters,
            prepared["results_call_id"],
            args.users,
            args.duration,
            args.warmup,
            only,
            worker.pid,
            Path(outbox),
        )
        print_table(rows, args.workers, args.users, args.duration)
        accepted = sum(row["requests"] - row["failures"] for row in rows if row["label"].startswith("ballot"))
        if accepted:
            print(
                f"\nballot receipts delivered by the worker: {receipts_delivered(Path(outbox), accepted)} "
                f"of at least {accepted} accepted ballots"
            )
            # The worker also chained the ballots' audit events: the log must be intact, nothing left waiting.
            print(flask(env, "audit", "verify").strip())
        if args.keep:
            print(f"\nkept: DATABASE_URL={url}")
        return 0
    finally:
        for process in (gunicorn, worker):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        shutil.rmtree(outbox, ignore_errors=True)
        if not args.keep:
            subprocess.run(admin + [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


if __name__ == "__main__":
    sys.exit(main())
