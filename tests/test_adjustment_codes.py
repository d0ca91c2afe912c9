"""The shipped CARC/RARC list, and the codes each finding of a shipped ruleset carries."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest

import massagecodes as mc
from massagecodes._adjustment_codes import adjustment_code, adjustment_codes

ROOT = Path(__file__).resolve().parent.parent


def _pyx12_remark_codes() -> set[str]:
    text = resources.files("pyx12").joinpath("map", "codes.xml").read_text(encoding="utf-8")
    root = ET.fromstring(text)  # noqa: S314 - pyx12's own shipped file
    for codeset in root.iter("codeset"):
        if codeset.findtext("id") == "remark_code":
            return {code.text or "" for code in codeset.iter("code")}
    raise AssertionError("pyx12's codes.xml has no remark_code set")


def test_the_list_reads_whole() -> None:
    codes = adjustment_codes()
    assert len(codes) >= 20
    assert all(entry.meaning and entry.code for entry in codes.values())
    assert adjustment_code("CARC", "96") is not None
    assert adjustment_code("CARC", "96").remark_required  # type: ignore[union-attr]
    assert not adjustment_code("CARC", "97").remark_required  # type: ignore[union-attr]
    assert adjustment_code("CARC", "999") is None


def test_every_remark_code_is_in_pyx12s_list() -> None:
    known = _pyx12_remark_codes()
    assert sorted(code for (kind, code) in adjustment_codes() if kind == "RARC" and code not in known) == []


@pytest.mark.parametrize("path", sorted((ROOT / "rulesets").glob("*.rules")), ids=lambda path: path.name)
def test_every_code_a_shipped_rule_carries_is_known(path: Path) -> None:
    ruleset = mc.load_rules(path)
    unknown = sorted(
        f"{rule.id}: {kind} {code}"
        for rule in ruleset.rules
        for kind, code in (("CARC", rule.carc), ("RARC", rule.rarc))
        if code is not None and adjustment_code(kind, code) is None  # type: ignore[arg-type]
    )
    assert unknown == []
