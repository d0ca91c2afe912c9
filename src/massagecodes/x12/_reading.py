"""Reading an 837P interchange into claims (:func:`read_837p`, :func:`read_837p_each`).

The text is validated by pyx12 first, and any problem it finds refuses the whole
file. Its segments are then grouped by claim (loop 2300, with the billing,
subscriber and patient loops above it) and each claim is read into the model's
dictionary shape, K3 notes merged in, and built with :meth:`Claim.from_dict`; the
model's own problems are placed at the segment they come from.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from massagecodes._model import Claim, License, PayerKind
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary
from massagecodes.errors import InputError, Problem
from massagecodes.x12._filing import _FILING_TO_KIND
from massagecodes.x12._notes import _CLAIM_NOTE, _LINE_NOTE, _k3_data
from massagecodes.x12._segments import _raise_if, _Segment
from massagecodes.x12._validation import _pyx12, _validate

MAX_TEXT = 20_000_000  # characters: far above any real batch, small enough to refuse a runaway input


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
