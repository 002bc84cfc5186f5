"""Characters no database of ours can store, removed at the edge.

PostgreSQL refuses a NUL (U+0000) in any text, and no UTF-8 encoder (SQLite's,
psycopg's) takes a lone surrogate (U+D800-U+DFFF, which JSON can carry as ``\\ud800``).
Either in a message made the webhook fail with a 5xx, so the channel redelivered it, and
failed again, for ever. Each is replaced with U+FFFD, the replacement character: the
text stays readable and the change visible. Parsed JSON also loses NaN and the
infinities, which Python's parser takes and PostgreSQL's JSON refuses.
"""

from __future__ import annotations

import math
import re
from typing import Any

REPLACEMENT = "\ufffd"
_POISON = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with every NUL and lone surrogate replaced by U+FFFD."""
    return _POISON.sub(REPLACEMENT, value) if _POISON.search(value) else value


def has_poison(value: str) -> bool:
    return _POISON.search(value) is not None


def clean_json(value: Any) -> Any:
    """A parsed JSON value (or a form's dict) with every string cleaned, keys included,
    and NaN and the infinities (Python's parser takes them; PostgreSQL's JSON does not)
    made null; other values as they are. Raises RecursionError for nesting deeper than Python goes
    (which the caller treats as malformed)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {
            (clean_text(k) if isinstance(k, str) else k): clean_json(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
