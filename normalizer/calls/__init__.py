"""Call-center transcripts: the call format, the file readers and the complaint draft."""

from normalizer.calls.draft import CallDraft, ReviewReason, draft_from_call
from normalizer.calls.formats import ReadCall, read_calls
from normalizer.calls.model import MAX_TURNS, Call, Speaker, Turn, call_schema

__all__ = [
    "MAX_TURNS",
    "Call",
    "CallDraft",
    "ReadCall",
    "ReviewReason",
    "Speaker",
    "Turn",
    "call_schema",
    "draft_from_call",
    "read_calls",
]
