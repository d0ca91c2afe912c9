"""Claim.diagnosis and Claim.item read into the model's diagnoses and service lines.

Decides each line's code (CPT or HCPCS), minutes (our extension), units (a count,
never a duration), region and side, modifiers, diagnosis pointers (from diagnosis
sequences), charge (net, else unitPrice x quantity x factor) and date: the claim's
date of service (our extension, else the earliest item date, else a one-day
billablePeriod), and a line's own date where it differs or is marked its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from massagecodes._text import describe
from massagecodes.fhir._json import _at, _day, _items, _key, _number, _one_day, _text_of, _whole
from massagecodes.fhir._reader import _extensions, _found_systems, _Reader, _value
from massagecodes.fhir._systems import (
    _PROCEDURE_SYSTEMS,
    CS_BODY_REGION,
    CS_SIDE,
    EXT_DATE_OF_SERVICE,
    EXT_MINUTES,
    EXT_OWN_DATE,
    ICD10CM,
    UCUM,
)


def _diagnoses(data: Mapping[str, Any], reader: _Reader, shape: dict[str, Any]) -> dict[int, int]:
    """Claim.diagnosis in sequence order -> shape["diagnoses"]; returns sequence -> pointer (1-based)."""
    entries: list[tuple[int, int, Mapping[str, Any]]] = []
    seen: set[int] = set()
    for index, entry in _items(data.get("diagnosis")):
        path = _at("$.diagnosis", index)
        sequence = entry.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            reader.add(
                _key(path, "sequence"), f"expected a whole number, got {describe(sequence)}", field="$.diagnoses"
            )
        elif sequence in seen:
            reader.add(_key(path, "sequence"), f"duplicate diagnosis sequence {sequence}", field="$.diagnoses")
        else:
            seen.add(sequence)
            entries.append((sequence, index, entry))
    entries.sort(key=lambda entry: entry[0])
    diagnoses: list[str | None] = []
    for position, (_, index, entry) in enumerate(entries):
        path = _at("$.diagnosis", index)
        field = f"$.diagnoses[{position}]"
        if "diagnosisCodeableConcept" not in entry:
            reader.add(
                path,
                "a diagnosisReference (a Condition) is not read; give diagnosisCodeableConcept with an ICD-10-CM coding",
                field=field,
            )
            diagnoses.append(None)
            continue
        concept_path = _key(path, "diagnosisCodeableConcept")
        concept = entry["diagnosisCodeableConcept"]
        found = reader.coding(concept, concept_path, [ICD10CM], "ICD-10-CM", field=field)
        if found is None:
            if field not in reader.failed:
                reader.missing_coding(concept, concept_path, [ICD10CM], "ICD-10-CM", field)
            diagnoses.append(None)
            continue
        diagnoses.append(found[0])
        reader.source(field, found[1])
    # A diagnosis that could not be read keeps its position, so pointers stay right.
    shape["diagnoses"] = [code if code is not None else "" for code in diagnoses]
    reader.source("$.diagnoses", "$.diagnosis")
    return {sequence: position + 1 for position, (sequence, _, _) in enumerate(entries)}


_Line = tuple[dict[str, Any], str, tuple[object, str] | None]  # (line shape, item path, (serviced day, its path))


def _lines(data: Mapping[str, Any], reader: _Reader, pointers: Mapping[int, int]) -> tuple[list[_Line], list[bool]]:
    """Claim.item in sequence order -> line shapes; also whether each item says its date is its own."""
    items: list[tuple[int, int, Mapping[str, Any]]] = []
    seen: set[int] = set()
    for index, item in _items(data.get("item")):
        sequence = item.get("sequence")
        path = _key(_at("$.item", index), "sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            reader.add(path, f"expected a whole number, got {describe(sequence)}", field="$.lines")
        elif sequence in seen:
            reader.add(path, f"duplicate item sequence {sequence}", field="$.lines")
        else:
            seen.add(sequence)
        items.append((sequence if isinstance(sequence, int) else 0, index, item))
    if not items:
        reader.add("$.item", "expected at least one item", field="$.lines")
    items.sort(key=lambda entry: entry[0])
    lines: list[_Line] = []
    own: list[bool] = []
    for position, (_, index, item) in enumerate(items):
        line, day, is_own = _line(item, _at("$.item", index), f"$.lines[{position}]", reader, pointers)
        lines.append((line, _at("$.item", index), day))
        own.append(is_own)
    return lines, own


def _line(
    item: Mapping[str, Any], path: str, field: str, reader: _Reader, pointers: Mapping[int, int]
) -> tuple[dict[str, Any], tuple[object, str] | None, bool]:
    line: dict[str, Any] = {}
    ours = _extensions(item, path, reader)
    # code
    concept_path = _key(path, "productOrService")
    found = reader.coding(
        item.get("productOrService"), concept_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS", field=f"{field}.code"
    )
    if found is not None:
        line["code"] = found[0]
        reader.source(f"{field}.code", found[1])
    elif f"{field}.code" not in reader.failed:
        reader.missing_coding(
            item.get("productOrService"), concept_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS", f"{field}.code"
        )
    # minutes
    if EXT_MINUTES in ours:
        ext_path, extension = ours[EXT_MINUTES]
        value = _value(extension, ext_path, "Duration", reader, f"{field}.minutes")
        if value is not None:
            duration, duration_path = value
            if isinstance(duration, dict) and (duration.get("system"), duration.get("code")) == (UCUM, "min"):
                line["minutes"] = _whole(duration.get("value"))
                reader.source(f"{field}.minutes", _key(duration_path, "value"))
            else:
                reader.add(
                    duration_path,
                    f'expected a duration in minutes (system "{UCUM}", code "min")',
                    field=f"{field}.minutes",
                )
    # units
    quantity = item.get("quantity")
    if isinstance(quantity, dict) and "value" in quantity:
        quantity_path = _key(path, "quantity")
        unit_words = " ".join(str(quantity.get(key, "")) for key in ("unit", "code")).lower()
        if "comparator" in quantity:
            reader.add(_key(quantity_path, "comparator"), "expected an exact number of units", field=f"{field}.units")
        elif quantity.get("code") not in (None, "1") or any(word in unit_words for word in ("min", "hour", "sec")):
            # A quantity of 30 "min" is not 30 units: never guessed.
            reader.add(
                quantity_path,
                f'expected a count of units (no unit, or code "1"); minutes go in the extension "{EXT_MINUTES}"',
                field=f"{field}.units",
            )
        else:
            line["units"] = _whole(quantity["value"])
            reader.source(f"{field}.units", _key(quantity_path, "value"))
    # region
    region = _region(item, path, field, reader)
    if region is not None:
        line["region"] = region
    # modifiers
    modifiers: list[str] = []
    for index, concept in _items(item.get("modifier")):
        modifier_path = _at(_key(path, "modifier"), index)
        found = reader.coding(
            concept, modifier_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS modifier", field=f"{field}.modifiers"
        )
        if found is not None:
            modifiers.append(found[0])
            reader.source(f"{field}.modifiers[{index}]", found[1])
        elif f"{field}.modifiers" not in reader.failed:
            reader.missing_coding(
                concept, modifier_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS modifier", f"{field}.modifiers"
            )
    line["modifiers"] = modifiers
    reader.source(f"{field}.modifiers", _key(path, "modifier"))
    # diagnosis pointers
    line_pointers: list[int] = []
    for index, sequence in _items(item.get("diagnosisSequence")):
        pointer_path = _at(_key(path, "diagnosisSequence"), index)
        if isinstance(sequence, int) and not isinstance(sequence, bool) and sequence in pointers:
            line_pointers.append(pointers[sequence])
            reader.source(f"{field}.diagnosis_pointers[{index}]", pointer_path)
        elif "$.diagnoses" in reader.failed:  # the sequences are in doubt: their problem is reported
            reader.failed.add(f"{field}.diagnosis_pointers")
        else:
            message = f"points to diagnosis sequence {describe(sequence)}, which Claim.diagnosis does not list"
            reader.add(pointer_path, message, field=f"{field}.diagnosis_pointers")
    line["diagnosis_pointers"] = line_pointers
    reader.source(f"{field}.diagnosis_pointers", _key(path, "diagnosisSequence"))
    # charge
    charge = _charge(item, path, f"{field}.charge", reader)
    if charge is not None:
        line["charge"] = charge
    # date: decided once the claim's date of service is known
    day: tuple[object, str] | None = None
    if "servicedDate" in item:
        day = (item["servicedDate"], _key(path, "servicedDate"))
    elif "servicedPeriod" in item:
        day = _one_day(item["servicedPeriod"], _key(path, "servicedPeriod"))
        if day is None:
            message = "a period of more than one day (or an open one); a line has one date of service: split it into one item per day"
            reader.add(_key(path, "servicedPeriod"), message, field=f"{field}.date")
    is_own = False
    if EXT_OWN_DATE in ours:
        ext_path, extension = ours[EXT_OWN_DATE]
        value = _value(extension, ext_path, "Boolean", reader, f"{field}.date")
        is_own = value is not None and value[0] is True
        if is_own and day is None and f"{field}.date" not in reader.failed:
            reader.add(path, "marked with its own date but has no servicedDate", field=f"{field}.date")
    return line, day, is_own


def _region(item: Mapping[str, Any], path: str, field: str, reader: _Reader) -> dict[str, Any] | None:
    sub_sites = _items(item.get("subSite"))
    if "bodySite" not in item:
        if sub_sites:
            reader.add(_key(path, "subSite"), "a side (subSite) without a region (bodySite)", field=f"{field}.region")
        return None
    region: dict[str, Any] = {"name": None, "side": None}
    reader.source(f"{field}.region", _key(path, "bodySite"))
    name = _concept_or_text(
        item["bodySite"], _key(path, "bodySite"), CS_BODY_REGION, "body region", f"{field}.region.name", reader
    )
    if name is not None:
        region["name"] = name
    if len(sub_sites) > 1:
        reader.add(
            _key(path, "subSite"), f"expected one side, got {len(sub_sites)} subSites", field=f"{field}.region.side"
        )
    elif sub_sites:
        side = _concept_or_text(
            sub_sites[0][1], _at(_key(path, "subSite"), 0), CS_SIDE, "side", f"{field}.region.side", reader
        )
        if side is not None:
            region["side"] = side
    return region


def _concept_or_text(concept: object, path: str, system: str, what: str, field: str, reader: _Reader) -> str | None:
    """Our code of a CodeableConcept, else its text (which the model reads as a name or alias)."""
    found = reader.coding(concept, path, [system], what, field=field)
    if found is not None:
        reader.source(field, found[1])
        return found[0]
    if field in reader.failed:
        return None
    text = concept.get("text") if isinstance(concept, dict) else None
    if isinstance(text, str):
        reader.source(field, _key(path, "text"))
        return text
    reader.add(
        path,
        f'expected a coding of system "{system}" ({what}) or a text naming the {what}; {_found_systems(concept)}',
        field=field,
    )
    return None


def _money(money: object, path: str, field: str, reader: _Reader) -> Decimal | None:
    if not isinstance(money, dict):
        return None
    currency = money.get("currency")
    if currency not in (None, "USD"):
        reader.add(
            _key(path, "currency"), f'expected "USD" (claims are in US dollars), got {_text_of(currency)}', field=field
        )
        return None
    if "value" not in money:
        reader.add(path, "an amount without a value", field=field)
        return None
    value = _number(money["value"])
    if value is None:
        reader.add(_key(path, "value"), f"expected a JSON number, got {describe(money['value'])}", field=field)
    return value


def _charge(item: Mapping[str, Any], path: str, field: str, reader: _Reader) -> Decimal | None:
    """The line's charge: item.net, else unitPrice x quantity x factor (FHIR's definition of net)."""
    net = _money(item.get("net"), _key(path, "net"), field, reader)
    price = _money(item.get("unitPrice"), _key(path, "unitPrice"), field, reader)
    if field in reader.failed:
        return None
    computed: Decimal | None = None
    if price is not None:
        quantity = item.get("quantity")
        count = _number(quantity.get("value")) if isinstance(quantity, dict) and "value" in quantity else Decimal(1)
        factor = _number(item["factor"]) if "factor" in item else Decimal(1)
        if count is not None and factor is not None:
            computed = price * count * factor
    if net is not None:
        if computed is not None and computed != net:
            reader.add(_key(path, "net"), "does not equal unitPrice x quantity x factor", field=field)
            return None
        reader.source(field, _key(_key(path, "net"), "value"))
        return net
    if price is not None:
        if computed is None:
            reader.add(path, "cannot compute the charge: quantity or factor is not a number", field=field)
            return None
        reader.source(field, _key(_key(path, "unitPrice"), "value"))
        return computed
    return None


def _date_of_service(
    data: Mapping[str, Any],
    ours: Mapping[str, tuple[str, Mapping[str, Any]]],
    own: list[bool],
    reader: _Reader,
    shape: dict[str, Any],
) -> None:
    """Our date-of-service extension; else the earliest item date; else a one-day billablePeriod."""
    if EXT_DATE_OF_SERVICE in ours:
        ext_path, extension = ours[EXT_DATE_OF_SERVICE]
        value = _value(extension, ext_path, "Date", reader, "$.date_of_service")
        if value is not None:
            shape["date_of_service"] = value[0]
            reader.source("$.date_of_service", value[1])
        return
    days: list[tuple[str, str]] = []
    for index, item in _items(data.get("item")):
        path = _at("$.item", index)
        if "servicedDate" in item and isinstance(_day(item["servicedDate"]), str):
            days.append((str(_day(item["servicedDate"])), _key(path, "servicedDate")))
        elif "servicedPeriod" in item:
            day = _one_day(item["servicedPeriod"], _key(path, "servicedPeriod"))
            if day is not None:
                days.append((str(day[0]), day[1]))
    period = _one_day(data.get("billablePeriod"), "$.billablePeriod")
    if days:
        earliest = min(days)
        shape["date_of_service"] = earliest[0]
        reader.source("$.date_of_service", earliest[1])
    elif period is not None:
        shape["date_of_service"] = period[0]
        reader.source("$.date_of_service", period[1])
    else:
        reader.add(
            "$.item",
            "no date of service: give each item a servicedDate, or the claim a billablePeriod of one day",
            field="$.date_of_service",
        )


def _line_dates(
    data: Mapping[str, Any], lines: list[_Line], own: list[bool], date_of_service: object, reader: _Reader
) -> None:
    """A line's date is its servicedDate when it differs from the claim's (or is marked its own).

    An item without a date takes the claim's date of service when that is certain: the
    claim says it (our extension), or its billablePeriod is that one day.
    """
    claim_day = _day(date_of_service)
    period = _one_day(data.get("billablePeriod"), "$.billablePeriod")
    from_extension = reader.sources.get("$.date_of_service", "").startswith("$.extension")
    certain = claim_day is None or from_extension or (period is not None and period[0] == claim_day)
    for index, ((line, path, day), is_own) in enumerate(zip(lines, own, strict=True)):
        field = f"$.lines[{index}].date"
        if day is None:
            if field not in reader.failed and not certain:
                message = "no servicedDate, and the claim's billablePeriod is not one day: give the item its date"
                reader.add(path, message, field=field)
            continue
        value, value_path = day
        if is_own or _day(value) != claim_day:
            line["date"] = _day(value)
            reader.source(field, value_path)
