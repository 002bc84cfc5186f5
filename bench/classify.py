"""Category and classification accuracy on the labelled corpus (tests/data/complaints.tsv).

    python bench/classify.py [--show-errors]

Every third complaint (rows 3, 6, 9, … of the file) is held out: the keywords in
config/categories.toml were tuned on the other rows only, and the figures that count are
the held-out ones. Prints accuracy and macro-F1 for the category and for the
classification (pengaduan / aspirasi / permintaan_informasi), per split, and the time per
complaint. ``--show-errors`` lists the tuning rows the classifier gets wrong.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from normalizer.categories import guess_category, guess_classification  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "complaints.tsv"


def load() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for n, row in enumerate(rows, start=1):
        row["split"] = "held-out" if n % 3 == 0 else "tuning"
    return rows


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs} | {pred for _, pred in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    rows = load()
    guess_category("pemanasan")  # load the taxonomy and the stemmer outside the timing
    started = time.perf_counter()
    for row in rows:
        row["got_category"] = guess_category(row["text"]).code
        row["got_classification"] = guess_classification(row["text"])
    per_item = (time.perf_counter() - started) / len(rows) * 1000
    print(f"corpus: {len(rows)} complaints, {CORPUS.relative_to(ROOT)}")
    print(f"languages: {dict(Counter(r['lang'] for r in rows))}")
    header = ("split", "n", "category acc", "macro-F1", "class. acc", "macro-F1")
    print("{:<10}{:>5}  {:>12} {:>9}  {:>10} {:>9}".format(*header))
    for split in ("tuning", "held-out"):
        part = [r for r in rows if r["split"] == split]
        cat = [(r["category"], r["got_category"]) for r in part]
        cls = [(r["classification"], r["got_classification"]) for r in part]
        print(
            f"{split:<10}{len(part):>5}  {sum(g == p for g, p in cat) / len(cat):>12.1%} "
            f"{macro_f1(cat):>9.3f}  {sum(g == p for g, p in cls) / len(cls):>10.1%} "
            f"{macro_f1(cls):>9.3f}"
        )
    print(f"time per complaint: {per_item:.2f} ms (both guesses)")
    if args.show_errors:
        for r in rows:
            if r["split"] == "tuning" and (
                r["category"] != r["got_category"] or r["classification"] != r["got_classification"]
            ):
                print(
                    f"  {r['category']}->{r['got_category']} "
                    f"{r['classification']}->{r['got_classification']}: {r['text'][:90]}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
