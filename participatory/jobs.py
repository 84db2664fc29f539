"""Background jobs: run here and now (embedded default), or on an RQ queue in Redis for `flask jobs worker`.

Inline when REDIS_URL is empty or JOBS_INLINE is set: the job runs in the caller's app context,
exactly as if the caller had called it (same session, same exceptions). With Redis, the job is put on
the JOBS_QUEUE queue and a worker runs it in a fresh app context of its own. If Redis cannot be
reached while enqueuing, the job runs inline instead, so nothing the platform has acknowledged is lost
(a timeout after Redis stored the job may then run it twice: jobs must be idempotent or harmless twice).

Jobs are module-level functions with plain arguments. Redis holds only what the job needs: the result
is dropped at once (result_ttl=0), a failed job expires after JOBS_FAILURE_TTL, and the description
shown in RQ's logs and dashboards names the function only, never its arguments.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError, StopRequested
from rq.executions import Execution, ExecutionRegistry
from rq.job import Job
from rq.utils import current_timestamp, now, parse_composite_key
from rq.worker_registration import clean_worker_registry

from participatory.extensions import db

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 180  # seconds a job may run before the worker stops it (RQ's default)
CONNECT_TIMEOUT = 2  # seconds: a request never waits long for an unreachable Redis before running inline
SOCKET_TIMEOUT = 5


def queued_mode(app: Flask | None = None) -> bool:
    """True when jobs go to the RQ queue (REDIS_URL set and JOBS_INLINE off)."""
    config = (app or current_app).config
    return bool(config.get("REDIS_URL")) and not config.get("JOBS_INLINE")


def connection(app: Flask | None = None) -> Redis:
    """The app's Redis client for enqueuing (one pool per URL, shared by the threads of a process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    url = app.config["REDIS_URL"]
    clients = app.extensions.setdefault("jobs_redis", {})
    if url not in clients:
        clients[url] = Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SOCKET_TIMEOUT)
    return clients[url]


def queue(app: Flask | None = None, redis: Redis | None = None) -> Queue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    return Queue(app.config["JOBS_QUEUE"], connection=redis or connection(app))


def job_id(name: str) -> str:
    """A deterministic job id, prefixed by the queue so that deployments sharing one Redis never collide."""
    return f"{current_app.config['JOBS_QUEUE']}-{name}"


def enqueue(
    func: Callable[..., object],
    *args,
    key: str | None = None,
    retry: Retry | None = None,
    timeout: int = DEFAULT_TIMEOUT,
) -> bool:
    """Run func(*args) on the queue (True) or here and now (False: inline mode, or Redis unreachable).

    `key` makes the job unique: while a job with that key is queued, running or kept as failed, enqueuing
    it again does nothing (True). `retry` is RQ's retry policy; inline, a failure is the caller's to handle.
    """
    if try_enqueue(func, *args, key=key, retry=retry, timeout=timeout):
        return True
    func(*args)
    return False


def try_enqueue(
    func: Callable[..., object],
    *args,
    key: str | None = None,
    retry: Retry | None = None,
    timeout: int = DEFAULT_TIMEOUT,
) -> bool:
    """Put func(*args) on the queue: False, having run nothing, in inline mode or when Redis is unreachable
    (for a caller whose work inline differs from the job's)."""
    if not queued_mode():
        return False
    name = f"{func.__module__}.{func.__qualname__}"
    try:
        queue().enqueue_call(
            func,
            args=args,
            job_id=job_id(key) if key else None,
            unique=key is not None,
            result_ttl=0,
            failure_ttl=current_app.config["JOBS_FAILURE_TTL"],
            retry=retry,
            timeout=timeout,
            description=key or name,
        )
    except DuplicateJobError:
        return True  # the same job is already waiting or running: one is enough
    except RedisError as exc:
        # Only the job's function and the error's class: never its arguments (addresses, message bodies).
        log.warning("Redis unreachable (%s): job %s runs inline", type(exc).__name__, name)
        return False
    return True


ABANDONED_LIMIT = 3  # a job that took its worker down this many times is failed, not re-queued again


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in the worker process itself (no fork: SQLAlchemy's pools must not
    be shared by a forked child) and in a fresh app context, so each job has its own database session.

    A running job holds a short lease in RQ's StartedJobRegistry (JOBS_LEASE_SECONDS), renewed by a thread
    while the job runs: RQ's own lease is the job's timeout plus a minute, and its clean-up fails an abandoned
    job, every ten minutes. Here every worker's maintenance (each JOBS_MAINTENANCE_SECONDS, also while idle)
    puts a job whose lease expired, because its worker died, back at the front of the queue: jobs are
    idempotent (see `enqueue`), so a killed worker's job is done again within about their sum.
    """

    def __init__(self, queues: list[Queue], *, app: Flask, **kwargs: Any) -> None:
        self.lease = int(app.config["JOBS_LEASE_SECONDS"])
        maintenance = int(app.config["JOBS_MAINTENANCE_SECONDS"])
        # An idle worker wakes from its blocking pop every `maintenance` s (RQ: worker_ttl - 15).
        super().__init__(queues, maintenance_interval=maintenance, worker_ttl=maintenance + 15, **kwargs)
        self.app = app

    def get_heartbeat_ttl(self, job: Job) -> int:
        return self.lease

    def perform_job(self, job: Job, queue: Queue) -> bool:
        with self.app.app_context(), self._lease_renewed(queue):
            return super().perform_job(job, queue)

    @contextlib.contextmanager
    def _lease_renewed(self, queue: Queue):
        """Renew the running job's lease every third of it, from a thread, until the job ends. ZADD XX only
        updates the entry: once the job ended and RQ removed it, nothing is written back."""
        execution, done = self.execution, threading.Event()

        def renew() -> None:
            while not done.wait(self.lease / 3):
                try:
                    with self.connection.pipeline() as pipeline:
                        self.heartbeat(self.worker_ttl + 60, pipeline=pipeline)
                        queue.started_job_registry.add_execution(execution, pipeline, ttl=self.lease, xx=True)
                        pipeline.execute()
                except RedisError:  # Redis down: the job goes on; at worst it is re-queued and done twice
                    continue

        thread = threading.Thread(target=renew, name="job-lease", daemon=True)
        if execution is not None:
            thread.start()
        try:
            yield
        finally:
            done.set()
            if thread.is_alive():
                thread.join()

    def run_maintenance_tasks(self) -> None:
        # Outside RQ's clean-up lock too: a worker killed while holding it holds it for 15 minutes.
        for each in self.queues:
            requeue_abandoned(each)
        super().run_maintenance_tasks()

    def clean_registries(self) -> None:
        """RQ's clean-up of each queue's registries, where abandoned jobs go back on the queue first, judged at
        the same instant as RQ's own clean-up: a lease that expired in between would reach RQ's, which fails
        the job or delays it by a retry, and then trips on the dead execution's expired record."""
        for queue in self.queues:
            if not queue.acquire_maintenance_lock():
                continue  # another worker is cleaning this queue
            try:
                instant = current_timestamp()
                requeue_abandoned(queue, instant)
                queue.started_job_registry.cleanup(instant, self._exc_handlers)
                queue.finished_job_registry.cleanup()
                queue.failed_job_registry.cleanup()
                queue.deferred_job_registry.cleanup()
                clean_worker_registry(queue)
                queue.intermediate_queue.cleanup(self, queue)
            finally:
                queue.release_maintenance_lock()
        self.last_cleaned_at = now()  # type: ignore[assignment]  # RQ initialises it to a bare None


def requeue_abandoned(queue: Queue, instant: int | None = None) -> list[str]:
    """Put back at the front of `queue` each started job whose lease expired by `instant` (default: now) because
    its worker died; the ids.

    Any number of workers may run this at once: the entry's ZREM decides which one re-queues the job. A job
    abandoned ABANDONED_LIMIT times is left to RQ's clean-up, which fails it (or uses one of its retries)."""
    registry = queue.started_job_registry
    requeued = []
    until = current_timestamp() if instant is None else instant
    entries = cast(list[bytes], queue.connection.zrangebyscore(registry.key, 0, until))
    for entry in entries:
        job_id, _ = parse_composite_key(entry.decode())
        job = queue.fetch_job(job_id)
        if job is not None and job.meta.get("abandoned", 0) >= ABANDONED_LIMIT:
            continue
        if not queue.connection.zrem(registry.key, entry):
            continue  # another worker took it
        # The dead execution goes too: RQ lists a job's executions a minute past their end, and the next
        # run's clean-up would fail the job on finding this one's record expired.
        execution = Execution.from_composite_key(entry.decode(), queue.connection)
        with queue.connection.pipeline() as pipeline:
            pipeline.delete(execution.key)
            ExecutionRegistry(job_id, queue.connection).remove(execution, pipeline)
            pipeline.execute()
        if job is None:
            continue  # it ended and was deleted meanwhile
        job.meta["abandoned"] = job.meta.get("abandoned", 0) + 1
        job.save_meta()
        queue.enqueue_job(job, at_front=True)
        requeued.append(job_id)
        log.warning("job %s was abandoned by its worker: back on the queue", job_id)
    return requeued


def worker(app: Flask, redis: Redis | None = None) -> AppWorker:
    """A worker on the app's queue; its Redis client has no read timeout (RQ sets the one it needs)."""
    redis = redis or Redis.from_url(app.config["REDIS_URL"])
    name = f"{app.config['JOBS_QUEUE']}-{uuid.uuid4().hex[:12]}"  # `rq info` shows whose workers these are
    return AppWorker([queue(app, redis)], name=name, connection=redis, app=app, log_job_description=False)


group = AppGroup("jobs", help="Background jobs on the RQ queue in Redis (REDIS_URL).")


@group.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit (default: run until stopped).")
def worker_command(burst: bool) -> None:
    """Run the queue's jobs (mail, closing calls) until stopped; start a few per machine."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    if not queued_mode(app):
        raise click.ClickException("REDIS_URL is not set (or JOBS_INLINE=1): jobs run inline, no worker is needed")
    if not burst:  # only then does RQ fork its scheduler
        _prepare_forked_children(app)
    run_worker(app, burst)


RECONNECT_DELAYS = (1, 2, 5, 10, 30)  # seconds between attempts while Redis is unreachable, then every 30 s


def run_worker(app: Flask, burst: bool, sleep: Callable[[float], None] = time.sleep) -> None:
    """Run a worker, and a new one whenever Redis dropped the last: never exit on a connection error.

    RQ's work loop gives up ("quitting") on a Redis error, and its start and end need Redis too. Each new
    worker stops its predecessor's scheduler first (RQ's teardown), then starts its own. It returns when
    stopped by a signal (SIGTERM, SIGINT), or in burst mode once the queue is empty.
    """
    failures = 0
    while True:
        current = None
        try:
            current = worker(app)
            # The scheduler puts retries (mail) back on the queue when their delay is over.
            current.work(burst=burst, with_scheduler=True)
            # A signal makes RQ raise StopRequested inside its loop, which it ends as it would on Redis errors.
            if burst or current._stop_requested or current._shutdown_requested_date is not None:
                return
            reason = "RQ stopped its work loop"  # on a Redis timeout or connection error
        except StopRequested:
            return
        except (RedisError, OSError) as exc:
            reason = type(exc).__name__
        if current is not None and current.scheduler is not None:
            with contextlib.suppress(Exception):  # teardown may have failed before it (Redis down)
                current.stop_scheduler()
        delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
        failures += 1
        log.warning("worker lost Redis (%s): a new worker starts in %s s", reason, delay)
        try:
            sleep(delay)
        except StopRequested:  # RQ's signal handlers are still installed
            return


def _prepare_forked_children(app: Flask) -> None:
    """RQ's scheduler runs in a forked child that only talks to Redis: make sure it never touches (or closes)
    the parent's database connections, as SQLAlchemy recommends after a fork, and that it dies with the
    worker, even a SIGKILLed one: an orphan scheduler would hold the scheduler lock, and the worker that
    replaces it would run without one."""
    parent = os.getpid()

    def in_child() -> None:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        _die_with(parent)

    os.register_at_fork(after_in_child=in_child)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """Linux: the kernel sends this process SIGTERM when its parent dies (RQ's scheduler then releases its
    lock and exits). Elsewhere nothing: the supervisor's stop of the whole group does it."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError):
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the call above
        os.kill(os.getpid(), signal.SIGTERM)
