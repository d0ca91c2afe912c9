"""massagecodes.units: the 8-minute rule, proven at its boundaries, and the allocation methods."""

from __future__ import annotations

import datetime
import pickle
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import massagecodes as mc
from massagecodes import units
from massagecodes.units import CMS, PER_CODE, UnitMethod, allocate, units_for_minutes

TIMED = ["97110", "97112", "97124", "97140", "97530", "97750"]

minutes_st = st.integers(min_value=0, max_value=600)
day_st = st.dictionaries(st.sampled_from(TIMED), minutes_st, min_size=1, max_size=len(TIMED))


# --------------------------------------------------------------------------- #
# One code: the CMS table (DOMAIN.md section 3; CMS ch. 5 section 20.2).        #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, 0),
        (7, 0),
        (8, 1),
        (22, 1),
        (23, 2),
        (37, 2),
        (38, 3),
        (52, 3),
        (53, 4),
        (67, 4),
        (68, 5),
        (82, 5),
        (83, 6),
        (97, 6),
        (98, 7),
        (112, 7),
        (113, 8),
        (127, 8),
        (128, 9),
    ],
    ids=lambda value: str(value),
)
def test_cms_table(minutes: int, expected: int) -> None:
    assert units_for_minutes(minutes) == expected


@given(st.integers(min_value=0, max_value=9_000))
def test_boundaries_for_every_k(k: int) -> None:
    # 15k+7 minutes is still k units; one more minute (15k+8) earns unit k+1.
    assert units_for_minutes(15 * k + 7) == k
    assert units_for_minutes(15 * k + 8) == k + 1


def test_minutes_are_bounded() -> None:
    # 100 days of minutes: more is a mistake, and untrusted input stays cheap to check.
    assert units_for_minutes(144_000) == 9_600
    for too_many in (144_001, 10**5000):
        with pytest.raises(mc.InputError, match="expected at most 144000 minutes"):
            units_for_minutes(too_many)


@given(st.integers(min_value=0, max_value=10_000))
def test_matches_the_closed_form(minutes: int) -> None:
    expected = 0 if minutes < 8 else (minutes + 7) // 15
    assert units_for_minutes(minutes) == expected


@given(minutes_st, minutes_st)
def test_monotonic(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert units_for_minutes(low) <= units_for_minutes(high)


@given(st.integers(min_value=15, max_value=10_000))
def test_fifteen_minutes_earn_at_least_one_unit(minutes: int) -> None:
    assert units_for_minutes(minutes) >= 1


@pytest.mark.parametrize("bad", [-1, -15, True, 7.5, "8", None], ids=repr)
def test_units_for_minutes_rejects_bad_minutes(bad: object) -> None:
    with pytest.raises(mc.InputError) as caught:
        units_for_minutes(bad)  # type: ignore[arg-type]
    assert caught.value.problems[0].path == "minutes"
    assert caught.value.problems[0].message.startswith("expected whole minutes >= 0, got ")


# --------------------------------------------------------------------------- #
# Several codes on one day.                                                     #
# --------------------------------------------------------------------------- #


def test_issue_example() -> None:
    assert dict(allocate({"97112": 24, "97110": 23}).units) == {"97112": 2, "97110": 1}


def test_leftover_minutes_decide_not_total_minutes() -> None:
    # DOMAIN.md section 3: 97110 33 + 97140 7 = 40 minutes = 3 units. 97110 keeps its 2
    # whole units; the third goes to 97140, whose 7 leftover minutes beat 97110's 3.
    allocation = allocate({"97110": 33, "97140": 7})
    assert dict(allocation.units) == {"97110": 2, "97140": 1}
    assert allocation.explain() == (
        "40 timed minutes, method cms: 3 units\n"
        "  97110: 2 whole units (30 of 33 minutes)\n"
        "  97140: +1 unit for 7 leftover minutes (largest leftover #1)"
    )


def test_cms_and_per_code_differ_on_two_short_services() -> None:
    # DOMAIN.md section 3: 8 + 8 minutes is 1 unit under CMS and 2 under per-code.
    assert allocate({"97124": 8, "97140": 8}).total_units == 1
    assert allocate({"97124": 8, "97140": 8}, method="per-code").total_units == 2


def test_short_service_counts_toward_the_total() -> None:
    # Services of 7 minutes or less may still earn a unit when the total reaches 8.
    allocation = allocate({"97110": 5, "97140": 3})
    assert dict(allocation.units) == {"97110": 1, "97140": 0}
    assert allocation.explain().splitlines()[-1] == (
        "  97140: no unit: 3 minutes, and its leftover is not among the 1 largest"
    )


def test_per_code_bills_nothing_under_eight_minutes() -> None:
    assert dict(allocate({"97110": 30, "97140": 7}, method="per-code").units) == {"97110": 2, "97140": 0}


def test_tie_break_is_documented_and_order_free() -> None:
    # Equal leftovers (8 and 8) and equal minutes: the lower code wins the one unit.
    assert dict(allocate({"97140": 8, "97124": 8}).units) == {"97140": 0, "97124": 1}
    assert dict(allocate({"97124": 8, "97140": 8}).units) == {"97124": 1, "97140": 0}
    # Equal leftovers, different minutes: the code with more minutes wins.
    assert dict(allocate({"97124": 9, "97140": 24}).units) == {"97124": 0, "97140": 2}


@given(day_st)
def test_total_equals_the_table_of_the_summed_minutes(day: dict[str, int]) -> None:
    assert allocate(day).total_units == units_for_minutes(sum(day.values()))


@given(day_st)
def test_every_code_keeps_its_whole_units_and_at_most_one_more(day: dict[str, int]) -> None:
    allocation = allocate(day)
    for code, minutes in day.items():
        assert minutes // 15 <= allocation[code] <= minutes // 15 + 1


@given(day_st)
def test_extra_units_go_to_the_largest_leftovers(day: dict[str, int]) -> None:
    allocation = allocate(day)
    extra = {code for code, minutes in day.items() if allocation[code] > minutes // 15}
    left_out = {code for code in day if code not in extra and day[code] % 15}
    if extra and left_out:
        assert min(day[code] % 15 for code in extra) >= max(day[code] % 15 for code in left_out)


@given(day_st, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_listing_order(day: dict[str, int], rnd: object) -> None:
    items = list(day.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert dict(allocate(dict(items)).units) == dict(allocate(day).units)
    assert dict(allocate(dict(items), method="per-code").units) == dict(allocate(day, method="per-code").units)


@given(day_st)
def test_per_code_is_the_table_for_each_code(day: dict[str, int]) -> None:
    allocation = allocate(day, method="per-code")
    assert dict(allocation.units) == {code: units_for_minutes(minutes) for code, minutes in day.items()}


@given(day_st)
def test_units_keep_the_given_order(day: dict[str, int]) -> None:
    assert list(allocate(day).units) == list(day)


# --------------------------------------------------------------------------- #
# A payer's own threshold is data.                                              #
# --------------------------------------------------------------------------- #


@given(st.integers(min_value=1, max_value=15), st.integers(min_value=0, max_value=2_000))
def test_threshold_method(threshold: int, minutes: int) -> None:
    method = UnitMethod(basis="per-code", threshold=threshold)
    expected = minutes // 15 + (1 if minutes % 15 >= threshold else 0)
    assert allocate({"97124": minutes}, method=method)["97124"] == expected


def test_thirteen_of_fifteen() -> None:
    method = UnitMethod(basis="per-code", threshold=13)
    assert [method.units_for(m) for m in (12, 13, 27, 28)] == [0, 1, 1, 2]
    assert method.name == "per-code, 13 of 15 minutes"


@given(st.integers(min_value=1, max_value=15), day_st)
def test_total_time_threshold_total_is_its_table(threshold: int, day: dict[str, int]) -> None:
    method = UnitMethod(basis="total-time", threshold=threshold)
    assert allocate(day, method=method).total_units == method.units_for(sum(day.values()))


def test_named_methods() -> None:
    assert CMS.name == "cms"
    assert PER_CODE.name == "per-code"
    assert allocate({"97124": 30}, method=CMS) == allocate({"97124": 30}, method="cms")


@pytest.mark.parametrize(
    ("kwargs", "path", "message"),
    [
        ({"basis": "total"}, "basis", 'expected "total-time" or "per-code", got "total"'),
        ({"basis": "per-code", "unit_minutes": 0}, "unit_minutes", "expected whole minutes >= 1, got 0"),
        ({"basis": "per-code", "threshold": 16}, "threshold", "expected whole minutes from 1 to 15, got 16"),
        ({"basis": "per-code", "threshold": 0}, "threshold", "expected whole minutes from 1 to 15, got 0"),
    ],
    ids=["basis", "unit-minutes", "threshold-high", "threshold-zero"],
)
def test_unit_method_validation(kwargs: dict[str, object], path: str, message: str) -> None:
    with pytest.raises(mc.InputError) as caught:
        UnitMethod(**kwargs)  # type: ignore[arg-type]
    assert [(p.path, p.message) for p in caught.value.problems] == [(path, message)]


def test_allocate_reports_every_bad_argument() -> None:
    with pytest.raises(mc.InputError) as caught:
        allocate({"9712": 10, "97110": -3, "97140": True})
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            'minutes_by_code["9712"]',
            'expected a procedure code: five digits (CPT) or a capital letter and four digits (HCPCS), got "9712"',
        ),
        ('minutes_by_code["97110"]', "expected whole minutes >= 0, got -3"),
        ('minutes_by_code["97140"]', "expected whole minutes >= 0, got true"),
    ]


def test_unknown_method_suggests() -> None:
    with pytest.raises(mc.InputError) as caught:
        allocate({"97124": 30}, method="per_code")
    assert caught.value.problems[0].message == (
        'expected "cms" or "per-code" or a UnitMethod, got "per_code" (did you mean "per-code"?)'
    )


def test_allocate_rejects_a_non_mapping() -> None:
    with pytest.raises(mc.InputError, match="expected a mapping of procedure code to minutes, got a list"):
        allocate([("97124", 30)])  # type: ignore[arg-type]


def test_allocation_is_an_immutable_value() -> None:
    allocation = allocate({"97112": 24, "97110": 23})
    with pytest.raises(TypeError):
        allocation.units["97112"] = 5  # type: ignore[index]
    assert pickle.loads(pickle.dumps(allocation)) == allocation
    assert hash(allocation) == hash(allocate({"97112": 24, "97110": 23}))


# --------------------------------------------------------------------------- #
# Sessions and claims.                                                          #
# --------------------------------------------------------------------------- #

PROVIDER = {"npi": "1234567893", "license": "LMT"}


def _session(*treatments: dict[str, object]) -> mc.Session:
    return mc.Session.from_dict({"date": "2025-03-14", "provider": PROVIDER, "treatments": list(treatments)})


def test_session_lines_per_code_and_region() -> None:
    session = _session(
        {"code": "97140", "minutes": 10, "region": "neck"},
        {"code": "97140", "minutes": 12, "region": "low back"},
        {"code": "97124", "minutes": 30, "region": "lumbar"},
        {"code": "97010", "minutes": 10},
    )
    result = units.lines_for_session(session)
    lumbar = mc.Region(name="lumbar")
    assert result.lines == (
        mc.ServiceLine(code="97140", minutes=12, units=1, region=lumbar),
        mc.ServiceLine(code="97124", minutes=30, units=2, region=lumbar),
        mc.ServiceLine(code="97010", minutes=10, units=1),
    )
    # The 10 cervical minutes of 97140 earned nothing: said, not dropped.
    assert result.unbilled == (
        units.UnbilledTreatment("97140", mc.Region(name="cervical"), 10, "10 minutes earned no unit under method cms"),
    )
    assert result.allocation.total_units == 3


def test_session_lines_per_code_method() -> None:
    session = _session({"code": "97124", "minutes": 8}, {"code": "97140", "minutes": 8})
    assert [line.units for line in units.lines_for_session(session, method="per-code").lines] == [1, 1]
    cms = units.lines_for_session(session)
    assert [line.code for line in cms.lines] == ["97124"]
    assert [t.code for t in cms.unbilled] == ["97140"]


@given(
    st.lists(
        st.tuples(st.sampled_from(TIMED), st.integers(0, 90), st.sampled_from(["neck", "low back", "hip"])),
        min_size=1,
        max_size=8,
    )
)
def test_session_lines_add_up_to_the_allocation(treatments: list[tuple[str, int, str]]) -> None:
    session = _session(*({"code": c, "minutes": m, "region": r} for c, m, r in treatments))
    result = units.lines_for_session(session)
    assert sum(line.units or 0 for line in result.lines) == result.allocation.total_units
    billed_minutes = sum(line.minutes or 0 for line in result.lines) + sum(t.minutes for t in result.unbilled)
    assert billed_minutes == sum(m for _, m, _ in treatments)


def test_session_with_unknown_codes_lists_them_all() -> None:
    session = _session({"code": "97122", "minutes": 20}, {"code": "97125", "minutes": 20})
    with pytest.raises(mc.UnknownCodeError) as caught:
        units.lines_for_session(session)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "$.treatments[0].code",
            '"97122" is not a procedure code: it appears in industry pages with the description of 97112 '
            "(neuromuscular re-education), which was probably meant",
        ),
        (
            "$.treatments[1].code",
            'unknown procedure code "97125" (did you mean "97124"?); use a catalog that declares it',
        ),
    ]


def test_a_catalog_can_declare_more_codes() -> None:
    catalog = mc.DEFAULT_CATALOG.with_codes([mc.CodeInfo(code="97125", description="a test code", timed=True)])
    session = _session({"code": "97125", "minutes": 20})
    assert units.lines_for_session(session, catalog=catalog).lines[0].units == 1


CLAIM = {
    "date_of_service": "2025-03-14",
    "payer": {"kind": "commercial"},
    "provider": PROVIDER,
    "patient": {"id": "P-1"},
}


def _claim(*lines: dict[str, object]) -> mc.Claim:
    return mc.Claim.from_dict({**CLAIM, "lines": list(lines)})


def _line(code: str, minutes: int, units: int | None) -> dict[str, object]:
    line: dict[str, object] = {"code": code, "minutes": minutes, "region": "neck"}
    if units is not None:
        line["units"] = units
    return line


def test_claim_units_supported_and_exceeded() -> None:
    claim = _claim(
        {"code": "97112", "minutes": 24, "units": 2},
        {"code": "97110", "minutes": 23, "units": 2},
        {"code": "97010", "units": 1},
    )
    result = units.check_claim(claim)
    assert result.supported == (2, 1, None)
    assert result.findings == (
        units.UnitFinding(
            1,
            "units-exceed-minutes",
            "line 1 bills 2 units of 97110; its 23 documented minutes that day support at most 1 under method cms",
            "bill at most 1 units, or document the minutes that support 2",
            "151",
        ),
    )
    assert units.check_claim(claim, method="per-code").findings == ()


def test_claim_units_without_minutes_are_flagged() -> None:
    result = units.check_claim(_claim({"code": "97124", "units": 3}))
    assert [(f.line, f.kind, f.carc) for f in result.findings] == [(0, "minutes-missing", None)]


def test_claim_days_are_pooled_separately() -> None:
    claim = _claim(
        {"code": "97124", "minutes": 8},
        {"code": "97140", "minutes": 8, "date": "2025-03-15"},
    )
    result = units.check_claim(claim)
    assert result.supported == (1, 1)
    assert [day for day, _ in result.allocations] == [datetime.date(2025, 3, 14), datetime.date(2025, 3, 15)]


def test_claim_code_on_two_lines_shares_its_units() -> None:
    claim = _claim(
        {"code": "97140", "minutes": 20, "region": "neck"},
        {"code": "97140", "minutes": 10, "region": "low back"},
    )
    # 30 minutes of 97140 = 2 units; the neck line has a whole unit and the larger leftover.
    assert units.check_claim(claim).supported == (1, 1)
    assert units.check_claim(claim, method="per-code").supported == (1, 1)


@pytest.mark.parametrize(
    ("billed", "flagged"),
    [
        # 8 + 8 = 16 minutes = 1 unit; the leftovers tie, so either code may take it.
        ((1, None), []),
        ((None, 1), []),
        # Both cannot: each is within what a compliant split allows, the day's total is not.
        ((1, 1), [(0, "lines 0, 1 bill 2 timed units in all; the day's 16 timed minutes support 1 under method cms")]),
        (
            (2, None),
            [
                (
                    0,
                    "line 0 bills 2 units of 97124; its 8 documented minutes that day support at most 1 under method cms",
                )
            ],
        ),
    ],
)
def test_tied_leftovers_accept_either_split(
    billed: tuple[int | None, int | None], flagged: list[tuple[int, str]]
) -> None:
    claim = _claim(*(_line(code, 8, units) for code, units in zip(["97124", "97140"], billed, strict=True)))
    assert [(f.line, f.message) for f in units.check_claim(claim).findings] == flagged


def test_largest_leftover_is_still_required() -> None:
    # 97110 33 + 97140 7 = 40 minutes = 3 units; the third goes to 97140 (7 leftover beats 3).
    claim = _claim(_line("97110", 33, 3), _line("97140", 7, None))
    assert [f.line for f in units.check_claim(claim).findings] == [0]


def test_code_split_over_lines_is_checked_as_a_whole() -> None:
    # 30 minutes of 97140 = 2 units, however the two lines share them.
    for shares in [(2, None), (None, 2), (1, 1)]:
        claim = _claim(_line("97140", 20, shares[0]), _line("97140", 10, shares[1]))
        assert units.check_claim(claim).findings == ()


@given(
    st.lists(
        st.tuples(st.sampled_from(TIMED), st.integers(0, 60), st.none() | st.integers(1, 5)), min_size=1, max_size=6
    ),
    st.randoms(use_true_random=False),
)
def test_findings_do_not_depend_on_line_order(lines: list[tuple[str, int, int | None]], random: Random) -> None:
    def flagged(order: list[tuple[str, int, int | None]]) -> list[tuple[str, str]]:
        found = units.check_claim(_claim(*(_line(*line) for line in order))).findings
        # A code's finding names the code; a day's total names no one code.
        return sorted((f.kind, order[f.line][0] if "units of" in f.message else "day") for f in found)

    shuffled = list(lines)
    random.shuffle(shuffled)
    assert flagged(lines) == flagged(shuffled)


@given(st.lists(st.tuples(st.sampled_from(TIMED), st.integers(0, 60)), min_size=1, max_size=6))
def test_the_deterministic_allocation_is_never_flagged(lines: list[tuple[str, int]]) -> None:
    bare = _claim(*(_line(c, m, None) for c, m in lines))
    supported = units.supported_units(bare)
    billed = _claim(*(_line(c, m, u or None) for (c, m), u in zip(lines, supported, strict=True)))
    assert units.check_claim(billed).findings == ()
    assert units.check_claim(billed).supported == supported


def test_claim_with_unknown_timed_code_is_an_error() -> None:
    with pytest.raises(mc.UnknownCodeError) as caught:
        units.check_claim(_claim({"code": "97122", "minutes": 30}))
    assert caught.value.problems[0].path == "$.lines[0].code"


def test_check_claim_rejects_non_claims() -> None:
    with pytest.raises(mc.InputError, match="expected a Claim, got an object"):
        units.check_claim({"lines": []})  # type: ignore[arg-type]


def test_engine_converts_known_lines_beside_an_unknown_code() -> None:
    # A billed line of a code the catalog does not know leaves the other lines' conversion alone.
    claim = _claim({"code": "99999", "units": 1}, _line("97124", 30, None))
    result = mc.compile_rules("units of 97124 > 1 -> WARN\n").evaluate(claim)
    assert result.units == (1, 2)
    assert [f.lines for f in result.findings] == [(1,)]


@pytest.mark.parametrize(
    ("lines", "flagged"),
    [
        ([{"code": "97010", "units": 1}], []),
        ([{"code": "97010", "units": 2}], [(0, "line 0 bills 2 units of untimed code 97010")]),
        # Two lines of one untimed code on one date add up; on two dates they do not.
        ([{"code": "97010", "units": 1}, {"code": "97010", "units": 1}], [(0, "lines 0, 1 bill 2 units")]),
        ([{"code": "97010", "units": 1}, {"code": "97010", "units": 1, "date": "2025-03-15"}], []),
        # Minutes do not change it: "regardless of the number of minutes".
        ([{"code": "97010", "units": 3, "minutes": 45}], [(0, "line 0 bills 3 units of untimed code 97010")]),
    ],
    ids=["one", "two-units", "two-lines-one-date", "two-dates", "minutes-do-not-count"],
)
def test_untimed_codes_are_one_unit_a_day(lines: list[dict[str, object]], flagged: list[tuple[int, str]]) -> None:
    found = [f for f in units.check_claim(_claim(*lines)).findings if f.kind == "untimed-units"]
    assert [(f.line, f.message[: len(text)]) for f, (_, text) in zip(found, flagged, strict=True)] == flagged
    assert all(f.carc == "151" for f in found)
