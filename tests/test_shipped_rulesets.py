"""The rulesets shipped in rulesets/: their own tests pass, and the cases of the issue hold."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest

import massagecodes as mc

SHIPPED = ("auto-pip-florida", "cms-therapy", "commercial", "no-fault-new-york", "workers-comp-washington")


def claim(*lines: dict[str, Any], **fields: Any) -> mc.Claim:
    data: dict[str, Any] = {
        "date_of_service": "2026-03-02",
        "payer": {"kind": "medicare"},
        "provider": {"npi": "1234567893", "license": "PT"},
        "patient": {"id": "T-1"},
        "lines": list(lines),
    }
    data.update(fields)
    return mc.Claim.from_dict(data)


def found(result: mc.Result) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(f.rule_id, f.action, f.lines) for f in result.findings]


def test_every_shipped_ruleset_is_available() -> None:
    shipped = [info for info in mc.available_rulesets() if info.origin == "shipped"]
    # 2026.1 stays beside 2026.2 for callers who pinned it; loading by name picks 2026.2.
    assert sorted((info.name, info.version) for info in shipped) == [
        (name, version) for name in SHIPPED for version in ("2026.1", "2026.2")
    ]
    assert {mc.load_ruleset(name).version for name in SHIPPED} == {"2026.2"}
    for info in shipped:
        assert info.hash.startswith("sha256:")
        assert info.location.endswith(f"{info.name}-{info.version}.rules")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_tests_pass(name: str) -> None:
    ruleset = mc.load_ruleset(name)
    outcomes = ruleset.run_tests()
    assert outcomes, f"{name} has no tests"
    assert [(o.name, o.failures) for o in outcomes if not o.passed] == []


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_rule_cites_its_source(name: str) -> None:
    ruleset = mc.load_ruleset(name)
    for rule in ruleset.rules:
        assert rule.citation, f"{name}: rule {rule.id} has no citation"
        assert rule.message, f"{name}: rule {rule.id} has no message"
        assert rule.fix, f"{name}: rule {rule.id} has no fix"
        assert not rule.id.startswith("rule-"), f"{name}: rule {rule.id} needs a stable id"


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_rule_is_exercised_by_a_test(name: str) -> None:
    ruleset = mc.load_ruleset(name)
    fired = {f.rule_id for o in ruleset.run_tests() if o.result is not None for f in o.result.findings}
    parameterised = {rule_id for rule_id, _ in ruleset.skipped}
    assert set(ruleset.rule_ids) - fired - parameterised == set()


# --------------------------------------------------------------------------- #
# cms-therapy                                                                   #
# --------------------------------------------------------------------------- #


def test_cms_units_are_total_time() -> None:
    ruleset = mc.load_ruleset("cms-therapy")
    assert ruleset.unit_method == mc.units.CMS
    result = ruleset.evaluate(
        claim(
            {"code": "97112", "minutes": 24, "modifiers": ["GP"]}, {"code": "97110", "minutes": 23, "modifiers": ["GP"]}
        )
    )
    assert result.units == (2, 1)


def test_cms_kx_threshold_is_a_parameter() -> None:
    ruleset = mc.load_ruleset("cms-therapy")
    assert ruleset.settings["kx-threshold"] is None
    assert ("kx-threshold", "parameter $kx-threshold is not set") not in ruleset.skipped
    assert ("kx-above-threshold", "parameter $kx-threshold is not set") in ruleset.skipped
    assert ("kx-above-ot-threshold", "parameter $kx-threshold is not set") in ruleset.skipped
    configured = mc.load_ruleset("cms-therapy", params={"kx-threshold": "1000.00"})
    assert configured.settings["kx-threshold"] == Decimal("1000.00")
    assert configured.hash != ruleset.hash  # what was evaluated differs
    history = [
        claim({"code": "97110", "minutes": 30, "modifiers": ["GP"], "charge": "990.00"}, date_of_service="2026-02-02")
    ]
    today = claim({"code": "97110", "minutes": 30, "modifiers": ["GP"], "charge": "60.00"})
    # 2026.2 warns (billed charges over-count the allowed amounts), by bucket: PT and
    # speech (GP, GN) apart from OT (GO).
    assert found(configured.evaluate(today, history=history)) == [("kx-above-threshold", "WARN", (0,))]
    with_kx = claim({"code": "97110", "minutes": 30, "modifiers": ["GP", "KX"], "charge": "60.00"})
    assert found(configured.evaluate(with_kx, history=history)) == []
    assert found(configured.evaluate(today)) == []  # under the threshold
    ot_today = claim({"code": "97110", "minutes": 30, "modifiers": ["GO"], "charge": "60.00"})
    assert found(configured.evaluate(ot_today, history=history)) == []  # the PT charges are another bucket
    ot_history = [
        claim({"code": "97110", "minutes": 30, "modifiers": ["GO"], "charge": "990.00"}, date_of_service="2026-02-02")
    ]
    assert found(configured.evaluate(ot_today, history=ot_history)) == [("kx-above-ot-threshold", "WARN", (0,))]
    result = ruleset.evaluate(today, history=history)
    assert result.to_dict()["skipped_rules"] == [
        {"rule_id": "kx-above-threshold", "reason": "parameter $kx-threshold is not set"},
        {"rule_id": "kx-above-ot-threshold", "reason": "parameter $kx-threshold is not set"},
    ]


def test_cms_other_cases() -> None:
    ruleset = mc.load_ruleset("cms-therapy")
    lmt = claim({"code": "97124", "minutes": 30, "modifiers": ["GP"]}, provider={"npi": "1234567893", "license": "LMT"})
    assert found(ruleset.evaluate(lmt)) == [("lmt-not-a-medicare-provider", "DENY", ())]
    assert ruleset.evaluate(lmt).outcome == "deny"
    old = claim({"code": "97003", "units": 1}, date_of_service="2016-12-30")
    assert found(ruleset.evaluate(old)) == []
    dc = {"npi": "1234567893", "license": "DC"}
    lines = (
        {"code": "98941", "units": 1, "region": "thoracic"},
        {"code": "97140", "minutes": 15, "region": "thoracic", "modifiers": ["GP"]},
        {"code": "97112", "minutes": 15, "region": "neck", "modifiers": ["GP", "59"]},
    )
    # 2026.2: a chiropractor's therapy is not covered by Medicare, nor CMT without AT.
    assert found(ruleset.evaluate(claim(*lines, provider=dc))) == [
        ("chiropractor-therapy-not-covered", "DENY", (1, 2)),
        ("cmt-without-at", "DENY", (0,)),
        ("therapy-with-manipulation", "DENY", (1,)),
    ]
    physician = claim(*lines, provider={"npi": "1234567893", "license": "DO"})
    assert found(ruleset.evaluate(physician)) == [("therapy-with-manipulation", "DENY", (1,))]
    other_day = claim(lines[0], {**lines[1], "date": "2026-03-03"}, provider={"npi": "1234567893", "license": "DO"})
    assert found(ruleset.evaluate(other_day)) == []


# --------------------------------------------------------------------------- #
# commercial                                                                    #
# --------------------------------------------------------------------------- #

REFERRED = {
    "diagnoses": ["M54.50"],
    "referral": {"npi": "1245319599", "date": "2026-01-05"},
    "payer": {"kind": "commercial"},
}


def test_commercial_units_are_per_code() -> None:
    ruleset = mc.load_ruleset("commercial")
    result = ruleset.evaluate(
        claim(
            {"code": "97124", "minutes": 8, "diagnosis_pointers": [1]},
            {"code": "97140", "minutes": 8, "region": "neck", "diagnosis_pointers": [1]},
            **REFERRED,
        )
    )
    assert result.units == (1, 1)


def test_commercial_visit_limit_and_authorization_are_parameters() -> None:
    default = mc.load_ruleset("commercial")
    assert dict(default.skipped) == {
        "authorization-required": "parameter $authorization-required is not set",
        "authorization-in-effect": "parameter $authorization-required is not set",
        "visit-limit": "parameter $visit-limit is not set",
    }
    ruleset = mc.load_ruleset("commercial", params={"visit-limit": 2, "authorization-required": True})
    assert ruleset.skipped == ()
    visit = claim({"code": "97124", "minutes": 30, "diagnosis_pointers": [1]}, **REFERRED)
    earlier = [
        claim({"code": "97124", "minutes": 30}, date_of_service=f"2026-0{month}-01", **REFERRED) for month in (1, 2)
    ]
    assert found(ruleset.evaluate(visit, history=earlier[:1])) == [("authorization-required", "REQUIRE", (0,))]
    result = ruleset.evaluate(visit, history=earlier)
    assert found(result) == [("authorization-required", "REQUIRE", (0,)), ("visit-limit", "DENY", (0,))]
    assert result.outcome == "deny"
    authorized = claim(
        {"code": "97124", "minutes": 30, "diagnosis_pointers": [1]}, authorization={"number": "A-1"}, **REFERRED
    )
    assert found(ruleset.evaluate(authorized, history=earlier[:1])) == []
    # 2026.2 (language 2): on a claim with several dates, only the visits past the limit
    # are denied, not the earlier ones.
    two_dates = claim(
        {"code": "97124", "minutes": 30, "diagnosis_pointers": [1]},
        {"code": "97124", "minutes": 30, "diagnosis_pointers": [1], "date": "2026-03-03"},
        authorization={"number": "A-1"},
        **REFERRED,
    )
    result = ruleset.evaluate(two_dates, history=earlier[:1])
    assert found(result) == [("visit-limit", "DENY", (1,))]
    assert result.line_outcomes == ("payable", "denied")
    assert result.outcome == "partial"
    no_auth_plan = mc.load_ruleset("commercial", params={"authorization-required": "no"})
    assert found(no_auth_plan.evaluate(visit)) == []


def test_commercial_params_are_checked() -> None:
    with pytest.raises(mc.InputError) as caught:
        mc.load_ruleset("commercial", params={"visit-limt": 20, "authorization-required": "maybe"})
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "params['visit-limt']",
            'unknown parameter (did you mean "visit-limit"?); this ruleset has: $visit-limit, $authorization-required',
        ),
        ("params['authorization-required']", "expected a flag for $authorization-required"),
    ]


# --------------------------------------------------------------------------- #
# auto-pip-florida, workers-comp-washington, no-fault-new-york                 #
# --------------------------------------------------------------------------- #


def test_florida_pip_starts_in_2013() -> None:
    with pytest.raises(
        mc.RulesetNotFoundError, match="no version of ruleset 'auto-pip-florida' is in force on 2012-12-31"
    ):
        mc.load_ruleset("auto-pip-florida", on=datetime.date(2012, 12, 31))
    ruleset = mc.load_ruleset("auto-pip-florida")
    before = claim(
        {"code": "97124", "minutes": 30}, date_of_service="2012-12-31", payer={"kind": "auto-pip", "state": "FL"}
    )
    with pytest.raises(
        mc.InputError, match=re.escape("outside the effective dates of ruleset auto-pip-florida 2026.2")
    ):
        ruleset.evaluate(before)


@pytest.mark.parametrize(("earlier_code", "expected"), [("97140", True), ("97124", True), ("97110", False)])
def test_washington_second_treatment_of_the_day_is_any_massage_code(earlier_code: str, expected: bool) -> None:
    ruleset = mc.load_ruleset("workers-comp-washington")
    payer = {"kind": "workers-comp", "state": "WA"}
    documented = {"elements": ["physician-order"]}
    today = claim({"code": "97124", "minutes": 30}, payer=payer, documentation=documented)
    earlier = claim({"code": earlier_code, "minutes": 30}, payer=payer, documentation=documented)
    result = found(ruleset.evaluate(today, history=[earlier]))
    assert (("one-treatment-a-day", "REQUIRE", (0,)) in result) is expected


def test_washington_progress_report_after_six_visits() -> None:
    ruleset = mc.load_ruleset("workers-comp-washington")
    payer = {"kind": "workers-comp", "state": "WA"}
    documented = {"elements": ["physician-order"]}
    history = [
        claim({"code": "97124", "minutes": 30}, date_of_service=f"2026-03-0{day}", payer=payer) for day in range(1, 7)
    ]
    today = claim({"code": "97124", "minutes": 30}, date_of_service="2026-03-09", payer=payer, documentation=documented)
    assert found(ruleset.evaluate(today, history=history[:5])) == []
    # 2026.2: the seventh visit also needs an L&I authorization.
    assert found(ruleset.evaluate(today, history=history)) == [
        ("progress-report", "REQUIRE", (0,)),
        ("authorization-after-six-visits", "REQUIRE", (0,)),
    ]
    reported = claim(
        {"code": "97124", "minutes": 30},
        date_of_service="2026-03-09",
        payer=payer,
        documentation={"elements": ["physician-order", "progress-report"]},
        authorization={"number": "LI-1"},
    )
    assert found(ruleset.evaluate(reported, history=history)) == []


def test_new_york_daily_cap_never_denies() -> None:
    # 2026.2: the cap (fee schedule ground rule 11) is in RVUs and reduces payment; it never
    # denies. Without RVUs, the ruleset only notes that the day's payment may be reduced.
    ruleset = mc.load_ruleset("no-fault-new-york")
    payer = {"kind": "auto-pip", "state": "NY"}
    today = claim({"code": "97110", "units": 4}, {"code": "97140", "units": 4}, payer=payer)
    same_day = claim({"code": "97124", "units": 1}, payer=payer)
    result = ruleset.evaluate(today, history=[same_day])
    assert found(result) == [("physical-medicine-daily-cap", "WARN", (0, 1))]
    assert result.findings[0].severity == "info"
    assert result.outcome == "pay"
    assert found(ruleset.evaluate(claim({"code": "98941", "units": 1}, payer=payer))) == []
