"""ICD-10-CM lookups (extra icd10) and the `diagnoses are billable` condition."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import massagecodes as mc
from massagecodes import icd10

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "claim.json"


@pytest.mark.parametrize(
    ("code", "billable", "known"),
    [
        ("M54.50", True, True),
        ("M54", False, True),
        ("M62.830", True, True),
        ("M54.5", False, True),
        ("Z99.99", False, False),
    ],
)
def test_is_billable(code: str, billable: bool, known: bool) -> None:
    assert icd10.is_billable(code) is billable
    assert icd10.is_known(code) is known


def test_description() -> None:
    assert icd10.description("M54.50") == "Low back pain, unspecified"
    assert icd10.description("Z99.99") is None


def test_format_is_checked_first() -> None:
    with pytest.raises(mc.InputError, match="expected an ICD-10-CM code"):
        icd10.is_billable("m54.50")


def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    icd10._codes.cache_clear()
    monkeypatch.setitem(sys.modules, "simple_icd_10_cm", None)  # import fails as if not installed
    try:
        with pytest.raises(mc.ExtraMissingError, match=r"pip install 'massagecodes\[icd10\]'"):
            icd10.is_billable("M54.50")
    finally:
        icd10._codes.cache_clear()


def test_rule_condition() -> None:
    ruleset = mc.compile_rules(
        'rule unbillable\n  NOT diagnoses are billable -> DENY claim\n  carc 16\n  message "A diagnosis is not billable"\nend\n'
    )
    data = json.loads(EXAMPLE.read_text())
    assert ruleset.evaluate(mc.Claim.from_dict(data)).findings == ()
    data["diagnoses"] = ["M54", "M62.830"]
    result = ruleset.evaluate(mc.Claim.from_dict(data))
    assert [(f.rule_id, f.claim_level) for f in result.findings] == [("unbillable", True)]
    assert "[failed] diagnoses are billable: 2 diagnoses, 1 not billable" in result.explain()
    assert "M54" not in result.explain().replace("M54.", "")  # which diagnosis is never shown
    data["diagnoses"] = []
    data["lines"] = [{**line, "diagnosis_pointers": []} for line in data["lines"]]
    assert [f.rule_id for f in ruleset.evaluate(mc.Claim.from_dict(data)).findings] == ["unbillable"]


# --- reported by check and eval ----------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    import io

    from massagecodes.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_eval_reports_diagnoses_that_are_not_billable_by_letter(tmp_path: Path) -> None:
    claim = {
        "date_of_service": "2026-03-02",
        "payer": {"kind": "commercial"},
        "provider": {"npi": "1234567893", "license": "LMT"},
        "patient": {"id": "P-9"},
        "diagnoses": ["M54.50", "M54", "M99.99"],
        "referral": {"npi": "1245319599", "date": "2026-01-02"},
        "lines": [{"code": "97124", "minutes": 30, "diagnosis_pointers": [1, 2, 3], "charge": "60.00"}],
    }
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    code, out, err = _run("eval", "--ruleset", "commercial", "--icd10", str(path))
    assert (code, err) == (0, "")
    assert out.splitlines()[-2:] == [
        "diagnosis B: a category of ICD-10-CM, not a billable code: use one of the codes under it",
        "diagnosis C: not in ICD-10-CM",
    ]
    assert "M54" not in out  # the codes themselves are health information
    code, out, _ = _run("eval", "--ruleset", "commercial", "--icd10", str(path), "--format", "json")
    assert json.loads(out)["icd10"] == [
        {"diagnosis": "B", "problem": "a category of ICD-10-CM, not a billable code: use one of the codes under it"},
        {"diagnosis": "C", "problem": "not in ICD-10-CM"},
    ]
    code, out, _ = _run("eval", "--ruleset", "commercial", str(path), "--format", "json")
    assert "icd10" not in json.loads(out)  # opt-in: the code set takes seconds to load


def test_check_warns_of_diagnosis_codes_icd10_does_not_have(tmp_path: Path) -> None:
    path = tmp_path / "dx.rules"
    path.write_text(
        'rule back-pain "Back pain"\n'
        "  97124 AND diagnosis M54.* or M54.7* or M54.50 to M54.99 -> REQUIRE referral\n"
        "end\n",
        encoding="utf-8",
    )
    code, out, _ = _run("check", "--icd10", "--format", "json", str(path))
    assert code == 0
    found = [(d["code"], d["line"], d["column"], d["message"]) for d in json.loads(out)]
    assert found == [
        ("MC307", 2, 32, "diagnosis pattern M54.7* is not in ICD-10-CM (its stem M54.7 is not a code or category)"),
        ("MC307", 2, 52, "diagnosis code M54.99 is not in ICD-10-CM"),
    ]
    code, out, _ = _run("check", "--format", "json", str(path))
    assert json.loads(out) == []
