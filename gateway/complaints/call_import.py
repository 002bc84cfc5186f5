"""``lapor-gateway import-calls``: many transcript files into call records at once.

Every call is committed on its own, so a bad file or a failing call never undoes the
rest of the batch, and a second run over the same files finds every call already there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from gateway.complaints.calls import take_call_once
from gateway.store.models import CallStatus
from normalizer.calls import Call, read_calls
from normalizer.calls.formats import SUFFIXES

if TYPE_CHECKING:
    from gateway.runtime import Runtime

# A transcript is a few kilobytes; anything this large is not one.
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class ImportSummary:
    files: int = 0
    imported: int = 0
    submitted: int = 0
    for_review: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        rows = [
            ("files read", self.files),
            ("calls imported", self.imported),
            ("  submitted", self.submitted),
            ("  drafts to review", self.for_review),
            ("duplicates", self.duplicates),
            ("failed", len(self.failed)),
        ]
        out = [f"{label + ':':<20}{value}" for label, value in rows]
        out += [f"  {source}: {reason}" for source, reason in self.failed]
        return out


def transcript_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the transcript files under the folders named, in order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            yield path


def import_calls(
    runtime: Runtime, paths: Iterable[Path], *, progress: bool = True
) -> ImportSummary:

    summary = ImportSummary()
    files = list(transcript_files(paths))
    for path in tqdm(files, desc="import-calls", unit="file", disable=not progress):
        summary.files += 1
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                summary.failed.append((str(path), "larger than 20 MB"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            summary.failed.append((str(path), exc.strerror or str(exc)))
            continue
        for read in read_calls(str(path), data):
            if read.call is None:
                summary.failed.append((read.source, read.error or "unreadable"))
                continue
            _take(runtime, read.call, summary)
    return summary


def _take(runtime: Runtime, call: Call, summary: ImportSummary) -> None:
    taken = take_call_once(runtime, call, source="import")
    if taken.duplicate:
        summary.duplicates += 1
        return
    summary.imported += 1
    if taken.status == CallStatus.SUBMITTED:
        summary.submitted += 1
    else:
        summary.for_review += 1
