"""Rule evaluation and compilation against a hand-written baseline.

Run from the repository root::

    python -m benchmarks.bench_rules            # full run (about 2 minutes on 2 slow cores)
    python -m benchmarks.bench_rules --quick    # fewer repetitions (still compiles 10,000 rules twice)
    python -m benchmarks.bench_rules --check    # exit 1 if a target is missed
    python -m benchmarks.bench_rules --profile  # also print cProfile hotspots

What it measures (the targets of the performance issue):

* a 4-line claim evaluated against a generated 50-rule ruleset, against a plain
  Python function that implements the same 50 rules (target: within 3x);
* the same claim against a 10,000-rule ruleset that is the 50 rules plus 9,950
  rules over codes the claim does not have (target: at most 1.5x the 50-rule time);
* compiling the 10,000-rule file (target: under 3 s), in a fresh process (the
  parser's tables are loaded on the first compile of a process) and again warm.

Everything is generated from a fixed seed; nothing is read from or written to the
network; the only file written is the generated ruleset, in a temporary directory.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pickle
import platform
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal

import massagecodes
from massagecodes import Claim, Result, Ruleset, compile_rules

SEED = 20250314
SMALL = 50
LARGE = 10_000

TARGET_BASELINE_RATIO = 3.0
TARGET_GROWTH_RATIO = 1.5
TARGET_COMPILE_SECONDS = 3.0

# The codes of the benchmark claim, and real codes that pair with them.
CLAIM_CODES = ("97124", "97140", "97110", "97010")
BYPASS = ("59", "XS")

# --------------------------------------------------------------------------- #
# Rules as Python data: rendered to .rules text for the engine, and read        #
# directly by the hand-written baseline.                                         #
# --------------------------------------------------------------------------- #

DateRange = tuple[datetime.date, datetime.date]


@dataclass(frozen=True, slots=True)
class PairRule:
    """``first AND second SAME region -> DENY second unless modifier 59 or XS``."""

    id: str
    first: str
    second: str
    effective: DateRange | None = None


@dataclass(frozen=True, slots=True)
class BundleRule:
    """``code AND any of with_codes -> BUNDLE code into into``."""

    id: str
    code: str
    with_codes: tuple[str, ...]
    into: str


@dataclass(frozen=True, slots=True)
class RequireModifierRule:
    """``code -> REQUIRE modifier m1 or m2``."""

    id: str
    code: str
    modifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PayerRule:
    """``code AND payer field is v1 or v2 -> action code``."""

    id: str
    code: str
    field: Literal["kind", "state"]
    values: tuple[str, ...]
    action: Literal["DENY", "WARN"]


@dataclass(frozen=True, slots=True)
class AuthorizationRule:
    """``code AND minutes of code >= minutes -> REQUIRE authorization``."""

    id: str
    code: str
    minutes: int


@dataclass(frozen=True, slots=True)
class MinutesRule:
    """``minutes of code op limit -> action code`` (op is > or <)."""

    id: str
    code: str
    op: Literal[">", "<"]
    limit: int
    action: Literal["DENY", "WARN"]


@dataclass(frozen=True, slots=True)
class DiagnosisRule:
    """``code AND NOT diagnosis P1.* or P2.* -> DENY code`` (medical necessity)."""

    id: str
    code: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProviderPayerRule:
    """``provider license is L AND payer kind is K -> DENY claim`` (no code: always checked)."""

    id: str
    license: str
    payer_kind: str


@dataclass(frozen=True, slots=True)
class TotalUnitsRule:
    """``total units > limit -> DENY claim`` (no code: always checked)."""

    id: str
    limit: int


RuleSpec = (
    PairRule
    | BundleRule
    | RequireModifierRule
    | PayerRule
    | AuthorizationRule
    | MinutesRule
    | DiagnosisRule
    | ProviderPayerRule
    | TotalUnitsRule
)


def rule_codes(rule: RuleSpec) -> frozenset[str]:
    """The procedure codes a rule mentions."""
    if isinstance(rule, PairRule):
        return frozenset((rule.first, rule.second))
    if isinstance(rule, BundleRule):
        return frozenset((rule.code, *rule.with_codes))
    if isinstance(rule, ProviderPayerRule | TotalUnitsRule):
        return frozenset()
    return frozenset((rule.code,))


def render_rule(rule: RuleSpec) -> str:
    """The rule as a ``rule ... end`` block of the .rules language."""
    if isinstance(rule, PairRule):
        body = f"{rule.first} AND {rule.second} SAME region -> DENY {rule.second} unless modifier {' or '.join(BYPASS)}"
        title = f"{rule.second} is not paid with {rule.first} on the same region"
        attributes = ["carc 97", "rarc M80", f'fix "add modifier 59 or XS to {rule.second} if it is a separate region"']
        if rule.effective is not None:
            attributes.append(f"effective {rule.effective[0]} to {rule.effective[1]}")
    elif isinstance(rule, BundleRule):
        body = f"{rule.code} AND any of {', '.join(rule.with_codes)} -> BUNDLE {rule.code} into {rule.into}"
        title = f"{rule.code} is bundled into {rule.into}"
        attributes = ["carc 97"]
    elif isinstance(rule, RequireModifierRule):
        body = f"{rule.code} -> REQUIRE modifier {' or '.join(rule.modifiers)}"
        title = f"{rule.code} needs the therapy plan modifier"
        attributes = ["carc 4", 'fix "add modifier GP"']
    elif isinstance(rule, PayerRule):
        body = f"{rule.code} AND payer {rule.field} is {' or '.join(rule.values)} -> {rule.action} {rule.code}"
        title = f"{rule.code}: payer {rule.field} policy"
        attributes = ["carc 96"] if rule.action == "DENY" else ["severity warning"]
    elif isinstance(rule, AuthorizationRule):
        body = f"{rule.code} AND minutes of {rule.code} >= {rule.minutes} -> REQUIRE authorization"
        title = f"{rule.code} needs prior authorization"
        attributes = ["carc 197"]
    elif isinstance(rule, MinutesRule):
        body = f"minutes of {rule.code} {rule.op} {rule.limit} -> {rule.action} {rule.code}"
        title = f"{rule.code}: minutes {rule.op} {rule.limit}"
        attributes = ["carc 151"] if rule.action == "DENY" else []
    elif isinstance(rule, DiagnosisRule):
        patterns = " or ".join(f"{prefix}.*" for prefix in rule.prefixes)
        body = f"{rule.code} AND NOT diagnosis {patterns} -> DENY {rule.code}"
        title = f"{rule.code} needs a musculoskeletal diagnosis"
        attributes = ["carc 11"]
    elif isinstance(rule, ProviderPayerRule):
        body = f"provider license is {rule.license} AND payer kind is {rule.payer_kind} -> DENY claim"
        title = f"{rule.payer_kind} does not enroll {rule.license} providers"
        attributes = ["carc 185"]
    else:
        body = f"total units > {rule.limit} -> DENY claim"
        title = f"at most {rule.limit} units a visit"
        attributes = ["carc 119"]
    lines = [f'rule {rule.id} "{title}"', f"  {body}", *(f"  {attribute}" for attribute in attributes), "end"]
    return "\n".join(lines)


def render_ruleset(name: str, rules: Sequence[RuleSpec]) -> str:
    header = [
        f"ruleset {name}",
        "version 2025.1",
        "language 1",
        f'title "Generated benchmark ruleset, {len(rules)} rules"',
        "effective 2025-01-01 to 2025-12-31",
        'source "benchmarks/bench_rules.py"',
        "",
    ]
    return "\n".join(header) + "\n" + "\n\n".join(render_rule(rule) for rule in rules) + "\n"


# --------------------------------------------------------------------------- #
# Generation (deterministic).                                                   #
# --------------------------------------------------------------------------- #


def _code_pool(rng: random.Random, count: int) -> list[str]:
    """CPT-shaped codes (five digits) that are none of the claim's codes."""
    return [str(number) for number in rng.sample(range(20000, 70000), count)]


def core_rules() -> list[RuleSpec]:
    """Hand-picked rules over the claim's codes and their real partners (97112, 97530)."""
    old: DateRange = (datetime.date(2020, 1, 1), datetime.date(2024, 12, 31))
    return [
        PairRule("pair-97124-97140", "97124", "97140"),
        PairRule("pair-97140-97110", "97140", "97110"),
        PairRule("pair-97124-97110", "97124", "97110"),
        PairRule("pair-97124-97112", "97124", "97112"),
        PairRule("pair-97110-97112", "97110", "97112"),
        PairRule("pair-97530-97140", "97530", "97140"),
        PairRule("pair-97140-97124-2024", "97140", "97124", effective=old),
        BundleRule("bundle-97010", "97010", ("97124", "97140"), "97124"),
        RequireModifierRule("gp-97124", "97124", ("GP",)),
        RequireModifierRule("gp-97140", "97140", ("GP",)),
        RequireModifierRule("gp-97110", "97110", ("GP",)),
        RequireModifierRule("gp-97010", "97010", ("GP",)),
        PayerRule("medicaid-97124", "97124", "kind", ("medicaid",), "DENY"),
        PayerRule("state-97110", "97110", "state", ("WA", "OR"), "WARN"),
        AuthorizationRule("auth-97110", "97110", 8),
        MinutesRule("long-97124", "97124", ">", 60, "WARN"),
        MinutesRule("short-97140", "97140", "<", 8, "DENY"),
        DiagnosisRule("dx-97140", "97140", ("M54", "M62", "M79")),
        ProviderPayerRule("lmt-medicare", "LMT", "medicare"),
        TotalUnitsRule("units-per-visit", 8),
    ]


def generate(seed: int = SEED) -> tuple[list[RuleSpec], list[RuleSpec]]:
    """The 50-rule ruleset, and the 10,000-rule one: the same 50 rules followed by
    9,950 over generated codes that the benchmark claim does not have."""
    rng = random.Random(seed)
    pool = _code_pool(rng, 2000)
    small = core_rules()
    # Filler to 50, NCCI-like pairs: some start with a claim code (checked for the
    # claim, but its partner is absent), some end with one, most mention neither.
    for number in range(SMALL - len(small)):
        partner = pool[number]
        if number < 10:
            first, second = CLAIM_CODES[number % len(CLAIM_CODES)], partner
        elif number < 15:
            first, second = partner, CLAIM_CODES[number % len(CLAIM_CODES)]
        else:
            first, second = partner, pool[50 + number]
        small.append(PairRule(f"pair-{number + 1:05d}", first, second))
    assert len(small) == SMALL

    large = list(small)
    generated = pool[100:]  # codes that no rule of the 50 mentions
    seen_pairs: set[tuple[str, str]] = set()
    number = 0
    while len(large) < LARGE:
        number += 1
        kind = rng.random()
        code = rng.choice(generated)
        rule: RuleSpec
        if kind < 0.85:
            second = rng.choice(generated)
            if second == code or (code, second) in seen_pairs:
                continue
            seen_pairs.add((code, second))
            rule = PairRule(f"x-pair-{number:05d}", code, second)
        elif kind < 0.90:
            rule = RequireModifierRule(f"x-gp-{number:05d}", code, ("GP",))
        elif kind < 0.94:
            rule = PayerRule(f"x-payer-{number:05d}", code, "kind", ("medicaid", "workers-comp"), "DENY")
        elif kind < 0.97:
            rule = MinutesRule(f"x-minutes-{number:05d}", code, ">", rng.choice((30, 45, 60)), "WARN")
        else:
            others = tuple(sorted({rng.choice(generated), rng.choice(generated)} - {code}))
            if not others:
                continue
            rule = BundleRule(f"x-bundle-{number:05d}", code, others, others[0])
        large.append(rule)
    for rule in large[SMALL:]:
        codes = rule_codes(rule)
        assert codes, "an extra rule without codes would be checked for every claim"
        assert not codes & set(CLAIM_CODES), "the extra rules mention only codes the claim does not have"
    return small, large


def claim_data() -> dict[str, Any]:
    """The 4-line benchmark claim: massage, manual therapy and exercise on the low
    back (59 on the exercise), and a hot pack without the GP modifier."""
    return {
        "date_of_service": "2025-03-14",
        "payer": {"kind": "commercial", "name": "Acme Health", "state": "WA"},
        "provider": {"npi": "1234567893", "license": "LMT"},
        "patient": {"id": "P-1"},
        "diagnoses": ["M54.50", "M62.830"],
        "referral": {"npi": "1245319599", "date": "2025-01-02"},
        "authorization": None,
        "lines": [
            {"code": "97124", "minutes": 30, "units": 2, "region": "lumbar", "modifiers": ["GP"], "diagnosis_pointers": [1], "charge": "120.00"},
            {"code": "97140", "minutes": 15, "units": 1, "region": "lumbar", "modifiers": ["GP"], "diagnosis_pointers": [1, 2], "charge": "60.00"},
            {"code": "97110", "minutes": 15, "units": 1, "region": "lumbar", "modifiers": ["GP", "59"], "diagnosis_pointers": [2], "charge": "55.00"},
            {"code": "97010", "units": 1, "region": "lumbar", "diagnosis_pointers": [1], "charge": "15.00"},
        ],
    }  # fmt: skip


def variant_claims() -> list[dict[str, Any]]:
    """Claims that take the other branches of the rules, to check the baseline more widely."""
    variants = []
    base = claim_data()

    def variant(change: Callable[[dict[str, Any]], None]) -> None:
        data = json.loads(json.dumps(base))
        change(data)
        variants.append(data)

    def regions(data: dict[str, Any]) -> None:
        data["lines"][1]["region"] = "cervical"
        data["lines"][2]["region"] = "thoracic"

    def modifiers(data: dict[str, Any]) -> None:
        for line in data["lines"]:
            line["modifiers"] = ["XS", "GP"] if line["code"] == "97140" else []

    def medicare(data: dict[str, Any]) -> None:
        data["payer"] = {"kind": "medicare", "state": "CA"}
        data["authorization"] = {"number": "A-1"}

    def medicaid(data: dict[str, Any]) -> None:
        data["payer"] = {"kind": "medicaid", "state": "OR"}
        data["diagnoses"] = ["G44.209", "R51.9"]
        data["lines"][0]["minutes"] = 75
        data["lines"][0]["units"] = 5
        data["lines"][1]["minutes"] = 5
        data["lines"][3]["region"] = None

    def no_region(data: dict[str, Any]) -> None:
        for line in data["lines"]:
            line["region"] = None
        data["lines"].append({"code": "97112", "minutes": 15, "units": 1, "region": "lumbar", "modifiers": ["GP"]})

    def duplicate(data: dict[str, Any]) -> None:
        data["lines"] = [*data["lines"], dict(data["lines"][1], modifiers=["GP", "59"], date="2025-03-15")]

    for change in (regions, modifiers, medicare, medicaid, no_region, duplicate):
        variant(change)
    return variants


# --------------------------------------------------------------------------- #
# The hand-written baseline.                                                     #
# --------------------------------------------------------------------------- #

FindingKey = tuple[str, str, tuple[int, ...], bool, tuple[int, ...]]  # rule, action, lines, claim-level, related


def baseline(claim: Claim, rules: Sequence[RuleSpec]) -> list[FindingKey]:
    """Apply ``rules`` to ``claim`` directly, in order: what a developer would write
    by hand for these rules. Assumes billed units on every line (as the claims here have)."""
    day = claim.date_of_service
    lines = claim.lines
    by_code: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        by_code.setdefault(line.code, []).append(index)
    findings: list[FindingKey] = []
    for rule in rules:
        if isinstance(rule, PairRule):
            if rule.effective is not None and not rule.effective[0] <= day <= rule.effective[1]:
                continue
            firsts = by_code.get(rule.first)
            seconds = by_code.get(rule.second)
            if not firsts or not seconds:
                continue
            denied = set()
            for j in seconds:
                region = lines[j].region
                if region is None or any(modifier in BYPASS for modifier in lines[j].modifiers):
                    continue
                for i in firsts:
                    other = lines[i].region
                    if i != j and other is not None and other.name == region.name:
                        denied.add(j)
                        break
            if denied:
                findings.append((rule.id, "DENY", tuple(sorted(denied)), False, ()))
        elif isinstance(rule, BundleRule):
            bundled: set[int] = set()
            into: set[int] = set()
            for i in by_code.get(rule.code, ()):
                for code in rule.with_codes:
                    for j in by_code.get(code, ()):
                        if j != i:
                            bundled.add(i)
                            if code == rule.into:
                                into.add(j)
            if bundled:
                findings.append((rule.id, "BUNDLE", tuple(sorted(bundled)), False, tuple(sorted(into - bundled))))
        elif isinstance(rule, RequireModifierRule):
            lacking = tuple(
                i for i in by_code.get(rule.code, ()) if not any(m in rule.modifiers for m in lines[i].modifiers)
            )
            if lacking:
                findings.append((rule.id, "REQUIRE", lacking, False, ()))
        elif isinstance(rule, PayerRule):
            found = by_code.get(rule.code)
            if found:
                payer = claim.payer
                actual = payer.kind.value if rule.field == "kind" else payer.state
                if actual in rule.values:
                    findings.append((rule.id, rule.action, tuple(found), False, ()))
        elif isinstance(rule, AuthorizationRule):
            if claim.authorization is None:
                long_enough = tuple(
                    i
                    for i in by_code.get(rule.code, ())
                    if (minutes := lines[i].minutes) is not None and minutes >= rule.minutes
                )
                if long_enough:
                    findings.append((rule.id, "REQUIRE", long_enough, True, ()))
        elif isinstance(rule, MinutesRule):
            hits = []
            for i in by_code.get(rule.code, ()):
                minutes = lines[i].minutes
                if minutes is not None and (minutes > rule.limit if rule.op == ">" else minutes < rule.limit):
                    hits.append(i)
            if hits:
                findings.append((rule.id, rule.action, tuple(hits), False, ()))
        elif isinstance(rule, DiagnosisRule):
            found = by_code.get(rule.code)
            if found and not any(
                code.replace(".", "").startswith(prefix) for code in claim.diagnoses for prefix in rule.prefixes
            ):
                findings.append((rule.id, "DENY", tuple(found), False, ()))
        elif isinstance(rule, ProviderPayerRule):
            if claim.provider.license.value == rule.license and claim.payer.kind.value == rule.payer_kind:
                findings.append((rule.id, "DENY", (), True, ()))
        else:
            totals: dict[datetime.date, int] = {}
            for line in lines:
                when = day if line.date is None else line.date
                totals[when] = totals.get(when, 0) + (line.units or 0)
            if any(total > rule.limit for total in totals.values()):
                findings.append((rule.id, "DENY", (), True, ()))
    return findings


def engine_findings(result: Result) -> list[FindingKey]:
    return [
        (finding.rule_id, finding.action, finding.lines, finding.claim_level, finding.related_lines)
        for finding in result.findings
    ]


def check_agreement(ruleset: Ruleset, rules: Sequence[RuleSpec], claims: Iterable[Claim]) -> None:
    for number, claim in enumerate(claims):
        ours, theirs = baseline(claim, rules), engine_findings(ruleset.evaluate(claim))
        if ours != theirs:
            raise AssertionError(
                f"claim {number}: the engine and the baseline disagree\n  engine:   {theirs}\n  baseline: {ours}"
            )


# --------------------------------------------------------------------------- #
# Timing.                                                                        #
# --------------------------------------------------------------------------- #


def _loop(function: Callable[..., object], arguments: tuple[object, ...], count: int) -> float:
    start = time.perf_counter()
    for _ in repeat(None, count):
        function(*arguments)
    return time.perf_counter() - start


def time_evaluations(
    cases: Mapping[str, tuple[Callable[..., object], tuple[object, ...]]], count: int, rounds: int
) -> dict[str, float]:
    """Best µs per call of each case over ``rounds`` rounds of ``count`` calls, the cases interleaved."""
    best = dict.fromkeys(cases, float("inf"))
    for function, arguments in cases.values():
        _loop(function, arguments, max(1, count // 10))  # warm up
    for _ in range(rounds):
        for name, (function, arguments) in cases.items():
            best[name] = min(best[name], _loop(function, arguments, count))
    return {name: seconds / count * 1e6 for name, seconds in best.items()}


def time_compile(text: str, repeats: int, source: str) -> tuple[float, Ruleset]:
    """Best seconds to compile ``text`` over ``repeats`` compiles, and the ruleset."""
    best = float("inf")
    ruleset: Ruleset | None = None
    for _ in range(repeats):
        start = time.perf_counter()
        ruleset = compile_rules(text, source=source)
        best = min(best, time.perf_counter() - start)
    assert ruleset is not None
    return best, ruleset


def rules_checked(ruleset: Ruleset, claim: Claim) -> int | None:
    """How many rules the engine checks for ``claim`` (the others are skipped by the
    code index), read from :meth:`Result.explain`; None if its wording has changed."""
    text = ruleset.evaluate(claim).explain()
    skipped = sum(1 for line in text.splitlines() if line.startswith("  not checked"))
    if skipped == 0 and len(ruleset.rules) > SMALL:
        return None
    return len(ruleset.rules) - skipped


_COLD = """
import resource, sys, time
start = time.perf_counter()
import massagecodes
imported = time.perf_counter()
rss_imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ruleset = massagecodes.load_rules(sys.argv[1])
done = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(imported - start, done - imported, len(ruleset.rules), rss_imported, rss)
"""


@dataclass(frozen=True, slots=True)
class ColdCompile:
    import_seconds: float
    compile_seconds: float
    rules: int
    rss_imported_mib: float
    rss_mib: float


def cold_compile(path: str) -> ColdCompile:
    """``load_rules(path)`` in a fresh interpreter: the first compile of a process,
    which also loads the parser's tables. Peak RSS from ``getrusage`` (Linux: KiB)."""
    output = subprocess.run(
        [sys.executable, "-c", _COLD, path], check=True, capture_output=True, text=True
    ).stdout.split()
    return ColdCompile(float(output[0]), float(output[1]), int(output[2]), int(output[3]) / 1024, int(output[4]) / 1024)


def profile(title: str, action: Callable[[], object], limit: int = 12) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(limit)
    return f"## profile: {title}\n{stream.getvalue()}"


# --------------------------------------------------------------------------- #
# Main.                                                                          #
# --------------------------------------------------------------------------- #


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    value: str
    target: str
    met: bool | None


def table(rows: Sequence[Row]) -> str:
    lines = ["| measure | value | target | met |", "| --- | ---: | --- | --- |"]
    for row in rows:
        met = "" if row.met is None else "yes" if row.met else "**no**"
        lines.append(f"| {row.measure} | {row.value} | {row.target} | {met} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_rules", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run: fewer repetitions, rougher figures")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--profile", action="store_true", help="also print cProfile hotspots")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 5; 3 with --quick)")
    parser.add_argument("--evaluations", type=int, help="evaluations per round (default 2000; 200 with --quick)")
    args = parser.parse_args(argv)
    count, rounds, compile_repeats = (200, 3, 1) if args.quick else (2000, 5, 3)
    count = args.evaluations or count
    rounds = args.rounds or rounds

    small_rules, large_rules = generate()
    small_text = render_ruleset("bench-50", small_rules)
    large_text = render_ruleset("bench-10000", large_rules)

    # A fresh process first: the first compile of a process also loads the parser's tables.
    with tempfile.TemporaryDirectory(prefix="massagecodes-bench-") as directory:
        path = os.path.join(directory, "bench-10000.rules")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(large_text)
        cold = cold_compile(path)

    first_small, _ = time_compile(small_text, 1, "bench-50.rules")  # loads the parser's tables in this process
    small_compile, small = time_compile(small_text, max(compile_repeats, 3), "bench-50.rules")
    large_compile, large = time_compile(large_text, compile_repeats, "bench-10000.rules")
    assert len(small.rules) == SMALL
    assert len(large.rules) == LARGE
    start = time.perf_counter()
    pickle.loads(pickle.dumps(large, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301 - bytes we just made
    round_trip = time.perf_counter() - start

    claim = Claim.from_dict(claim_data())
    variants = [Claim.from_dict(data) for data in variant_claims()]
    # Honesty checks: the baseline implements the same rules (same findings on the
    # benchmark claim and on variants), and the 9,950 extra rules change nothing.
    check_agreement(small, small_rules, [claim, *variants])
    check_agreement(large, small_rules, [claim, *variants])
    findings = baseline(claim, small_rules)
    assert len(findings) >= 4, findings
    checked_small, checked_large = rules_checked(small, claim), rules_checked(large, claim)

    micros = time_evaluations(
        {
            "engine-50": (small.evaluate, (claim,)),
            "baseline": (baseline, (claim, small_rules)),
            "engine-10000": (large.evaluate, (claim,)),
        },
        count,
        rounds,
    )
    baseline_ratio = micros["engine-50"] / micros["baseline"]
    growth_ratio = micros["engine-10000"] / micros["engine-50"]

    def checked(number: int | None, total: int) -> str:
        return f"{number:,} of {total:,}" if number is not None else "n/a"

    rows = [
        Row("engine, 4-line claim, 50 rules", f"{micros['engine-50']:.1f} µs/claim", "", None),
        Row("hand-written baseline, same claim, same 50 rules", f"{micros['baseline']:.1f} µs/claim", "", None),
        Row("**engine / baseline** (50 rules)", f"{baseline_ratio:.2f}x", f"≤ {TARGET_BASELINE_RATIO:g}x",
            baseline_ratio <= TARGET_BASELINE_RATIO),
        Row("engine, same claim, 10,000 rules", f"{micros['engine-10000']:.1f} µs/claim", "", None),
        Row("**10,000 rules / 50 rules**", f"{growth_ratio:.2f}x", f"≤ {TARGET_GROWTH_RATIO:g}x",
            growth_ratio <= TARGET_GROWTH_RATIO),
        Row("rules checked for the claim (50 / 10,000 rules)",
            f"{checked(checked_small, SMALL)} / {checked(checked_large, LARGE)}", "", None),
        Row("**compile 10,000 rules**, fresh process (`load_rules`, parser tables loaded first)",
            f"{cold.compile_seconds:.2f} s", f"< {TARGET_COMPILE_SECONDS:g} s",
            cold.compile_seconds < TARGET_COMPILE_SECONDS),
        Row(f"compile 10,000 rules, warm (`compile_rules`, best of {compile_repeats})", f"{large_compile:.2f} s",
            f"< {TARGET_COMPILE_SECONDS:g} s", large_compile < TARGET_COMPILE_SECONDS),
        Row("compile 50 rules, first in a process (loads the parser tables)", f"{first_small * 1e3:.0f} ms", "", None),
        Row("compile 50 rules, warm (best of 3)", f"{small_compile * 1e3:.1f} ms", "", None),
        Row("pickle round trip of the compiled 10,000-rule ruleset", f"{round_trip:.2f} s", "", None),
        Row("import massagecodes, fresh process", f"{cold.import_seconds * 1e3:.0f} ms", "", None),
        Row("peak RSS, fresh process: after import / after compiling 10,000 rules",
            f"{cold.rss_imported_mib:.0f} / {cold.rss_mib:.0f} MiB", "", None),
    ]  # fmt: skip

    print(
        f"massagecodes {massagecodes.__version__} ({os.path.dirname(massagecodes.__file__)}), "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        f"rules text: 50 rules {len(small_text):,} bytes, 10,000 rules {len(large_text):,} bytes; "
        f"claim: {len(claim.lines)} lines, {len(findings)} findings: {', '.join(f[0] for f in findings)}"
    )
    print(f"timing: best of {rounds} rounds x {count} evaluations, interleaved{' (quick)' if args.quick else ''}\n")
    print(table(rows))

    if args.profile:
        print()
        print(profile(f"engine, 50 rules, {count} evaluations", lambda: _loop(small.evaluate, (claim,), count)))
        print(profile(f"baseline, {count} evaluations", lambda: _loop(baseline, (claim, small_rules), count)))
        print(profile("compile 10,000 rules (warm)", lambda: compile_rules(large_text)))

    missed = [row.measure.replace("*", "") for row in rows if row.met is False]
    if args.check and missed:
        print(f"\nmissed: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
