"""X12 837P in and out: files written elsewhere, round trips, pyx12's verdict, every error."""

from __future__ import annotations

import datetime
import io
import logging
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import massagecodes as mc
import strategies as strat
from massagecodes import x12
from massagecodes.errors import ExtraMissingError, InputError
from massagecodes.x12._notes import _k3_payload

DATA = Path(__file__).parent / "data" / "x12"
CREATED = datetime.datetime(2026, 3, 15, 12, 0)
ADDRESS = x12.Address(line1="100 MAIN ST", city="PORTLAND", state="OR", postal_code="97201")
BILLING = x12.BillingProvider(name="BODYWORKS CLINIC", npi="1234567893", tax_id="931234567", address=ADDRESS)
SUBMITTER = x12.Submitter(name="BODYWORKS BILLING", id="BWB123", contact="JANE BILLER", phone="5035550100")
RECEIVER = x12.Receiver(name="CLEARHOUSE", id="CLEARHOUSE")
PARTIES = {
    "submitter": SUBMITTER,
    "receiver": RECEIVER,
    "billing": BILLING,
    "created": CREATED,
}


def read(name: str, **options: object) -> tuple[mc.Claim, ...]:
    return x12.read_837p((DATA / name).read_text(encoding="utf-8"), **options)  # type: ignore[arg-type]


def write(claims: list[mc.Claim], **options: object) -> str:
    arguments: dict[str, object] = {
        **PARTIES,
        "subscribers": {
            claim.patient.id: x12.Person(last_name="DOE", first_name="JOHN", address=ADDRESS) for claim in claims
        },
        "payer_id": "PAYER01",
    }
    arguments.update(options)
    return x12.write_837p(claims, **arguments)  # type: ignore[arg-type]


def example_claim() -> mc.Claim:
    return mc.Claim.from_json((Path(__file__).parent.parent / "examples" / "claim.json").read_text(encoding="utf-8"))


# --- files written elsewhere -------------------------------------------------------------


def test_a_foreign_file_is_read_with_every_line_modifier_unit_and_pointer() -> None:
    (claim,) = read("one-claim.837", license="LMT")
    assert claim.to_dict() == {
        "date_of_service": "2026-03-10",
        "payer": {"kind": "commercial", "name": "ACME HEALTH", "state": None},
        "provider": {"npi": "1234567893", "license": "LMT", "taxonomy": "225700000X", "name": None},
        "patient": {"id": "W123456789", "birth_date": "1980-01-01", "sex": None, "member_id": None},
        "diagnoses": ["M54.50", "M62.830"],
        "referral": None,
        "authorization": {"number": "AUTH7788", "start": None, "end": None, "visits": None},
        "lines": [
            {"code": "97124", "minutes": None, "units": 2, "region": None, "modifiers": ["GP"],
             "diagnosis_pointers": [1, 2], "charge": "110.00", "date": None, "place_of_service": None},
            {"code": "97140", "minutes": None, "units": 2, "region": None, "modifiers": ["59", "GP"],
             "diagnosis_pointers": [1], "charge": "110.00", "date": None, "place_of_service": None},
        ],
        "documentation": None,
        "claim_id": None,
        "place_of_service": None,
        "accident": None,
    }  # fmt: skip


def test_pointers_resolve_to_the_claims_diagnoses() -> None:
    (claim,) = read("one-claim.837", license="LMT")
    resolved = [[claim.diagnoses[pointer - 1] for pointer in line.diagnosis_pointers] for line in claim.lines]
    assert resolved == [["M54.50", "M62.830"], ["M54.50"]]


def test_a_foreign_file_is_evaluated_against_a_shipped_ruleset() -> None:
    (claim,) = read("one-claim.837", license="LMT")
    result = mc.load_ruleset("commercial").evaluate(claim)
    assert [(finding.rule_id, str(finding.action), finding.lines) for finding in result.findings] == [
        ("referral-required", "REQUIRE", (0, 1))
    ]
    claims = read("two-payers.837", license="PT")
    # 2026.1: language 1 judges any payer's claim (2026.2 is for Medicare claims only).
    results = [mc.load_ruleset("cms-therapy", "==2026.1").evaluate(claim) for claim in claims]
    assert [[(f.rule_id, str(f.action), f.lines) for f in result.findings] for result in results] == [
        [],
        [("hot-cold-packs-bundled", "BUNDLE", (0,))],
        [],
    ]


def test_loops_rendering_provider_minutes_and_a_dependent_patient() -> None:
    first, second, third = read("two-payers.837", license="PT")
    # 2310B names the rendering provider: its NPI and taxonomy, not the billing provider's.
    assert first.provider == mc.Provider(npi="1245319599", license=mc.License.PT, taxonomy="225100000X")
    assert [line.code for line in first.lines] == ["97140", "97110"]
    # A second claim of the same subscriber; SV103 "MJ" is minutes.
    assert second.patient == first.patient
    assert second.provider.npi == "1234567893"
    assert second.lines[0].minutes == 10
    assert second.lines[0].units is None
    # 2000C: the patient is a dependant; the member id is the subscriber's, the birth date the patient's.
    assert third.patient == mc.Patient(id="1EG4TE5MK72", birth_date=datetime.date(1948, 2, 2))
    assert third.payer.kind is mc.PayerKind.MEDICARE
    assert third.lines[0].modifiers == ("GP", "KX")
    assert third.authorization is not None
    assert third.authorization.number == "PA-2026-0042"


def test_keywords_override_what_the_file_says() -> None:
    claims = read("two-payers.837", license="PT", payer_kind="medicaid")
    assert {claim.payer.kind for claim in claims} == {mc.PayerKind.MEDICAID}


# --- writing -----------------------------------------------------------------------------


def _pyx12_verdict(text: str) -> bool:
    import pyx12.params
    import pyx12.x12n_document

    return bool(pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), None, None))


def test_what_is_written_is_valid_for_pyx12_and_reads_back() -> None:
    claim = example_claim()
    text = write([claim])
    assert text.startswith("ISA*00*")
    assert "GS*HC*BWB123*CLEARHOUSE*20260315*1200*1*X*005010X222A1~" in text
    assert "SV1*HC:97140:59*60*UN*1***1:2~" in text
    assert _pyx12_verdict(text)
    assert x12.read_837p(text) == (claim,)


def test_several_claims_keep_their_order_and_rendering_providers() -> None:
    claim = example_claim()
    other = attrs.evolve(claim, provider=mc.Provider(npi="1245319599", license=mc.License.DC, taxonomy="111N00000X"))
    text = write([claim, other, claim], rendering={"1245319599": x12.Person(last_name="SMITH", first_name="ANNA")})
    assert "NM1*82*1*SMITH*ANNA****XX*1245319599~" in text
    assert "PRV*PE*PXC*111N00000X~" in text
    assert _pyx12_verdict(text)
    assert x12.read_837p(text) == (claim, other, claim)


def test_the_written_envelope_is_deterministic() -> None:
    assert write([example_claim()]) == write([example_claim()])


def _after_1800(date: datetime.date | None) -> datetime.date | None:
    if date is None or date.year >= 1800:
        return date
    return datetime.date(1800 + date.year % 200, date.month, min(date.day, 28))


def _for_837p(claim: mc.Claim) -> mc.Claim:
    """``claim`` with what an 837P requires: a charge and a pointer on every line, a diagnosis,
    X12 characters in the names it writes as elements, dates from 1800."""
    diagnoses = claim.diagnoses or ("M54.50",)
    lines = tuple(
        attrs.evolve(
            line,
            charge=Decimal("1.00") if line.charge is None else line.charge,
            diagnosis_pointers=line.diagnosis_pointers or (1,),
            date=_after_1800(line.date),
        )
        for line in claim.lines
    )
    authorization = claim.authorization
    if authorization is not None:
        authorization = attrs.evolve(authorization, number="PA1")
    return attrs.evolve(
        claim,
        diagnoses=diagnoses,
        lines=lines,
        payer=attrs.evolve(claim.payer, name="ACME HEALTH"),
        patient=attrs.evolve(claim.patient, id="MEMBER01", birth_date=_after_1800(claim.patient.birth_date)),
        authorization=authorization,
        date_of_service=max(claim.date_of_service, datetime.date(1800, 1, 1)),
    )


def _normalised(claim: mc.Claim) -> mc.Claim:
    """A line dated as its claim is the same as an undated line: the 837P dates every line."""
    lines = tuple(attrs.evolve(line, date=None) if line.date == claim.date_of_service else line for line in claim.lines)
    return attrs.evolve(claim, lines=lines)


# pyx12 loads its 837P map for every file it reads (about half a second), so each example
# is one file of up to four claims, read (and so validated) once.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(strat.claims().map(_for_837p), min_size=1, max_size=4))
def test_round_trip_keeps_every_field_of_the_model(claims: list[mc.Claim]) -> None:
    rendering = {claim.provider.npi: x12.Person(last_name="SMITH") for claim in claims}
    text = write(claims, rendering=rendering, validate=False)
    assert x12.read_837p(text) == tuple(_normalised(claim) for claim in claims)


def test_dates_before_1800_are_refused() -> None:
    claim = example_claim()
    old = attrs.evolve(
        claim,
        date_of_service=datetime.date(1799, 12, 31),
        patient=mc.Patient(id="P-1", birth_date=datetime.date(1700, 1, 1)),
    )
    with pytest.raises(InputError) as error:
        write([old])
    assert problems(error) == [
        "$[0].date_of_service: an 837P carries no date before 1800",
        "$[0].patient.birth_date: an 837P carries no date before 1800",
    ]
    assert "1700" not in str(error.value)


def test_self_pay_is_mutually_defined_and_kept() -> None:
    claim = example_claim()
    cash = attrs.evolve(claim, payer=attrs.evolve(claim.payer, kind=mc.PayerKind.SELF_PAY))
    text = write([cash])
    assert "SBR*P*18*******ZZ~" in text
    assert x12.read_837p(text) == (cash,)


def test_a_claim_dated_before_all_its_lines_keeps_its_date() -> None:
    claim = example_claim()
    lines = tuple(attrs.evolve(line, date=datetime.date(2025, 3, 20)) for line in claim.lines)
    early = attrs.evolve(claim, lines=lines)
    assert x12.read_837p(write([early])) == (early,)


def test_money_is_read_as_exact_decimals() -> None:
    claim = example_claim()
    cents = attrs.evolve(claim, lines=(attrs.evolve(claim.lines[0], charge=Decimal("0.10")),))
    (back,) = x12.read_837p(write([cents]))
    assert back.lines[0].charge == Decimal("0.10")
    assert back.to_dict()["lines"][0]["charge"] == "0.10"


# --- errors reading ----------------------------------------------------------------------


def problems(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_not_an_interchange() -> None:
    with pytest.raises(InputError) as error:
        x12.read_837p("hello, world")
    assert problems(error) == ["segment 1: not an X12 interchange: it must begin with a complete ISA segment"]


def test_every_segment_and_element_problem_is_listed_by_position() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8")
    text = text.replace("SV1*HC:97124:GP*110", "SV1*HC:97124:GP*1X0")
    text = text.replace("DMG*D8*19800101", "DMG*D8*19801301")
    text = text.replace("CLM*PCN0001*220***11:B:1*Y", "CLM*PCN0001*220***11:B:1*Q")
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    assert problems(error) == [
        "segment 19 DMG02: Subscriber Birth Date: invalid date",
        "segment 21 CLM06: Provider or Supplier Signature Indicator: not a valid code for this element",
        "segment 25 SV102: Line Item Charge Amount: invalid character",
    ]
    # Health information never reaches the message: not the birth date, not the member id.
    assert "19801301" not in str(error.value)
    assert "W123456789" not in str(error.value)


def test_a_missing_mandatory_segment_and_a_wrong_count() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("REF*EI*931234567~\n", "")
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    messages = problems(error)
    assert any(
        re.fullmatch(r"segment \d+ \w+: mandatory segment missing \(.*Tax Identification.*\)", m) for m in messages
    ), messages
    assert any("(ST/SE): transaction set error 4" in message for message in messages)


def test_pyx12_logs_nothing(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("DMG*D8*19800101", "DMG*D8*19801301")
    with caplog.at_level(logging.DEBUG), pytest.raises(InputError):
        x12.read_837p(text, license="LMT")
    # pyx12 logs which map files it loads (debug); nothing with a value from the file, no error.
    assert [record for record in caplog.records if record.levelno >= logging.INFO] == []
    assert not any(
        "19801301" in record.getMessage() or "W123456789" in record.getMessage() for record in caplog.records
    )
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_another_transaction_is_refused() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("005010X222A1", "005010X223A2")
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    assert "005010X222A1" in str(error.value)


def test_the_licence_must_come_from_somewhere() -> None:
    with pytest.raises(InputError) as error:
        read("one-claim.837")
    assert problems(error) == [
        "segment 21: the 837P does not say the provider's licence (LMT, PT, DC, ...): pass license= (eval --license)"
    ]


def test_an_unknown_claim_filing_indicator_needs_payer_kind() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("******CI~", "******VA~")
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    assert problems(error) == [
        "segment 15 SBR09: this claim filing indicator names no payer kind the rules know: pass payer_kind= (eval --payer-kind)"
    ]
    (claim,) = x12.read_837p(text, license="LMT", payer_kind="commercial")
    assert claim.payer.kind is mc.PayerKind.COMMERCIAL


def test_model_problems_point_at_their_segment() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8")
    text = text.replace("SV1*HC:97140:59:GP", "SV1*HC:9714X:59:GP").replace("1234567893", "1234567890")
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    messages = problems(error)
    assert messages[0].startswith(
        "segment 10 NM109 ($.provider.npi): expected an NPI whose last digit is its check digit"
    )
    assert messages[1].startswith("segment 28 SV101 ($.lines[1].code): expected a procedure code")
    assert len(messages) == 2


# --- one bad claim of a batch --------------------------------------------------------------


def _batch(change_first: tuple[str, str] = ("", ""), change_second: tuple[str, str] = ("", "")) -> str:
    """Two claims, each under its own billing provider and subscriber; a change to the
    text of each (from, to)."""
    claim = example_claim()
    text = write([claim, attrs.evolve(claim, patient=attrs.evolve(claim.patient, id="P-2"))])
    first, second = text.split("CLM*MC2")
    if change_first[0]:
        first = first.replace(*change_first)
    if change_second[0]:
        second = second.replace(*change_second)
    return first + "CLM*MC2" + second


def test_each_claim_of_a_batch_is_read_or_refused_alone() -> None:
    claim = example_claim()
    other = attrs.evolve(claim, patient=attrs.evolve(claim.patient, id="P-2"))
    assert x12.read_837p_each(_batch()) == (claim, other)
    # A problem of the model: the second claim's procedure code.
    text = _batch(change_second=("SV1*HC:97140", "SV1*HC:9714X"))
    with pytest.raises(InputError) as error:
        x12.read_837p(text)
    (message,) = problems(error)
    assert message.startswith("segment 51 SV101 ($.lines[1].code): expected a procedure code")
    first, second = x12.read_837p_each(text)
    assert first == claim
    assert isinstance(second, InputError)
    assert second.what == "837P claim"
    assert [str(problem) for problem in second.problems] == [message]
    # A problem pyx12 finds is the whole file's: it may report it at another claim's segment.
    with pytest.raises(InputError) as error:
        x12.read_837p_each(_batch(change_first=("SV1*HC:97124:GP*120", "SV1*HC:97124:GP*1X0")))
    assert problems(error) == ["segment 24 SV102: Line Item Charge Amount: invalid character"]


def test_problems_pyx12_finds_refuse_the_whole_file() -> None:
    """A missing segment is reported at the next one pyx12 reads, which may be another
    claim's, and a broken HL moves segments to other claims: no claim is returned."""
    text = (DATA / "two-payers.837").read_text(encoding="utf-8")
    for broken in (
        text.replace("DMG*D8*19750704", "DMG*D8*19751304"),  # a subscriber's birth date
        text.replace("NM1*PR*2*BLUE PLAN OF OREGON*****PI*BPO01~", ""),  # a payer, reported at the next CLM
        text.replace("HL*3*1*22*1", "HL*3*1*2X*1"),  # a subscriber's HL: later claims would get another's data
    ):
        assert broken != text
        with pytest.raises(InputError) as error:
            x12.read_837p_each(broken, license="PT")
        assert error.value.what == "837P"


def test_a_file_pyx12_refuses_is_not_read() -> None:
    """Its segments may lack what reading needs (here the subscriber's SBR)."""
    claim = attrs.evolve(example_claim(), payer=attrs.evolve(example_claim().payer, kind=mc.PayerKind.SELF_PAY))
    text = write([claim]).replace("SBR*P*18*******ZZ~", "SBQ*P*18*******ZZ~")
    with pytest.raises(InputError) as error:
        x12.read_837p_each(text)
    assert problems(error) == [
        "segment 14 SBQ: unrecognised segment (Subscriber Hierarchical Level)",
        "segment 15 SBR: mandatory segment missing (Subscriber Information)",
    ]


def test_a_problem_of_the_whole_file_refuses_every_claim() -> None:
    # The transaction's segment count, in SE: no claim's segment.
    text = _batch().replace("SE*52*0001", "SE*51*0001")
    with pytest.raises(InputError) as error:
        x12.read_837p_each(text)
    assert error.value.what == "837P"
    assert any("segment 54" in message for message in problems(error)), problems(error)
    with pytest.raises(InputError, match="not an X12 interchange"):
        x12.read_837p_each("hello, world")
    with pytest.raises(InputError, match="payer_kind"):
        x12.read_837p_each(_batch(), payer_kind="nobody")


def test_a_total_that_is_not_the_sum_of_the_lines() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("CLM*PCN0001*220", "CLM*PCN0001*230")
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    assert problems(error) == ["segment 21 CLM02: the claim's total charge is not the sum of its line charges"]


def test_a_date_range_on_a_line_is_refused() -> None:
    text = (
        (DATA / "one-claim.837")
        .read_text(encoding="utf-8")
        .replace("DTP*472*D8*20260310~\nLX*2", "DTP*472*RD8*20260310-20260311~\nLX*2")
    )
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="LMT")
    assert problems(error) == ["segment 26 DTP02: expected a single date of service (D8), not a range"]


def test_a_changed_massagecodes_note_is_reported() -> None:
    text = write([example_claim()])
    broken = re.sub(r"K3\*MC1 \{", "K3*MC1 [", text, count=1)
    with pytest.raises(InputError) as error:
        x12.read_837p(broken)
    # The note is reported, and so is what it would have said (the licence).
    assert problems(error) == [
        "segment 20 K301: a massagecodes K3 note that is not readable: it was changed or cut",
        "segment 19: the 837P does not say the provider's licence (LMT, PT, DC, ...): pass license= (eval --license)",
    ]


def test_reading_arguments_are_checked() -> None:
    with pytest.raises(InputError) as error:
        x12.read_837p(b"ISA", license="XYZ")  # type: ignore[arg-type]
    assert problems(error) == ["text: expected the 837P as a string, got a bytes"]
    with pytest.raises(InputError) as error:
        x12.read_837p("ISA", license="XYZ", payer_kind="cash")
    assert [problem.path for problem in error.value.problems] == ["license", "payer_kind"]


# --- errors writing ----------------------------------------------------------------------


def test_what_an_837p_needs_and_a_claim_lacks_is_listed() -> None:
    claim = example_claim()
    bare = attrs.evolve(
        claim,
        diagnoses=(),
        lines=(attrs.evolve(claim.lines[0], charge=None, diagnosis_pointers=()),),
        payer=attrs.evolve(claim.payer, name=None),
    )
    with pytest.raises(InputError) as error:
        write([bare], subscribers={})
    assert problems(error) == [
        "$[0].diagnoses: an 837P needs at least one diagnosis (segment HI)",
        "$[0].payer.name: an 837P names the payer (loop 2010BB)",
        "$[0].patient.id: no name for this patient in subscribers=",
        "$[0].lines[0].charge: an 837P needs a charge on every line (SV102)",
        "$[0].lines[0].diagnosis_pointers: an 837P needs at least one diagnosis pointer a line (SV107)",
    ]


def test_values_that_x12_cannot_carry_are_refused_without_echoing_names() -> None:
    claim = example_claim()
    with pytest.raises(InputError) as error:
        write([attrs.evolve(claim, payer=attrs.evolve(claim.payer, name="ACME*HEALTH"))])
    assert problems(error) == ["$[0].payer.name: expected X12 characters only, and none of * : ^ ~ in 'ACME*HEALTH'"]
    with pytest.raises(InputError) as error:
        write([claim], subscribers={claim.patient.id: x12.Person(last_name="D~OE")})
    assert problems(error) == ["subscribers[...].last_name: expected X12 characters only, and none of * : ^ ~"]


def test_a_rendering_provider_needs_a_name_and_a_payer_an_id() -> None:
    claim = attrs.evolve(example_claim(), provider=mc.Provider(npi="1245319599", license=mc.License.LMT))
    with pytest.raises(InputError) as error:
        write([claim], payer_id=None)
    assert problems(error) == [
        "$[0].payer.name: no payer id for this payer: pass payer_id= or payer_ids=",
        "$[0].provider.npi: the rendering provider is not the billing provider: pass its name in rendering=",
    ]
    text = write(
        [claim],
        payer_id=None,
        payer_ids={"Acme Health": "ACME01"},
        rendering={"1245319599": x12.Person(last_name="SMITH")},
    )
    assert "NM1*PR*2*Acme Health*****PI*ACME01~" in text


def test_parties_are_checked_when_made() -> None:
    with pytest.raises(InputError) as error:
        x12.Submitter(name="", id="X", contact="A", phone="555")
    assert [problem.path for problem in error.value.problems] == ["submitter.name", "submitter.id", "submitter.phone"]
    with pytest.raises(InputError) as error:
        x12.BillingProvider(name="CLINIC", npi="1234567890", tax_id="12-3456789", address=ADDRESS)
    assert [problem.path for problem in error.value.problems] == ["billing.npi", "billing.tax_id"]
    with pytest.raises(InputError) as error:
        x12.BillingProvider(
            name="CLINIC",
            npi="1234567893",
            tax_id="123456789",
            address=attrs.evolve(ADDRESS, state="Or", postal_code="9720"),
        )
    assert [problem.path for problem in error.value.problems] == [
        "billing.address.state",
        "billing.address.postal_code",
    ]


def test_writing_arguments_are_checked() -> None:
    wrong: Any = "me"
    with pytest.raises(InputError) as error:
        x12.write_837p(
            [], submitter=wrong, receiver=RECEIVER, billing=BILLING, subscribers={}, place_of_service="office"
        )
    assert [problem.path for problem in error.value.problems] == ["submitter", "claims", "place_of_service"]
    not_claims: Any = ["not a claim"]
    with pytest.raises(InputError) as error:
        x12.write_837p(
            not_claims, submitter=SUBMITTER, receiver=RECEIVER, billing=BILLING, subscribers={}, payer_id="P1"
        )
    assert problems(error) == ["$[0]: expected a Claim, got a str"]


# --- the extra ---------------------------------------------------------------------------


def test_without_the_extra_the_error_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [module for module in sys.modules if module == "pyx12" or module.startswith("pyx12.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyx12", None)
    with pytest.raises(ExtraMissingError, match=re.escape("pip install 'massagecodes[x12]'")):
        read("one-claim.837")
    with pytest.raises(ExtraMissingError):
        write([example_claim()])


# --- what a careless or hostile file must not get past -----------------------------------

TWO = (DATA / "two-payers.837").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TWO[: TWO.index("HL*3*1")], "HL*3"),  # cut mid-file
        (TWO.replace("HL*3*1*22*1~", "~\nHL*3*1*22*1~"), "empty"),  # a stray empty segment
        (TWO[: TWO.index("SE*52")], "no trailers"),
    ],
    ids=["cut", "empty-segment", "no-trailers"],
)
def test_no_claim_is_lost_to_a_cut_or_broken_file(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="PT")
    rendered = problems(error)
    assert any("is never closed" in p or "cannot be read past segment" in p for p in rendered), rendered


def test_an_empty_segment_says_where_reading_stopped() -> None:
    with pytest.raises(InputError) as error:
        x12.read_837p(TWO.replace("HL*3*1*22*1~", "~\nHL*3*1*22*1~"), license="PT")
    assert (
        "segment 36: the interchange cannot be read past segment 35: an empty or malformed segment follows"
        in problems(error)
    )


def _with_note(text: str, after: str, note: dict[str, object]) -> str:
    pieces = _k3_payload(note)
    assert len(pieces) == 1
    return text.replace(after, f"{after}\nK3*{pieces[0]}~", 1)


def test_a_k3_note_cannot_change_what_the_segments_say() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("SE*28", "SE*29")
    line_note = _with_note(text, "DTP*472*D8*20260310~", {"code": "97010", "units": 9})
    with pytest.raises(InputError) as error:
        x12.read_837p(line_note, license="LMT")
    assert problems(error) == [
        "segment 27 K301: a massagecodes K3 note may not say code, units: the segments say that, or nothing does"
    ]
    claim_note = _with_note(text, "REF*G1*AUTH7788~", {"diagnoses": ["Z00.00"], "provider": {"npi": "1245319599"}})
    with pytest.raises(InputError) as error:
        x12.read_837p(claim_note, license="LMT")
    assert problems(error) == [
        "segment 23 K301: a massagecodes K3 note may not say diagnoses, provider.npi: the segments say that, or nothing does"
    ]


def test_stray_text_is_not_echoed() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8")
    with pytest.raises(InputError) as error:
        x12.read_837p(text.replace("LX*2~", "JOHN DOE SSN 123-45-6789~\nLX*2~"), license="LMT")
    assert "JOHN" not in str(error.value)
    assert "123-45" not in str(error.value)


def test_long_free_text_round_trips_and_too_much_is_refused() -> None:
    claim = example_claim()
    goals = ("Walk to the mail box daily", "Sleep through the night without waking", "Lift a grandchild")
    noted = attrs.evolve(claim, documentation=mc.Documentation(functional_goals=goals))
    assert x12.read_837p(write([noted])) == (noted,)
    crowded = attrs.evolve(claim, documentation=mc.Documentation(functional_goals=("walk to the mailbox " * 3,) * 12))
    with pytest.raises(InputError) as error:
        write([crowded])
    (problem,) = error.value.problems
    assert problem.path == "$[0].documentation"
    assert problem.message.startswith("too much to carry in an 837P: ")


def test_condition_codes_and_dotted_diagnoses() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("SE*28", "SE*29")
    with_conditions = text.replace("HI*ABK:M5450*ABF:M62830~", "HI*ABK:M5450*ABF:M62830~\nHI*BG:01~")
    (claim,) = x12.read_837p(with_conditions, license="LMT")
    assert claim.diagnoses == ("M54.50", "M62.830")
    dotted = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("ABK:M5450", "ABK:M54.50")
    with pytest.raises(InputError) as error:
        x12.read_837p(dotted, license="LMT")
    assert problems(error)[0] == "segment 23 HI01: an 837P writes ICD-10-CM codes without the dot (M5450)"


def test_a_licence_argument_must_agree_with_the_file() -> None:
    text = write([example_claim()])  # its K3 note says LMT
    assert x12.read_837p(text, license="LMT")[0].provider.license is mc.License.LMT
    with pytest.raises(InputError) as error:
        x12.read_837p(text, license="PT")
    assert problems(error) == ["segment 19: license= contradicts the licence the file's K3 note states"]


def test_a_byte_order_mark_and_blank_lines_before_isa() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8")
    assert x12.read_837p("\ufeff\n\n" + text, license="LMT") == x12.read_837p(text, license="LMT")


def test_the_state_of_an_accident_is_the_payer_state() -> None:
    text = (DATA / "one-claim.837").read_text(encoding="utf-8").replace("*Y*A*Y*Y~", "*Y*A*Y*Y**AA:::FL~")
    (claim,) = x12.read_837p(text, license="LMT", payer_kind="auto-pip")
    assert claim.payer.state == "FL"
