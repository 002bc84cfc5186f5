"""The worker loop: claim → deliver → record, one screen long.

A handler does the delivery and writes what it learned (a central id, a provider
message id) to the session it is given; the worker records the job's outcome in that
same transaction, so the result and the job's ``done`` commit together or not at all.

Each job commits on its own, right after its delivery, although one commit per claimed
batch would be cheaper: a worker that dies then re-sends at most the deliveries in
flight (one a job thread), not every delivery of its batch. Central systems that ignore
idempotency keys (plain Open311 servers) would file each re-sent complaint again.

A worker may run ``concurrency`` jobs of a batch at once, each in its own transaction: a
central system or a messaging API far away answers in tens or hundreds of milliseconds,
and one job at a time would leave the worker waiting on the network for most of its
life. Jobs that share a lane (``lane(job)``, e.g. the messages to one citizen) still run
one after another, in the order they were queued.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from forwarder import circuit, outbox
from forwarder.circuit import CircuitPolicy
from forwarder.errors import Deferred, PermanentError, RetryableError, TargetRefused
from forwarder.outbox import ClaimedJob
from forwarder.wakeup import Wakeup

log = logging.getLogger(__name__)

Handler = Callable[[Session, ClaimedJob], dict[str, Any] | None]
# Called in the transaction that buries a job, to mark what it was for (e.g. a complaint).
DeadHandler = Callable[[Session, ClaimedJob, str], None]
# Jobs with the same lane run in claim order, never side by side.
Lane = Callable[[ClaimedJob], Hashable]


# How the reason of a job given back after a refusal of our credentials begins.
REFUSED = "refused: "


def own_lane(job: ClaimedJob) -> Hashable:
    return job.id


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_seconds: float = 3600.0

    def delay(self, attempt: int, hint: float | None = None) -> float:
        """Exponential back-off with jitter: half fixed, half random, so a burst of
        failures does not come back as a burst; never shorter than the server's hint."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        return max(delay, min(hint or 0.0, self.max_seconds))


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        worker_id: str | None = None,
        batch_size: int = 20,
        lease_seconds: float = 120.0,
        poll_seconds: float = 0.5,
        policy: RetryPolicy | None = None,
        on_dead: Mapping[str, DeadHandler] | None = None,
        periodic: Sequence[tuple[float, Callable[[], object]]] = (),
        concurrency: int = 1,
        lane: Lane = own_lane,
        wakeup: Wakeup | None = None,
        kinds: Sequence[str] | None = None,
        gates: Mapping[str, Sequence[str]] | None = None,
        circuit_policy: CircuitPolicy | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.handlers = dict(handlers)
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.policy = policy or RetryPolicy()
        self.on_dead = dict(on_dead or {})
        # (interval seconds, task): run between batches, e.g. pulling status updates
        self.periodic = [[interval, task, 0.0] for interval, task in periodic]
        self.stop_event = threading.Event()
        self.concurrency = max(1, concurrency)
        self.lane = lane
        # an idle worker sleeps poll_seconds, or with a wakeup less: until a job is
        # committed
        self.wakeup = wakeup
        self.kinds = kinds  # None: every kind of job
        self._pool: ThreadPoolExecutor | None = None
        # target name -> the kinds of job that deliver to it: paused together when the
        # target refuses us or fails every request (forwarder.circuit)
        # (a worker kept to other kinds, e.g. citizens' messages, reads no circuit at all)
        self.gates = {
            target: kept
            for target, ks in (gates or {}).items()
            if (kept := tuple(k for k in ks if kinds is None or k in kinds))
        }
        self.gate_of = {kind: target for target, ks in self.gates.items() for kind in ks}
        self.circuit_policy = circuit_policy or CircuitPolicy()
        # this process's view of the circuits, refreshed every batch: targets paused, and
        # targets with failures on record (whose next success must clear them)
        self._held: set[str] = set()
        self._streak: set[str] = set()

    def run(self, max_idle_polls: int | None = None) -> None:
        """Work until stopped (or, for tests and the demo, until idle that many polls)."""
        try:
            self._run(max_idle_polls)
        finally:
            self.close()

    def _run(self, max_idle_polls: int | None) -> None:
        idle = 0
        while not self.stop_event.is_set():
            self.run_periodic()
            try:
                claimed = self.run_once()
            except DBAPIError as exc:
                # the database restarting or unreachable: what was not committed is
                # retried once its lease runs out; wait and try again, do not die
                log.error("database error, retrying in %.1fs: %s", self.poll_seconds, exc)
                self.stop_event.wait(max(self.poll_seconds, 1.0))
                continue
            if claimed:
                idle = 0
                continue
            idle += 1
            if max_idle_polls is not None and idle >= max_idle_polls:
                return
            if self.wakeup is not None:
                self.wakeup.wait(self.poll_seconds, self.stop_event)
            else:
                self.stop_event.wait(self.poll_seconds)

    def run_periodic(self) -> None:
        """Run each periodic task that is due; a failing one is logged and tried again at
        its next interval, never allowed to stop deliveries."""
        now = time.monotonic()
        for entry in self.periodic:
            interval, task, last = entry
            if now - last < interval:
                continue
            entry[2] = now
            try:
                task()
            except Exception:  # noqa: BLE001 - the next interval retries
                log.exception("periodic task %s failed", getattr(task, "__name__", task))

    def run_once(self) -> int:
        """Claim one batch and process it, and try each paused target whose probe is due
        with one job; the number of jobs claimed."""
        with self.session_factory() as session:
            kinds = self._claimable(session)
            jobs = (
                outbox.claim(
                    session, self.worker_id, self.batch_size, self.lease_seconds, kinds=kinds
                )
                if kinds is None or kinds
                else []
            )
            session.commit()
        probes = self._probe_jobs()
        self._process_all(jobs)
        for job in probes:
            self._process(job, probe=True)
        return len(jobs) + len(probes)

    def run_claimed(self, jobs: Sequence[ClaimedJob]) -> int:
        """Process jobs already claimed for this worker (``outbox.enqueue_claimed``); a
        job of a paused target goes back untried. The number processed."""
        # the circuits are read only when a job goes to a gated target (the web process
        # sends its citizens' replies this way, none of them gated)
        if any(job.kind in self.gate_of for job in jobs):
            with self.session_factory() as session:
                self._claimable(session)
        self._process_all(jobs)
        return len(jobs)

    # -- paused targets (forwarder.circuit) ---------------------------------------------
    def _claimable(self, session: Session) -> Sequence[str] | None:
        """Read the gated targets' circuits; the kinds this worker may claim now (None:
        every kind), without those of paused targets."""
        if not self.gates:
            return self.kinds
        held, streak = set(), set()
        for target in self.gates:
            gate = circuit.read(session, target)
            if gate.open:
                held.add(target)
            if gate.open or gate.failures:
                streak.add(target)
        self._held, self._streak = held, streak
        if not held:
            return self.kinds
        blocked = {kind for target in held for kind in self.gates[target]}
        every = self.kinds if self.kinds is not None else [*self.handlers, *self.gate_of]
        return [kind for kind in dict.fromkeys(every) if kind not in blocked]

    def _probe_jobs(self) -> list[ClaimedJob]:
        """For each paused target whose probe is due and not taken by another worker,
        one of its jobs to try (the one due first; a failed probe sends it to the back)."""
        probes: list[ClaimedJob] = []
        for target in sorted(self._held):
            kinds = [k for k in self.gates[target] if self.kinds is None or k in self.kinds]
            if not kinds:
                continue
            with self.session_factory() as session:
                won = circuit.take_probe(session, target, self.worker_id, self.lease_seconds)
                session.commit()
                if not won:
                    continue
                jobs = outbox.claim(session, self.worker_id, 1, self.lease_seconds, kinds=kinds)
                if not jobs:  # nothing waits: look again at the next probe time
                    circuit.probe_over(session, target, self.circuit_policy)
                    session.commit()
            probes += jobs
        return probes

    def _release(self, job: ClaimedJob, target: str) -> None:
        """A job of ``target``, paused while the job waited in this worker's batch: back
        to pending untried, its attempt given back, the reason of its last try kept."""
        with self.session_factory() as session:
            outbox.release(session, job.id, self.worker_id)
            session.commit()

    def _record(self, target: str, job: ClaimedJob, outcome: str, detail: str, probe: bool) -> None:
        """What a delivery said about its target, in the shared circuit: one WARNING when
        this worker's answer paused the target, one INFO when it resumed it."""
        policy = self.circuit_policy
        detail = " ".join(detail.split())[:500]  # one line in the log, however it came
        with self.session_factory() as session:
            if outcome == "answered":
                if not (probe or target in self._streak or target in self._held):
                    return  # nothing on record to clear: no write on every delivery
                if circuit.answered(session, target):
                    log.info("deliveries to %s resume: it answered job %s", target, job.id)
                self._held.discard(target)
                self._streak.discard(target)
            elif probe:
                reason = circuit.AUTH if outcome == "refused" else None
                circuit.probe_over(session, target, policy, detail, reason)
            elif outcome == "refused":
                self._held.add(target)
                if circuit.refused(session, target, detail, policy):
                    log.warning(
                        "deliveries to %s paused: it refuses our credentials (%s); jobs wait, "
                        "probing every %gs",
                        target,
                        detail,
                        policy.probe_seconds,
                    )
            elif outcome == "outage":
                self._streak.add(target)
                if circuit.failed(session, target, job.id, detail, policy):
                    self._held.add(target)
                    outbox.give_back_attempt(session, job.id, job.attempts)
                    log.warning(
                        "deliveries to %s paused: %d failures in a row (%s); jobs wait, "
                        "probing every %gs",
                        target,
                        policy.failures,
                        detail,
                        policy.probe_seconds,
                    )
            else:
                return
            session.commit()

    def close(self) -> None:
        """Stop the threads that run jobs side by side (the next batch starts new ones)
        and stop listening for new jobs (the next wait listens again)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        if self.wakeup is not None:
            self.wakeup.close()

    def _process_all(self, jobs: Sequence[ClaimedJob]) -> None:
        lanes: dict[Hashable, list[ClaimedJob]] = {}
        for job in jobs:
            lanes.setdefault(self.lane(job), []).append(job)
        if self.concurrency == 1 or len(lanes) == 1:
            for job in jobs:
                self._process(job)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="job")
        futures = [self._pool.submit(self._process_lane, lane) for lane in lanes.values()]
        wait(futures)
        for future in futures:
            future.result()  # a database failure is raised here, as the serial loop would

    def _process_lane(self, jobs: list[ClaimedJob]) -> None:
        for job in jobs:
            self._process(job)

    def _process(self, job: ClaimedJob, probe: bool = False) -> None:
        target = self.gate_of.get(job.kind)
        if target is not None and target in self._held and not probe:
            self._release(job, target)
            return
        with self.session_factory() as session:
            outcome, detail = self._attempt(session, job, gated=target is not None, probe=probe)
            session.commit()
        if target is not None:
            self._record(target, job, outcome, detail, probe)

    def _attempt(
        self, session: Session, job: ClaimedJob, gated: bool = False, probe: bool = False
    ) -> tuple[str, str]:
        """Run the job and record its outcome in ``session``; what it said about the
        target: ``answered``, ``refused`` (our credentials), ``outage`` or ``other``."""
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise PermanentError(f"no handler for job kind {job.kind!r}")
            result = handler(session, job)
            if not outbox.mark_done(session, job.id, self.worker_id, result):
                log.warning("job %s: lease lost before recording; another worker owns it", job.id)
                session.rollback()
            return "answered", ""
        except PermanentError as exc:
            if not exc.keep_writes:
                session.rollback()
            log.error("job %s (%s) dead: %s", job.id, job.kind, exc)
            self._bury(session, job, f"permanent: {exc}")
            return "answered", str(exc)
        except DBAPIError:
            raise  # the database itself failed: the lease runs out and it is tried again
        except Exception as exc:  # noqa: BLE001 - unknown errors are retried, not lost
            session.rollback()
            refused = isinstance(exc, TargetRefused)
            if refused and not probe and (job.last_error or "").startswith(REFUSED):
                # refused before, and the target has answered others since (it was not
                # paused when this was claimed): a refusal of this job's own (a 403 for
                # one service), retried and given up like any failure, pausing nothing
                refused = False
            outage = isinstance(exc, RetryableError) and exc.outage
            outcome = "refused" if refused else "outage" if outage else "other"
            # a refusal stays marked as one in the job's reason, however it was handled
            error = f"{REFUSED}{exc}" if isinstance(exc, TargetRefused) else str(exc)
            if gated and (refused or probe):
                # the target's fault, not the job's: it waits, its budget untouched (a
                # failed probe goes to the back, so the next probe tries another job)
                delay = self.circuit_policy.probe_seconds if probe else 0.0
                outbox.release(session, job.id, self.worker_id, error, delay)
                return outcome, str(exc)
            if isinstance(exc, Deferred):
                outbox.release(session, job.id, self.worker_id, error, exc.retry_after or 0.0)
                return outcome, str(exc)
            hint = exc.retry_after if isinstance(exc, RetryableError) else None
            if not isinstance(exc, RetryableError):
                log.exception("job %s (%s) failed unexpectedly", job.id, job.kind)
            if job.attempts >= job.max_attempts:
                log.error(
                    "job %s (%s) dead after %d attempts: %s", job.id, job.kind, job.attempts, exc
                )
                self._bury(session, job, f"gave up after {job.attempts} attempts: {exc}")
            else:
                delay = self.policy.delay(job.attempts, hint)
                log.info(
                    "job %s (%s) attempt %d failed, retry in %.1fs: %s",
                    job.id,
                    job.kind,
                    job.attempts,
                    delay,
                    exc,
                )
                outbox.mark_retry(session, job.id, self.worker_id, error, delay)
            return outcome, str(exc)

    def _bury(self, session: Session, job: ClaimedJob, reason: str) -> None:
        if outbox.mark_dead(session, job.id, self.worker_id, reason) and (
            hook := self.on_dead.get(job.kind)
        ):
            hook(session, job, reason)
