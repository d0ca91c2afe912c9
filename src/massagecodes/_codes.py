"""Code formats (procedure, modifier, ICD-10-CM, NPI, taxonomy, state) and the code catalog.

Format checks only answer "is this shaped like a code?". Whether a code exists, is
billable, or is covered is a question for the catalog and for rulesets.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping

import attrs

from massagecodes._text import describe
from massagecodes.errors import InputError, Problem

# CPT: five digits; HCPCS Level II: a letter and four digits (issue #2, DOMAIN.md section 2).
PROCEDURE_CODE = re.compile(r"[0-9]{5}|[A-Z][0-9]{4}")
# Two characters, letters or digits (59, GP, XS, KX, ...). DOMAIN.md section 5.
MODIFIER = re.compile(r"[0-9A-Z]{2}")
# A letter, a digit, a letter or digit, then optionally a dot and 1-4 more (DOMAIN.md section 7).
ICD10CM = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
# The same code written without its dot, as X12 files carry it: used for a hint only.
_ICD10CM_UNDOTTED = re.compile(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{1,4}")
# NUCC provider taxonomy: nine letters or digits and a closing X (e.g. 225700000X).
TAXONOMY = re.compile(r"[0-9A-Z]{9}X")
NPI = re.compile(r"[0-9]{10}")

MAX_MODIFIERS_PER_LINE = 4  # CMS-1500 / 837P: four modifiers a line (DOMAIN.md section 7)
MAX_DIAGNOSES = 12  # CMS-1500 / 837P: diagnoses A-L
MAX_POINTERS_PER_LINE = 4
POINTER_LETTERS = "ABCDEFGHIJKL"

# USPS codes of the states, DC and the inhabited territories.
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "VI",
        "GU",
        "AS",
        "MP",
    ]
)


def npi_check_digit(first_nine: str) -> int:
    """The Luhn check digit of an NPI, computed over ``80840`` + the first nine digits.

    80840 is the prefix that makes NPIs valid ISO 7812 card numbers (CMS NPI standard).
    """
    total = 0
    for position, char in enumerate(reversed("80840" + first_nine)):
        digit = int(char)
        if position % 2 == 0:  # the digit next to the check digit is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def npi_problem(value: object) -> str | None:
    if not isinstance(value, str) or not NPI.fullmatch(value):
        return f"expected an NPI of 10 digits, got {describe(value)}"
    check = npi_check_digit(value[:9])
    if check != int(value[9]):
        return f'expected an NPI whose last digit is its check digit: "{value}" should end in {check} (Luhn over 80840 and the first nine digits)'
    return None


def procedure_code_problem(value: object) -> str | None:
    if isinstance(value, str) and PROCEDURE_CODE.fullmatch(value):
        return None
    return "expected a procedure code: five digits (CPT) or a capital letter and four digits (HCPCS), got " + describe(
        value
    )


def modifier_problem(value: object) -> str | None:
    if isinstance(value, str) and MODIFIER.fullmatch(value):
        return None
    hint = ""
    if isinstance(value, str) and MODIFIER.fullmatch(value.upper()):
        hint = f' (write it in capitals: "{value.upper()}")'
    return "expected a modifier of two capital letters or digits, got " + describe(value) + hint


def diagnosis_problem(value: object) -> str | None:
    """ICD-10-CM format check. The value is health information: never echoed."""
    if isinstance(value, str) and ICD10CM.fullmatch(value):
        return None
    message = "expected an ICD-10-CM code: a capital letter, a digit, a letter or digit, then optionally a dot and 1-4 more (e.g. M54.50)"
    if isinstance(value, str):
        if value != value.upper() and (ICD10CM.fullmatch(value.upper()) or _ICD10CM_UNDOTTED.fullmatch(value.upper())):
            message += "; this one has lower-case letters"
        if _ICD10CM_UNDOTTED.fullmatch(value.upper()):
            message += "; this one lacks the dot after its third character"
    return message


@attrs.frozen(kw_only=True)
class CodeInfo:
    """What the library knows about one procedure code.

    ``timed`` codes are billed in 15-minute units (DOMAIN.md section 3); ``deleted``
    is the first date of service on which the code is no longer valid.
    """

    code: str
    description: str
    timed: bool
    deleted: datetime.date | None = None

    def __attrs_post_init__(self) -> None:
        problem = procedure_code_problem(self.code)
        if problem is not None:
            raise InputError([Problem("code", problem)], what="code info")


def suggest_code(code: str, known: Iterable[str]) -> str | None:
    """The known code one typo away from ``code`` (one character changed, or two
    neighbours swapped), preferring the numerically closest; None if there is none."""

    def typo_distance(candidate: str) -> int | None:
        if len(candidate) != len(code):
            return None
        diffs = [i for i, (a, b) in enumerate(zip(code, candidate, strict=True)) if a != b]
        if len(diffs) == 1:
            return 1
        if (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and code[diffs[0]] == candidate[diffs[1]]
            and code[diffs[1]] == candidate[diffs[0]]
        ):
            return 1
        return None

    def nearness(candidate: str) -> int:
        return (
            abs(int(candidate) - int(code))
            if (candidate + code).isascii() and candidate.isdigit() and code.isdigit()
            else 0
        )

    close = [candidate for candidate in known if typo_distance(candidate) is not None]
    return min(close, key=lambda candidate: (nearness(candidate), candidate)) if close else None


def _sorted_infos(infos: Iterable[CodeInfo]) -> tuple[CodeInfo, ...]:
    return tuple(sorted(infos, key=lambda info: info.code))


def _sorted_pairs(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple(sorted(items))


@attrs.frozen
class CodeCatalog:
    """An immutable set of :class:`CodeInfo`, looked up by code.

    ``not_codes`` names strings that look like codes but are not (97122), each
    with a hint for the message that rejects it.
    """

    infos: tuple[CodeInfo, ...] = attrs.field(converter=_sorted_infos)
    not_codes: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_sorted_pairs)
    _index: dict[str, CodeInfo] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {info.code: info for info in self.infos})

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def __len__(self) -> int:
        return len(self.infos)

    def get(self, code: str) -> CodeInfo | None:
        return self._index.get(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(info.code for info in self.infos)

    def with_codes(self, infos: Iterable[CodeInfo]) -> CodeCatalog:
        """A new catalog with ``infos`` added, replacing codes already present."""
        merged = dict(self._index)
        merged.update((info.code, info) for info in infos)
        return CodeCatalog(merged.values(), self.not_codes)

    def unknown_code_message(self, code: str) -> str:
        hints = dict(self.not_codes)
        if code in hints:
            return f'"{code}" is not a procedure code: {hints[code]}'
        suggestion = suggest_code(code, self._index)
        hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
        return f'unknown procedure code "{code}"{hint}; use a catalog that declares it'


def _info(code: str, description: str, *, timed: bool, deleted: datetime.date | None = None) -> CodeInfo:
    return CodeInfo(code=code, description=description, timed=timed, deleted=deleted)


_EVAL_CODES_DELETED = datetime.date(2017, 1, 1)  # DOMAIN.md section 2 [2nd]

# The codes of DOMAIN.md section 2, described in our own words (CPT descriptors are
# AMA-copyrighted). Timed codes are billed in 15-minute units.
DEFAULT_CATALOG = CodeCatalog(
    [
        _info("97124", "Massage: stroking, kneading, percussion", timed=True),
        _info("97140", "Manual therapy: mobilisation, manipulation, soft-tissue and lymphatic techniques", timed=True),
        _info("97112", "Neuromuscular re-education: balance, coordination, posture, proprioception", timed=True),
        _info("97110", "Therapeutic exercise: strength, endurance, range of motion, flexibility", timed=True),
        _info("97530", "Therapeutic activities: dynamic functional movement", timed=True),
        _info("97750", "Physical performance test or measurement", timed=True),
        _info("97010", "Hot or cold packs", timed=False),
        _info("98940", "Chiropractic manipulation, spinal, 1-2 regions", timed=False),
        _info("98941", "Chiropractic manipulation, spinal, 3-4 regions", timed=False),
        _info("98942", "Chiropractic manipulation, spinal, 5 regions", timed=False),
        _info("98943", "Chiropractic manipulation, extraspinal", timed=False),
        _info("97161", "Physical therapy evaluation, low complexity", timed=False),
        _info("97162", "Physical therapy evaluation, moderate complexity", timed=False),
        _info("97163", "Physical therapy evaluation, high complexity", timed=False),
        _info("97164", "Physical therapy re-evaluation", timed=False),
        _info("97165", "Occupational therapy evaluation, low complexity", timed=False),
        _info("97166", "Occupational therapy evaluation, moderate complexity", timed=False),
        _info("97167", "Occupational therapy evaluation, high complexity", timed=False),
        _info("97168", "Occupational therapy re-evaluation", timed=False),
        *(
            _info(f"9700{n}", "Former evaluation code, deleted 2017-01-01", timed=False, deleted=_EVAL_CODES_DELETED)
            for n in range(1, 7)
        ),
        _info("20552", "Trigger point injection (a physician procedure, not massage)", timed=False),
        _info("20553", "Trigger point injection (a physician procedure, not massage)", timed=False),
        _info("20560", "Dry needling", timed=False),
        _info("20561", "Dry needling", timed=False),
    ],
    not_codes={
        "97122": "it appears in industry pages with the description of 97112 (neuromuscular re-education), which was probably meant",
    },
)
