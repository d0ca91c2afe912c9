"""X12 837P claims in and out (extra ``x12``, built on pyx12).

The professional claim transaction, version 005010X222A1 (DOMAIN.md section 7):
:func:`read_837p` turns an interchange into :class:`~massagecodes.Claim` objects and
:func:`write_837p` writes claims as an interchange that pyx12 validates without
errors. docs/x12.md maps every model field to its segment and element.

Every file read is first validated by pyx12 against the 005010X222A1 map; a
malformed envelope, segment or element raises :class:`~massagecodes.errors.InputError`
listing every problem with its segment position (``segment 25 SV102``). Messages
name segments and elements, never their values: an 837P is health information.

pyx12 is imported on first use. Without the extra, both functions raise
:class:`~massagecodes.errors.ExtraMissingError` naming the ``pip install`` to run.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from massagecodes._codes import NPI
from massagecodes._model import Claim, License, PayerKind
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary
from massagecodes.errors import InputError, Problem
from massagecodes.x12._filing import _FILING_TO_KIND, _KIND_TO_FILING
from massagecodes.x12._notes import _CLAIM_NOTE, _K3_MAX, _LINE_NOTE, _claim_extras, _k3_data, _k3_payload, _line_extras
from massagecodes.x12._parties import Address, BillingProvider, Person, Receiver, Submitter
from massagecodes.x12._segments import VERSION, _raise_if, _Segment, _text_problems
from massagecodes.x12._validation import _pyx12, _validate

__all__ = ["Address", "BillingProvider", "Person", "Receiver", "Submitter", "read_837p", "read_837p_each", "write_837p"]

MAX_TEXT = 20_000_000  # characters: far above any real batch, small enough to refuse a runaway input


# --- the parties an 837P names and the model does not --------------------------------


# --- writing ---------------------------------------------------------------------------


def _x12_date(value: datetime.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"  # strftime drops a year's leading zeros


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f")  # X12 amounts carry no trailing zeros


def _diagnosis_out(code: str) -> str:
    return code.replace(".", "")


class _Writer:
    def __init__(self) -> None:
        self.segments: list[str] = []

    def add(self, *elements: str) -> None:
        while elements and elements[-1] == "":
            elements = elements[:-1]
        self.segments.append("*".join(elements) + "~")


def _check_claim_for_837p(index: int, claim: object, names: _Names) -> list[Problem]:
    path = f"$[{index}]"
    if not isinstance(claim, Claim):
        return [Problem(path, f"expected a Claim, got a {type(claim).__name__}")]
    found: list[Problem] = []
    if not claim.diagnoses:
        found.append(Problem(f"{path}.diagnoses", "an 837P needs at least one diagnosis (segment HI)"))
    if claim.payer.name is None:
        found.append(Problem(f"{path}.payer.name", "an 837P names the payer (loop 2010BB)"))
    elif names.payer_id(claim.payer.name) is None:
        found.append(Problem(f"{path}.payer.name", "no payer id for this payer: pass payer_id= or payer_ids="))
    else:
        found += _text_problems(f"{path}.payer.name", claim.payer.name, max_len=60)
    if claim.patient.id not in names.subscribers:
        found.append(Problem(f"{path}.patient.id", "no name for this patient in subscribers="))
    else:
        found += _text_problems(f"{path}.patient.id", claim.patient.id, max_len=80, min_len=2, sensitive=True)
    if claim.provider.npi != names.billing.npi and claim.provider.npi not in names.rendering:
        found.append(
            Problem(
                f"{path}.provider.npi",
                "the rendering provider is not the billing provider: pass its name in rendering=",
            )
        )
    if claim.authorization is not None:
        found += _text_problems(f"{path}.authorization.number", claim.authorization.number, max_len=50, sensitive=True)
    first_date = min(claim.line_date(index) for index in range(len(claim.lines)))
    pieces = len(_k3_payload(_claim_extras(claim, claim.to_dict(), first_date)))
    if pieces > _K3_MAX:
        where = f"{path}.documentation" if claim.documentation is not None else path
        found.append(
            Problem(where, f"too much to carry in an 837P: {pieces} K3 segments of 80 characters, at most {_K3_MAX}")
        )
    dated = [("date_of_service", claim.date_of_service)]
    dated += [(f"lines[{number}].date", line.date) for number, line in enumerate(claim.lines) if line.date is not None]
    if claim.patient.birth_date is not None:
        dated.append(("patient.birth_date", claim.patient.birth_date))
    found += [
        Problem(f"{path}.{name}", "an 837P carries no date before 1800") for name, value in dated if value.year < 1800
    ]
    for number, line in enumerate(claim.lines):
        where = f"{path}.lines[{number}]"
        if line.charge is None:
            found.append(Problem(f"{where}.charge", "an 837P needs a charge on every line (SV102)"))
        if not line.diagnosis_pointers:
            found.append(
                Problem(f"{where}.diagnosis_pointers", "an 837P needs at least one diagnosis pointer a line (SV107)")
            )
    return found


@attrs.frozen
class _Names:
    billing: BillingProvider
    subscribers: Mapping[str, Person]
    rendering: Mapping[str, Person]
    payer_ids: Mapping[str, str]
    default_payer_id: str | None

    def payer_id(self, name: str) -> str | None:
        return self.payer_ids.get(name, self.default_payer_id)


def _write_claim(out: _Writer, claim: Claim, number: int, hl: int, names: _Names, place_of_service: str) -> int:
    data = claim.to_dict()
    billing = names.billing
    out.add("HL", str(hl), "", "20", "1")
    if claim.provider.npi == billing.npi and claim.provider.taxonomy is not None:
        out.add("PRV", "BI", "PXC", claim.provider.taxonomy)
    out.add("NM1", "85", "2", billing.name, "", "", "", "", "XX", billing.npi)
    _address(out, billing.address)
    out.add("REF", "EI", billing.tax_id)
    out.add("HL", str(hl + 1), str(hl), "22", "0")
    out.add("SBR", "P", "18", "", "", "", "", "", "", _KIND_TO_FILING[claim.payer.kind])
    subscriber = names.subscribers[claim.patient.id]
    out.add("NM1", "IL", "1", subscriber.last_name, subscriber.first_name or "", "", "", "", "MI", claim.patient.id)
    if subscriber.address is not None:
        _address(out, subscriber.address)
    if claim.patient.birth_date is not None:
        out.add("DMG", "D8", _x12_date(claim.patient.birth_date), subscriber.sex)
    assert claim.payer.name is not None
    payer_id = names.payer_id(claim.payer.name)
    assert payer_id is not None
    out.add("NM1", "PR", "2", claim.payer.name, "", "", "", "", "PI", payer_id)
    total = sum((line.charge for line in claim.lines if line.charge is not None), Decimal(0))
    out.add("CLM", f"MC{number}", _money(total), "", "", f"{place_of_service}:B:1", "Y", "A", "Y", "Y")
    if claim.authorization is not None:
        out.add("REF", "G1", claim.authorization.number)
    first_date = min(claim.line_date(index) for index in range(len(claim.lines)))
    for piece in _k3_payload(_claim_extras(claim, data, first_date)):
        out.add("K3", piece)
    codes = [
        ("ABK" if position == 0 else "ABF") + ":" + _diagnosis_out(code)
        for position, code in enumerate(claim.diagnoses)
    ]
    out.add("HI", *codes)
    if claim.provider.npi != billing.npi:
        rendering = names.rendering[claim.provider.npi]
        kind = "1"
        out.add(
            "NM1", "82", kind, rendering.last_name, rendering.first_name or "", "", "", "", "XX", claim.provider.npi
        )
        if claim.provider.taxonomy is not None:
            out.add("PRV", "PE", "PXC", claim.provider.taxonomy)
    for position, (line, line_data) in enumerate(zip(claim.lines, data["lines"], strict=True), start=1):
        out.add("LX", str(position))
        procedure = ":".join(["HC", line.code, *line.modifiers])
        if line.units is not None:
            basis, quantity = "UN", line.units
        else:
            assert line.minutes is not None
            basis, quantity = "MJ", line.minutes
        pointers = ":".join(str(pointer) for pointer in line.diagnosis_pointers)
        assert line.charge is not None
        out.add("SV1", procedure, _money(line.charge), basis, str(quantity), "", "", pointers)
        out.add("DTP", "472", "D8", _x12_date(claim.line_date(position - 1)))
        extras = _line_extras(line_data)
        if extras:
            for piece in _k3_payload(extras):
                out.add("K3", piece)
    return hl + 2


def _address(out: _Writer, address: Address) -> None:
    out.add("N3", address.line1, address.line2 or "")
    out.add("N4", address.city, address.state, address.postal_code)


def write_837p(
    claims: Iterable[Claim],
    *,
    submitter: Submitter,
    receiver: Receiver,
    billing: BillingProvider,
    subscribers: Mapping[str, Person],
    payer_id: str | None = None,
    payer_ids: Mapping[str, str] | None = None,
    rendering: Mapping[str, Person] | None = None,
    place_of_service: str = "11",
    control_number: int = 1,
    created: datetime.datetime | None = None,
    production: bool = True,
    validate: bool = True,
) -> str:
    """Write ``claims`` as one 837P interchange (005010X222A1), one segment a line.

    An 837P names people and organisations the model does not carry:

    * ``submitter``, ``receiver`` and ``billing``: who sends, who receives, who bills;
    * ``subscribers``: the subscriber's name (and address and sex) by patient id; each
      patient is written as the subscriber (relationship 18, self);
    * ``payer_id`` (one id for every payer) or ``payer_ids`` (by payer name);
    * ``rendering``: the name of each rendering provider, by NPI, when a claim's
      provider is not the billing provider (loop 2310B).

    ``place_of_service`` is CLM05-1 (``11``, office). ``created`` stamps the envelope
    (default: now). With ``validate`` (the default) pyx12 checks the result before it
    is returned; that loads pyx12's 837P map, about half a second.
    Raises :class:`~massagecodes.errors.InputError` listing every claim field an
    837P needs and does not have (a charge or diagnosis pointer on each line, a
    diagnosis, a payer name), with its path (``$[0].lines[1].charge``).
    """
    pyx12 = _pyx12()
    claims = tuple(claims) if isinstance(claims, Iterable) else claims
    found: list[Problem] = []
    parties: tuple[tuple[str, object, type], ...] = (
        ("submitter", submitter, Submitter),
        ("receiver", receiver, Receiver),
        ("billing", billing, BillingProvider),
    )
    for name, value, kind in parties:
        if not isinstance(value, kind):
            found.append(Problem(name, f"expected a {kind.__name__}, got a {type(value).__name__}"))
    mappings: tuple[tuple[str, object], ...] = (
        ("subscribers", subscribers),
        ("rendering", rendering or {}),
        ("payer_ids", payer_ids or {}),
    )
    for name, mapping in mappings:
        if not isinstance(mapping, Mapping):
            found.append(Problem(name, f"expected a mapping, got a {type(mapping).__name__}"))
    if not isinstance(claims, tuple) or not claims:
        found.append(Problem("claims", "expected one or more claims"))
    if not (isinstance(place_of_service, str) and re.fullmatch(r"[0-9]{2}", place_of_service)):
        found.append(Problem("place_of_service", "expected a place of service code of two digits"))
    if not (isinstance(control_number, int) and 0 < control_number < 10**9) or isinstance(control_number, bool):
        found.append(Problem("control_number", "expected a whole number 1-999999999"))
    if payer_id is not None:
        found += _text_problems("payer_id", payer_id, max_len=80, min_len=2)
    stamp_given: object = created
    if stamp_given is not None and not isinstance(stamp_given, datetime.datetime):
        found.append(Problem("created", "expected a datetime.datetime"))
    _raise_if(found, "arguments")
    for person in subscribers.values():
        found += (
            [Problem("subscribers", "expected Person values")]
            if not isinstance(person, Person)
            else person.problems("subscribers[...]")
        )
    for npi, person in (rendering or {}).items():
        if not (isinstance(npi, str) and NPI.fullmatch(npi)):
            found.append(Problem("rendering", "expected NPIs as keys"))
        found += (
            [Problem("rendering", "expected Person values")]
            if not isinstance(person, Person)
            else person.problems(f"rendering[{npi}]")
        )
    for name, value in (payer_ids or {}).items():
        found += _text_problems(f"payer_ids[{name!r}]", value, max_len=80, min_len=2)
    names = _Names(billing, subscribers, rendering or {}, payer_ids or {}, payer_id)
    for index, claim in enumerate(claims):
        found += _check_claim_for_837p(index, claim, names)
    _raise_if(found, "claims for an 837P")

    stamp = created or datetime.datetime.now()  # the envelope's local time, as X12 expects
    out = _Writer()
    control = f"{control_number:09d}"
    out.add(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", submitter.id.ljust(15), "ZZ", receiver.id.ljust(15),
        stamp.strftime("%y%m%d"), stamp.strftime("%H%M"), "^", "00501", control, "0", "P" if production else "T", ":",
    )  # fmt: skip
    out.add(
        "GS",
        "HC",
        submitter.id,
        receiver.id,
        stamp.strftime("%Y%m%d"),
        stamp.strftime("%H%M"),
        str(control_number),
        "X",
        VERSION,
    )
    start = len(out.segments)
    out.add("ST", "837", "0001", VERSION)
    out.add("BHT", "0019", "00", control, stamp.strftime("%Y%m%d"), stamp.strftime("%H%M"), "CH")
    out.add("NM1", "41", "2", submitter.name, "", "", "", "", "46", submitter.id)
    out.add("PER", "IC", submitter.contact, "TE", submitter.phone)
    out.add("NM1", "40", "2", receiver.name, "", "", "", "", "46", receiver.id)
    hl = 1
    for number, claim in enumerate(claims, start=1):
        hl = _write_claim(out, claim, number, hl, names, place_of_service)
    out.add("SE", str(len(out.segments) - start + 1), "0001")
    out.add("GE", "1", str(control_number))
    out.add("IEA", "1", control)
    text = "\n".join(out.segments) + "\n"
    problems = _validate(pyx12, text)[1] if validate else []
    if problems:  # a value the checks above let through: say where, never write a file pyx12 refuses
        raise InputError(problems, what="837P written")
    return text


# --- reading ---------------------------------------------------------------------------


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _parse_date(seg: _Segment, element: int, found: list[Problem]) -> str | None:
    value = seg.get(element)
    try:
        return datetime.datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError:
        found.append(Problem(seg.where(element), "expected a date CCYYMMDD"))
        return None


def _amount(text: object) -> Decimal:
    try:
        return Decimal(text) if isinstance(text, str) else Decimal(0)
    except ArithmeticError:
        return Decimal(0)  # pyx12 has already reported an element that is not a number


def _diagnosis_in(code: str) -> str:
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


@attrs.define
class _ClaimParts:
    """The segments of one claim and of the loops above it."""

    billing: list[_Segment]
    subscriber: list[_Segment]
    patient: list[_Segment]
    claim: list[_Segment] = attrs.field(factory=list)
    rendering: list[_Segment] = attrs.field(factory=list)
    lines: list[list[_Segment]] = attrs.field(factory=list)
    other: list[_Segment] = attrs.field(factory=list)


def _split_claims(segments: Sequence[_Segment]) -> Iterator[_ClaimParts]:
    billing: list[_Segment] = []
    subscriber: list[_Segment] = []
    patient: list[_Segment] = []
    current: _ClaimParts | None = None
    for seg in segments:
        loop = seg.loop
        if loop == "2000A" and seg.id == "HL":
            billing, subscriber, patient = [], [], []
        if loop == "2000B" and seg.id == "HL":
            subscriber, patient = [], []
        if loop == "2000C" and seg.id == "HL":
            patient = []
        if loop in ("2000A", "2010AA", "2010AB"):
            billing.append(seg)
        elif loop in ("2000B", "2010BA", "2010BB"):
            subscriber.append(seg)
        elif loop in ("2000C", "2010CA"):
            patient.append(seg)
        if loop == "2300" and seg.id == "CLM":
            if current is not None:
                yield current
            current = _ClaimParts(list(billing), list(subscriber), list(patient))
        if current is None or loop in (
            "",
            "1000A",
            "1000B",
            "2000A",
            "2010AA",
            "2010AB",
            "2000B",
            "2010BA",
            "2010BB",
            "2000C",
            "2010CA",
        ):
            if current is not None and loop in ("2000A", "2000B", "2000C") and seg.id == "HL":
                yield current
                current = None
            continue
        if loop == "2300":
            current.claim.append(seg)
        elif loop == "2310B":
            current.rendering.append(seg)
        elif loop == "2400":
            if seg.id == "LX":
                current.lines.append([])
            current.lines[-1].append(seg)
        elif loop.startswith("24"):
            if current.lines:
                current.lines[-1].append(seg)
        else:
            current.other.append(seg)
    if current is not None:
        yield current


def _first(segments: Iterable[_Segment], seg_id: str, qualifier: str | None = None) -> _Segment | None:
    for seg in segments:
        if seg.id == seg_id and (qualifier is None or seg.get(1) == qualifier):
            return seg
    return None


def _read_claim(
    parts: _ClaimParts, license: License | None, payer_kind: PayerKind | None, regions: RegionVocabulary
) -> tuple[Claim | None, list[Problem]]:
    found: list[Problem] = []
    where: dict[str, str] = {}  # JSON path prefix -> segment position, to place the model's own problems
    clm = _first(parts.claim, "CLM")
    assert clm is not None
    where["$"] = clm.where()

    billing_nm1 = _first(parts.billing, "NM1", "85")
    rendering_nm1 = _first(parts.rendering, "NM1", "82")
    provider_nm1 = rendering_nm1 or billing_nm1
    taxonomy_seg = _first(parts.rendering, "PRV", "PE") if rendering_nm1 else _first(parts.billing, "PRV", "BI")
    provider: dict[str, Any] = {"npi": None, "license": None, "taxonomy": None}
    if provider_nm1 is not None:
        provider["npi"] = provider_nm1.get(9)
        where["$.provider.npi"] = provider_nm1.where(9)
    if taxonomy_seg is not None:
        provider["taxonomy"] = taxonomy_seg.get(3)
        where["$.provider.taxonomy"] = taxonomy_seg.where(3)

    sbr = _first(parts.subscriber, "SBR")
    subscriber_nm1 = _first(parts.subscriber, "NM1", "IL")
    payer_nm1 = _first(parts.subscriber, "NM1", "PR")
    dmg = _first(parts.patient, "DMG") if parts.patient else _first(parts.subscriber, "DMG")
    payer: dict[str, Any] = {"kind": None, "name": None, "state": None}
    if payer_nm1 is not None:
        payer["name"] = payer_nm1.get(3)
        where["$.payer"] = payer_nm1.where()
    if clm.get(11, 4):  # the state of an accident (CLM11-4): the state whose law governs the claim
        payer["state"] = clm.get(11, 4)
        where["$.payer.state"] = clm.where(11)
    filing = sbr.get(9) if sbr is not None else ""
    if filing in _FILING_TO_KIND:
        payer["kind"] = _FILING_TO_KIND[filing].value
    patient: dict[str, Any] = {"id": subscriber_nm1.get(9) if subscriber_nm1 is not None else None, "birth_date": None}
    if subscriber_nm1 is not None:
        where["$.patient.id"] = subscriber_nm1.where(9)
    if dmg is not None:
        patient["birth_date"] = _parse_date(dmg, 2, found)
        where["$.patient.birth_date"] = dmg.where(2)

    diagnoses: list[str] = []
    # The diagnosis HI starts with ABK; other HI segments (condition codes BG, anaesthesia
    # procedures BP/BO) hold what the model has no field for.
    for hi in (s for s in parts.claim if s.id == "HI" and s.get(1, 1) == "ABK"):
        for element in range(1, len(hi.elements)):
            qualifier, code = hi.get(element, 1), hi.get(element, 2)
            if qualifier in ("ABK", "ABF"):
                where[f"$.diagnoses[{len(diagnoses)}]"] = hi.where(element)
                if "." in code:
                    found.append(Problem(hi.where(element), "an 837P writes ICD-10-CM codes without the dot (M5450)"))
                diagnoses.append(_diagnosis_in(code))
            elif qualifier:
                found.append(Problem(hi.where(element), "expected ICD-10-CM diagnoses (qualifier ABK or ABF)"))

    data: dict[str, Any] = {
        "date_of_service": None,
        "payer": payer,
        "provider": provider,
        "patient": patient,
        "lines": [],
        "diagnoses": diagnoses,
        "referral": None,
        "authorization": None,
        "documentation": None,
    }
    auth = _first(parts.claim, "REF", "G1")
    if auth is not None:
        data["authorization"] = {"number": auth.get(2)}
        where["$.authorization"] = auth.where(2)

    line_dates: list[str] = []
    total = Decimal(0)
    for number, line_segments in enumerate(parts.lines):
        line, date = _read_line(number, line_segments, found, where, regions)
        data["lines"].append(line)
        if date is not None:
            line_dates.append(date)
        total += _amount(line.get("charge"))
    if _amount(clm.get(2)) != total:
        found.append(Problem(clm.where(2), "the claim's total charge is not the sum of its line charges"))
    rendered = {s.get(9) for lines in parts.lines for s in lines if s.id == "NM1" and s.get(1) == "82"}
    if rendered - {provider["npi"]}:
        found.append(
            Problem(
                clm.where(), "lines rendered by a provider other than the claim's: the model has one provider a claim"
            )
        )

    extras, problems = _k3_data([s for s in parts.claim if s.id == "K3"], _CLAIM_NOTE)
    found += problems
    if extras is not None:
        noted_kind = extras.get("payer", {}).get("kind")
        if noted_kind is not None and filing != "ZZ":
            assert sbr is not None
            found.append(Problem(sbr.where(9), "a massagecodes K3 note names the payer kind, but SBR09 is not ZZ"))
        _merge(data, extras)
    noted = extras or {}
    stated_kind = noted.get("payer", {}).get("kind")
    stated_license = noted.get("provider", {}).get("license")
    if payer_kind is not None and stated_kind is not None and stated_kind != payer_kind.value:
        found.append(Problem(clm.where(), "payer_kind= contradicts the payer kind the file's K3 note states"))
    if license is not None and stated_license is not None and stated_license != license.value:
        found.append(Problem(clm.where(), "license= contradicts the licence the file's K3 note states"))
    if payer_kind is not None:
        payer["kind"] = payer_kind.value  # SBR09 codes are broad; the caller knows the payer
    elif payer["kind"] is None and sbr is not None:
        reason = (
            "this claim filing indicator names no payer kind the rules know" if filing else "no claim filing indicator"
        )
        found.append(Problem(sbr.where(9), reason + ": pass payer_kind= (eval --payer-kind)"))
    if license is not None:
        provider["license"] = license.value
    elif provider["license"] is None:
        found.append(
            Problem(
                clm.where(),
                "the 837P does not say the provider's licence (LMT, PT, DC, ...): pass license= (eval --license)",
            )
        )
    if data["date_of_service"] is None and line_dates:
        data["date_of_service"] = min(line_dates)
    for line in data["lines"]:
        if line.get("date") == data["date_of_service"]:
            line["date"] = None
    if found:
        return None, found
    try:
        return Claim.from_dict(data, regions=regions), []
    except InputError as error:
        return None, [Problem(_place(problem.path, where), problem.message) for problem in error.problems]


def _place(path: str, where: Mapping[str, str]) -> str:
    """The segment a model problem comes from, followed by the model's path."""
    best = max(
        (prefix for prefix in where if path == prefix or path.startswith((prefix + ".", prefix + "["))),
        key=len,
        default="$",
    )
    return f"{where.get(best, 'segment ?')} ({path})"


def _read_line(
    number: int, segments: Sequence[_Segment], found: list[Problem], where: dict[str, str], regions: RegionVocabulary
) -> tuple[dict[str, Any], str | None]:
    path = f"$.lines[{number}]"
    line: dict[str, Any] = {"diagnosis_pointers": [], "modifiers": []}
    sv1 = _first(segments, "SV1")
    if sv1 is None:  # pyx12 reports the missing segment
        return line, None
    where[path] = sv1.where()
    qualifier = sv1.get(1, 1)
    if qualifier != "HC":
        found.append(Problem(sv1.where(1), "expected a CPT/HCPCS procedure (qualifier HC)"))
    line["code"] = sv1.get(1, 2)
    where[f"{path}.code"] = sv1.where(1)
    line["modifiers"] = [part for part in sv1.elements[1][2:6] if part]
    where[f"{path}.modifiers"] = sv1.where(1)
    charge = sv1.get(2)
    where[f"{path}.charge"] = sv1.where(2)
    # Money is exact: "120" and "120.5" are read as 120.00 and 120.50; anything else goes
    # to the model as it is, which refuses it with its reason.
    exact = re.fullmatch(r"[0-9]{1,15}(\.[0-9]{1,2})?", charge)
    line["charge"] = format(Decimal(charge).quantize(Decimal("0.01")), "f") if exact else charge
    basis, quantity = sv1.get(3), sv1.get(4)
    where[f"{path}.units"] = where[f"{path}.minutes"] = sv1.where(4)
    if not re.fullmatch(r"[0-9]+", quantity):
        found.append(Problem(sv1.where(4), "expected a whole number of units or minutes"))
    elif basis == "UN":
        line["units"] = int(quantity)
    elif basis == "MJ":
        line["minutes"] = int(quantity)
    else:
        found.append(Problem(sv1.where(3), "expected units (UN) or minutes (MJ)"))
    pointers = [part for part in (sv1.elements[7] if len(sv1.elements) > 7 else []) if part]
    line["diagnosis_pointers"] = [int(part) if part.isdigit() else part for part in pointers]
    where[f"{path}.diagnosis_pointers"] = sv1.where(7)
    dtp = _first(segments, "DTP", "472")
    date = None
    if dtp is not None:
        if dtp.get(2) != "D8":
            found.append(Problem(dtp.where(2), "expected a single date of service (D8), not a range"))
        else:
            date = _parse_date(dtp, 3, found)
            line["date"] = date
            where[f"{path}.date"] = dtp.where(3)
    extras, problems = _k3_data([s for s in segments if s.id == "K3"], _LINE_NOTE)
    found += problems
    if extras is not None:
        if "minutes" in extras and basis != "UN":
            found.append(Problem(sv1.where(3), "a massagecodes K3 note gives minutes, but SV103 is not UN (units)"))
        _merge(line, extras)
    return line, date


def read_837p(
    text: str,
    *,
    license: License | str | None = None,
    payer_kind: PayerKind | str | None = None,
    regions: RegionVocabulary = DEFAULT_REGIONS,
) -> tuple[Claim, ...]:
    """The claims of an 837P interchange (005010X222A1), in the order they appear.

    The file is validated by pyx12 first; then each claim (loop 2300) becomes a
    :class:`~massagecodes.Claim`: its lines (procedure, modifiers, units or minutes,
    charge, date of service, diagnosis pointers), its diagnoses, the rendering
    provider (2310B) or else the billing provider (2010AA) with NPI and taxonomy,
    the payer (2010BB and SBR09), the subscriber's member id and birth date, and a
    prior authorization number (REF G1).

    An 837P does not say the provider's licence, and some claim filing indicators
    name no payer kind the rules know: pass ``license=`` and ``payer_kind=`` for
    files that do not carry them (files written by :func:`write_837p` do, in a K3
    segment). These arguments override what the file says.

    Raises :class:`~massagecodes.errors.InputError` listing every problem, each with
    its segment position (``segment 25 SV102``), and for problems of the model
    itself the claim's JSON path too (``segment 25 SV101 ($.lines[0].code)``).
    :func:`read_837p_each` reads the good claims of a file that has bad ones.
    """
    read = _read(text, license, payer_kind, regions)
    _raise_if([problem for _, problems in read for problem in problems], "837P")
    return tuple(claim for claim, _ in read if claim is not None)


def read_837p_each(
    text: str,
    *,
    license: License | str | None = None,
    payer_kind: PayerKind | str | None = None,
    regions: RegionVocabulary = DEFAULT_REGIONS,
) -> tuple[Claim | InputError, ...]:
    """Each claim of an 837P interchange, or what is wrong with it, in file order: one
    bad claim does not keep the others from being read (a batch from a clearinghouse
    can then be evaluated, and its bad claims sent back).

    Reads as :func:`read_837p` does, and a claim's problems are those
    :func:`read_837p` would list for it alone: the model's (a procedure code, an NPI,
    a total that is not the sum of the lines, ...). A problem pyx12 finds in the X12
    itself (a bad element, a missing segment, the envelope, a file cut short) is the
    whole file's: pyx12 may report it at a segment of another claim, and the file's
    structure can no longer be trusted to say which segments are whose. Then, and for
    bad arguments, it raises :class:`~massagecodes.errors.InputError` listing every
    problem, as :func:`read_837p` does.
    """
    return tuple(
        InputError(problems, what="837P claim") if problems or claim is None else claim
        for claim, problems in _read(text, license, payer_kind, regions)
    )


def _read(
    text: object, license: object, payer_kind: object, regions: object
) -> list[tuple[Claim | None, list[Problem]]]:
    """Each claim of the file with its own problems; InputError for the arguments' and
    the whole file's problems (every problem pyx12 finds, or no claim at all)."""
    pyx12 = _pyx12()
    found: list[Problem] = []
    if not isinstance(text, str):
        raise InputError(
            [Problem("text", f"expected the 837P as a string, got a {type(text).__name__}")], what="argument"
        )
    if len(text) > MAX_TEXT:
        raise InputError(
            [Problem("text", f"expected at most {MAX_TEXT:,} characters, got {len(text):,}")], what="argument"
        )
    chosen_license = _enum_argument("license", license, License, found)
    chosen_kind = _enum_argument("payer_kind", payer_kind, PayerKind, found)
    if not isinstance(regions, RegionVocabulary):
        found.append(Problem("regions", "expected a RegionVocabulary"))
    _raise_if(found, "argument")
    assert isinstance(regions, RegionVocabulary)
    # A byte order mark or blank lines before ISA are not data (ISA's length counts from its "I").
    segments, found = _validate(pyx12, text.lstrip("\ufeff \t\r\n"))
    if found:  # pyx12's problems are the whole file's: where it reports one need not be the claim it concerns
        raise InputError(found, what="837P")
    read = [_read_claim(parts, chosen_license, chosen_kind, regions) for parts in _split_claims(segments)]
    if not read:
        raise InputError([Problem("segment 1", "the interchange holds no claim (loop 2300)")], what="837P")
    return read


def _enum_argument(name: str, value: object, kind: Any, found: list[Problem]) -> Any:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(f'"{member.value}"' for member in kind)
        found.append(Problem(name, f"expected one of {names}"))
        return None
