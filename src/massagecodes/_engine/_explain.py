"""Explanations: which rules a claim met, which predicates held or failed, on what.

:func:`explain` traces the reference solver (see :mod:`._reference`) on each rule
of a ruleset, and each CMS edit table's edits that apply to the claim's codes.
Traces name codes, lines and values of the claim's lines, never diagnoses.
"""

from __future__ import annotations

from typing import Any, Protocol

from massagecodes._engine._edit_tables import ImportedTable, PtpTable
from massagecodes._engine._facts import Context, Facts, TraceStep
from massagecodes._engine._fee_tables import RvuTable
from massagecodes._engine._reference import apply, undecided_reason
from massagecodes._engine._results import Result, lines_named
from massagecodes._engine._rules import CompiledRule
from massagecodes._model import Claim
from massagecodes.units import UnitMethod

_TRACE_STEPS_PER_RULE = 60


class Explained(Protocol):
    """What an explanation reads of a ruleset."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str | None: ...
    @property
    def unit_method(self) -> UnitMethod: ...
    @property
    def catalog(self) -> Any: ...
    @property
    def rules(self) -> tuple[CompiledRule, ...]: ...
    @property
    def tables(self) -> tuple[ImportedTable, ...]: ...
    @property
    def rvus(self) -> RvuTable | None: ...
    @property
    def source(self) -> str: ...

    def _candidates(self, facts: Facts) -> tuple[int, ...]: ...


def explain(ruleset: Explained, claim: Claim, history: tuple[Claim, ...], result: Result) -> str:
    """The explanation of ``result``, the evaluation of ``claim`` by ``ruleset``."""
    facts = Facts(claim, history, ruleset.unit_method, ruleset.catalog, ruleset.rvus)
    candidates = set(ruleset._candidates(facts))
    version = f" {ruleset.version}" if ruleset.version else ""
    lines = [
        f"ruleset {ruleset.name}{version}: {len(ruleset.rules)} rules, units by {ruleset.unit_method.name}",
        f"claim: {len(claim.lines)} lines ({', '.join(facts.codes)}), date of service {claim.date_of_service}",
        f"outcome: {result.outcome} (lines: {', '.join(result.line_outcomes)})",
    ]
    for position, rule in enumerate(ruleset.rules):
        head = f"rule {rule.id} ({rule.source}:{rule.line}): {rule.text}"
        if position not in candidates:
            present = facts.by_code.keys()
            lacking = next(
                (needed for needed in (rule.triggers, *rule.requires) if needed and needed.isdisjoint(present)),
                rule.triggers or frozenset(),
            )
            lines.append(f"{head}\n  not checked: the claim has none of {', '.join(sorted(lacking))}")
            continue
        trace: list[TraceStep] = []
        ctx = Context(facts, trace=trace)
        finding = apply(rule, ctx)
        lines.append(head)
        for step in trace[:_TRACE_STEPS_PER_RULE]:
            mark = "" if step.held is None else "[held] " if step.held else "[failed] "
            detail = f": {step.detail}" if step.detail else ""
            lines.append(f"  {'  ' * step.depth}{mark}{step.text}{detail}")
        if len(trace) > _TRACE_STEPS_PER_RULE:
            lines.append(f"  ... {len(trace) - _TRACE_STEPS_PER_RULE} more steps")
        if finding is None and ctx.missing:
            lines.append(f"  => undecided: {undecided_reason(ctx.missing)}")
        elif finding is None:
            lines.append("  => no finding")
        else:
            where = "the claim" if finding.claim_level else lines_named(finding.lines)
            lines.append(f"  => {finding.action} {where}: {finding.message}")
    for table in ruleset.tables:
        if isinstance(table, RvuTable):
            lines.append(f"table {table.file} (RVUs of {table.count} codes): read by the rules that total RVUs")
            continue
        kind = "PTP" if isinstance(table, PtpTable) else "MUE"
        hits = list(table.rules_for(facts, ruleset.source))
        lines.append(f"table {table.file} ({kind}, {table.count} edits): {len(hits)} apply to this claim's codes")
        for rule in hits:
            trace = []
            finding = apply(rule, Context(facts, trace=trace))
            lines.append(f"  edit {rule.id}: {rule.text}")
            lines.extend(
                f"    {'' if step.held is None else '[held] ' if step.held else '[failed] '}{step.text}: {step.detail}"
                for step in trace
            )
            lines.append(
                "    => no finding"
                if finding is None
                else f"    => {finding.action} {lines_named(finding.lines)}: {finding.message}"
            )
    return "\n".join(lines)
