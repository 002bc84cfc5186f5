"""How well the intake dialog understands citizens: the scripted conversations of
tests/data/conversations played through the real webhooks, worker and sandbox central
system (tests/conversations.py), on SQLite.

Prints, for the tuning two thirds and the held-out third apart: how many conversations
hold, per tag; messages a complete complaint took per channel; characters per SMS reply;
and the three figures the conversation issue asks for (complaint text correct,
follow-ups attached, no complaint made by a pleasantry). Also the CPU the web and worker
spent per citizen message (one process: the stage runs in it).

    python bench/dialog.py [--split tune|heldout|all] [--failures]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conversations import Outcome, load_corpus, stage  # noqa: E402


def _kind(outcome: Outcome, *words: str) -> bool:
    """No failure of this kind (its message names one of ``words``)."""
    return not any(any(w in f for w in words) for f in outcome.failures)


def report(name: str, outcomes: list[Outcome], show_failures: bool) -> None:
    held = sum(o.held for o in outcomes)
    print(f"\n## {name}: {held}/{len(outcomes)} conversations hold ({held / len(outcomes):.0%})")
    tags: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        tags[o.channel].append(o)
        for tag in o.tags:
            tags[tag].append(o)
    print("| tag or channel | hold |")
    print("|---|---|")
    for tag in sorted(tags, key=lambda t: (-len(tags[t]), t)):
        group = tags[tag]
        print(f"| {tag} | {sum(o.held for o in group)}/{len(group)} |")
    print("\nmessages a complete complaint took (citizen messages up to the tracking code):")
    for channel in ("sms", "whatsapp", "telegram"):
        oneshot = [
            o.to_code
            for o in outcomes
            if o.channel == channel and o.to_code and "oneshot" in o.tags
        ]
        guided = [
            o.to_code
            for o in outcomes
            if o.channel == channel and o.to_code and "oneshot" not in o.tags
        ]
        parts = []
        if oneshot:
            parts.append(f"one-shot median {statistics.median(oneshot):g}, max {max(oneshot)}")
        if guided:
            parts.append(f"guided median {statistics.median(guided):g}, max {max(guided)}")
        print(f"  {channel}: {'; '.join(parts) or '-'}")
    chars = [c for o in outcomes for c in o.sms_chars]
    if chars:
        over = sum(c > 160 for c in chars)
        print(
            f"characters per SMS reply: median {statistics.median(chars):g}, max {max(chars)}, "
            f"over 160: {over} of {len(chars)}"
        )
    print(
        "complaint text correct:",
        f"{sum(_kind(o, 'description') for o in outcomes)}/{len(outcomes)}",
    )
    followups = [o for o in outcomes if "followup" in o.tags]
    print(
        "follow-ups attached:", f"{sum(_kind(o, 'follow-up') for o in followups)}/{len(followups)}"
    )
    pleasant = [o for o in outcomes if "pleasantry" in o.tags]
    print(
        "no complaint made by a pleasantry:",
        f"{sum(_kind(o, 'complaints: expected') for o in pleasant)}/{len(pleasant)}",
    )
    if show_failures:
        for o in outcomes:
            if not o.held:
                print(f"  {o.id}: " + " | ".join(f[:160] for f in o.failures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--failures", action="store_true", help="list what failed")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    splits = ("tune", "heldout") if args.split == "all" else (args.split,)
    with stage() as played:
        for split in splits:
            conversations = load_corpus(split)
            cpu, wall = time.process_time(), time.perf_counter()
            outcomes = [played.play(c) for c in conversations]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            report(split, outcomes, args.failures)
            messages = sum(o.citizen_messages for o in outcomes)
            print(
                f"CPU per citizen message (gateway, worker and stand-ins in this process): "
                f"{cpu / messages * 1000:.1f} ms over {messages} messages, {wall:.0f} s "
                f"wall, {os.cpu_count()} cores"
            )


if __name__ == "__main__":
    main()
