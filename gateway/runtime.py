"""What a web process and a worker share: settings, the database, the adapters and the
delivery target, built once from configuration."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from channels.base import ChannelAdapter
from channels.registry import CHANNELS
from forwarder import outbox
from forwarder.outbox import ClaimedJob
from forwarder.targets import DeliveryTarget
from forwarder.targets.registry import TARGETS
from forwarder.wakeup import notify_on_commit
from forwarder.worker import Worker, default_worker_id
from gateway import metrics
from gateway.complaints.sla import SlaLimits
from gateway.complaints.updates import SETTINGS_INFO
from gateway.config import Settings, plain_config
from gateway.conversation.draft import DialogConfig
from gateway.jobs.worker import make_worker
from gateway.store.db import make_engine, make_session_factory
from gateway.store.group_commit import GroupCommit
from gateway.throttles import LoginThrottle
from normalizer.boundaries import SHIPPED_CENTROIDS, Boundaries, load_centroids, point_finder
from normalizer.region import PointOf

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    group_commit: GroupCommit = field(init=False)

    def __post_init__(self) -> None:
        # request threads, the reply sender, and a worker's job threads with its own
        self.engine = make_engine(
            self.settings.resolved_database_url,
            max_connections=15 + self.settings.worker_concurrency,
        )
        self.sessions = make_session_factory(self.engine)
        # what gateway.complaints.updates.record_update reads: does the target take updates?
        self.sessions.configure(info={SETTINGS_INFO: self.settings})
        if self.wakes_workers:
            notify_on_commit(self.sessions)
        self._lanes_lock = threading.Lock()
        self._lanes: dict[str, SendLane] = {}
        # made here, not on first use: two request threads must not each make their own
        self.group_commit = GroupCommit(
            self.sessions,
            limit=self.settings.group_commit_limit,
            after_commit=metrics.webhooks_committed,
        )

    @cached_property
    def adapters(self) -> dict[str, ChannelAdapter]:
        config = plain_config(self.settings)
        return {name: cls.from_config(config) for name, cls in CHANNELS.items()}

    def adapter_for(self, channel: str, recipient: str) -> ChannelAdapter | None:
        """The adapter that reaches ``recipient`` on ``channel`` (WhatsApp may come
        through Twilio or through Meta's Cloud API)."""
        return next((a for a in self.adapters.values() if a.sends_to(channel, recipient)), None)

    @cached_property
    def login_throttle(self) -> LoginThrottle:
        s = self.settings
        return LoginThrottle(
            s.ratelimit_storage_url, s.operator_ip_failed_logins, s.operator_ip_window_minutes
        )

    @cached_property
    def boundaries(self) -> Boundaries | None:
        s = self.settings
        if s.region_boundaries_file is None:
            return None
        return Boundaries.load(
            s.region_boundaries_file, s.region_boundaries_code_property, s.region_nearest_km
        )

    @cached_property
    def region_points(self) -> PointOf:
        """Points for places read from text: the administrator's centroids file, then the
        borders, then the table shipped with the gateway."""
        s = self.settings
        centroids = load_centroids(s.region_centroids_file) if s.region_centroids_file else None
        return point_finder(centroids, self.boundaries, load_centroids(SHIPPED_CENTROIDS))

    @cached_property
    def dialog_config(self) -> DialogConfig:
        s = self.settings
        return DialogConfig(
            media_base_url=(s.public_url.rstrip("/") + "/media/"),
            default_privacy=s.default_privacy,
            default_language=s.default_language,
            timeout_hours=s.conversation_timeout_hours,
            max_attempts=s.forward_max_attempts,
            flood_per_minute=s.flood_messages_per_minute,
            duplicate_window_hours=s.duplicate_window_hours,
            followup_window_days=s.followup_window_days,
        )

    @cached_property
    def sla_limits(self) -> SlaLimits:
        s = self.settings
        return SlaLimits(
            s.sla_forward_working_days,
            s.sla_follow_up_working_days,
            s.sla_close_working_days,
            ZoneInfo(s.timezone),
        )

    @cached_property
    def target(self) -> DeliveryTarget:
        return TARGETS[self.settings.forward_target].from_config(plain_config(self.settings))

    @property
    def replies_from_workers(self) -> bool:
        return self.settings.replies_sent_by == "workers"

    @property
    def wakes_workers(self) -> bool:
        """Commits that queue a job wake the listening workers (LISTEN/NOTIFY is
        PostgreSQL's; elsewhere workers poll)."""
        return self.replies_from_workers and self.engine.dialect.name == "postgresql"

    @property
    def reply_sender_id(self) -> str | None:
        """Who a web process's replies are claimed for when they are queued (its send
        lanes), or None when the workers send them. Read on each call: a process forked
        from the one that built the runtime has a pid of its own."""
        if self.replies_from_workers:
            return None
        return f"{default_worker_id()}:replies"

    def dispatch(self, jobs: list[ClaimedJob], channel: str = "") -> None:
        """Send these just-committed jobs, claimed for this process when they were
        queued, now, from this process, instead of waiting for a worker's next poll. If
        this process dies first, their lease runs out and a worker takes them over.

        Each channel has a lane of its own (``send_lane``): a slow or paced platform
        (Telegram's 30 a second) holds up only its own replies. With ``replies_sent_by =
        workers`` the commit has woken the workers instead, and this does nothing."""
        if self.replies_from_workers or not jobs:
            return
        name = send_lane(channel)
        with self._lanes_lock:
            lane = self._lanes.get(name)
            if lane is None:
                lane = self._lanes[name] = SendLane(self, name)
        lane.submit(jobs)

    @property
    def media_dir(self) -> Path:
        return (self.settings.media_dir or self.settings.instance_path / "media").resolve()

    def public_url(self, path: str) -> str | None:
        base = self.settings.public_url.rstrip("/")
        return f"{base}{path}" if base else None

    def close(self) -> None:
        with self._lanes_lock:
            lanes, self._lanes = list(self._lanes.values()), {}
        for lane in lanes:
            lane.close()
        self.engine.dispose()


# The web process's send lanes: the platforms that answer and pace apart. Messenger and
# Instagram are one Page's Send API; WhatsApp may be Meta's Cloud API or Twilio.
LANES = {"instagram": "messenger"}
# Threads of a lane. Telegram's waits for a chat's turn (channels.telegram.pacing) hold
# only that chat's thread; elsewhere one thread: job threads here take the GIL from the
# request threads (mixed-channel intake fell from 370 to 240 msg/s with 4 in one sender).
LANE_THREADS = {"telegram": 4}


def send_lane(channel: str) -> str:
    return LANES.get(channel, channel) or "messages"


class SendLane:
    """One channel's sender in a web process: a thread that sends the jobs dispatched to
    it, in the order they came (a citizen's replies leave in the order they were
    written), with a worker of its own (kept to citizens' messages)."""

    def __init__(self, runtime: Runtime, name: str) -> None:
        self.runtime = runtime
        self.name = name
        self._lock = threading.Lock()
        self._queue: list[tuple[float, ClaimedJob]] = []
        self._due = False
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"send-{name}")
        self._sender: Worker | None = None

    def submit(self, jobs: list[ClaimedJob]) -> None:
        now = time.monotonic()
        with self._lock:
            self._queue.extend((now, job) for job in jobs)
            if self._due:
                return
            self._due = True
        self._thread.submit(self._send)

    def _send(self) -> None:
        with self._lock:
            queued, self._queue = self._queue, []
            self._due = False
        if not queued:
            return
        try:
            if self._sender is None:
                self._sender = make_worker(
                    self.runtime,
                    "messages",
                    concurrency=LANE_THREADS.get(self.name, 1),
                    worker_id=self.runtime.reply_sender_id,
                )
            self._sender.run_claimed(self._still_ours(queued))
        except Exception:  # noqa: BLE001 - the jobs stay queued: a worker sends them
            # (an executor would drop this exception without a word)
            log.exception(
                "sending %d dispatched %s jobs failed; left to the workers", len(queued), self.name
            )

    def _still_ours(self, queued: list[tuple[float, ClaimedJob]]) -> list[ClaimedJob]:
        """The jobs to send: those that waited in this lane for over half their lease
        (a paced backlog) have it renewed first, and are dropped if it ran out and a
        worker took them over: a reply is never sent by both."""
        lease = self.runtime.settings.worker_lease_seconds
        old = [job.id for at, job in queued if time.monotonic() - at > lease / 2]
        if not old:
            return [job for _, job in queued]
        assert self._sender is not None
        with self.runtime.sessions() as session:
            kept = outbox.renew(session, old, self._sender.worker_id, lease)
            session.commit()
        stale = set(old) - kept
        return [job for _, job in queued if job.id not in stale]

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        if self._sender is not None:
            self._sender.close()
