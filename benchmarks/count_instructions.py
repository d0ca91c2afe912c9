"""Count the CPU instructions one compile takes, with valgrind's callgrind, for one or
more versions of the library.

Wall-clock and CPU times on a shared machine vary by 20-30% from one minute to the
next, more than most single changes to the compiler are worth. An instruction count
barely varies (about 0.3% here), so it tells whether a change does less work. It is
not a time: memory-bound code runs fewer instructions a second than a tight loop.
Extract the other version's sources first, for example the last commit::

    mkdir -p /tmp/before && git archive HEAD src grammar rulesets pyproject.toml | tar -x -C /tmp/before
    python -m benchmarks.count_instructions /tmp/before/src src --rules 500

Each version runs in its own interpreter under ``valgrind --tool=callgrind``: the text
is compiled once (the parser's tables are loaded, lazy imports done), then counting is
switched on for a second compile only (by entering ``functools.reduce``, which the
library never calls), with the garbage collector paused as ``compile_rules`` pauses it
and ``PYTHONHASHSEED=0``. Under valgrind a 500-rule compile takes about 40 s here.
``--what parse`` counts the parse alone.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

from benchmarks.bench_rules import generate, render_ruleset

_CHILD = r"""
import functools, gc, sys
import massagecodes
from massagecodes._syntax import _parser as _parse
text = open(sys.argv[1], encoding="utf-8").read()
work = {"compile": lambda: massagecodes.compile_rules(text), "parse": lambda: _parse.parse(text)}[sys.argv[2]]
work()
gc.disable()
functools.reduce(lambda first, second: work(), [0, 1])
"""


def count(valgrind: str, source: str, path: str, what: str) -> int:
    """Instructions of one ``what`` of the file at ``path`` by the library in ``source``."""
    environment = dict(os.environ, PYTHONPATH=os.path.abspath(source), PYTHONHASHSEED="0")
    done = subprocess.run(
        [
            valgrind,
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=functools_reduce",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            _CHILD,
            path,
            what,
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"{source}: no instruction count in valgrind's output")
    return int(found.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.count_instructions", description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="+", help="src folders of the versions to count")
    parser.add_argument("--rules", type=int, default=500, help="rules in the generated file (default 500)")
    parser.add_argument("--what", choices=("compile", "parse"), default="compile")
    args = parser.parse_args(argv)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    _, large = generate()
    with tempfile.TemporaryDirectory(prefix="massagecodes-count-") as directory:
        path = os.path.join(directory, f"bench-{args.rules}.rules")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render_ruleset(f"bench-{args.rules}", large[: args.rules]))
        for source in args.sources:
            instructions = count(valgrind, source, path, args.what)
            print(f"{source}: {args.what} of {args.rules} rules, {instructions / 1e6:.1f} M instructions", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
