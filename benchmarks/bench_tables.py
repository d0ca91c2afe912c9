"""Benchmark: CMS PTP tables of 10,000 to 1,000,000 generated rows.

Run from the repository root:

    python -m benchmarks.bench_tables            # sizes 10k, 100k, 1M
    python -m benchmarks.bench_tables --quick    # sizes 10k, 100k

Each size is measured in a fresh process (so its peak memory is its own): the time
to load the ruleset with its table, the process's peak resident memory, and the
time to evaluate one claim (best of several rounds). Targets (issue #4): 1,000,000
rows load in under 30 s and under 1.5 GB, and a claim's evaluation time does not
grow with the table's size. The tables are generated: no CMS values are shipped.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = (
    "Column 1,Column 2,* = In existence prior to 1996,Effective Date,Deletion Date *=no data,"
    "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n"
)
CLAIM = {
    "date_of_service": "2026-03-02",
    "payer": {"kind": "medicare"},
    "provider": {"npi": "1234567893", "license": "PT"},
    "patient": {"id": "B-1"},
    "lines": [
        {"code": "97530", "units": 1},
        {"code": "97140", "units": 1},
        {"code": "97110", "minutes": 20, "modifiers": ["GP"]},
        {"code": "97112", "minutes": 20, "modifiers": ["GP"]},
    ],
}


def generate(folder: Path, rows: int) -> Path:
    """A ruleset importing a PTP table of ``rows`` rows; one edit hits the claim."""
    rng = random.Random(20260301)
    with (folder / "ptp.csv").open("w", encoding="utf-8") as out:
        out.write("Generated PTP edits (not CMS data)\n" + HEADER)
        out.write("97530,97140,,20200101,*,1,Misuse of column two code with column one code\n")
        for _ in range(rows - 1):
            first, second = rng.randint(10000, 89999), rng.randint(10000, 89999)
            deleted = "*" if rng.random() < 0.8 else "20240101"
            out.write(f"{first},{second},,20200101,{deleted},{rng.choice('019')},Generated\n")
    path = folder / "tables.rules"
    path.write_text('ruleset bench-tables\nversion 1.0\nimport ptp "ptp.csv"\n', encoding="utf-8")
    return path


def measure(path: str, rounds: int, repeat: int) -> dict[str, float]:
    """Runs in the child process: load, then evaluate."""
    import massagecodes as mc

    start = time.perf_counter()
    ruleset = mc.load_rules(path)
    load_seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    claim = mc.Claim.from_dict(CLAIM)
    assert [f.rule_id for f in ruleset.evaluate(claim).findings] == ["ptp:97530-97140"]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            ruleset.evaluate(claim)
        best = min(best, (time.perf_counter() - start) / repeat)
    return {"load_s": load_seconds, "peak_mb": peak_mb, "eval_us": best * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="sizes 10k and 100k only")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, rounds=5, repeat=2000)))
        return 0
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as temp:
        for size in sizes:
            folder = Path(temp) / str(size)
            folder.mkdir()
            path = generate(folder, size)
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_tables", "--child", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[size] = json.loads(child.stdout)
    print("| PTP rows | load (s) | peak memory (MB) | evaluate one claim (µs) |")
    print("| ---: | ---: | ---: | ---: |")
    for size, row in results.items():
        print(f"| {size:,} | {row['load_s']:.2f} | {row['peak_mb']:.0f} | {row['eval_us']:.1f} |")
    smallest, largest = results[sizes[0]], results[sizes[-1]]
    growth = largest["eval_us"] / smallest["eval_us"]
    print(f"\nevaluation time at {sizes[-1]:,} rows / at {sizes[0]:,} rows: {growth:.2f}x")
    missed = []
    if 1_000_000 in results:
        if results[1_000_000]["load_s"] >= 30:
            missed.append("1M rows load in under 30 s")
        if results[1_000_000]["peak_mb"] >= 1536:
            missed.append("1M rows load in under 1.5 GB")
    if growth > 1.5:
        missed.append("evaluation time does not grow with the table")
    for target in missed:
        print(f"MISSED: {target}")
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
