"""How a delivery can fail: worth retrying later, or never going to work."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of the errors a job handler raises to steer the outbox."""


class RetryableError(DeliveryError):
    """Timeouts, refused connections, 5xx, 429: try again after a back-off.

    ``retry_after`` (seconds) is the other side's own hint, used when it is longer.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """The other side refused the content (400, 404, 422…): retrying cannot help, so the
    job becomes a dead letter at once for an operator to look at.

    ``keep_writes``: what the handler wrote before raising (why it failed, that the
    citizen blocked us) stands; otherwise it is rolled back with the attempt.
    """

    def __init__(self, message: str, keep_writes: bool = False) -> None:
        super().__init__(message)
        self.keep_writes = keep_writes
