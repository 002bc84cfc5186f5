"""Throttles per client address. Failed logins, whatever the account: the per-account
lock (gateway.console.accounts.check_login) does not stop one address trying many names.
Public lookups by tracking code: one address must not walk the code space.

Counts live where ``GATEWAY_RATELIMIT_STORAGE_URL`` says (the ``limits`` library's
storages): in each process by default, in Redis to share them between processes and
nodes. A moving window: the address may try again as its oldest count ages out.
"""

from __future__ import annotations

import logging
import math
import time

from limits import parse, storage, strategies
from limits.errors import StorageError

log = logging.getLogger(__name__)
# Where the app keeps its tracking-code lookup limit (the API and the public page share it).
LOOKUPS = "lapor-status-lookups"


class LoginThrottle:
    def __init__(self, storage_url: str, failures: int, minutes: int) -> None:
        self.limit = parse(f"{failures} per {minutes} minutes")
        self.window = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_url))

    def blocked(self, address: str) -> bool:
        return not self.window.test(self.limit, "operator-login", address)

    def failed(self, address: str) -> None:
        self.window.hit(self.limit, "operator-login", address)


class AddressLimit:
    """At most ``count`` requests from one address in ``seconds``; ``name`` keeps this
    limit's counts apart from the others' in a shared storage. When the storage is out of
    reach requests go through (logged): a lookup limit must not take lookups down."""

    def __init__(self, storage_url: str, name: str, count: int, seconds: int) -> None:
        self.name = name
        self.limit = parse(f"{count} per {seconds} seconds")
        self.window = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(storage_url, wrap_exceptions=True)
        )

    def allow(self, address: str) -> bool:
        """Counts one request; False (and not counted) past the limit."""
        try:
            return self.window.hit(self.limit, self.name, address)
        except StorageError as exc:
            log.error("%s limit not applied, its storage is out of reach: %s", self.name, exc)
            return True

    def retry_after(self, address: str) -> int:
        """Whole seconds until the address's oldest request leaves the window."""
        reset = self.window.get_window_stats(self.limit, self.name, address).reset_time
        return max(1, math.ceil(reset - time.time()))
