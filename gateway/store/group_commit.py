"""Group commit: the requests a process serves at once share one transaction.

Every webhook is committed before it is answered, and a commit is a disk flush (and on
PostgreSQL a round trip to begin and one to commit). When several request threads of one
process are waiting at the same time, the first becomes the leader: it runs everything
queued so far in one transaction, commits once, and hands each thread its own result;
the threads that queued meanwhile form the next group, led by the first of them. A lone
request is led by its own thread at once, so nothing waits for company.

A group that fails as a whole (one item raised, a deadlock between two groups, the
database going away) is rolled back and each of its items run again in a transaction of
its own, so an item only ever fails for its own reasons and nothing is acknowledged that
was not committed. Items must therefore be safe to run again after a rollback: they
write only through the session they are given.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Session], T]
_PENDING: Any = object()


class _Item(Generic[T]):
    __slots__ = ("work", "order", "context", "ready", "lead", "result", "error")

    def __init__(self, work: Work[T], order: Any) -> None:
        self.work = work
        self.order = order
        # the submitting thread's context variables (its request id in every log line),
        # whichever thread runs the work
        self.context = contextvars.copy_context()
        self.ready = threading.Event()
        self.lead = False
        self.result: T = _PENDING
        self.error: BaseException | None = None

    def call(self, session: Session) -> T:
        return self.context.run(self.work, session)

    def value(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    """Runs units of work in shared transactions; ``limit`` items at most per group.

    ``after_commit(session, size)`` runs in the leader right after each commit of ``size``
    items (e.g. counting what the group created); ``order`` keys sort a group before it
    runs, so all groups take their row locks in the same order and two of them cannot
    deadlock on them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        limit: int = 64,
        after_commit: Callable[[Session, int], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.limit = max(1, limit)
        self.after_commit = after_commit
        self._lock = threading.Lock()
        self._queue: list[_Item[Any]] = []
        self._leading = False
        # transactions committed and items in them, for tests; operators and the benchmark
        # read the same from lapor_webhook_group_size (after_commit)
        self.groups = 0
        self.items = 0

    def waiting(self) -> int:
        """Items queued for the next group."""
        with self._lock:
            return len(self._queue)

    def run(self, work: Work[T], order: Any = "") -> T:
        """Run ``work`` in a transaction, committed before this returns its result (or
        raises its error)."""
        item = _Item(work, order)
        with self._lock:
            self._queue.append(item)
            if not self._leading:
                self._leading = item.lead = True
        if not item.lead:
            item.ready.wait()
            if not item.lead:
                return item.value()
        try:
            self._lead()
        finally:
            self._hand_over()
        return item.value()

    def _lead(self) -> None:
        with self._lock:
            group = self._queue[: self.limit]
            del self._queue[: self.limit]
        try:
            group.sort(key=lambda i: i.order)
            if len(group) == 1 or not self._together(group):
                for item in group:
                    self._alone(item)
        except BaseException as exc:
            for item in group:
                if item.result is _PENDING and item.error is None:
                    item.error = exc
            raise
        finally:
            for item in group:
                if not item.lead:
                    item.ready.set()

    def _hand_over(self) -> None:
        """The first item still queued leads the next group; none left, nobody leads."""
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.ready.set()
            else:
                self._leading = False

    def _together(self, group: list[_Item[Any]]) -> bool:
        """Run ``group`` in one transaction; False (rolled back) if any part failed."""
        try:
            with self.sessions() as session:
                results = [item.call(session) for item in group]
                session.commit()
                self._committed(session, len(group))
        except Exception as exc:  # noqa: BLE001 - each item is run again on its own
            log.info("group of %d rolled back, running each alone: %r", len(group), exc)
            return False
        for item, result in zip(group, results, strict=True):
            item.result = result
        return True

    def _alone(self, item: _Item[Any]) -> None:
        try:
            with self.sessions() as session:
                item.result = item.call(session)
                session.commit()
                self._committed(session, 1)
        except BaseException as exc:  # noqa: BLE001 - handed to the item's own thread
            item.error = exc

    def _committed(self, session: Session, size: int) -> None:
        self.groups += 1
        self.items += size
        if self.after_commit is not None:
            try:
                self.after_commit(session, size)
            except Exception:  # noqa: BLE001 - committed is committed: never fail the items
                log.exception("after-commit hook failed")
