"""How a delivery can fail: worth retrying later, or never going to work."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of the errors a job handler raises to steer the outbox."""


class RetryableError(DeliveryError):
    """Timeouts, refused connections, 5xx, 429: try again after a back-off.

    ``retry_after`` (seconds) is the other side's own hint, used when it is longer.

    ``outage``: the target itself failed (no connection, a timeout, a 5xx), as opposed to
    a wait of the gateway's own (an update waiting for its complaint); outages counted
    across jobs open the target's circuit (forwarder.circuit).
    """

    def __init__(
        self, message: str, retry_after: float | None = None, *, outage: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.outage = outage


class Deferred(RetryableError):
    """Not tried: a limit of the gateway's own (a channel's send pacing) says wait
    ``retry_after``. The job waits its turn with its retry budget untouched, so a busy
    moment never turns a citizen's message into a dead letter."""


class TargetRefused(RetryableError):
    """The target refuses *us*, not the content: a wrong, expired or revoked key
    (401/403, an Open311 400 that names the api_key). A property of the target: a worker
    that knows the target pauses it (forwarder.circuit) and the job waits, its retry
    budget untouched; anywhere else it is simply retried, as before.
    """

    def __init__(self, message: str, reason: str = "auth") -> None:
        super().__init__(message)
        self.reason = reason


class PermanentError(DeliveryError):
    """The other side refused the content (400, 404, 422…): retrying cannot help, so the
    job becomes a dead letter at once for an operator to look at.

    ``keep_writes``: what the handler wrote before raising (why it failed, that the
    citizen blocked us) stands; otherwise it is rolled back with the attempt.
    """

    def __init__(self, message: str, keep_writes: bool = False) -> None:
        super().__init__(message)
        self.keep_writes = keep_writes
