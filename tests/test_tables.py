"""CMS PTP and MUE tables imported from CSV beside a ruleset."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

import massagecodes as mc

PTP_HEADER = (
    "Column 1,Column 2,* = In existence prior to 1996,Effective Date,Deletion Date *=no data,"
    "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n"
)
MUE_HEADER = "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"


def table_ruleset(tmp_path: Path, ptp_rows: list[str], mue_rows: list[str]) -> mc.Ruleset:
    (tmp_path / "ptp.csv").write_text(
        "Generated PTP table for a test\n" + PTP_HEADER + "".join(r + "\n" for r in ptp_rows)
    )
    (tmp_path / "mue.csv").write_text(MUE_HEADER + "".join(r + "\n" for r in mue_rows))
    path = tmp_path / "tables.rules"
    path.write_text('ruleset tables\nversion 1.0\nimport ptp "ptp.csv"\nimport mue "mue.csv"\n')
    return mc.load_rules(path)


def claim(*lines: dict[str, Any], day: str = "2026-03-02") -> mc.Claim:
    return mc.Claim.from_dict(
        {
            "date_of_service": day,
            "payer": {"kind": "medicare"},
            "provider": {"npi": "1234567893", "license": "PT"},
            "patient": {"id": "T-1"},
            "lines": list(lines),
        }
    )


def found(ruleset: mc.Ruleset, value: mc.Claim) -> list[tuple[str, tuple[int, ...], str | None]]:
    return [(f.rule_id, f.lines, f.carc) for f in ruleset.evaluate(value).findings]


PTP = [
    "97530,97140,,20200101,*,1,Misuse of column two code with column one code",
    "97530,97112,,20200101,20240101,1,Deleted edit",
    "97164,97110,,2020-01-01,,0,Standards of medical practice",
    "97750,97110,*,20200101,*,9,Not applicable",
    "97110,97124,,20270101,*,1,Not yet effective",
]
MUE = [
    "97124,4,2 Date of Service Edit: Policy,Clinical",
    "97140,2,1 Line Edit,Clinical",
    "97112,3,3 Date of Service Edit: Clinical,",
]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([{"code": "97530", "units": 1}, {"code": "97140", "units": 1}], [("ptp:97530-97140", (1,), "236")]),
        ([{"code": "97530", "units": 1}, {"code": "97140", "units": 1, "modifiers": ["XS"]}], []),
        (
            [{"code": "97530", "units": 1, "modifiers": ["59"]}, {"code": "97140", "units": 1}],
            [("ptp:97530-97140", (1,), "236")],
        ),
        ([{"code": "97530", "units": 1}, {"code": "97112", "units": 1}], []),  # deleted 2024-01-01
        (
            [{"code": "97164", "units": 1}, {"code": "97110", "units": 1, "modifiers": ["59"]}],
            [("ptp:97164-97110", (1,), "236")],
        ),
        ([{"code": "97750", "units": 1}, {"code": "97110", "units": 1}], []),  # indicator 9
        ([{"code": "97110", "units": 1}, {"code": "97124", "units": 1}], []),  # effective 2027
        (
            [{"code": "97140", "units": 1}, {"code": "97530", "units": 1}],
            [("ptp:97530-97140", (0,), "236")],
        ),  # order on the claim
    ],
    ids=[
        "deny-column-2",
        "bypass-modifier",
        "modifier-on-column-1",
        "deleted",
        "indicator-0",
        "indicator-9",
        "not-yet",
        "order",
    ],
)
def test_ptp(tmp_path: Path, lines: list[dict[str, Any]], expected: list[tuple[str, tuple[int, ...], str]]) -> None:
    ruleset = table_ruleset(tmp_path, PTP, [])
    assert found(ruleset, claim(*lines)) == expected


def test_ptp_before_the_deletion_date(tmp_path: Path) -> None:
    ruleset = table_ruleset(tmp_path, PTP, [])
    lines = [{"code": "97530", "units": 1}, {"code": "97112", "units": 1}]
    assert found(ruleset, claim(*lines, day="2023-12-31")) == [("ptp:97530-97112", (1,), "236")]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([{"code": "97124", "units": 4}], []),
        ([{"code": "97124", "units": 3}, {"code": "97124", "units": 2}], [("mue:97124", (0, 1), "151")]),
        ([{"code": "97140", "units": 2}, {"code": "97140", "units": 2}], []),  # per line: 2 and 2
        ([{"code": "97140", "units": 3}], [("mue:97140", (0,), "151")]),
        ([{"code": "97112", "minutes": 53}], [("mue:97112", (0,), "151")]),  # 53 minutes support 4 units
    ],
    ids=["at-limit", "per-day", "per-line-ok", "per-line-over", "from-minutes"],
)
def test_mue(tmp_path: Path, lines: list[dict[str, Any]], expected: list[tuple[str, tuple[int, ...], str]]) -> None:
    ruleset = table_ruleset(tmp_path, [], MUE)
    result = ruleset.evaluate(claim(*lines))
    assert [(f.rule_id, f.lines, f.carc) for f in result.findings] == expected
    assert all(f.rarc == "N362" for f in result.findings)


def test_table_findings_read_like_rules(tmp_path: Path) -> None:
    ruleset = table_ruleset(tmp_path, PTP, MUE)
    result = ruleset.evaluate(claim({"code": "97530", "units": 1}, {"code": "97140", "units": 3}))
    assert [f.rule_id for f in result.findings] == ["ptp:97530-97140", "mue:97140"]
    assert (
        result.findings[0].message
        == "97140 is not paid with 97530 on the same date (NCCI procedure-to-procedure edit: Misuse of column two code with column one code)"
    )
    assert result.findings[0].citation == "CMS NCCI PTP table ptp.csv"
    text = result.explain()
    assert "table ptp.csv (PTP, 5 edits): 1 apply to this claim's codes" in text
    assert "[failed] modifier 59 or XE or XP or XS or XU: line 1: no modifier" in text


def test_tables_change_the_hash(tmp_path: Path) -> None:
    first = table_ruleset(tmp_path, PTP, MUE).hash
    second = table_ruleset(tmp_path, PTP[:-1], MUE).hash
    assert first != second


@pytest.mark.parametrize(
    ("ptp", "mue", "message"),
    [
        (
            ["97530,97140,,2020-13-01,*,1,x"],
            [],
            "ptp.csv line 3: the effective and deletion dates are written YYYYMMDD",
        ),
        (["97530,97140,,20200101,*,2,x"], [], "ptp.csv line 3: the modifier indicator is 0, 1 or 9"),
        (["97530,9714,,20200101,*,1,x"], [], "ptp.csv line 3: column 2 '9714' is not a procedure code"),
        (["97530,97140"], [], "ptp.csv line 3: a PTP row has column 1"),
        ([], ["97124,four,2,x"], "mue.csv line 2: the units 'four' are not a whole number"),
        ([], ["97124,4,7,x"], "mue.csv line 2: the adjudication indicator is 1, 2 or 3"),
        ([], ["97124,4,2,x", "97124,5,2,y"], "mue.csv line 3: 97124 is listed twice"),
    ],
    ids=["bad-date", "bad-indicator", "bad-code", "short-row", "bad-units", "bad-mue-indicator", "duplicate"],
)
def test_malformed_tables(tmp_path: Path, ptp: list[str], mue: list[str], message: str) -> None:
    with pytest.raises(mc.RulesSemanticError) as caught:
        table_ruleset(tmp_path, ptp, mue)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "MC215"
    assert diagnostic.message.startswith(message)


def test_import_needs_a_file_beside_the_ruleset(tmp_path: Path) -> None:
    with pytest.raises(mc.RulesSemanticError, match="loaded from a file"):
        mc.compile_rules('import ptp "ptp.csv"\n')
    path = tmp_path / "x.rules"
    path.write_text('import ptp "../etc/passwd"\n')
    with pytest.raises(mc.RulesSemanticError, match="a file name beside the ruleset"):
        mc.load_rules(path)
    path.write_text('import ptp "missing.csv"\n')
    with pytest.raises(mc.RulesSemanticError, match=re.escape("cannot read 'missing.csv'")):
        mc.load_rules(path)
    path.write_text('import xyz "missing.csv"\n')
    with pytest.raises(mc.RulesSemanticError, match='unknown table kind "xyz"'):
        mc.load_rules(path)


def test_evaluation_does_not_depend_on_table_size(tmp_path: Path) -> None:
    # Not timed: count the edits a claim looks at, which must not grow with the table.
    rng = random.Random(7)
    rows = [f"{rng.randint(10000, 99999)},{rng.randint(10000, 99999)},,20200101,*,1,x" for _ in range(20_000)]
    ruleset = table_ruleset(tmp_path, [*PTP, *rows], MUE)
    value = claim({"code": "97530", "units": 1}, {"code": "97140", "units": 1})
    assert [f.rule_id for f in ruleset.evaluate(value).findings] == ["ptp:97530-97140"]
    (table, _) = ruleset.tables
    from massagecodes._engine import _predicates

    assert isinstance(table, mc._engine.PtpTable | mc._engine.MueTable)

    facts = _predicates.Facts(value, (), ruleset.unit_method, ruleset.catalog)
    assert [rule.id for rule in table.rules_for(facts, "t")] == ["ptp:97530-97140"]


def test_tables_load_through_the_registry(tmp_path: Path) -> None:
    # Loaded by name from a folder, a ruleset finds its tables beside it, as with load_rules.
    direct = table_ruleset(tmp_path, PTP, MUE)
    by_name = mc.load_ruleset("tables", directories=[tmp_path])
    assert by_name.hash == direct.hash
    assert "tables" in {info.name for info in mc.available_rulesets(directories=[tmp_path])}
    value = claim({"code": "97530", "units": 1}, {"code": "97140", "units": 1})
    assert found(by_name, value) == found(direct, value)
    assert found(by_name, value)


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_tables_not_in_csv_are_refused(tmp_path: Path, separator: str) -> None:
    rows = [row.replace(",", separator) for row in PTP]
    with pytest.raises(mc.RulesSemanticError, match=r"ptp\.csv line 3: the line starts with a code but is not comma"):
        table_ruleset(tmp_path, rows, MUE)


def test_category_iii_rows_are_read(tmp_path: Path) -> None:
    ruleset = table_ruleset(tmp_path, [*PTP, "0001T,97140,,20200101,*,1,Category III row"], [*MUE, "0002T,1,2,x"])
    assert [table.count for table in ruleset.tables] == [len(PTP) + 1, len(MUE) + 1]


def test_ptp_edit_dates_apply_to_each_date_of_service(tmp_path: Path) -> None:
    ruleset = table_ruleset(tmp_path, PTP, MUE)
    # 97530/97112 was deleted on 2024-01-01: it acts on the pair of 2023-12-31 only.
    value = claim(
        {"code": "97530", "units": 1},
        {"code": "97112", "units": 1},
        {"code": "97530", "units": 1, "date": "2024-01-02"},
        {"code": "97112", "units": 1, "date": "2024-01-02"},
        day="2023-12-31",
    )
    assert found(ruleset, value) == [("ptp:97530-97112", (1,), "236")]
    later = claim(
        {"code": "97530", "units": 1, "date": "2024-01-02"},
        {"code": "97112", "units": 1, "date": "2024-01-02"},
        day="2023-12-31",
    )
    assert found(ruleset, later) == []
