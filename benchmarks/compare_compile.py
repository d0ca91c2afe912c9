"""Compile the 10,000-rule benchmark file with two versions of the library, alternately.

On a shared, noisy machine only an interleaved comparison says whether a change is
faster. Extract the other version's sources first, for example the last commit::

    mkdir -p /tmp/before && git archive HEAD src grammar rulesets pyproject.toml | tar -x -C /tmp/before
    python -m benchmarks.compare_compile /tmp/before/src src --rounds 5

Each round runs one fresh interpreter per version (``load_rules``: the parser's
tables are loaded first, as for a command-line run), then compiles the text again in that
process (``compile_rules``, best of ``--warm``). It prints every round, then the
median, the best and the worst of each figure, wall-clock and CPU seconds.
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
import massagecodes
wall, cpu = time.perf_counter(), time.process_time()
massagecodes.load_rules(sys.argv[1])
fresh_wall, fresh_cpu = time.perf_counter() - wall, time.process_time() - cpu
text = open(sys.argv[1], encoding="utf-8").read()
warm_wall = warm_cpu = float("inf")
for _ in range(int(sys.argv[2])):
    wall, cpu = time.perf_counter(), time.process_time()
    massagecodes.compile_rules(text)
    warm_wall, warm_cpu = min(warm_wall, time.perf_counter() - wall), min(warm_cpu, time.process_time() - cpu)
print(massagecodes.__file__, fresh_wall, fresh_cpu, warm_wall, warm_cpu)
"""

_FIGURES = ("fresh wall", "fresh cpu", "warm wall", "warm cpu")


def run(source: str, path: str, warm: int) -> tuple[float, ...]:
    """One fresh interpreter importing massagecodes from ``source``: its four figures."""
    environment = dict(os.environ, PYTHONPATH=os.path.abspath(source))
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, path, str(warm)], env=environment, check=True, capture_output=True, text=True
    ).stdout.split()
    expected = os.path.join(os.path.abspath(source), "massagecodes")
    if not output[0].startswith(expected):
        raise SystemExit(f"{source}: imported {output[0]}, not the version asked for")
    return tuple(float(value) for value in output[1:])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_compile", description=__doc__.split("\n")[0])
    parser.add_argument("before", help="the src folder of the version to compare with")
    parser.add_argument("after", help="the src folder of the version measured")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=2, help="warm compiles per process (best kept)")
    args = parser.parse_args(argv)
    _, large = generate()
    figures: dict[str, list[tuple[float, ...]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="massagecodes-compare-") as directory:
        path = os.path.join(directory, "bench-10000.rules")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render_ruleset("bench-10000", large))
        for number in range(args.rounds):
            for name, source in (("before", args.before), ("after", args.after)):
                figures[name].append(run(source, path, args.warm))
                latest = zip(_FIGURES, figures[name][-1], strict=True)
                shown = ", ".join(f"{label} {value:.2f} s" for label, value in latest)
                print(f"round {number + 1} {name:6}: {shown}", flush=True)
    print()
    for name, rows in figures.items():
        columns = list(zip(*rows, strict=True))
        summary = "; ".join(
            f"{label} {statistics.median(column):.2f} s ({min(column):.2f}-{max(column):.2f})"
            for label, column in zip(_FIGURES, columns, strict=True)
        )
        print(f"{name:6} median (best-worst): {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
