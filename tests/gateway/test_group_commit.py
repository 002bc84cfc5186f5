"""Group commit: webhooks received at the same moment share a transaction, each is still
committed before it is answered, a failing one fails alone, and a redelivery arriving
with its original in the same group is stored once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select

from gateway.logs import REQUEST_ID
from gateway.runtime import Runtime
from gateway.store.group_commit import GroupCommit
from gateway.store.models import Complaint, InboundRecord

INBOUND = InboundRecord.__table__


def _store(external_id: str):
    def work(session):
        session.execute(
            insert(INBOUND).values(
                channel="sms", external_id=external_id, sender="+628123", text="", payload={}
            )
        )
        return external_id

    return work


def _stored(runtime: Runtime) -> list[str]:
    with runtime.sessions() as s:
        return sorted(s.scalars(select(InboundRecord.external_id)))


def _hold_until_queued(commits: GroupCommit, count: int):
    """The first group's work: wait until ``count`` more items are queued behind it, so
    they must form the next group together."""

    def work(session):
        deadline = time.monotonic() + 10
        while commits.waiting() < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return "first"

    return work


def test_items_queued_together_commit_together(runtime: Runtime):
    commits = GroupCommit(runtime.sessions)
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(commits.run, _hold_until_queued(commits, 8))
        time.sleep(0.05)  # the first is leading and waiting for company
        rest = [pool.submit(commits.run, _store(f"m{n}")) for n in range(8)]
        assert first.result(10) == "first"
        assert sorted(f.result(10) for f in rest) == [f"m{n}" for n in range(8)]
    assert (commits.groups, commits.items) == (2, 9)  # the eight shared one transaction
    assert _stored(runtime) == [f"m{n}" for n in range(8)]


def test_a_failing_item_fails_alone_and_leaves_nothing(runtime: Runtime):
    commits = GroupCommit(runtime.sessions)

    def broken(session):
        _store("half-written")(session)
        raise ValueError("this one is broken")

    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(commits.run, _hold_until_queued(commits, 5))
        time.sleep(0.05)
        good = [pool.submit(commits.run, _store(f"ok{n}")) for n in range(4)]
        bad = pool.submit(commits.run, broken)
        first.result(10)
        assert sorted(f.result(10) for f in good) == [f"ok{n}" for n in range(4)]
        with pytest.raises(ValueError, match="broken"):
            bad.result(10)
    # the group was rolled back and each run again alone: four commits, no half-write
    assert _stored(runtime) == [f"ok{n}" for n in range(4)]
    assert commits.groups == 1 + 4


def test_a_lone_item_is_led_by_its_own_thread_at_once(runtime: Runtime):
    commits = GroupCommit(runtime.sessions)
    caller = threading.get_ident()
    assert commits.run(lambda session: threading.get_ident()) == caller
    assert (commits.groups, commits.items, commits.waiting()) == (1, 1, 0)


def test_concurrent_webhooks_and_redeliveries_are_each_stored_once(live_gateway, sms):
    """Thirty citizens' complaints and, at the same moment, each one delivered again (as
    Twilio retries): every request answered 200, every message stored once, one
    complaint each, and fewer transactions than webhooks."""
    _, runtime = live_gateway
    citizens = [sms(f"+62812345{n:05d}") for n in range(30)]
    forms = [
        c.form(f"LAPOR jalan rusak di gang {n} LOKASI Kota Bandung") for n, c in enumerate(citizens)
    ]
    sends = [(c, f) for c, f in zip(citizens, forms, strict=True)] * 2
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda cf: cf[0].post(cf[1]), sends))
    assert [a.status_code for a in answers] == [200] * 60
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(InboundRecord)) == 30
        assert s.scalar(select(func.count()).select_from(Complaint)) == 30
    commits = runtime.group_commit
    assert commits.items == 60
    assert commits.groups < 60  # sixteen threads at once did share transactions


def test_each_item_runs_with_its_own_request_id(runtime: Runtime):
    """The leader runs the others' work, but every log line of a webhook still carries
    that webhook's request id."""
    commits = GroupCommit(runtime.sessions)

    def submit(request_id: str, work):
        REQUEST_ID.set(request_id)
        return commits.run(work)

    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(submit, "leader", _hold_until_queued(commits, 4))
        time.sleep(0.05)
        own = [pool.submit(submit, f"req-{n}", lambda s: REQUEST_ID.get()) for n in range(4)]
        first.result(10)
        assert [f.result(10) for f in own] == [f"req-{n}" for n in range(4)]
    assert commits.groups == 2
