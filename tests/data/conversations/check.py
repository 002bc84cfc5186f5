"""Check the conversation corpus: every file parses, every conversation has the keys and
values README.md describes, ids are unique, and each file holds exactly one third heldout.

    python tests/data/conversations/check.py
"""

from __future__ import annotations

import glob
import os
import re
import sys
from collections import Counter

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CHANNELS = {"sms", "whatsapp", "telegram"}
SPLITS = {"tune", "heldout"}
LANGUAGES = {"id", "en", "jv", "su"}
KINDS = {
    "ask_complaint",
    "need_more",
    "ask_location",
    "ask_media",
    "ask_privacy",
    "ask_category",
    "ask_region",
    "ask_date",
    "summary",
    "submitted",
    "followup_ack",
    "feedback_ack",
    "reopen_ack",
    "thanks_ack",
    "silent",
    "status",
    "status_list",
    "status_none",
    "help",
    "cancelled",
    "not_understood",
    "service_info",
    "human",
    "already_reported",
    "notice",
    "any",
}
CHAT_ONLY_KINDS = {"ask_media", "ask_category", "ask_region", "ask_date"}
CONVERSATION_KEYS = {"id", "channel", "split", "language", "tags", "turns", "complaints"}
COMPLAINT_KEYS = {
    "description_has",
    "description_lacks",
    "location_has",
    "location",
    "region",
    "privacy",
    "category",
    "incident_days_ago",
    "followups",
    "followups_has",
    "feedback",
    "reopen",
}
PRIVACY = {"public", "confidential", "anonymous"}
CATEGORIES = {
    "infrastruktur",
    "kesehatan",
    "pendidikan",
    "bantuan_sosial",
    "kependudukan",
    "lingkungan",
    "ketertiban",
    "perhubungan",
    "air_bersih",
    "listrik",
    "pelayanan_publik",
    "lainnya",
}
FEEDBACK = {"satisfied", "not_fixed", "text"}
CENTRAL_STATUSES = {
    "received",
    "queued",
    "submitted",
    "verified",
    "dispositioned",
    "in_progress",
    "awaiting_feedback",
    "closed",
    "on_hold",
}
RESOLUTIONS = {"resolved", "duplicate", "not_authority", "archived", "withdrawn"}


def check_turn(where: str, conv: dict, turn: dict, errors: list[str]) -> None:
    actions = [k for k in ("say", "central", "wait_hours", "photo", "share_location") if k in turn]
    if len(actions) != 1:
        errors.append(f"{where}: a turn needs exactly one action, has {actions}")
        return
    action = actions[0]
    extra = set(turn) - {action, "expect"}
    if extra:
        errors.append(f"{where}: unknown turn keys {sorted(extra)}")
    if action == "wait_hours":
        if not isinstance(turn["wait_hours"], (int, float)) or turn["wait_hours"] <= 0:
            errors.append(f"{where}: wait_hours must be a positive number")
        if "expect" in turn:
            errors.append(f"{where}: wait_hours takes no expect")
        return
    if "expect" not in turn:
        errors.append(f"{where}: {action} needs expect")
        return
    kinds = turn["expect"] if isinstance(turn["expect"], list) else [turn["expect"]]
    for kind in kinds:
        if kind not in KINDS:
            errors.append(f"{where}: unknown reply kind {kind!r}")
        if conv["channel"] == "sms" and kind in CHAT_ONLY_KINDS:
            errors.append(f"{where}: {kind} is chat only")
    if action == "say" and not (isinstance(turn["say"], str) and turn["say"].strip()):
        errors.append(f"{where}: say must be non-empty text")
    if action in ("photo", "share_location") and conv["channel"] == "sms":
        errors.append(f"{where}: {action} is chat only")
    if action == "share_location":
        loc = turn["share_location"]
        if not (isinstance(loc, dict) and set(loc) == {"lat", "lon"}):
            errors.append(f"{where}: share_location needs lat and lon")
    if action == "central":
        c = turn["central"]
        if not isinstance(c, dict) or c.get("status") not in CENTRAL_STATUSES:
            errors.append(f"{where}: central needs a known status")
        elif set(c) - {"status", "resolution", "note"}:
            errors.append(
                f"{where}: unknown central keys {sorted(set(c) - {'status', 'resolution', 'note'})}"
            )
        elif c.get("resolution") is not None and c["resolution"] not in RESOLUTIONS:
            errors.append(f"{where}: unknown resolution {c['resolution']!r}")


def check_complaint(where: str, c: dict, errors: list[str]) -> None:
    extra = set(c) - COMPLAINT_KEYS
    if extra:
        errors.append(f"{where}: unknown complaint keys {sorted(extra)}")
    for key in ("description_has", "description_lacks", "followups_has"):
        if key in c and not (
            isinstance(c[key], list) and all(isinstance(s, str) and s for s in c[key])
        ):
            errors.append(f"{where}: {key} must be a list of strings")
    if "location" in c and c["location"] is not None:
        errors.append(f"{where}: location may only be null (use location_has)")
    if "location" in c and "location_has" in c:
        errors.append(f"{where}: location and location_has together")
    region = c.get("region")
    if "region" in c and region is not None and not re.fullmatch(r"\d\d\.\d\d", str(region)):
        errors.append(f"{where}: region must be a Kemendagri code (32.01) or null")
    if "privacy" in c and c["privacy"] not in PRIVACY:
        errors.append(f"{where}: unknown privacy {c['privacy']!r}")
    if "category" in c and c["category"] not in CATEGORIES:
        errors.append(f"{where}: unknown category {c['category']!r}")
    if "feedback" in c and c["feedback"] not in FEEDBACK:
        errors.append(f"{where}: unknown feedback {c['feedback']!r}")
    if "reopen" in c and not isinstance(c["reopen"], bool):
        errors.append(f"{where}: reopen must be true or false")
    for key in ("incident_days_ago", "followups"):
        if key in c and not (isinstance(c[key], int) and c[key] >= 0):
            errors.append(f"{where}: {key} must be a non-negative integer")


def main() -> int:
    errors: list[str] = []
    ids: Counter[str] = Counter()
    totals: dict[str, Counter] = {k: Counter() for k in ("channel", "language", "split", "tags")}
    files = sorted(glob.glob(os.path.join(HERE, "*.yaml")))
    count = 0
    for path in files:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        if not isinstance(data, list):
            errors.append(f"{name}: not a list")
            continue
        heldout = 0
        for i, conv in enumerate(data):
            where = f"{name}[{i}] {conv.get('id', '?') if isinstance(conv, dict) else '?'}"
            if not isinstance(conv, dict):
                errors.append(f"{where}: not a mapping")
                continue
            missing = CONVERSATION_KEYS - set(conv)
            extra = set(conv) - CONVERSATION_KEYS
            if missing or extra:
                errors.append(f"{where}: missing {sorted(missing)} extra {sorted(extra)}")
                continue
            ids[conv["id"]] += 1
            if conv["channel"] not in CHANNELS:
                errors.append(f"{where}: unknown channel")
            if conv["split"] not in SPLITS:
                errors.append(f"{where}: unknown split")
            if conv["language"] not in LANGUAGES:
                errors.append(f"{where}: unknown language")
            if not (
                isinstance(conv["tags"], list) and all(isinstance(t, str) for t in conv["tags"])
            ):
                errors.append(f"{where}: tags must be a list of strings")
            if not (isinstance(conv["turns"], list) and conv["turns"]):
                errors.append(f"{where}: turns must be a non-empty list")
            else:
                for j, turn in enumerate(conv["turns"]):
                    if isinstance(turn, dict):
                        check_turn(f"{where} turn {j}", conv, turn, errors)
                    else:
                        errors.append(f"{where} turn {j}: not a mapping")
            if not isinstance(conv["complaints"], list):
                errors.append(f"{where}: complaints must be a list")
            else:
                for j, c in enumerate(conv["complaints"]):
                    check_complaint(f"{where} complaint {j}", c, errors)
            heldout += conv["split"] == "heldout"
            count += 1
            totals["channel"][conv["channel"]] += 1
            totals["language"][conv["language"]] += 1
            totals["split"][conv["split"]] += 1
            totals["tags"].update(conv["tags"])
        if len(data) % 3 or heldout * 3 != len(data):
            errors.append(f"{name}: {heldout} heldout of {len(data)}, want exactly one third")
    for cid, n in ids.items():
        if n > 1:
            errors.append(f"id {cid} used {n} times")
    for e in errors:
        print(e, file=sys.stderr)
    if "-v" in sys.argv or not errors:
        print(f"{count} conversations in {len(files)} files")
        for key, counter in totals.items():
            print(f"{key}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common()))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
