"""Evaluate the benchmark claim with two versions of the library, alternately.

The evaluation side of ``compare_compile``: each round runs one fresh interpreter per
version, which compiles the 50-rule benchmark ruleset and times ``Ruleset.evaluate``
on the benchmark claim against the hand-written baseline of the same rules, in
interleaved rounds (the ratio engine / baseline is what ``bench_rules`` reports).
Extract the other version's sources first, for example the last commit::

    mkdir -p /tmp/before && git archive HEAD src grammar rulesets pyproject.toml | tar -x -C /tmp/before
    python -m benchmarks.compare_evaluation /tmp/before/src src --rounds 5

It prints every round, then the median, the best and the worst ratio of each version.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence

_CHILD = r"""
import sys
sys.path.append(sys.argv[2])  # the benchmarks of this checkout, after the version's own sources
import massagecodes
from benchmarks.bench_rules import baseline, claim_data, generate, render_ruleset, time_evaluations
small_rules, _ = generate()
ruleset = massagecodes.compile_rules(render_ruleset("bench-50", small_rules), source="bench-50.rules")
claim = massagecodes.Claim.from_dict(claim_data())
micros = time_evaluations(
    {"engine": (ruleset.evaluate, (claim,)), "baseline": (baseline, (claim, small_rules))}, int(sys.argv[1]), 3
)
print(massagecodes.__file__, micros["engine"], micros["baseline"])
"""


def run(source: str, count: int) -> tuple[float, float]:
    """One fresh interpreter importing massagecodes from ``source``: engine and baseline µs/claim."""
    environment = dict(os.environ, PYTHONPATH=os.path.abspath(source))
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, str(count), here], env=environment, check=True, capture_output=True, text=True
    ).stdout.split()
    if not output[0].startswith(os.path.abspath(source)):
        raise SystemExit(f"{source}: the child imported massagecodes from {output[0]}")
    return float(output[1]), float(output[2])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("before", help="the src/ folder of the version to compare with")
    parser.add_argument("after", help="the src/ folder of this version")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--evaluations", type=int, default=2000)
    args = parser.parse_args(argv)
    ratios: dict[str, list[float]] = {"before": [], "after": []}
    for number in range(args.rounds):
        for label, source in (("before", args.before), ("after", args.after))[:: 1 if number % 2 == 0 else -1]:
            engine, hand = run(source, args.evaluations)
            ratios[label].append(engine / hand)
            print(
                f"round {number + 1} {label:6}: engine {engine:7.1f} µs, baseline {hand:6.1f} µs, {engine / hand:.2f}x"
            )
    for label, values in ratios.items():
        print(f"{label:6}: median {statistics.median(values):.2f}x (best {min(values):.2f}x, worst {max(values):.2f}x)")
    change = statistics.median(ratios["after"]) / statistics.median(ratios["before"])
    print(f"after / before: {change:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
