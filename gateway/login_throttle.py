"""Failed logins counted per client address, whatever the account: the per-account lock
(gateway.operators.check_login) does not stop one address trying many names.

Counts live where ``GATEWAY_RATELIMIT_STORAGE_URL`` says (the ``limits`` library's
storages): in each process by default, in Redis to share them between processes and
nodes. A moving window: the address may try again as its oldest failure ages out.
"""

from __future__ import annotations

from limits import parse, storage, strategies


class LoginThrottle:
    def __init__(self, storage_url: str, failures: int, minutes: int) -> None:
        self.limit = parse(f"{failures} per {minutes} minutes")
        self.window = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_url))

    def blocked(self, address: str) -> bool:
        return not self.window.test(self.limit, "operator-login", address)

    def failed(self, address: str) -> None:
        self.window.hit(self.limit, "operator-login", address)
