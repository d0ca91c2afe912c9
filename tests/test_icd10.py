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
