"""The scripted citizen conversations (tests/data/conversations) played through the
real webhooks, the worker and the sandbox central system, on SQLite and PostgreSQL.

Each conversation must hold: every reply the kind the script expects, and the
complaints it leaves as a careful operator would record them. A third of the corpus is
held out (not tuned on); the bench (bench/dialog.py) prints both figures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS
from tests.conversations import Stage, load_corpus, stage

CORPUS = load_corpus()


@pytest.fixture(scope="module", params=BACKENDS)
def corpus_stage(request: pytest.FixtureRequest) -> Iterator[Stage]:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_schema")
        from sqlalchemy import create_engine, text

        from tests.conftest import TABLES

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)}, complaint_updates CASCADE"))
        engine.dispose()
        with stage(url) as played:
            yield played
    else:
        with stage() as played:
            yield played


@pytest.mark.slow
@pytest.mark.parametrize("conv", CORPUS, ids=[c["id"] for c in CORPUS])
def test_conversation(corpus_stage: Stage, conv: dict) -> None:
    outcome = corpus_stage.play(conv)
    assert outcome.held, "\n".join([f"{conv['id']} ({conv['file']}):", *outcome.failures])
