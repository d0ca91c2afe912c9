"""Compile times as users feel them, each in a fresh interpreter, over several rounds.

- the first compile of a shipped ruleset in a fresh process (``load_ruleset``: the
  parser tables are loaded first, as for any command-line run);
- a 1,000-rule file and a 10,000-rule file (``load_rules``), to show that compile
  time grows linearly with the rules (the per-rule cost of both is printed).

    python -m benchmarks.compile_sizes --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence

from benchmarks.bench_rules import generate, render_ruleset

_CHILD = r"""
import sys, time
start = time.perf_counter()
import massagecodes
imported = time.perf_counter()
if sys.argv[1] == "shipped":
    massagecodes.load_ruleset(sys.argv[2])
else:
    massagecodes.load_rules(sys.argv[2])
print(time.perf_counter() - imported)
"""


def run(kind: str, target: str) -> float:
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, target], check=True, capture_output=True, text=True, env=dict(os.environ)
    ).stdout
    return float(output)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compile_sizes", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    _, large = generate()
    with tempfile.TemporaryDirectory(prefix="massagecodes-compile-") as directory:
        files = {}
        for count in (1000, 10000):
            path = os.path.join(directory, f"bench-{count}.rules")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(render_ruleset(f"bench-{count}", large[:count]))
            files[count] = path
        times: dict[str, list[float]] = {"commercial (shipped)": [], "1,000 rules": [], "10,000 rules": []}
        for _ in range(args.rounds):
            times["commercial (shipped)"].append(run("shipped", "commercial"))
            times["1,000 rules"].append(run("file", files[1000]))
            times["10,000 rules"].append(run("file", files[10000]))
    for label, values in times.items():
        print(
            f"{label:22}: median {statistics.median(values) * 1e3:8.1f} ms (best {min(values) * 1e3:.1f}, worst {max(values) * 1e3:.1f})"
        )
    per_1000 = statistics.median(times["1,000 rules"]) / 1000
    per_10000 = statistics.median(times["10,000 rules"]) / 10000
    print(
        f"per rule: 1,000 rules {per_1000 * 1e6:.0f} µs, 10,000 rules {per_10000 * 1e6:.0f} µs ({per_10000 / per_1000:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
