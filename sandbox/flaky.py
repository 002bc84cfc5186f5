"""A central system that misbehaves on cue: answers from a script of HTTP statuses (or
stalls past the client's timeout) before passing requests to the sandbox central."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response


class FlakyCentral:
    """WSGI middleware. Script items: an HTTP status to answer with, ``("sleep", s)`` to
    stall ``s`` seconds before answering normally, or ``("hold", event)`` to stall until the
    test sets ``event`` (at most 30 s); ``holding`` says whether a request is held now."""

    def __init__(self, inner: Callable[..., Any], script: Iterable[Any] = ()) -> None:
        self.inner = inner
        self.script: deque[Any] = deque(script)
        self.seen = 0
        self.holding = False
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.seen += 1
            step = self.script.popleft() if self.script else None
        if isinstance(step, tuple) and step[0] == "sleep":
            time.sleep(step[1])
        elif isinstance(step, tuple) and step[0] == "hold":
            self.holding = True
            step[1].wait(timeout=30)
            self.holding = False
        elif step is not None:
            body = f'[{{"code": {step}, "description": "scripted failure"}}]'
            headers = {"Retry-After": "0"} if step in (429, 503) else {}
            return Response(body, status=step, content_type="application/json", headers=headers)(
                environ, start_response
            )
        return self.inner(environ, start_response)
