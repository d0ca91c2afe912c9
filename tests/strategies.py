"""Hypothesis strategies for valid model objects (claims, sessions and their parts).

Every strategy here produces objects that pass validation, so property tests can
assert round trips without filtering. Import them from other test modules with
``from strategies import claims, sessions``.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from massagecodes import (
    DEFAULT_REGIONS,
    Authorization,
    Claim,
    DocElement,
    Documentation,
    License,
    Patient,
    Payer,
    PayerKind,
    Provider,
    Referral,
    Region,
    ServiceLine,
    Session,
    Side,
    SoapPart,
    Treatment,
)
from massagecodes._codes import MAX_DIAGNOSES, MAX_MODIFIERS_PER_LINE, MAX_POINTERS_PER_LINE, US_STATES, npi_check_digit

ICD10CM_PATTERN = r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?"

# Printable, non-blank text (as the model's free-text fields require): no control,
# format, surrogate or private-use characters, no separators other than the space.
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")) | st.just(" "),
    min_size=1,
    max_size=20,
).filter(lambda text: bool(text.strip()) and text.isprintable())

npis = st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda nine: nine + str(npi_check_digit(nine)))
procedure_codes = st.from_regex(r"[0-9]{5}|[A-Z][0-9]{4}", fullmatch=True)
icd10_codes = st.from_regex(ICD10CM_PATTERN, fullmatch=True)
modifier_codes = st.from_regex(r"[0-9A-Z]{2}", fullmatch=True)
modifier_lists = st.lists(modifier_codes, max_size=MAX_MODIFIERS_PER_LINE, unique=True).map(tuple)
taxonomies = st.from_regex(r"[0-9A-Z]{9}X", fullmatch=True)
states = st.sampled_from(sorted(US_STATES))
dates = st.dates()
minutes = st.integers(min_value=0, max_value=24 * 60)
units = st.integers(min_value=1, max_value=100)

# Exact money: >= 0, with 0, 1 or 2 decimal places.
charges = st.integers(min_value=0, max_value=2).flatmap(
    lambda places: st.decimals(
        min_value=0, max_value=Decimal("99999.99"), places=places, allow_nan=False, allow_infinity=False
    )
)

regions = st.builds(
    Region,
    name=st.sampled_from(sorted(DEFAULT_REGIONS.names)),
    side=st.none() | st.sampled_from(Side),
)

providers = st.builds(
    Provider,
    npi=npis,
    license=st.sampled_from(License),
    taxonomy=st.none() | taxonomies,
)

payers = st.builds(
    Payer,
    kind=st.sampled_from(PayerKind),
    name=st.none() | texts,
    state=st.none() | states,
)

patients = st.builds(Patient, id=texts, birth_date=st.none() | dates)

referrals = st.builds(Referral, npi=npis, date=dates)


@st.composite
def authorizations(draw: st.DrawFn) -> Authorization:
    start = draw(st.none() | dates)
    end = draw(st.none() | (dates if start is None else st.dates(min_value=start)))
    return Authorization(
        number=draw(texts),
        start=start,
        end=end,
        visits=draw(st.none() | st.integers(min_value=1, max_value=1000)),
    )


documentations = st.builds(
    Documentation,
    soap=st.frozensets(st.sampled_from(SoapPart)),
    pain_scale=st.none() | st.integers(min_value=0, max_value=10),
    functional_goals=st.lists(texts, max_size=3).map(tuple),
    elements=st.frozensets(st.sampled_from(DocElement)),
)


@st.composite
def service_lines(draw: st.DrawFn, diagnosis_count: int = MAX_DIAGNOSES) -> ServiceLine:
    """A valid line whose diagnosis pointers stay within ``diagnosis_count``."""
    line_minutes, line_units = draw(
        st.one_of(
            st.tuples(minutes, st.none()),
            st.tuples(st.none(), units),
            st.tuples(minutes, units),
        )
    )
    if diagnosis_count:
        pointers = st.lists(
            st.integers(min_value=1, max_value=diagnosis_count),
            max_size=min(MAX_POINTERS_PER_LINE, diagnosis_count),
            unique=True,
        )
    else:
        pointers = st.just([])
    return ServiceLine(
        code=draw(procedure_codes),
        minutes=line_minutes,
        units=line_units,
        region=draw(st.none() | regions),
        modifiers=draw(modifier_lists),
        diagnosis_pointers=tuple(draw(pointers)),
        charge=draw(st.none() | charges),
        date=draw(st.none() | dates),
    )


@st.composite
def claims(draw: st.DrawFn) -> Claim:
    diagnoses = draw(st.lists(icd10_codes, max_size=MAX_DIAGNOSES, unique=True))
    return Claim(
        date_of_service=draw(dates),
        payer=draw(payers),
        provider=draw(providers),
        patient=draw(patients),
        lines=draw(st.lists(service_lines(len(diagnoses)), min_size=1, max_size=4)),
        diagnoses=tuple(diagnoses),
        referral=draw(st.none() | referrals),
        authorization=draw(st.none() | authorizations()),
        documentation=draw(st.none() | documentations),
    )


treatments = st.builds(
    Treatment,
    code=procedure_codes,
    minutes=minutes,
    region=st.none() | regions,
)

sessions = st.builds(
    Session,
    date=dates,
    provider=providers,
    treatments=st.lists(treatments, min_size=1, max_size=4),
    patient=st.none() | patients,
    documentation=documentations,
)
