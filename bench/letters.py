"""Letter reader benchmark: recognition accuracy by letter kind on letters drawn by tests/letter_samples.py.

    python -m bench.letters [--seeds N] [--json]

Every kind (and the "unknown" control letter) is drawn in every font and both looks (a scan,
crooked on odd seeds, and a phone photo), `--seeds` times with other noise and angles, and read
by the real path (`read_letter`: Tesseract, kind, facts, deadline). Per kind it prints how often
the kind, the letter's date, every expected amount and the remedy were right, and the seconds per
letter. Prints the table, then one JSON object (the figures of README's letter section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.letters import read_letter
from tests.letter_samples import FONTS, LOOKS, SAMPLES, render

TODAY = dt.date(2026, 11, 12)


def run(seeds: int) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for kind, sample in SAMPLES.items():
        hits = {"kind": 0, "date": 0, "amounts": 0, "remedy": 0}
        seconds: list[float] = []
        confused: dict[str, int] = {}
        n = 0
        for font in FONTS:
            for look in LOOKS:
                for seed in range(1, seeds + 1):
                    data = render(kind, font=font, look=look, seed=seed, fmt="JPEG" if look == "phone" else "PNG")
                    start = time.perf_counter()
                    reading = read_letter(data, TODAY)
                    seconds.append(time.perf_counter() - start)
                    n += 1
                    hits["kind"] += reading.kind == kind
                    if reading.kind != kind:
                        confused[reading.kind] = confused.get(reading.kind, 0) + 1
                    hits["date"] += reading.facts.letter_date == sample.letter_date
                    hits["amounts"] += set(sample.amounts) <= {a.value for a in reading.facts.amounts}
                    hits["remedy"] += reading.facts.remedy == sample.remedy
        rows[kind] = {name: count / n for name, count in hits.items()} | {
            "letters": n,
            "seconds_p50": statistics.median(seconds),
            "seconds_max": max(seconds),
            "confused_with": confused,
        }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=1, help="Draws per kind, font and look (default 1).")
    args = parser.parse_args()
    rows = run(args.seeds)
    print(f"{'kind':<22}{'letters':>8}{'kind':>7}{'date':>7}{'amounts':>9}{'remedy':>8}{'s p50':>7}  confused with")
    for kind, row in rows.items():
        print(
            f"{kind:<22}{row['letters']:>8.0f}{row['kind']:>7.0%}{row['date']:>7.0%}{row['amounts']:>9.0%}"
            f"{row['remedy']:>8.0%}{row['seconds_p50']:>7.1f}  {row['confused_with'] or '-'}"
        )
    total = sum(row["letters"] for row in rows.values())
    overall = sum(row["kind"] * row["letters"] for row in rows.values()) / total
    print(f"{'all':<22}{total:>8.0f}{overall:>7.0%}")
    print(json.dumps({"today": TODAY.isoformat(), "fonts": list(FONTS), "looks": list(LOOKS), "by_kind": rows}))


if __name__ == "__main__":
    main()
