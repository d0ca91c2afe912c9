"""The ``massagecodes`` command line.

Exit codes: 0 ok, 1 findings, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO, TypeVar

import attrs

from massagecodes import units
from massagecodes._compiler import analyse, icd10_warnings
from massagecodes._engine import Result, Ruleset, RuleTestOutcome
from massagecodes._loading import (
    available_rulesets,
    compile_rules,
    directory_resolver,
    load_rules,
    load_ruleset,
    read_rules_file,
)
from massagecodes._model import Claim, License, PayerKind
from massagecodes._syntax import format_rules, parse
from massagecodes.errors import Diagnostic, InputError, MassagecodesError, Problem, RulesError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
MAX_INPUT_BYTES = 16 * 1024 * 1024
_T = TypeVar("_T")


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
        description=(
            "Evaluate claims against an installed ruleset and print their findings. Claims are our JSON, "
            'FHIR R4 Claim resources (JSON with "resourceType": "Claim"; needs the fhir extra) '
            "or X12 837P files (.837, .x12, .edi; needs the x12 extra)."
        ),
        epilog="Example: massagecodes eval --ruleset commercial examples/claim.json",
    )
    eval_cmd.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="claims: JSON files (a claim, a FHIR Claim or a list), .jsonl files, 837P files, or folders of them",
    )
    eval_cmd.add_argument(
        "--license",
        choices=[license.value for license in License],
        help="the provider's licence, for 837P and FHIR claims that do not say it",
    )
    eval_cmd.add_argument(
        "--icd10",
        action="store_true",
        help="also check each claim's diagnoses against ICD-10-CM: billable (leaf) codes only (needs the icd10 extra)",
    )
    eval_cmd.add_argument(
        "--payer-kind",
        choices=[kind.value for kind in PayerKind],
        help="the payer's kind, for 837P and FHIR claims whose payer names no kind the rules know",
    )
    eval_cmd.add_argument(
        "--ruleset", required=True, metavar="NAME[==VERSION]", help="a ruleset name, optionally pinned"
    )
    eval_cmd.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a ruleset parameter (repeatable)"
    )
    eval_cmd.add_argument(
        "--rules-dir", action="append", default=[], type=Path, metavar="DIR", help="also look for rulesets here"
    )
    eval_cmd.add_argument(
        "--format", default="table", choices=["table", "json", "jsonl"], help="output format (default: table)"
    )
    eval_cmd.add_argument(
        "--fail-on", choices=["deny", "require", "warn"], help="exit 1 when a finding at least this serious is found"
    )

    explain_cmd = commands.add_parser(
        "explain",
        help="show how a ruleset decides a claim",
        description="Evaluate a claim and show, rule by rule, which conditions held or failed, on what values.",
        epilog="Example: massagecodes explain --ruleset commercial examples/same-region.json",
    )
    explain_cmd.add_argument("claim", type=Path, metavar="CLAIM", help="a claim as JSON")
    explain_cmd.add_argument(
        "--ruleset",
        required=True,
        metavar="NAME[==VERSION]|FILE",
        help="a ruleset name (optionally pinned) or a .rules file",
    )
    explain_cmd.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a ruleset parameter (repeatable)"
    )
    explain_cmd.add_argument(
        "--rules-dir", action="append", default=[], type=Path, metavar="DIR", help="also look for rulesets here"
    )

    test_cmd = commands.add_parser(
        "test",
        help="run the test blocks of rulesets",
        description="Run the test blocks written beside the rules, in files or folders of .rules files.",
        epilog="Exit codes: 0 all tests pass (and coverage is met), 1 a test fails, 2 a file does not compile.",
    )
    test_cmd.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("rulesets")],
        metavar="PATH",
        help="files or folders (default: rulesets)",
    )
    test_cmd.add_argument(
        "--min-coverage",
        type=float,
        default=None,
        metavar="PERCENT",
        help="fail when fewer rules than this are exercised",
    )
    test_cmd.add_argument("--format", default="human", choices=["human", "json"], help="output format (default: human)")
    test_cmd.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")

    diff_cmd = commands.add_parser(
        "diff",
        help="what a change of rules does to a corpus of claims",
        description="Evaluate a corpus of claims with two rulesets and list the claims whose outcome or findings change.",
        epilog="Example: massagecodes diff commercial==2026.1 my-commercial.rules --claims claims/",
    )
    diff_cmd.add_argument("old", metavar="OLD", help="a ruleset name (optionally ==VERSION) or a .rules file")
    diff_cmd.add_argument("new", metavar="NEW", help="a ruleset name (optionally ==VERSION) or a .rules file")
    diff_cmd.add_argument(
        "--claims",
        required=True,
        type=Path,
        metavar="CORPUS",
        help="a JSON file (a claim or a list), a .jsonl file, or a folder of them",
    )
    diff_cmd.add_argument("--examples", type=int, default=3, metavar="N", help="examples shown per change (default: 3)")
    diff_cmd.add_argument("--format", default="human", choices=["human", "json"], help="output format (default: human)")

    fmt_cmd = commands.add_parser(
        "fmt",
        help="write .rules files in the one canonical style",
        description="Rewrite .rules files in the canonical style (comments kept). There are no style options.",
        epilog="Exit codes: 0 formatted (or, with --check, already formatted), 1 a file needs formatting (--check, --diff), 2 a file does not parse.",
    )
    fmt_cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".rules files or folders")
    mode = fmt_cmd.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file needs formatting")
    mode.add_argument("--diff", action="store_true", help="change nothing; print what would change")

    check_cmd = commands.add_parser(
        "check",
        help="find the mistakes in .rules files",
        description="Parse, compile and analyse .rules files: every error, and warnings about rules that are probably mistakes.",
        epilog="Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors (or warnings with --strict), 2 usage errors.",
    )
    check_cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".rules files or folders")
    check_cmd.add_argument(
        "--format", default="human", choices=["human", "json"], help="output format (default: human)"
    )
    check_cmd.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check_cmd.add_argument(
        "--icd10",
        action="store_true",
        help="also warn of diagnosis codes the rules name that ICD-10-CM does not have (MC307; needs the icd10 extra)",
    )

    schema_cmd = commands.add_parser(
        "schema",
        help="print the JSON Schema of a claim or a session",
        description="Print the JSON Schema (draft 2020-12) of the claim or session JSON shape.",
    )
    schema_cmd.add_argument("shape", choices=["claim", "session"], help="which shape")

    list_cmd = commands.add_parser(
        "list", help="list the available rulesets", description="List the available rulesets."
    )
    list_cmd.add_argument(
        "--rules-dir", action="append", default=[], type=Path, metavar="DIR", help="also look for rulesets here"
    )

    superbill_cmd = commands.add_parser(
        "superbill",
        help="write a superbill (PDF or HTML) for a claim or a session",
        description=(
            "Write the itemised receipt a client sends to their own insurer, for a claim or a session (JSON): "
            "one-page PDF (needs the pdf extra) or self-contained HTML, chosen by the --out suffix."
        ),
        epilog="Example: massagecodes superbill examples/claim.json --practice examples/superbill/practice.json --out superbill.pdf",
    )
    superbill_cmd.add_argument("claim", type=Path, metavar="CLAIM", help="a claim or a session as JSON")
    superbill_cmd.add_argument("--out", required=True, type=Path, metavar="FILE", help="FILE.pdf or FILE.html")
    superbill_cmd.add_argument(
        "--practice", type=Path, metavar="FILE", help="the practice as JSON: name, address, NPI, tax id, taxonomy"
    )
    superbill_cmd.add_argument("--client", type=Path, metavar="FILE", help="the client's name and address as JSON")
    superbill_cmd.add_argument(
        "--payment",
        action="append",
        default=[],
        metavar="AMOUNT",
        help="an amount already paid, e.g. 80.00 (repeatable)",
    )
    superbill_cmd.add_argument(
        "--diagnosis", action="append", default=[], metavar="CODE", help="an ICD-10-CM code, for a session (repeatable)"
    )
    superbill_cmd.add_argument("--date", metavar="YYYY-MM-DD", help="the statement date (default: today)")
    superbill_cmd.add_argument(
        "--method", default="cms", choices=["cms", "per-code"], help="unit method for minutes (default: cms)"
    )
    superbill_cmd.add_argument(
        "--font", type=Path, metavar="TTF", help="a TrueType font, for text beyond Latin-1 (PDF)"
    )
    return parser


def _pairs(words: Sequence[str]) -> dict[str, int]:
    pairs: dict[str, int] = {}
    problems = []
    for position, word in enumerate(words, start=1):
        code, sep, minutes = word.partition("=")
        if not sep or not (minutes.isascii() and minutes.isdigit()):
            problems.append(Problem(f"argument {position}", f"expected CODE=MINUTES such as 97112=24, got {word!r}"))
        elif code in pairs:
            problems.append(Problem(f"argument {position}", f"code {code} is given twice"))
        else:
            pairs[code] = int(minutes)
    if problems:
        raise InputError(problems, what="arguments")
    return pairs


def _read_input(path: Path, what: str) -> bytes:
    """A file's bytes, at most MAX_INPUT_BYTES; InputError naming the file otherwise."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise InputError([Problem(str(path), f"cannot read the file: {error.strerror}")], what=f"{what} file") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError([Problem(str(path), f"file is larger than {MAX_INPUT_BYTES} bytes")], what=f"{what} file")
    return data


def _read_parsed(path: Path, what: str, parse: Callable[[bytes], _T]) -> _T:
    """``parse`` of a file's bytes; each problem prefixed with the file's path."""
    data = _read_input(path, what)
    try:
        return parse(data)
    except InputError as error:
        raise InputError([Problem(f"{path}: {p.path}", p.message) for p in error.problems], what=error.what) from None


def _read_claim(path: Path) -> Claim:
    return _read_parsed(path, "claim", Claim.from_json)


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


def _paint(text: str, colour: str, out: TextIO) -> str:
    """``text`` in an ANSI colour, only on a terminal, and never when NO_COLOR is set
    (https://no-color.org) or the terminal is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb" or not out.isatty():
        return text
    return f"\033[{colour}m{text}\033[0m"


def _params(words: Sequence[str]) -> dict[str, object]:
    params: dict[str, object] = {}
    problems = []
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            problems.append(Problem("--param", f"expected NAME=VALUE, got {word!r}"))
            continue
        params[name.removeprefix("$")] = int(value) if value.isascii() and value.isdigit() else value
    if problems:
        raise InputError(problems, what="arguments")
    return params


def _table(rows: list[tuple[str, ...]], out: TextIO) -> None:
    """Columns padded to their widest cell; the last column is left as it is."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _finding_rows(claim: Claim, result: Result) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("line", "code", "rule", "action", "CARC", "message / fix")]
    for finding in result.findings:
        lines = () if finding.claim_level else finding.lines
        where = ", ".join(str(i) for i in lines) or "claim"
        codes = ", ".join(claim.lines[i].code for i in lines) or "-"
        fix = f" / fix: {finding.fix}" if finding.fix else ""
        rows.append((where, codes, finding.rule_id, finding.action, finding.carc or "-", finding.message + fix))
    return rows


def _eval(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ruleset = _ruleset(args.ruleset, directories=args.rules_dir, params=_params(args.param))
    given = _Given(license=args.license, payer_kind=args.payer_kind)
    claims = [item for path in args.inputs for item in _corpus(path, given)]
    single = (
        len(claims) == 1 and len(args.inputs) == 1 and args.inputs[0].is_file() and args.inputs[0].suffix == ".json"
    )
    evaluated = rejected = denied = worst = 0
    results = []
    progress = err.isatty() and len(claims) > 50
    for number, (where, claim) in enumerate(claims, start=1):
        if progress and number % 25 == 0:
            err.write(f"\revaluated {number} of {len(claims)} claims")
            err.flush()
        if isinstance(claim, InputError):
            rejected += 1
            err.write(f"massagecodes: {where}: invalid claim: " + "; ".join(str(p) for p in claim.problems) + "\n")
            continue
        try:
            result = ruleset.evaluate(claim)
        except InputError as error:
            rejected += 1
            err.write(f"massagecodes: {where}: " + "; ".join(str(p) for p in error.problems) + "\n")
            continue
        evaluated += 1
        denied += result.outcome == "deny"
        worst = max([worst, *(_SERIOUSNESS[f.action] for f in result.findings)])
        results.append((where, claim, result))
    notes = {where: _diagnosis_notes(claim) for where, claim, _ in results} if args.icd10 else {}
    if progress:
        err.write("\r" + " " * 40 + "\r")
    if args.format == "json":
        payload: object = (
            {**results[0][2].to_dict(), **_icd10_key(notes, results[0][0])}
            if single and results
            else [{"claim": w, **r.to_dict(), **_icd10_key(notes, w)} for w, _, r in results]
        )
        json.dump(payload, out, indent=2)
        out.write("\n")
    elif args.format == "jsonl":
        for where, _, result in results:
            out.write(json.dumps({"claim": where, **result.to_dict(), **_icd10_key(notes, where)}) + "\n")
    else:
        for where, claim, result in results:
            head = f"ruleset {result.ruleset_name} {result.ruleset_version or ''} ({result.ruleset_hash[:19]}): outcome {result.outcome}"
            out.write((head if single else f"{where}: {head}") + "\n")
            if result.findings:
                _table(_finding_rows(claim, result), out)
            else:
                out.write("no findings\n")
            for rule_id, reason in result.skipped:
                out.write(f"skipped rule {rule_id}: {reason}\n")
            for rule_id, reason in result.undecided:
                out.write(f"undecided rule {rule_id}: {reason}\n")
            for letter, problem in notes.get(where, ()):
                out.write(f"diagnosis {letter}: {problem}\n")
    if not single:
        (out if args.format == "table" else err).write(f"{evaluated} evaluated, {rejected} rejected, {denied} denied\n")
    if rejected:
        return EXIT_INPUT
    if args.fail_on is not None and worst >= _FAIL_ON[args.fail_on]:
        return EXIT_FINDINGS
    return EXIT_OK


def _diagnosis_notes(claim: Claim) -> list[tuple[str, str]]:
    """Each diagnosis ICD-10-CM does not bill, by its letter (A-L): never the code itself."""
    from massagecodes import icd10

    notes = []
    for letter, code in zip("ABCDEFGHIJKL", claim.diagnoses, strict=False):
        if not icd10.is_known(code):
            notes.append((letter, "not in ICD-10-CM"))
        elif not icd10.is_billable(code):
            notes.append((letter, "a category of ICD-10-CM, not a billable code: use one of the codes under it"))
    return notes


def _icd10_key(notes: dict[str, list[tuple[str, str]]], where: str) -> dict[str, object]:
    if where not in notes:
        return {}
    return {"icd10": [{"diagnosis": letter, "problem": problem} for letter, problem in notes[where]]}


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    from massagecodes.schema import claim_schema, session_schema

    json.dump(claim_schema() if args.shape == "claim" else session_schema(), out, indent=2)
    out.write("\n")
    return EXIT_OK


def _superbill(args: argparse.Namespace, out: TextIO) -> int:
    """Read the claim or session, practice, client and payments; write the superbill."""
    import datetime
    import re
    from decimal import Decimal

    from massagecodes import superbill

    formats: dict[str, superbill._Format] = {".pdf": "pdf", ".html": "html", ".htm": "html"}
    kind = formats.get(args.out.suffix.lower())
    problems = []
    if kind is None:
        problems.append(Problem("--out", f"expected a file name ending in .pdf or .html, got {str(args.out)!r}"))
    if args.practice is None:
        problems.append(
            Problem(
                "--practice",
                "a superbill needs the practice's name, address, NPI, tax id and taxonomy, which a claim does not "
                "hold: give --practice FILE (docs/superbill.md, examples/superbill/practice.json)",
            )
        )
    payments = []
    for word in args.payment:
        if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", word) or Decimal(word) == 0:
            problems.append(Problem("--payment", f"expected an amount > 0 such as 80.00, got {word!r}"))
        else:
            payments.append(superbill.Payment(amount=Decimal(word)))
    try:
        issued = datetime.date.today() if args.date is None else datetime.date.fromisoformat(args.date)
    except ValueError:
        problems.append(Problem("--date", f"expected a date as YYYY-MM-DD, got {args.date!r}"))
    if problems:
        raise InputError(problems, what="arguments")
    assert kind is not None  # reported above otherwise
    assert args.practice is not None

    source = _read_parsed(args.claim, "claim", superbill._source_from_json)
    practice = _read_parsed(args.practice, "practice", superbill.Practice.from_json)
    client = None if args.client is None else _read_parsed(args.client, "client", superbill.Client.from_json)
    data, bill = superbill._render(
        kind,
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=args.diagnosis,
        issued=issued,
        method=args.method,
        font=args.font,
    )
    try:
        args.out.write_bytes(data)
    except OSError as error:
        raise InputError([Problem(str(args.out), f"cannot write the file: {error.strerror}")], what="output") from None
    lines = "line" if len(bill.lines) == 1 else "lines"
    totals = f"total charges {superbill._money(bill.total)}, balance due {superbill._money(bill.balance)}"
    out.write(f"wrote {args.out}: {len(bill.lines)} {lines}, {totals}\n")
    note = bill.note()
    if note is not None:
        out.write(f"note: {note}\n")
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


def _ruleset(spec: str, *, directories: Sequence[Path] = (), params: dict[str, object] | None = None) -> Ruleset:
    """A ruleset from a ``.rules`` file path or from ``NAME[==VERSION]``."""
    if spec.endswith(".rules") or Path(spec).is_file():
        return load_rules(spec, params=params, directories=[Path(spec).parent, *directories])
    name, _, version = spec.partition("==")
    return load_ruleset(name, f"=={version}" if version else None, directories=directories, params=params)


def _write_replacing(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path``, then rename it over ``path``:
    an error part-way never leaves the original truncated."""
    import tempfile

    data = text.encode("utf-8")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fmt(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import difflib

    changed = []
    failures: list[MassagecodesError] = []
    for path in _rules_files(args.paths):
        try:
            text = read_rules_file(path)
            formatted = format_rules(text, source=str(path))
        except MassagecodesError as error:  # report it and go on with the other files
            failures.append(error)
            continue
        if formatted == text:
            continue
        changed.append(path)
        if args.diff:
            out.writelines(
                difflib.unified_diff(
                    text.splitlines(True), formatted.splitlines(True), str(path), f"{path} (formatted)"
                )
            )
        elif args.check:
            out.write(f"would reformat {path}\n")
        else:
            _write_replacing(path, formatted)
            out.write(f"reformatted {path}\n")
    if failures:
        for failure in failures:
            err.write(f"massagecodes: {failure}\n")
        return EXIT_INPUT
    if args.check or args.diff:
        return EXIT_FINDINGS if changed else EXIT_OK
    return EXIT_OK


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    diagnostics: list[Diagnostic] = []
    unreadable: list[InputError] = []
    for path in _rules_files(args.paths):
        try:
            text = read_rules_file(path)
        except InputError as error:  # report it and go on with the other files
            unreadable.append(error)
            continue
        try:  # the text already read, compiled as load_rules would
            ruleset = compile_rules(
                text, source=str(path), directory=path.parent, resolver=directory_resolver([path.parent])
            )
        except RulesError as error:
            diagnostics.extend(error.diagnostics)
            continue
        document = parse(text, source=str(path))
        diagnostics.extend(analyse(document, ruleset, source=str(path), text=text))
        if args.icd10:
            diagnostics.extend(icd10_warnings(document, source=str(path), text=text))
    errors = [d for d in diagnostics if d.severity == "error"]
    warnings = [d for d in diagnostics if d.severity != "error"]
    if args.format == "json":
        json.dump([attrs.asdict(d) for d in diagnostics], out, indent=2)
        out.write("\n")
    else:
        for diagnostic in diagnostics:
            head, _, rest = diagnostic.render().partition("\n")
            label = f" {diagnostic.severity} {diagnostic.code}:"
            painted = _paint(label, "31" if diagnostic.severity == "error" else "33", out)
            out.write(head.replace(label, painted, 1) + "\n" + rest + "\n")
        out.write(f"{len(errors)} errors, {len(warnings)} warnings\n")
    for failure in unreadable:
        err.write(f"massagecodes: {failure}\n")
    if unreadable:
        return EXIT_INPUT
    return EXIT_FINDINGS if errors or (args.strict and warnings) else EXIT_OK


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    ruleset = _ruleset(args.ruleset, directories=args.rules_dir, params=_params(args.param))
    out.write(ruleset.evaluate(_read_claim(args.claim)).explain() + "\n")
    return EXIT_OK


def _rules_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    problems = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.rules")))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    if problems:
        raise InputError(problems, what="paths")
    return files


Report = tuple[Path, Ruleset, tuple[RuleTestOutcome, ...], set[str], list[str]]


def _test(args: argparse.Namespace, out: TextIO) -> int:
    reports: list[Report] = []
    compile_errors = []
    for path in _rules_files(args.paths):
        try:
            ruleset = load_rules(path, directories=[path.parent])
        except RulesError as error:
            compile_errors.append(str(error))
            continue
        outcomes = ruleset.run_tests()
        fired = {f.rule_id for o in outcomes if o.result is not None for f in o.result.findings}
        # Coverage counts the rules written in this file (inherited rules are the base's
        # tests' business) that can run (a rule waiting for a parameter cannot).
        countable = [rule.id for rule in ruleset.rules if rule.skip is None and rule.source == str(path)]
        reports.append((path, ruleset, outcomes, fired, countable))
    passed = sum(o.passed for _, _, outcomes, _, _ in reports for o in outcomes)
    failed = sum(not o.passed for _, _, outcomes, _, _ in reports for o in outcomes)
    countable_total = sum(len(countable) for *_, countable in reports)
    covered_total = sum(len(set(countable) & fired) for *_, fired, countable in reports)
    coverage = 100.0 * covered_total / countable_total if countable_total else 100.0
    below = args.min_coverage is not None and coverage < args.min_coverage
    if args.format == "json":
        payload = {
            "passed": passed,
            "failed": failed,
            "coverage": round(coverage, 1),
            "errors": compile_errors,
            "files": [
                {
                    "file": str(path),
                    "ruleset": {"name": ruleset.name, "version": ruleset.version, "hash": ruleset.hash},
                    "tests": [
                        {"name": o.name, "line": o.line, "passed": o.passed, "failures": list(o.failures)}
                        for o in outcomes
                    ],
                    "untested_rules": [rule_id for rule_id in countable if rule_id not in fired],
                }
                for path, ruleset, outcomes, fired, countable in reports
            ],
        }
        json.dump(payload, out, indent=2)
        out.write("\n")
    else:
        for message in compile_errors:
            out.write(message + "\n")
        for path, _, outcomes, fired, countable in reports:
            for outcome in outcomes:
                verdict = _paint("PASS", "32", out) if outcome.passed else _paint("FAIL", "31", out)
                out.write(f"{verdict} {path}:{outcome.line} {outcome.name}\n")
                for failure in outcome.failures:
                    out.write(f"    {failure}\n")
                if not outcome.passed and outcome.result is not None:
                    # The values the deciding predicates saw, rule by rule.
                    out.write("    explanation:\n")
                    out.write("".join(f"      {line}\n" for line in outcome.result.explain().splitlines()))
            untested = [rule_id for rule_id in countable if rule_id not in fired]
            if untested:
                out.write(f"untested rules in {path}: {', '.join(untested)}\n")
        out.write(
            f"{passed} passed, {failed} failed; rule coverage {coverage:.1f}% ({covered_total} of {countable_total} rules)\n"
        )
        if below:
            out.write(f"rule coverage {coverage:.1f}% is below --min-coverage {args.min_coverage:g}%\n")
    if args.junit is not None:
        _write_junit(args.junit, reports)
    if compile_errors:
        return EXIT_INPUT
    return EXIT_FINDINGS if failed or below else EXIT_OK


def _write_junit(path: Path, reports: Sequence[Report]) -> None:
    from xml.etree import ElementTree as ET

    suites = ET.Element("testsuites")
    for file, _, outcomes, _, _ in reports:
        failures = sum(not o.passed for o in outcomes)
        suite = ET.SubElement(suites, "testsuite", name=str(file), tests=str(len(outcomes)), failures=str(failures))
        for outcome in outcomes:
            case = ET.SubElement(suite, "testcase", classname=str(file), name=outcome.name, line=str(outcome.line))
            if not outcome.passed:
                failure = ET.SubElement(case, "failure", message=outcome.failures[0] if outcome.failures else "failed")
                failure.text = "\n".join(outcome.failures)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


@attrs.frozen
class _Given:
    """What the command line says of claims whose files do not (837P and FHIR)."""

    license: str | None = None
    payer_kind: str | None = None


X12_SUFFIXES = (".837", ".x12", ".edi")


def _corpus(path: Path, given: _Given = _Given()) -> Iterator[tuple[str, Claim | InputError]]:
    """Claims from a JSON file (a claim, a FHIR Claim or a list), a .jsonl file, an 837P
    file, or a folder of them; each with where it came from, or the error that rejected it."""
    if not path.exists():
        raise InputError([Problem(str(path), "no such file or folder")], what="claims")
    suffixes = (".json", ".jsonl", *X12_SUFFIXES)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes) if path.is_dir() else [path]
    for file in files:
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
            if len(data) > MAX_INPUT_BYTES:
                raise ValueError(f"larger than {MAX_INPUT_BYTES} bytes")
            text = data.decode("utf-8-sig")  # a byte order mark is not part of the claim
        except (OSError, ValueError) as error:
            yield str(file), InputError([Problem(str(file), f"cannot read the file: {error}")], what="claims")
            continue
        if file.suffix.lower() in X12_SUFFIXES:
            yield from _claims_in_837p(str(file), text, given)
        elif file.suffix.lower() == ".jsonl":
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    yield from _claims_in(f"{file}:{number}", line, given)
        else:
            yield from _claims_in(str(file), text, given)


def _claims_in_837p(where: str, text: str, given: _Given) -> Iterator[tuple[str, Claim | InputError]]:
    from massagecodes import x12  # pyx12 is imported on first use: ExtraMissingError stops the run

    try:
        claims = x12.read_837p_each(text, license=given.license, payer_kind=given.payer_kind)
    except InputError as error:  # the whole file's problem (or the arguments')
        yield where, error
        return
    for index, claim in enumerate(claims):  # a bad claim is rejected alone: the others are evaluated
        yield f"{where}[{index}]", claim


def _claims_in(where: str, text: str, given: _Given = _Given()) -> Iterator[tuple[str, Claim | InputError]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        yield (
            where,
            InputError(
                [Problem(f"line {error.lineno} column {error.colno}", f"malformed JSON: {error.msg}")], what="claim"
            ),
        )
        return
    except RecursionError:
        yield where, InputError([Problem("$", "malformed JSON: nested too deeply")], what="claim")
        return
    items = data if isinstance(data, list) else [data]
    exact: Any = None
    for index, item in enumerate(items):
        label = f"{where}[{index}]" if isinstance(data, list) else where
        try:
            if isinstance(item, dict) and "resourceType" in item:
                from massagecodes import fhir  # fhir.resources is imported on first use

                # FHIR money is a JSON number: read it again (once) with exact decimals, not floats.
                if exact is None:
                    exact = json.loads(text, parse_float=Decimal)
                resource = exact[index] if isinstance(exact, list) else exact
                yield label, fhir.read_claim(resource, license=given.license, payer_kind=given.payer_kind)
            else:
                yield label, Claim.from_dict(item)
        except InputError as error:
            yield label, error


def _keys(result: Result) -> set[tuple[str, str, tuple[int, ...]]]:
    return {(f.rule_id, f.action, f.lines) for f in result.findings}


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    old, new = _ruleset(args.old), _ruleset(args.new)
    evaluated = rejected = changed = 0
    changes: dict[str, list[str]] = {}
    problems: list[str] = []
    outcome_moves: dict[str, int] = {}
    for where, claim in _corpus(args.claims):
        if isinstance(claim, InputError):
            rejected += 1
            problems.extend(f"{where}: {problem}" for problem in claim.problems)
            continue
        try:
            before, after = old.evaluate(claim), new.evaluate(claim)
        except InputError as error:
            rejected += 1
            problems.extend(f"{where}: {problem}" for problem in error.problems)
            continue
        evaluated += 1
        gained, lost = _keys(after) - _keys(before), _keys(before) - _keys(after)
        if not gained and not lost and before.outcome == after.outcome:
            continue
        changed += 1
        if before.outcome != after.outcome:
            move = f"{before.outcome} -> {after.outcome}"
            outcome_moves[move] = outcome_moves.get(move, 0) + 1
        for rule_id, action, _lines in sorted(gained):
            changes.setdefault(f"+ {action} {rule_id}", []).append(where)
        for rule_id, action, _lines in sorted(lost):
            changes.setdefault(f"- {action} {rule_id}", []).append(where)
    if args.format == "json":
        payload = {
            "old": {"name": old.name, "version": old.version, "hash": old.hash},
            "new": {"name": new.name, "version": new.version, "hash": new.hash},
            "evaluated": evaluated,
            "rejected": rejected,
            "changed": changed,
            "outcomes": outcome_moves,
            "changes": {
                key: {"count": len(where), "examples": where[: args.examples]} for key, where in sorted(changes.items())
            },
            "problems": problems,
        }
        json.dump(payload, out, indent=2)
        out.write("\n")
    else:
        out.write(
            f"old: {old.name} {old.version or ''} ({old.hash[:19]})\nnew: {new.name} {new.version or ''} ({new.hash[:19]})\n"
        )
        for move, count in sorted(outcome_moves.items()):
            out.write(f"outcome {move}: {count} claims\n")
        for key, places in sorted(changes.items()):
            shown = ", ".join(places[: args.examples]) + (", ..." if len(places) > args.examples else "")
            out.write(f"{key}: {len(places)} claims (e.g. {shown})\n")
        for problem in problems:
            out.write(f"rejected {problem}\n")
        out.write(f"{evaluated} evaluated, {rejected} rejected, {changed} changed\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; return the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    commands: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
        "units": _units,
        "check": lambda args, stdout: _check(args, stdout, err),
        "fmt": lambda args, stdout: _fmt(args, stdout, err),
        "eval": lambda args, stdout: _eval(args, stdout, err),
        "explain": _explain,
        "test": _test,
        "diff": _diff,
        "list": _list,
        "schema": _schema,
        "superbill": _superbill,
    }
    try:
        return commands[args.command](args, out)
    except MassagecodesError as error:
        err.write(f"massagecodes: {error}\n")
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
