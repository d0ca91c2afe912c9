"""The ``massagecodes`` command line.

Exit codes: 0 ok, 1 findings, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from massagecodes import units
from massagecodes._model import Claim
from massagecodes._registry import available_rulesets, load_ruleset
from massagecodes.errors import InputError, MassagecodesError, Problem

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
MAX_INPUT_BYTES = 16 * 1024 * 1024


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="massagecodes",
        description="Billing rules for massage and manual-therapy insurance claims.",
        epilog="Exit codes: 0 ok, 1 findings, 2 usage or input errors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    units_cmd = commands.add_parser(
        "units",
        help="units for timed minutes, or the units a claim's minutes support",
        description=(
            "Units per code for one day's timed minutes (CODE=MINUTES ...), or, with --claim, "
            "the units each line of a claim's documented minutes support."
        ),
        epilog="Examples: massagecodes units 97112=24 97110=23; massagecodes units --claim claim.json",
    )
    units_cmd.add_argument(
        "minutes", nargs="*", metavar="CODE=MINUTES", help="a timed code and its minutes, e.g. 97112=24"
    )
    units_cmd.add_argument("--claim", type=Path, metavar="FILE", help="a claim as JSON")
    units_cmd.add_argument("--method", default="cms", choices=["cms", "per-code"], help="unit method (default: cms)")
    units_cmd.add_argument(
        "--format", default="human", choices=["human", "json"], help="output format (default: human)"
    )

    eval_cmd = commands.add_parser(
        "eval",
        help="evaluate a claim against a ruleset",
        description="Evaluate a claim (JSON) against an installed ruleset and print its findings.",
        epilog="Example: massagecodes eval --ruleset commercial examples/claim.json",
    )
    eval_cmd.add_argument("claim", type=Path, metavar="CLAIM", help="a claim as JSON")
    eval_cmd.add_argument(
        "--ruleset", required=True, metavar="NAME[==VERSION]", help="a ruleset name, optionally pinned"
    )
    eval_cmd.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a ruleset parameter (repeatable)"
    )
    eval_cmd.add_argument(
        "--rules-dir", action="append", default=[], type=Path, metavar="DIR", help="also look for rulesets here"
    )
    eval_cmd.add_argument("--format", default="table", choices=["table", "json"], help="output format (default: table)")
    eval_cmd.add_argument(
        "--fail-on", choices=["deny", "require", "warn"], help="exit 1 when a finding at least this serious is found"
    )

    list_cmd = commands.add_parser(
        "list", help="list the available rulesets", description="List the available rulesets."
    )
    list_cmd.add_argument(
        "--rules-dir", action="append", default=[], type=Path, metavar="DIR", help="also look for rulesets here"
    )
    return parser


def _pairs(words: Sequence[str]) -> dict[str, int]:
    pairs: dict[str, int] = {}
    problems = []
    for position, word in enumerate(words, start=1):
        code, sep, minutes = word.partition("=")
        if not sep or not minutes.isdigit():
            problems.append(Problem(f"argument {position}", f"expected CODE=MINUTES such as 97112=24, got {word!r}"))
        elif code in pairs:
            problems.append(Problem(f"argument {position}", f"code {code} is given twice"))
        else:
            pairs[code] = int(minutes)
    if problems:
        raise InputError(problems, what="arguments")
    return pairs


def _read_claim(path: Path) -> Claim:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise InputError([Problem(str(path), f"cannot read the file: {error.strerror}")], what="claim file") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError([Problem(str(path), f"file is larger than {MAX_INPUT_BYTES} bytes")], what="claim file")
    try:
        return Claim.from_json(data)
    except InputError as error:
        raise InputError([Problem(f"{path}: {p.path}", p.message) for p in error.problems], what="claim") from None


def _units(args: argparse.Namespace, out: TextIO) -> int:
    if args.claim is not None and args.minutes:
        raise InputError(
            [Problem("arguments", "give either CODE=MINUTES pairs or --claim, not both")], what="arguments"
        )
    if args.claim is None:
        if not args.minutes:
            raise InputError([Problem("arguments", "expected CODE=MINUTES pairs or --claim FILE")], what="arguments")
        allocation = units.allocate(_pairs(args.minutes), method=args.method)
        if args.format == "json":
            steps = [{"code": s.code, "units": s.units, "reason": s.reason} for s in allocation.steps]
            json.dump(
                {"method": allocation.method.name, "units": dict(allocation.units), "steps": steps}, out, indent=2
            )
            out.write("\n")
        else:
            out.write(allocation.explain() + "\n")
        return EXIT_OK
    result = units.check_claim(_read_claim(args.claim), method=args.method)
    if args.format == "json":
        payload = {
            "method": result.method.name,
            "lines": [
                {"line": r.line, "code": r.code, "minutes": r.minutes, "billed": r.billed, "supported": r.supported}
                for r in result.lines
            ],
            "findings": [
                {"line": f.line, "kind": f.kind, "message": f.message, "fix": f.fix, "carc": f.carc}
                for f in result.findings
            ],
        }
        json.dump(payload, out, indent=2)
        out.write("\n")
    else:
        out.write(f"method {result.method.name}\n")
        out.write(f"{'line':>4}  {'code':<6} {'minutes':>7} {'billed':>6} {'supported':>9}\n")
        for r in result.lines:
            cells = ["-" if value is None else str(value) for value in (r.minutes, r.billed, r.supported)]
            out.write(f"{r.line:>4}  {r.code:<6} {cells[0]:>7} {cells[1]:>6} {cells[2]:>9}\n")
        for finding in result.findings:
            carc = f" [CARC {finding.carc}]" if finding.carc else ""
            out.write(f"line {finding.line}: {finding.kind}{carc}: {finding.message}\n  fix: {finding.fix}\n")
        if not result.findings:
            out.write("no findings\n")
    return EXIT_FINDINGS if result.findings else EXIT_OK


_SERIOUSNESS = {"WARN": 1, "REQUIRE": 2, "BUNDLE": 3, "DENY": 3}
_FAIL_ON = {"warn": 1, "require": 2, "deny": 3}


def _params(words: Sequence[str]) -> dict[str, object]:
    params: dict[str, object] = {}
    problems = []
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            problems.append(Problem("--param", f"expected NAME=VALUE, got {word!r}"))
            continue
        params[name.removeprefix("$")] = int(value) if value.isdigit() else value
    if problems:
        raise InputError(problems, what="arguments")
    return params


def _table(rows: list[tuple[str, ...]], out: TextIO) -> None:
    """Columns padded to their widest cell; the last column is left as it is."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    name, _, version = args.ruleset.partition("==")
    ruleset = load_ruleset(
        name, f"=={version}" if version else None, directories=args.rules_dir, params=_params(args.param)
    )
    claim = _read_claim(args.claim)
    result = ruleset.evaluate(claim)
    if args.format == "json":
        json.dump(result.to_dict(), out, indent=2)
        out.write("\n")
    else:
        out.write(
            f"ruleset {result.ruleset_name} {result.ruleset_version or ''} ({result.ruleset_hash[:19]}): outcome {result.outcome}\n"
        )
        rows: list[tuple[str, ...]] = [("line", "code", "rule", "action", "CARC", "message / fix")]
        for finding in result.findings:
            lines = () if finding.claim_level else finding.lines
            where = ", ".join(str(i) for i in lines) or "claim"
            codes = ", ".join(claim.lines[i].code for i in lines) or "-"
            fix = f" / fix: {finding.fix}" if finding.fix else ""
            rows.append((where, codes, finding.rule_id, finding.action, finding.carc or "-", finding.message + fix))
        if result.findings:
            _table(rows, out)
        else:
            out.write("no findings\n")
        for rule_id, reason in result.skipped:
            out.write(f"skipped rule {rule_id}: {reason}\n")
    if args.fail_on is not None:
        worst = max((_SERIOUSNESS[f.action] for f in result.findings), default=0)
        return EXIT_FINDINGS if worst >= _FAIL_ON[args.fail_on] else EXIT_OK
    return EXIT_OK


def _list(args: argparse.Namespace, out: TextIO) -> int:
    rows: list[tuple[str, ...]] = [("name", "version", "effective", "hash", "origin")]
    for info in available_rulesets(directories=args.rules_dir):
        if info.effective is None:
            effective = "always"
        else:
            start, end = info.effective
            effective = f"{start} to {end}" if end is not None else f"from {start}"
        rows.append((info.name, info.version, effective, info.hash[:19], info.origin))
    _table(rows, out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; return the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    commands = {"units": _units, "eval": _eval, "list": _list}
    try:
        return commands[args.command](args, out)
    except MassagecodesError as error:
        err.write(f"massagecodes: {error}\n")
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
