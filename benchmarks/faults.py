"""Fault benchmark: ballots under load while a part of the platform fails (issue 22), all on loopback.

The platform runs as in production, at small scale: gunicorn (2 workers, gthread), one RQ worker
(`flask jobs worker`, restarted 2 s after it exits, as systemd's Restart=always, RestartSec=2 would),
the timers of the README (`flask mail send-outbox` and `flask audit seal`, every --timer seconds), and
its OWN PostgreSQL (initdb into a temporary folder, pg_ctl on a free port; as root, run as the
`postgres` user through runuser), its OWN Redis (redis-server on a free port, no persistence: the worst
case) and an SMTP sink (aiosmtpd) that counts the receipt mails. The machine's services are untouched.

N voters (threads, each its own signed-in account, one connection each) post ballots in a closed loop,
changing their choice each time. Each scenario runs --before seconds of load, the fault, load for --after
seconds after it ended, then waits for the mail to drain. The faults:

  redis-kill      redis-server SIGKILLed, restarted empty --down seconds later
  worker-kill     the RQ worker SIGKILLed (in the middle of whatever it does); its supervisor restarts it
  app-kill        one gunicorn worker SIGKILLed (its in-flight requests are dropped; the master forks another)
  pg-fast         PostgreSQL stopped (pg_ctl stop -m fast), started again --down seconds later
  pg-immediate    the same with -m immediate (no checkpoint: crash recovery at the start)
  smtp-down       the SMTP sink stopped, restarted --down seconds later (same port)

For each: requests, acknowledged (a 2xx/3xx answer with a receipt code), 5xx, of which clean 503 pages
(the "service unavailable" page with Retry-After), no answer (connection refused, reset, timed out),
acknowledged-but-lost (a voter's last acknowledged receipt not in the database at the end, when no later
attempt of theirs went unanswered), receipt mails delivered / expected (every acknowledged receipt code
found in a mail that reached the sink; duplicates counted apart), recovery (the first acknowledged ballot
after the fault ended, in seconds) and whether the worker is alive (it never exited but when killed,
and the queue and the outbox were drained after the fault).

Goals (issue 22): 0 acknowledged lost and every promised mail delivered in every scenario; no 5xx while
Redis is down; 503 pages, never a bare 500, while PostgreSQL is down; the worker alive after each fault.

Usage::

    .venv/bin/python benchmarks/faults.py                  # every scenario, 10 s of fault, 20 voters
    .venv/bin/python benchmarks/faults.py --quick          # shorter phases, 10 voters
    .venv/bin/python benchmarks/faults.py --only redis-kill,pg-immediate
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import load  # noqa: E402  (the load benchmark's set-up: voters, sign-in, flask commands)
import sqlalchemy as sa  # noqa: E402

from participatory.calls.rules import receipt_hash  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RECEIPT = re.compile(r'id="receipt-code">([^<]+)<')
CODE_IN_MAIL = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}\b")
RESTART_SECONDS = 2  # the supervisor's RestartSec
SCENARIOS = ("redis-kill", "worker-kill", "app-kill", "pg-fast", "pg-immediate", "smtp-down")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((load.HOST, 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# --- the parts, each of its own ---------------------------------------------------------------------------


class OwnPostgres:
    """A throw-away PostgreSQL cluster in a temporary folder, on a free loopback port (trust auth)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pb-faults-pg-"))
        self.data = self.folder / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:  # initdb refuses to run as root
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{load.HOST}:{self.port}/faults"

    def _run(self, *args: str) -> None:
        subprocess.run(self.as_postgres + list(args), check=True, capture_output=True, cwd=self.folder)

    def create(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        admin = sa.create_engine(self.url.replace("/faults", "/postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE faults"))
        admin.dispose()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={load.HOST} -c max_connections=100"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
                  "-w", "start")  # fmt: skip

    def stop(self, mode: str) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self.as_postgres + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


class OwnRedis:
    """redis-server on a free loopback port, without persistence (what a lost Redis costs is measured)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="pb-faults-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{load.HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", load.HOST, "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        if not wait_for(self.answers, 10, 0.05):
            raise SystemExit("redis-server did not start")

    def answers(self) -> bool:
        try:
            with socket.create_connection((load.HOST, self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def queued(self, queue: str) -> int:
        with socket.create_connection((load.HOST, self.port), timeout=2) as s:
            s.sendall(f"LLEN rq:queue:{queue}\r\n".encode())
            return int(s.recv(64).strip()[1:])

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class SmtpSink:
    """An SMTP server (aiosmtpd) that keeps the receipt codes of the mails it accepts; stops and restarts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.codes: Counter[str] = Counter()
        self.messages = 0
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = BytesParser(policy=policy.default).parsebytes(envelope.content)
                sink.messages += 1
                sink.codes.update(set(CODE_IN_MAIL.findall(message.get_body(("plain",)).get_content())))
                return "250 OK"

        self.controller = Controller(Handler(), hostname=load.HOST, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- the platform -----------------------------------------------------------------------------------------


class Platform:
    """gunicorn, the worker under a supervisor, and the timers, on the parts above."""

    def __init__(self, env: dict, port: int, workers: int, threads: int, timer: float, logs: Path) -> None:
        self.env, self.port, self.timer, self.logs = env, port, timer, logs
        self.gunicorn_args = [
            str(load.BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"{load.HOST}:{port}",
            "--log-level",
            "warning",
            "app:app",
        ]
        self.gunicorn: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.worker_exits: list[tuple[float, int]] = []  # (when, exit code), killed or not
        self.worker_log = logs / "worker.log"
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        with (self.logs / "gunicorn.log").open("a") as log:
            self.gunicorn = subprocess.Popen(
                self.gunicorn_args, cwd=load.ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self._start_worker()
        for target in (self._supervise, self._timers):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self.threads.append(thread)
        load.wait_until_up(f"http://{load.HOST}:{self.port}")

    def _start_worker(self) -> None:
        with self.worker_log.open("a") as log:
            self.worker = subprocess.Popen(
                [str(load.BIN / "flask"), "--app", "app", "jobs", "worker"],
                cwd=load.ROOT,
                env={**self.env, "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _supervise(self) -> None:
        """Restart=always, RestartSec=2."""
        while not self.stopping.wait(0.2):
            code = self.worker.poll()
            if code is not None:
                self.worker_exits.append((time.monotonic(), code))
                if self.stopping.wait(RESTART_SECONDS):
                    return
                self._start_worker()

    def _timers(self) -> None:
        """The README's timers that matter here: promised mail a lost job left waiting, ballot events."""
        while not self.stopping.wait(self.timer):
            for command in (["mail", "send-outbox"], ["audit", "seal"]):
                subprocess.run(
                    [str(load.BIN / "flask"), "--app", "app", *command],
                    cwd=load.ROOT,
                    env=self.env,
                    capture_output=True,
                    check=False,
                )

    def app_workers(self) -> list[int]:
        """The gunicorn master's children (its workers)."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == self.gunicorn.pid:
                    children.append(int(entry.name))
        return children

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)
        for process in (self.gunicorn, self.worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


# --- the voters -------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    voter: int
    sent: float
    done: float
    kind: str  # ack, 503 (the clean page), 5xx (anything else), none (no answer), other
    code: str | None = None


@dataclass
class Voters:
    port: int
    signed_in: list[dict]
    attempts: list[Attempt] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> list[threading.Thread]:
        self.stop.clear()
        threads = [threading.Thread(target=self._vote, args=(i,), daemon=True) for i in range(len(self.signed_in))]
        for thread in threads:
            thread.start()
        return threads

    def _vote(self, index: int) -> None:
        voter = self.signed_in[index]
        headers = {"Cookie": voter["cookie"], "Content-Type": "application/x-www-form-urlencoded"}
        connection, turn = None, 0
        while not self.stop.is_set():
            turn += 1
            body = urllib.parse.urlencode({"csrf_token": voter["csrf"], "projects": voter["choices"][turn % 2]})
            sent = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(load.HOST, self.port, timeout=15)
                connection.request("POST", f"/appels/{voter['call_id']}/vote", body=body, headers=headers)
                response = connection.getresponse()
                page = response.read().decode(errors="replace")
            except (OSError, http.client.HTTPException):
                self.attempts.append(Attempt(index, sent, time.monotonic(), "none"))
                if connection is not None:
                    connection.close()
                connection = None
                time.sleep(0.1)
                continue
            match = RECEIPT.search(page)
            if response.status < 400 and match:
                self.attempts.append(Attempt(index, sent, time.monotonic(), "ack", match.group(1).strip()))
                continue
            if response.status == 503 and 'id="unavailable"' in page and response.getheader("Retry-After"):
                kind = "503"
            elif response.status >= 500:
                kind = "5xx"
            else:
                kind = "other"
            self.attempts.append(Attempt(index, sent, time.monotonic(), kind))
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
            time.sleep(0.1)  # a person waits a little before trying again
        if connection is not None:
            connection.close()


# --- the scenarios ----------------------------------------------------------------------------------------


@dataclass
class Parts:
    postgres: OwnPostgres
    redis: OwnRedis
    smtp: SmtpSink
    platform: Platform
    down: float


def inflict(name: str, parts: Parts) -> tuple[float, float]:
    """Cause the fault; (when it started, when it ended), monotonic seconds."""
    started = time.monotonic()
    if name == "redis-kill":
        parts.redis.kill()
        time.sleep(parts.down)
        parts.redis.start()
    elif name == "worker-kill":
        parts.platform.worker.kill()
    elif name == "app-kill":
        os.kill(parts.platform.app_workers()[0], signal.SIGKILL)
    elif name in ("pg-fast", "pg-immediate"):
        parts.postgres.stop(name.removeprefix("pg-"))
        time.sleep(parts.down)
        parts.postgres.start()
    elif name == "smtp-down":
        parts.smtp.stop()
        time.sleep(parts.down)
        parts.smtp.start()
    return started, time.monotonic()


def run_scenario(name: str, parts: Parts, voters: Voters, engine, queue: str, args) -> dict:
    first_attempt = len(voters.attempts)
    exits_before = len(parts.platform.worker_exits)
    print(f"  {name}: load…", file=sys.stderr, flush=True)
    threads = voters.start()
    time.sleep(args.before)
    fault_started, fault_ended = inflict(name, parts)
    time.sleep(args.after)
    voters.stop.set()
    for thread in threads:
        thread.join(timeout=30)
    attempts = voters.attempts[first_attempt:]

    acked = [a for a in attempts if a.kind == "ack"]
    expected = {a.code for a in acked}

    def outbox_rows() -> int:
        try:
            with engine.connect() as conn:
                return conn.scalar(sa.text("SELECT count(*) FROM outbox_message"))
        except sa.exc.OperationalError:
            return -1

    def drained() -> bool:
        return expected <= set(parts.smtp.codes) and outbox_rows() == 0 and parts.redis.queued(queue) == 0

    print(f"  {name}: waiting for the mail…", file=sys.stderr, flush=True)
    drain_started = time.monotonic()
    wait_for(drained, args.drain, 0.5)
    drain_seconds = time.monotonic() - drain_started

    with engine.connect() as conn:
        stored = set(conn.scalars(sa.text("SELECT receipt_hash FROM ballot")))
    lost = uncertain = 0
    for index in range(len(voters.signed_in)):
        mine = [a for a in attempts if a.voter == index]
        last_ack = max((i for i, a in enumerate(mine) if a.kind == "ack"), default=None)
        if last_ack is None or receipt_hash(mine[last_ack].code) in stored:
            continue
        if any(a.kind != "ack" for a in mine[last_ack + 1 :]):
            uncertain += 1  # a later attempt without an answer may have replaced it
        else:
            lost += 1
    after = [a.done - fault_ended for a in acked if a.sent >= fault_ended]
    exits = parts.platform.worker_exits[exits_before:]
    unexpected_exits = exits if name != "worker-kill" else exits[1:]
    worker_alive = not unexpected_exits and parts.platform.worker.poll() is None and outbox_rows() == 0
    counts = Counter(a.kind for a in attempts)
    return {
        "name": name,
        "requests": len(attempts),
        "ack": len(acked),
        "5xx": counts["5xx"] + counts["503"],
        "503": counts["503"],
        "bare": counts["5xx"],
        "none": counts["none"],
        "other": counts["other"],
        "lost": lost,
        "uncertain": uncertain,
        "delivered": len(expected & set(parts.smtp.codes)),
        "expected": len(expected),
        "duplicates": sum(parts.smtp.codes[code] - 1 for code in expected if parts.smtp.codes[code] > 1),
        "recovery": min(after) if after else None,
        "fault": fault_ended - fault_started,
        "drain": drain_seconds,
        "worker": "yes" if worker_alive else f"NO (exits {[code for _, code in unexpected_exits]})",
        "restarted": len(exits),
    }


def verdict(row: dict) -> str:
    problems = []
    if row["lost"]:
        problems.append("acknowledged lost")
    if row["delivered"] < row["expected"]:
        problems.append("mail missing")
    if row["name"] == "redis-kill" and row["5xx"]:
        problems.append("5xx while Redis down")
    if row["bare"]:
        problems.append("bare 5xx")
    if row["worker"] != "yes":
        problems.append("worker")
    if row["recovery"] is None:
        problems.append("no recovery")
    return "ok" if not problems else "NO: " + ", ".join(problems)


def print_table(rows: list[dict], args) -> None:
    print(
        f"\nFault benchmark: gunicorn {args.workers} workers x {args.threads} threads, one RQ worker, "
        f"{args.voters} voters; {args.before:.0f} s of load, the fault ({args.down:.0f} s down), "
        f"{args.after:.0f} s after; timers every {args.timer:.0f} s\n"
    )
    head = (
        f"{'scenario':13} {'requests':>8} {'acked':>6} {'5xx':>5} {'503':>5} {'bare':>5} {'no ans':>6} "
        f"{'lost':>5} {'mails':>11} {'dup':>4} {'recov s':>7} {'drain s':>7} {'worker':>7}  verdict"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        recovery = f"{row['recovery']:.2f}" if row["recovery"] is not None else "never"
        mails = f"{row['delivered']}/{row['expected']}"
        print(
            f"{row['name']:13} {row['requests']:>8} {row['ack']:>6} {row['5xx']:>5} {row['503']:>5} "
            f"{row['bare']:>5} {row['none']:>6} {row['lost']:>5} {mails:>11} {row['duplicates']:>4} "
            f"{recovery:>7} {row['drain']:>7.1f} {row['worker'][:7]:>7}  {verdict(row)}"
        )
    print(
        "\n5xx: every 5xx answer, of which 503: the clean 'service unavailable' page with Retry-After, bare: any "
        "other; no ans: connection refused, reset or timed out; lost: a voter's last acknowledged receipt "
        "missing from the database; mails: acknowledged receipt codes found in a delivered mail / acknowledged; "
        "dup: acknowledged codes mailed more than once; recov: first acknowledged ballot after the fault ended; "
        "drain: seconds until every mail was delivered and the queue and outbox were empty after the load."
    )
    for row in rows:
        if row["uncertain"] or row["other"] or row["restarted"]:
            print(
                f"{row['name']}: {row['uncertain']} last receipts replaced by an unanswered attempt, "
                f"{row['other']} other answers, worker restarted {row['restarted']} time(s) by its supervisor"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short phases and fewer voters (a minute or two)")
    parser.add_argument("--only", default="", help=f"comma-separated scenarios among {', '.join(SCENARIOS)}")
    parser.add_argument("--voters", type=int, help="voters posting ballots (default 20, quick 10)")
    parser.add_argument("--before", type=float, help="seconds of load before the fault (default 5, quick 3)")
    parser.add_argument("--down", type=float, help="seconds a stopped part stays down (default 10, quick 4)")
    parser.add_argument("--after", type=float, help="seconds of load after the fault (default 10, quick 5)")
    parser.add_argument("--drain", type=float, default=240, help="seconds to wait for the mail after the load")
    parser.add_argument("--timer", type=float, help="seconds between timer runs (default 60, as cron; quick 20)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--demo-calls", type=int, default=20)
    parser.add_argument("--logs", help="folder for the app's and the worker's logs (default: temporary, removed)")
    args = parser.parse_args()
    defaults = {"voters": (20, 10), "before": (5, 3), "down": (10, 4), "after": (10, 5), "timer": (60, 20)}
    for key, (full, quick) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    names = [name.strip() for name in args.only.split(",") if name.strip()] or list(SCENARIOS)
    if set(names) - set(SCENARIOS):
        parser.error(f"--only takes {', '.join(SCENARIOS)}")
    if not 1 <= args.voters <= 100:
        parser.error("--voters must be 1-100")

    postgres, redis, smtp = OwnPostgres(), OwnRedis(), SmtpSink()
    platform = engine = None
    logs = Path(args.logs or tempfile.mkdtemp(prefix="pb-faults-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    queue = f"faults_{secrets.token_hex(4)}"
    try:
        print(f"PostgreSQL on port {postgres.port}, Redis on {redis.port}, SMTP on {smtp.port}…", file=sys.stderr)
        postgres.create()
        redis.start()
        smtp.start()
        env = {
            **os.environ,
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "SMTP_URL": f"smtp://{load.HOST}:{smtp.port}",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JOBS_QUEUE": queue,
            "RATELIMIT_VOTE": "1000000 per minute",
            "RATELIMIT_LOGIN": "1000000 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": "1000000 per minute",
            "PARTICIPATORY_ENV": "development",
        }
        print("migrating, loading constituencies, seeding a small demo…", file=sys.stderr, flush=True)
        load.flask(env, "db", "upgrade", "heads")
        if load.SHARED_GEOJSON.is_file():
            load.flask(env, "constituencies", "import", str(load.SHARED_GEOJSON))
        else:
            load.flask(env, "constituencies", "sync")
        load.flask(env, "demo", "seed", "--calls", str(args.demo_calls), "--voters-per-call", "20")
        prepared = subprocess.run(
            [str(load.BIN / "python"), load.__file__, "--prepare", str(args.voters)],
            cwd=load.ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        platform = Platform(env, free_port(), args.workers, args.threads, args.timer, logs)
        platform.start()
        base = f"http://{load.HOST}:{platform.port}"
        voters = Voters(platform.port, [load.sign_in(base, voter) for voter in json.loads(prepared)["voters"]])
        engine = sa.create_engine(postgres.url, pool_pre_ping=True)
        parts = Parts(postgres, redis, smtp, platform, args.down)
        rows = []
        for name in names:
            rows.append(run_scenario(name, parts, voters, engine, queue, args))
            time.sleep(1)
        print_table(rows, args)
        return 0 if all(verdict(row) == "ok" for row in rows) else 1
    finally:
        if platform is not None:
            platform.stop()
        for log in sorted(logs.glob("*.log")):
            errors = log.read_text().count("Traceback")
            if errors:
                print(f"{log.name}: {errors} tracebacks" + (f" (in {log})" if args.logs else ""), file=sys.stderr)
        if not args.logs:
            shutil.rmtree(logs, ignore_errors=True)
        if engine is not None:
            engine.dispose()
        smtp.stop()
        redis.destroy()
        postgres.destroy()


if __name__ == "__main__":
    sys.exit(main())
