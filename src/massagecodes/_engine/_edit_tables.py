"""CMS edit tables: procedure-to-procedure (PTP) pairs and medically unlikely edits (MUE).

A ruleset imports a table from a CSV file beside it (``import ptp "ptp.csv"``), in
CMS's column layout:

* PTP: column 1, column 2, in existence before 1996 (``*`` or blank), effective
  date, deletion date (``*`` or blank for none), modifier indicator (0, 1 or 9),
  rationale. Dates are ``YYYYMMDD`` as CMS writes them, or ``YYYY-MM-DD``.
* MUE: code, units, adjudication indicator (1 per line; 2 or 3 per date of
  service; CMS writes "2 Date of Service Edit: Policy"), rationale.

Rows that do not start with a procedure code (CMS's title and header lines) are
passed over; any other malformed row is an error naming its line. The tables are
indexed by code pair (PTP) and by code (MUE): a claim's evaluation looks up only
the pairs and codes it has, whatever the table's size. When a claim hits an edit,
the edit becomes an ordinary compiled rule (the same predicate objects as written
rules), so findings and explanations read the same.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterator

import attrs

from massagecodes._engine import _predicates as p
from massagecodes._engine._fee_tables import RvuTable
from massagecodes._engine._rules import CompiledRule, Target
from massagecodes._engine._table_files import TABLE_CODE, table_error, table_rows

# NCCI: these modifiers bypass an edit whose indicator is 1 (DOMAIN.md section 4; CMS NCCI ch. I).
BYPASS_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})
_NO_DATE = 0


def _day(text: str) -> int:
    """A CMS date as a proleptic ordinal; 0 for "none" (``*`` or blank)."""
    text = text.strip()
    if text in ("", "*"):
        return _NO_DATE
    if len(text) == 8 and text.isascii() and text.isdigit():
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:])).toordinal()
    return datetime.date.fromisoformat(text).toordinal()


@attrs.frozen
class PtpTable:
    """PTP edits by pair ``column1 + column2`` -> rows of (effective, deletion, indicator)."""

    file: str
    digest: str
    pairs: dict[str, tuple[tuple[int, int, int], ...]] = attrs.field(eq=False, repr=False)
    rationale: dict[str, str] = attrs.field(eq=False, repr=False)
    count: int

    def rules_for(self, facts: p.Facts, source: str) -> Iterator[CompiledRule]:
        """The edits in force for the claim's pairs of codes, on the dates both are billed
        (a line's own date, else the claim's): an edit deleted or not yet effective on
        one of those dates does not act there."""
        codes = sorted(facts.by_code)
        for first in codes:
            for second in codes:
                rows = self.pairs.get(first + second) if first != second else None
                if not rows:
                    continue
                common = sorted(
                    {facts.dates[i] for i in facts.by_code[first]} & {facts.dates[i] for i in facts.by_code[second]}
                )
                by_indicator: dict[int, list[datetime.date]] = {}
                for day in common:
                    ordinal = day.toordinal()
                    for effective, deleted, indicator in rows:
                        if indicator == 9 or ordinal < effective or (deleted != _NO_DATE and ordinal >= deleted):
                            continue
                        by_indicator.setdefault(indicator, []).append(day)
                        break
                for indicator, days in sorted(by_indicator.items()):
                    only = None if len(days) == len(common) else tuple(days)
                    yield self._rule(first, second, indicator, source, only)

    def _rule(
        self, first: str, second: str, indicator: int, source: str, days: tuple[datetime.date, ...] | None
    ) -> CompiledRule:
        column1 = p.CodeTermPred(0, frozenset({first}), first)
        column2 = p.CodeTermPred(1, frozenset({second}), second)
        items: tuple[p.Predicate, ...] = (column1, column2)
        if days is not None:  # in force on some of the dates only
            shown = " or ".join(str(day) for day in days)
            selector = p.LineSelector("code", frozenset({second}), (1,), None)
            items += (p.MeasurePred("date", selector, "is", days, f"date of {second} is {shown}"),)
        condition = p.AllOf(items, (p.Relation(True, "date", (0, 1), "SAME date"),), f"{first} AND {second} SAME date")
        unless = None
        text = f"{first} AND {second} SAME date -> DENY {second}"
        if indicator == 1:
            modifiers = " or ".join(sorted(BYPASS_MODIFIERS))
            unless = p.ModifierPred(BYPASS_MODIFIERS, p.LineSelector("target"), f"modifier {modifiers}")
            text += f" unless modifier {modifiers}"
        rationale = self.rationale.get(first + second, "")
        return _edit_rule(
            rule_id=f"ptp:{first}-{second}",
            condition=condition,
            unless=unless,
            target=second,
            slot=1,
            slots=2,
            trigger=first,
            carc="236",
            rarc=None,
            message=f"{second} is not paid with {first} on the same date (NCCI procedure-to-procedure edit"
            + (f": {rationale})" if rationale else ")"),
            fix="bill a modifier that shows a distinct service (59, XE, XS, XP, XU) if one applies"
            if indicator == 1
            else "no modifier bypasses this edit: bill one of the two",
            citation=f"CMS NCCI PTP table {self.file}",
            text=text,
            source=source,
        )


def _edit_rule(
    *,
    rule_id: str,
    condition: p.Predicate,
    unless: p.Predicate | None,
    target: str,
    slot: int,
    slots: int,
    trigger: str,
    carc: str,
    rarc: str | None,
    message: str,
    fix: str,
    citation: str,
    text: str,
    source: str,
) -> CompiledRule:
    """A table edit as a compiled rule: it denies the lines of ``target`` bound to ``slot``."""
    return CompiledRule(
        id=rule_id,
        order=0,
        title=None,
        action="DENY",
        condition=condition,
        unless=unless,
        target=Target(False, (slot,), frozenset({target})),
        into=None,
        requirement=None,
        carc=carc,
        rarc=rarc,
        message=message,
        fix=fix,
        citation=citation,
        severity="error",
        effective=None,
        slots=slots,
        triggers=frozenset({trigger}),
        text=text,
        source=source,
        line=0,
        column=0,
    )


def load_ptp(data: bytes, *, file: str, source: str, digest: str) -> PtpTable:
    pairs: dict[str, list[tuple[int, int, int]]] = {}
    rationale: dict[str, str] = {}
    count = 0
    intern = sys.intern
    for number, row in table_rows(data, source=source, file=file):
        if len(row) < 6:
            raise table_error(
                source,
                file,
                number,
                "a PTP row has column 1, column 2, the 1996 flag, effective date, deletion date, modifier indicator and rationale",
            )
        first, second = row[0].strip(), row[1].strip()
        if not TABLE_CODE.fullmatch(second):
            raise table_error(source, file, number, f"column 2 {second!r} is not a procedure code")
        try:
            effective, deleted = _day(row[3]), _day(row[4])
        except ValueError:
            raise table_error(
                source, file, number, "the effective and deletion dates are written YYYYMMDD (or * for no deletion)"
            ) from None
        indicator_text = row[5].strip()[:1]
        if indicator_text not in ("0", "1", "9"):
            raise table_error(source, file, number, "the modifier indicator is 0, 1 or 9")
        key = intern(first + second)
        pairs.setdefault(key, []).append((effective, deleted, int(indicator_text)))
        if len(row) > 6 and row[6].strip():
            rationale[key] = intern(row[6].strip())
        count += 1
    return PtpTable(file, digest, {key: tuple(rows) for key, rows in pairs.items()}, rationale, count)


@attrs.frozen
class MueTable:
    """MUE ceilings by code -> (units, adjudication indicator)."""

    file: str
    digest: str
    limits: dict[str, tuple[int, int]] = attrs.field(eq=False, repr=False)
    rationale: dict[str, str] = attrs.field(eq=False, repr=False)
    count: int

    def rules_for(self, facts: p.Facts, source: str) -> Iterator[CompiledRule]:
        for code in sorted(facts.by_code):
            limit = self.limits.get(code)
            if limit is None:
                continue
            units, indicator = limit
            measure: p.Predicate
            if indicator == 1:
                measure = p.MeasurePred(
                    "units",
                    p.LineSelector("code", frozenset({code}), (), 0),
                    ">",
                    (units,),
                    f"units of {code} > {units}",
                )
                text = f"units of {code} > {units} -> DENY {code}"
            else:
                measure = p.DayUnitsPred(code, units, 0, f"units of {code} on one date > {units}")
                text = f"units of {code} on one date > {units} -> DENY {code}"
            yield _edit_rule(
                rule_id=f"mue:{code}",
                condition=measure,
                unless=None,
                target=code,
                slot=0,
                slots=1,
                trigger=code,
                carc="151",
                rarc="N362",
                message=f"{code} is billed for more than its medically unlikely edit of {units} units"
                + (" on one date of service" if indicator != 1 else " on one line"),
                fix=f"bill at most {units} units of {code}, or document why more were medically necessary and appeal",
                citation=f"CMS MUE table {self.file}" + (f": {self.rationale[code]}" if code in self.rationale else ""),
                text=text,
                source=source,
            )


def load_mue(data: bytes, *, file: str, source: str, digest: str) -> MueTable:
    limits: dict[str, tuple[int, int]] = {}
    rationale: dict[str, str] = {}
    for number, row in table_rows(data, source=source, file=file):
        if len(row) < 3:
            raise table_error(
                source, file, number, "an MUE row has the code, the units, the adjudication indicator and the rationale"
            )
        code = row[0].strip()
        units_text, indicator_text = row[1].strip(), row[2].strip()[:1]
        if not (units_text.isascii() and units_text.isdigit()):
            raise table_error(source, file, number, f"the units {units_text!r} are not a whole number")
        if indicator_text not in ("1", "2", "3"):
            raise table_error(source, file, number, "the adjudication indicator is 1, 2 or 3")
        if code in limits:
            raise table_error(source, file, number, f"{code} is listed twice")
        limits[code] = (int(units_text), int(indicator_text))
        if len(row) > 3 and row[3].strip():
            rationale[code] = row[3].strip()
    return MueTable(file, digest, limits, rationale, len(limits))


CmsTable = PtpTable | MueTable
"""A CMS edit table (as opposed to the parser tables of the rule grammar)."""

ImportedTable = PtpTable | MueTable | RvuTable
"""A table a ruleset imports: a CMS edit table, or a fee table (RVUs)."""
