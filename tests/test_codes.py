"""Code formats, the NPI check digit, and the code catalog."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

import massagecodes as mc
from massagecodes._codes import (
    DEFAULT_CATALOG,
    diagnosis_problem,
    modifier_problem,
    npi_check_digit,
    npi_problem,
    procedure_code_problem,
    suggest_code,
)


@pytest.mark.parametrize("npi", ["1234567893", "1245319599"])
def test_known_valid_npis(npi: str) -> None:
    assert npi_problem(npi) is None


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_is_valid(first_nine: str) -> None:
    valid = [d for d in "0123456789" if npi_problem(first_nine + d) is None]
    assert valid == [str(npi_check_digit(first_nine))]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_a_changed_digit_is_caught(first_nine: str, position: int, delta: int) -> None:
    npi = first_nine + str(npi_check_digit(first_nine))
    changed = npi[:position] + str((int(npi[position]) + delta) % 10) + npi[position + 1 :]
    assert npi_problem(changed) is not None


@pytest.mark.parametrize("code", ["97124", "97140", "G0283", "A4556"])
def test_procedure_code_formats(code: str) -> None:
    assert procedure_code_problem(code) is None


@pytest.mark.parametrize("code", ["9712", "971240", "g0283", "GG283", "97 24", "", None, 97124])
def test_bad_procedure_codes(code: object) -> None:
    assert procedure_code_problem(code) is not None


@pytest.mark.parametrize("modifier", ["59", "XS", "GP", "KX", "CQ"])
def test_modifiers(modifier: str) -> None:
    assert modifier_problem(modifier) is None


@pytest.mark.parametrize(
    ("value", "suffix"),
    [("gp", ' (write it in capitals: "GP")'), ("5", ""), ("XSX", ""), (59, "")],
    ids=["lower", "short", "long", "number"],
)
def test_bad_modifiers(value: object, suffix: str) -> None:
    message = modifier_problem(value)
    assert message is not None
    assert message.endswith(suffix)


@pytest.mark.parametrize("code", ["M54.50", "M62.830", "S13.4XXA", "M54", "Z99.89", "U07.1"])
def test_icd10_formats(code: str) -> None:
    assert diagnosis_problem(code) is None


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("M5450", "; this one lacks the dot after its third character"),
        ("m54.50", "; this one has lower-case letters"),
        ("M54.", ""),
        ("M54.12345", ""),
        ("5M4.50", ""),
    ],
)
def test_bad_icd10(code: str, hint: str) -> None:
    message = diagnosis_problem(code)
    assert message is not None
    assert message.endswith("(e.g. M54.50)" + hint)
    assert f'"{code}"' not in message  # diagnoses are health information: never echoed


def test_catalog_knows_the_domain_codes() -> None:
    timed = {info.code for info in DEFAULT_CATALOG.infos if info.timed}
    assert timed == {"97110", "97112", "97124", "97140", "97530", "97750"}
    assert DEFAULT_CATALOG.get("97010") is not None
    assert DEFAULT_CATALOG.get("97003") is not None
    assert str(DEFAULT_CATALOG.get("97003").deleted) == "2017-01-01"  # type: ignore[union-attr]
    assert "97122" not in DEFAULT_CATALOG


def test_catalog_is_an_immutable_value() -> None:
    extended = DEFAULT_CATALOG.with_codes([mc.CodeInfo(code="97116", description="x", timed=True)])
    assert "97116" in extended
    assert "97116" not in DEFAULT_CATALOG
    assert pickle.loads(pickle.dumps(extended)) == extended
    assert len(extended) == len(DEFAULT_CATALOG) + 1


def test_code_info_validates_its_code() -> None:
    with pytest.raises(mc.InputError, match="expected a procedure code"):
        mc.CodeInfo(code="abc", description="x", timed=False)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("97125", "97124"), ("97142", "97140"), ("91724", "97124"), ("12345", None), ("9712", None)],
)
def test_suggest_code(code: str, expected: str | None) -> None:
    assert suggest_code(code, DEFAULT_CATALOG.codes) == expected
