"""A target's circuit: deliveries to a central system that refuses us, or that fails
every request, are paused instead of each job spending its retry budget.

Two ways a target's circuit opens:

* ``auth``: the target refused our credentials (forwarder.errors.TargetRefused: 401,
  403, an Open311 400 naming the api_key). One refusal is enough: it says nothing about
  the complaint, everything about the key.
* ``outage``: ``failures`` deliveries in a row failed for the target's own sake (no
  connection, a timeout, a 5xx; RetryableError.outage), from at least two jobs, or from
  one job over ``window_seconds`` (a single complaint the server chokes on is not an
  outage; a quiet office with one complaint during a long outage is).

While open, the target's jobs stay ``pending`` and are not claimed, their attempts
untouched. Every ``probe_seconds`` one worker (whichever wins the probe slot) tries one
of them; its attempt is given back if it fails the same way, and it goes to the back of
the queue so the next probe tries another. A probe, or any delivery, that the target
answers (delivered, or a refusal of that complaint's content) closes the circuit.

The state is shared by every worker process, so it lives in the database: one row per
target in the host's ``channel_state`` key/value table (key ``target:<name>``, a JSON
value), changed by compare-and-set on the whole value, which is atomic on PostgreSQL and
on SQLite alike without holding a lock across a delivery.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, column, insert, select, table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from forwarder.sqltypes import UTCDateTime, utcnow

KEY_PREFIX = "target:"
AUTH = "auth"
OUTAGE = "outage"
REASONS = (AUTH, OUTAGE)

# The host's key/value table (gateway.store.models.ChannelState); only these columns are used.
state_table = table(
    "channel_state",
    column("key", Text),
    column("value", Text),
    column("updated_at", UTCDateTime),
)


@dataclass(frozen=True)
class CircuitPolicy:
    probe_seconds: float = 60.0  # how often a paused target is tried with one job
    failures: int = 5  # outage failures in a row that open the circuit…
    window_seconds: float = 300.0  # …or fewer jobs failing that long


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Gate:
    """One target's circuit as stored."""

    target: str
    open: bool = False
    reason: str | None = None  # AUTH or OUTAGE while open
    detail: str = ""  # the answer that opened it (or the last failed probe's)
    failures: int = 0  # outage failures in a row, while closed
    jobs: tuple[int, ...] = ()  # distinct jobs among them (at most two kept)
    since: str | None = None  # first failure of the streak, or when it opened
    probe_at: str | None = None  # the next probe is due then
    probe_until: str | None = None  # a probe is out until then (its worker's lease)
    probe_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return KEY_PREFIX + self.target

    @property
    def opened_at(self) -> datetime | None:
        return _dt(self.since) if self.open else None

    def dump(self) -> str:
        data = asdict(self)
        data.pop("target")
        data["jobs"] = list(self.jobs)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def load(cls, target: str, raw: str | None) -> Gate:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["jobs"] = tuple(int(j) for j in known.get("jobs") or ())
        known.pop("target", None)
        return cls(target=target, **known)


CLOSED = Gate("")


def _read(session: Session, target: str) -> tuple[Gate, str | None]:
    raw = session.scalar(
        select(state_table.c.value).where(state_table.c.key == KEY_PREFIX + target)
    )
    return Gate.load(target, raw), raw


def read(session: Session, target: str) -> Gate:
    return _read(session, target)[0]


def gates(session: Session) -> list[Gate]:
    """Every target's stored circuit (open or not), by name."""
    rows = session.execute(
        select(state_table.c.key, state_table.c.value).where(
            state_table.c.key.like(KEY_PREFIX + "%")
        )
    ).all()
    return sorted(
        (Gate.load(key[len(KEY_PREFIX) :], value) for key, value in rows), key=lambda g: g.target
    )


def paused(session: Session) -> list[Gate]:
    """The targets paused now."""
    return [g for g in gates(session) if g.open]


def _swap(session: Session, old_raw: str | None, new: Gate) -> bool:
    """Write ``new`` if the stored value is still ``old_raw``; False when another worker
    changed it first (the caller reads again and decides again)."""
    now = utcnow()
    if old_raw is None:
        values = {"key": new.key, "value": new.dump(), "updated_at": now}
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            stmt = postgresql.insert(state_table).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(state_table).values(values).on_conflict_do_nothing()
        else:  # pragma: no cover - the gateway runs on these two
            stmt = insert(state_table).values(values)  # type: ignore[assignment]
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT
        return session.execute(stmt.returning(state_table.c.key)).first() is not None
    result = session.execute(
        update(state_table)
        .where(state_table.c.key == new.key, state_table.c.value == old_raw)
        .values(value=new.dump(), updated_at=now)
    )
    return result.rowcount == 1


def _change(session: Session, target: str, decide: Any) -> tuple[Gate, Gate]:
    """Apply ``decide(gate) -> new gate or None`` by compare-and-set until it holds;
    (before, after). In the caller's transaction."""
    for _ in range(20):
        before, raw = _read(session, target)
        after = decide(before)
        if after is None or after == before:
            return before, before
        if _swap(session, raw, after):
            return before, after
    raise RuntimeError(f"circuit of {target}: too much contention")  # pragma: no cover


def refused(session: Session, target: str, detail: str, policy: CircuitPolicy) -> bool:
    """The target refused our credentials: pause it (reason ``auth``). True when this
    call opened the circuit (the caller raises the one alert)."""
    now = utcnow()

    def decide(gate: Gate) -> Gate | None:
        if gate.open:
            return None
        return Gate(
            target,
            open=True,
            reason=AUTH,
            detail=detail[:1000],
            since=_iso(now),
            probe_at=_iso(now + timedelta(seconds=policy.probe_seconds)),
        )

    before, after = _change(session, target, decide)
    return after.open and not before.open


def failed(session: Session, target: str, job_id: int, detail: str, policy: CircuitPolicy) -> bool:
    """A delivery failed for the target's own sake (outage); True when this failure
    opened the circuit."""
    now = utcnow()

    def decide(gate: Gate) -> Gate | None:
        if gate.open:
            return None
        since = _dt(gate.since) or now
        jobs = gate.jobs if job_id in gate.jobs else (gate.jobs + (job_id,))[-2:]
        failures = gate.failures + 1
        long_enough = (now - since).total_seconds() >= policy.window_seconds
        if failures >= policy.failures and (len(jobs) >= 2 or long_enough):
            return Gate(
                target,
                open=True,
                reason=OUTAGE,
                detail=detail[:1000],
                since=_iso(now),
                probe_at=_iso(now + timedelta(seconds=policy.probe_seconds)),
            )
        return replace(gate, failures=failures, jobs=jobs, since=_iso(since))

    before, after = _change(session, target, decide)
    return after.open and not before.open


def answered(session: Session, target: str) -> bool:
    """The target answered a delivery (took it, or refused that complaint's content):
    the streak is over and an open circuit closes. True when this call closed it."""

    def decide(gate: Gate) -> Gate | None:
        if not gate.open and not gate.failures:
            return None
        return Gate(target)

    before, after = _change(session, target, decide)
    return before.open and not after.open


def take_probe(session: Session, target: str, worker_id: str, lease_seconds: float) -> bool:
    """Win the right to try the paused target with one job now; False when it is not
    paused, not due, or another worker's probe is out."""
    now = utcnow()

    def decide(gate: Gate) -> Gate | None:
        if not gate.open or (_dt(gate.probe_at) or now) > now:
            return None
        if (until := _dt(gate.probe_until)) is not None and until > now:
            return None
        return replace(
            gate,
            probe_until=_iso(now + timedelta(seconds=lease_seconds)),
            probe_by=worker_id,
        )

    before, after = _change(session, target, decide)
    return after.probe_by == worker_id and after != before


def probe_over(
    session: Session,
    target: str,
    policy: CircuitPolicy,
    detail: str | None = None,
    reason: str | None = None,
) -> None:
    """The probe failed the same way (or found nothing to try): still paused, the next
    probe in ``probe_seconds``."""
    now = utcnow()

    def decide(gate: Gate) -> Gate | None:
        if not gate.open:
            return None
        return replace(
            gate,
            probe_until=None,
            probe_by=None,
            probe_at=_iso(now + timedelta(seconds=policy.probe_seconds)),
            detail=(detail or gate.detail)[:1000],
            reason=reason or gate.reason,
        )

    _change(session, target, decide)
