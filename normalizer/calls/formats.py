"""Reading call transcripts from files: the JSON of ``/api/v1/calls``, plain text with
speaker labels, WebVTT and SRT subtitles with speaker tags, and CSV.

Every reader yields one ``ReadCall`` per call in the file: the call, or why it could not
be read. A file with several calls (JSON list, CSV) keeps its good calls when one is bad.
Files without a call id get one from their content, so importing a file twice finds the
same call.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import webvtt
from pydantic import ValidationError

from normalizer.calls.model import Call, Speaker

SUFFIXES = (".json", ".txt", ".vtt", ".srt", ".csv")
AGENT_LABELS = frozenset(
    ["operator", "agent", "agen", "petugas", "cs", "callcenter", "call center", "staf"]
    + ["staff", "officer", "customer service"]
)
CALLER_LABELS = frozenset(
    "penelepon pelapor caller warga masyarakat pelanggan penanya klien customer citizen".split()
)
# Header lines of a plain-text transcript ("Nomor: 0812…") and the call field they fill.
META_KEYS = {
    "call-id": "call_id",
    "call_id": "call_id",
    "id panggilan": "call_id",
    "id": "call_id",
    "tanggal": "started_at",
    "waktu": "started_at",
    "date": "started_at",
    "started_at": "started_at",
    "nomor": "caller_number",
    "no hp": "caller_number",
    "telepon": "caller_number",
    "number": "caller_number",
    "phone": "caller_number",
    "caller_number": "caller_number",
    "id agen": "agent_id",
    "agent-id": "agent_id",
    "agent_id": "agent_id",
    "kategori": "category",
    "category": "category",
    "lokasi": "location",
    "location": "location",
    "privasi": "privacy",
    "privacy": "privacy",
    "nama": "caller_name",
    "name": "caller_name",
    "caller_name": "caller_name",
}
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# "[00:04] Penelepon: …", "Operator (00:12): …", "00:04 - Caller: …", "[Penelepon] …"
_LABELLED = re.compile(
    rf"^\s*(?:[\[(]?(?P<t1>{_TIME})[\])]?\s*[-–]?\s*)?"
    r"(?:\[(?P<blabel>[A-Za-z][A-Za-z ]{0,24})\]\s*:?"
    rf"|(?P<label>[A-Za-z][A-Za-z ]{{0,24}}?)\s*(?:[\[(](?P<t2>{_TIME})[\])])?\s*:)"
    r"\s*(?P<text>.*)$"
)
_META = re.compile(r"^\s*(?P<key>[A-Za-z_ -]{2,20}?)\s*:\s*(?P<value>.+?)\s*$")


class TranscriptError(ValueError):
    """A transcript that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class ReadCall:
    source: str  # "calls.csv row 7", "rekaman-12.vtt"
    call: Call | None = None
    error: str | None = None


def _seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    parts = [float(p) for p in stamp.replace(",", ".").split(":")]
    total = 0.0
    for part in parts:
        total = total * 60 + part
    return total


def _label(match: re.Match[str]) -> str:
    return match.group("label") or match.group("blabel") or ""


def speaker_of(label: str) -> Speaker | None:
    name = " ".join(label.lower().split())
    if name in AGENT_LABELS:
        return Speaker.AGENT
    if name in CALLER_LABELS:
        return Speaker.CALLER
    return None


def content_id(prefix: str, data: bytes) -> str:
    """A call id from the file's bytes: the same file twice is the same call."""
    return f"{prefix}-{hashlib.sha256(data).hexdigest()[:20]}"


def _validated(source: str, fields: dict[str, Any]) -> ReadCall:
    try:
        return ReadCall(source, call=Call.model_validate(fields))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "call"
        return ReadCall(source, error=f"{where}: {first['msg']}")


def parse_labelled(text: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Header fields and turns of a transcript written as ``Label: words`` lines, with
    or without timestamps; unlabelled lines continue the turn before them."""
    meta: dict[str, str] = {}
    turns: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LABELLED.match(line)
        speaker = speaker_of(_label(match)) if match else None
        if match and speaker is not None:
            start = _seconds(match.group("t1") or match.group("t2"))
            turns.append({"speaker": speaker, "text": match.group("text").strip(), "start": start})
            continue
        if not turns:
            header = _META.match(line)
            key = " ".join(header.group("key").lower().split()) if header else ""
            if key in META_KEYS:
                meta[META_KEYS[key]] = header.group("value")  # type: ignore[union-attr]
                continue
            if line.lstrip().startswith("#"):
                continue
            raise TranscriptError(f"line {number}: no speaker label (Operator:/Penelepon:)")
        turns[-1]["text"] = f"{turns[-1]['text']} {line.strip()}".strip()
    turns = [t for t in turns if t["text"]]
    if not turns:
        raise TranscriptError("no lines with a speaker label (Operator:/Penelepon:)")
    return meta, turns


def read_text(name: str, data: bytes) -> Iterator[ReadCall]:
    meta, turns = parse_labelled(_decode(data))
    yield _validated(name, {"call_id": content_id("txt", data), **meta, "turns": turns})


def read_subtitles(name: str, data: bytes) -> Iterator[ReadCall]:
    """WebVTT (``<v Penelepon>`` voice spans or ``Penelepon:`` in the cue) and SRT
    (``Penelepon:`` or ``[Penelepon]``); a cue with no speaker continues the last one."""
    fmt = "srt" if name.lower().endswith(".srt") else "vtt"
    try:
        captions = webvtt.from_buffer(io.StringIO(_decode(data)), format=fmt)
    except Exception as exc:  # webvtt-py raises its own and ValueError-like errors
        raise TranscriptError(f"not a valid {fmt.upper()} file: {exc}") from exc
    turns: list[dict[str, Any]] = []
    for caption in captions:
        voice = speaker_of(caption.voice) if caption.voice else None
        for line in caption.text.splitlines():
            match = _LABELLED.match(line)
            labelled = speaker_of(_label(match)) if match else None
            speaker = labelled or voice or (turns[-1]["speaker"] if turns else None)
            if speaker is None:
                raise TranscriptError(f"cue at {caption.start}: no speaker tag")
            words = (match.group("text") if labelled else line).strip()  # type: ignore[union-attr]
            if not words:
                continue
            last = turns[-1] if turns else None
            if last and last["speaker"] == speaker and last["cue"] == caption.start:
                last["text"] += " " + words
                last["end"] = float(caption.end_in_seconds)
                continue
            turns.append(
                {
                    "speaker": speaker,
                    "text": words,
                    "start": float(caption.start_in_seconds),
                    "end": float(caption.end_in_seconds),
                    "cue": caption.start,
                }
            )
    for turn in turns:
        del turn["cue"]
    if not turns:
        raise TranscriptError("no cues with text")
    yield _validated(name, {"call_id": content_id(fmt, data), "turns": turns})


def read_json(name: str, data: bytes) -> Iterator[ReadCall]:
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"not JSON: {exc}") from exc
    if isinstance(parsed, dict) and isinstance(parsed.get("calls"), list):
        parsed = parsed["calls"]
    items = parsed if isinstance(parsed, list) else [parsed]
    for i, item in enumerate(items, start=1):
        source = f"{name} #{i}" if len(items) > 1 else name
        if not isinstance(item, dict):
            yield ReadCall(source, error="a call must be a JSON object")
            continue
        yield _validated(source, item)


_CSV_CALL_FIELDS = (
    "call_id",
    "started_at",
    "ended_at",
    "caller_number",
    "agent_id",
    "caller_name",
    "category",
    "location",
    "privacy",
    "incident_date",
    "summary",
    "language",
)


def read_csv(name: str, data: bytes) -> Iterator[ReadCall]:
    """Either one row per call (a ``transcript`` column with labelled lines, or a
    ``summary``) or one row per turn (``call_id``, ``speaker``, ``text``, ``start``…)."""
    text = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if not rows:
        raise TranscriptError("no rows")
    columns = {(c or "").strip().lower() for c in rows[0]}
    if "call_id" not in columns:
        raise TranscriptError("the CSV has no call_id column")
    clean = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in rows]
    if {"speaker", "text"} <= columns:
        yield from _csv_turn_rows(name, clean)
        return
    if not ({"transcript", "summary"} & columns):
        raise TranscriptError("the CSV needs a transcript or summary column, or speaker and text")
    for number, row in enumerate(clean, start=2):
        source = f"{name} row {number}"
        fields = {k: row[k] for k in _CSV_CALL_FIELDS if row.get(k)}
        try:
            if row.get("transcript"):
                meta, fields["turns"] = parse_labelled(row["transcript"].replace(" | ", "\n"))
                fields = {**meta, **fields}
        except TranscriptError as exc:
            yield ReadCall(source, error=str(exc))
            continue
        yield _validated(source, fields)


def _csv_turn_rows(name: str, rows: list[dict[str, str]]) -> Iterator[ReadCall]:
    calls: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        call_id = row.get("call_id", "")
        if not call_id:
            yield ReadCall(f"{name} row {number}", error="call_id is empty")
            continue
        call = calls.setdefault(
            call_id, {k: row[k] for k in _CSV_CALL_FIELDS if row.get(k)} | {"turns": []}
        )
        speaker = speaker_of(row.get("speaker", ""))
        if speaker is None:
            errors.setdefault(call_id, f"row {number}: unknown speaker {row.get('speaker')!r}")
            continue
        try:
            start, end = _seconds(row.get("start") or None), _seconds(row.get("end") or None)
        except ValueError:
            errors.setdefault(call_id, f"row {number}: start/end must be seconds or mm:ss")
            continue
        call["turns"].append(
            {"speaker": speaker, "text": row.get("text", ""), "start": start, "end": end}
        )
    for call_id, fields in calls.items():
        source = f"{name} call {call_id}"
        if call_id in errors:
            yield ReadCall(source, error=errors[call_id])
        else:
            yield _validated(source, fields)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"not UTF-8 text (byte {exc.start})") from exc


READERS: dict[str, Callable[[str, bytes], Iterator[ReadCall]]] = {
    ".json": read_json,
    ".txt": read_text,
    ".vtt": read_subtitles,
    ".srt": read_subtitles,
    ".csv": read_csv,
}


def read_calls(name: str, data: bytes) -> list[ReadCall]:
    """The calls in one file, or one failed ``ReadCall`` saying why the file is unreadable."""
    reader = READERS.get(PurePath(name).suffix.lower())
    if reader is None:
        return [ReadCall(name, error=f"unknown file type (expected {', '.join(SUFFIXES)})")]
    try:
        return list(reader(name, data))
    except TranscriptError as exc:
        return [ReadCall(name, error=str(exc))]
