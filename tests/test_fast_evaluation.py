"""The specialised rule evaluators give exactly what the general solver gives.

``Ruleset.evaluate`` runs each rule through an evaluator made for its shape
(``_plans.plan_of``: one code term, a pair of code terms with or without a
SAME/DIFFERENT relation, tests of the claim around one code term; the common
actions), and remembers the candidate rules of each set of claim codes. ``_reference.apply``,
the general solver, stays the reference (and explains). These tests compare the two
rule by rule (the finding, and the missing values that make a rule undecided) and
whole evaluations (every field of the result, ``to_dict`` and ``explain``), on the
shipped rulesets and on a ruleset with every shape, over generated claims.
"""

from __future__ import annotations

import datetime
import functools
import pickle
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import massagecodes as mc
from massagecodes._engine import _actions, _plans, _reference
from massagecodes._engine import _predicates as p

SHIPPED = ("auto-pip-florida", "cms-therapy", "commercial", "no-fault-new-york", "workers-comp-washington")

SHAPES = """\
ruleset shapes
version 2025.1
language 1
effective 2025-01-01 to 2025-12-31

rule pair "97140 with 97124 on one region"
  97124 AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS
  carc 97
end

rule pair-side
  97110 AND 97112 DIFFERENT side -> WARN 97112
end

rule pair-date
  97124 AND 97110 SAME date -> DENY 97110 unless modifier 59
  message "same day"
end

rule pair-same-code
  97124 AND 97124 -> WARN 97124
end

rule pair-plain
  97530 AND 97140 -> DENY claim
end

rule pair-old
  97124 AND 97112 SAME region -> DENY 97112
  effective 2025-01-01 to 2025-03-31
end

rule pair-later
  97110 AND 97530 DIFFERENT region -> DENY 97530
  effective 2025-06-01 to 2025-12-31
end

rule bundle
  97010 AND any of 97124, 97140 -> BUNDLE 97010 into 97124
end

rule gp
  97124 -> REQUIRE modifier GP or GO
end

rule gp-group
  any of 97110, 97112 -> REQUIRE modifier GP
end

rule one-of-group
  any of 97110, 97112 -> DENY 97112
end

rule auth
  97110 AND minutes of 97110 >= 8 -> REQUIRE authorization
end

rule referral
  97140 AND payer kind is workers-comp -> REQUIRE referral
end

rule payer
  97124 AND payer kind is medicaid or medicare -> DENY 97124
end

rule state
  payer state is WA AND 97110 AND NOT diagnosis M54.* -> WARN 97110
end

rule dx
  97140 AND NOT diagnosis M54.* or M62.* or M79.0 to M79.9 -> DENY 97140
end

rule minutes
  minutes of 97124 > 60 -> WARN 97124
end

rule units
  97530 AND units of 97530 > 2 -> DENY 97530 unless modifier KX
end

rule claim-wide
  provider license is LMT AND payer kind is medicare -> DENY claim
end

rule total
  total units > 8 -> DENY claim
end

rule either
  97124 OR 97140 -> WARN
end

rule minutes-short
  minutes of 97140 < 8 -> DENY 97140 unless modifier KX
end

rule region-is
  region of 97110 is lumbar or cervical -> WARN 97110
end

rule units-of
  units of any of 97110, 97112 >= 3 -> REQUIRE modifier KX
end

rule claim-test
  payer kind is medicaid -> WARN claim
end

rule total-and
  total minutes > 60 AND payer state is WA -> REQUIRE authorization
end

rule not-with
  97112 AND NOT 97530 -> REQUIRE modifier 59 on 97112
end

rule unless-on
  97124 AND 97140 -> DENY 97140 unless modifier 59 on 97124
end

rule three
  97124 AND 97140 AND 97110 SAME region -> WARN claim
end

rule payer-name
  97124 AND payer name is "acme health" -> WARN 97124
end

rule gp-unless
  97530 -> REQUIRE modifier GP unless modifier KX
end

rule claim-unless
  97112 AND payer kind is medicare -> DENY claim unless modifier GP
end

rule bundle-unless
  97010 AND 97124 -> BUNDLE 97010 into 97124 unless modifier 59
end

rule dx-exact
  97112 AND diagnosis M54.50 or G44.* or M79.0 to M79.9 -> WARN 97112
end

rule line-then-claim
  97110 AND minutes of 97110 >= 8 AND NOT diagnosis M54.* -> WARN 97110
end

rule claim-then-line
  97140 AND NOT diagnosis G44.* AND units of 97140 > 1 -> DENY 97140
end

rule group-measure
  any of 97110, 97112 AND minutes of 97110 >= 8 -> WARN
end

rule pair-require
  97124 AND 97140 SAME region -> REQUIRE modifier 59
end

rule referral-unless
  97124 AND minutes of 97124 > 10 -> REQUIRE referral unless modifier GP
end

rule total-history
  97110 AND total minutes > 45 -> WARN 97110
end

rule total-of
  total units of 97110 > 3 -> DENY claim
end
"""

CODES = ("97124", "97140", "97110", "97112", "97530", "97010", "97150")
MODIFIERS = ("GP", "GO", "59", "XS", "KX", "25")


@functools.cache
def shapes() -> mc.Ruleset:
    return mc.compile_rules(SHAPES, source="shapes.rules")


@functools.cache
def shipped(name: str) -> mc.Ruleset:
    return mc.load_ruleset(name)


def all_rulesets() -> list[mc.Ruleset]:
    return [shapes(), *(shipped(name) for name in SHIPPED)]


def ruleset_codes(ruleset: mc.Ruleset) -> list[str]:
    codes = set(CODES)
    for rule in ruleset.rules:
        for needed in (rule.triggers or frozenset(), *rule.requires):
            codes.update(needed)
    return sorted(codes)


@st.composite
def claims_for(draw: st.DrawFn, ruleset: mc.Ruleset) -> mc.Claim:
    """A claim of 1-5 lines over the ruleset's codes, inside its effective dates."""
    start, end = ruleset.effective or (datetime.date(2025, 1, 1), None)
    end = end or start + datetime.timedelta(days=365)
    days = st.dates(min_value=start, max_value=min(end, start + datetime.timedelta(days=10)))
    codes = ruleset_codes(ruleset)
    diagnoses = draw(
        st.lists(st.sampled_from(("M54.50", "M62.830", "M79.1", "G44.209", "S13.4XXA")), max_size=3, unique=True)
    )
    lines = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        region = draw(st.none() | st.sampled_from(("lumbar", "cervical", "thoracic", "shoulder")))
        line: dict[str, Any] = {
            "code": draw(st.sampled_from(codes)),
            "modifiers": draw(st.lists(st.sampled_from(MODIFIERS), max_size=3, unique=True)),
            "region": region,
        }
        if region == "shoulder":
            line["region"] = {"name": "shoulder", "side": draw(st.sampled_from(("left", "right")))}
        minutes = draw(st.none() | st.integers(min_value=0, max_value=90))
        units = draw(st.none() | st.integers(min_value=1, max_value=6))
        if minutes is None and units is None:
            units = 1
        if minutes is not None:
            line["minutes"] = minutes
        if units is not None:
            line["units"] = units
        if diagnoses:
            line["diagnosis_pointers"] = [1]
        if draw(st.booleans()):
            line["date"] = draw(days).isoformat()
        lines.append(line)
    data: dict[str, Any] = {
        "date_of_service": draw(days).isoformat(),
        "payer": {  # a payer the ruleset is for (language 2 says which)
            "kind": draw(
                st.sampled_from(ruleset.payers or ("commercial", "medicare", "medicaid", "workers-comp", "auto-pip"))
            ),
            "state": draw(st.sampled_from(ruleset.states or ("WA", "OR", "NY", "FL"))),
            "name": draw(st.sampled_from(("Acme Health", "ACME HEALTH", "Other Mutual"))),
        },
        "provider": {"npi": "1234567893", "license": draw(st.sampled_from(("LMT", "PT", "DC")))},
        "patient": {"id": "P-1"},
        "diagnoses": diagnoses,
        "lines": lines,
    }
    if draw(st.booleans()):
        data["authorization"] = {"number": "A-1"}
    if draw(st.booleans()):
        data["referral"] = {"npi": "1245319599", "date": start.isoformat()}
    return mc.Claim.from_dict(data, regions=ruleset.regions)


def claim_of(**fields: Any) -> mc.Claim:
    """A claim of the usual provider and patient, dated 2025-05-02 with a commercial
    payer unless ``fields`` say otherwise (``lines=``, ``diagnoses=``, ...)."""
    return mc.Claim.from_dict(
        {
            "date_of_service": "2025-05-02",
            "payer": {"kind": "commercial"},
            "provider": {"npi": "1234567893", "license": "LMT"},
            "patient": {"id": "P-1"},
            **fields,
        }
    )


def general_evaluate(ruleset: mc.Ruleset, claim: mc.Claim) -> mc.Result:
    """What ``evaluate`` was before the specialised evaluators: every candidate
    rule through ``_apply``, the candidates computed afresh."""
    facts = p.Facts(claim, (), ruleset.unit_method, ruleset.catalog)
    ctx = p.Context(facts)
    findings = []
    undecided = []
    for position in ruleset._find_candidates(frozenset(facts.by_code)):
        seen = len(ctx.missing)
        rule = ruleset.rules[position]
        finding = _reference.apply(rule, ctx)
        if finding is not None:
            findings.append(finding)
        elif len(ctx.missing) > seen:
            undecided.append((rule.id, _reference.undecided_reason(ctx.missing[seen:])))
    return ruleset._result(claim, (), facts, tuple(findings), tuple(undecided))


def assert_same_rules(ruleset: mc.Ruleset, claim: mc.Claim, history: tuple[mc.Claim, ...] = ()) -> None:
    general_ctx = p.Context(p.Facts(claim, history, ruleset.unit_method, ruleset.catalog))
    fast_ctx = p.Context(p.Facts(claim, history, ruleset.unit_method, ruleset.catalog))
    for rule in ruleset.rules:
        expected = _reference.apply(rule, general_ctx)
        assert _plans.plan_of(rule)(fast_ctx) == expected, rule.id
        assert fast_ctx.missing == general_ctx.missing, rule.id


def reference_outcomes(
    findings: tuple[mc.Finding, ...], count: int, undecided: bool = False
) -> tuple[str, tuple[str, ...]]:
    """The outcome and the line outcomes as ``Ruleset._result`` first computed them
    (and ``undecided`` where it would otherwise pay)."""
    line_outcomes = ["payable"] * count
    claim_denied = False
    for finding in findings:
        if finding.action == "DENY" and finding.claim_level:
            claim_denied = True
        for index in finding.lines:
            if finding.action == "DENY" and not finding.claim_level:
                line_outcomes[index] = "denied"
            elif finding.action == "BUNDLE" and line_outcomes[index] != "denied":
                line_outcomes[index] = "bundled"
    if claim_denied:
        line_outcomes = ["denied"] * count
    if claim_denied or all(state != "payable" for state in line_outcomes):
        outcome = "deny"
    elif any(finding.action == "REQUIRE" for finding in findings):
        outcome = "hold"
    elif any(state != "payable" for state in line_outcomes):
        outcome = "partial"
    else:
        outcome = "undecided" if undecided else "pay"
    return outcome, tuple(line_outcomes)


def assert_same_result(ruleset: mc.Ruleset, claim: mc.Claim) -> None:
    fast, general = ruleset.evaluate(claim), general_evaluate(ruleset, claim)
    assert fast == general
    assert (fast.outcome, fast.line_outcomes) == reference_outcomes(
        fast.findings, len(claim.lines), bool(fast.undecided)
    )
    assert fast.undecided == general.undecided
    assert fast.to_dict() == general.to_dict()
    assert [finding.to_dict() for finding in fast.findings] == [finding.to_dict() for finding in general.findings]
    assert fast.explain() == general.explain()


@pytest.mark.parametrize("index", range(1 + len(SHIPPED)))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_rule_as_the_general_solver(index: int, data: st.DataObject) -> None:
    ruleset = all_rulesets()[index]
    assert_same_rules(ruleset, data.draw(claims_for(ruleset)))


@pytest.mark.parametrize("index", range(1 + len(SHIPPED)))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_rule_as_the_general_solver_with_history(index: int, data: st.DataObject) -> None:
    # The rules see the patient's other claims (totals per day, visits, billed by another).
    ruleset = all_rulesets()[index]
    claim = data.draw(claims_for(ruleset))
    history = tuple(data.draw(st.lists(claims_for(ruleset), max_size=2)))
    assert_same_rules(ruleset, claim, history)


@pytest.mark.parametrize("index", range(1 + len(SHIPPED)))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whole_evaluation_as_the_general_solver(index: int, data: st.DataObject) -> None:
    ruleset = all_rulesets()[index]
    assert_same_result(ruleset, data.draw(claims_for(ruleset)))


def test_the_common_shapes_are_specialised() -> None:
    general = {rule.id for rule in shapes().rules if isinstance(_plans.plan_of(rule), functools.partial)}
    # An `unless` on another line, or a requirement on a named code, stays general.
    assert general == {"not-with", "unless-on"}


def _plan_name(plan: Any) -> str:
    """The plan's function and its steps: ``bound_lines OnCodes Lacking``."""
    chain = getattr(plan, "steps", None)
    steps = [type(step).__name__ for step in chain.steps] if chain is not None else []
    return " ".join([getattr(plan, "__name__", "general"), *steps])


def test_each_shape_gets_its_evaluator() -> None:
    plans = {rule.id: _plan_name(_plans.plan_of(rule)) for rule in shapes().rules}
    # One slot, its line the target: the bound lines through the action's steps (no
    # OnCodes step where the condition binds only the target's codes).
    assert {plans[name] for name in ("payer", "state", "dx", "minutes", "region-is", "payer-name", "dx-exact")} == {
        "bound_lines"
    }
    assert {plans[name] for name in ("line-then-claim", "claim-then-line", "total-history")} == {"bound_lines"}
    assert {plans[name] for name in ("gp", "gp-group", "units-of")} == {"bound_lines Lacking"}
    assert plans["gp-unless"] == "bound_lines Lacking NotExcused"
    assert {plans[name] for name in ("units", "minutes-short")} == {"bound_lines NotExcused"}
    assert plans["one-of-group"] == "bound_lines OnCodes"
    assert plans["auth"] == "claim_lines Absent"
    # One slot, the action on the claim; tests of the claim only.
    assert {plans[name].split()[0] for name in ("auth", "referral", "claim-unless", "referral-unless")} == {
        "claim_lines"
    }
    assert {plans[name] for name in ("claim-wide", "claim-test", "total", "total-and", "total-of")} == {"claim_tests"}
    # Pairs whose target is the line of one slot (BUNDLE included), unless its own modifier.
    assert {plans[name].split()[0] for name in ("pair", "pair-side", "pair-date", "bundle", "bundle-unless")} == {
        "slot_lines"
    }
    assert plans["bundle-unless"] == "slot_lines NotExcused"
    # Effective dates: the check, then the evaluator of the shape.
    assert plans["pair-old"] == plans["pair-later"] == "run"


def test_each_shape_gets_its_source() -> None:
    sources = {rule.id: rule.condition.env_source(rule.slots).__name__ for rule in shapes().rules}
    # A measure of a code's lines, alone: its lines whose value holds.
    assert {sources[name] for name in ("minutes", "minutes-short", "region-is", "units-of")} == {"measured"}
    # Tests of the claim only (one, or an AND of them, `total` among them): no line bound.
    assert {sources[name] for name in ("claim-wide", "claim-test", "total", "total-and")} == {"tests_only"}
    assert sources["either"] == sources["three"] == "general"


def test_findings_are_made_once_per_rule_and_lines() -> None:
    ruleset = mc.compile_rules(SHAPES, source="shapes.rules")
    claim = claim_of(
        payer={"kind": "medicaid", "state": "WA"},
        lines=[{"code": "97124", "units": 1, "region": "lumbar"}, {"code": "97140", "units": 1}],
    )
    first, second = ruleset.evaluate(claim), ruleset.evaluate(claim)
    gp = [finding for finding in first.findings if finding.rule_id == "gp"]
    assert gp
    assert gp == [finding for finding in second.findings if finding.rule_id == "gp"]
    assert gp[0] is next(finding for finding in second.findings if finding.rule_id == "gp")
    assert second == general_evaluate(ruleset, claim)
    # Past the limit the remembered findings are forgotten, and made again the same.
    rule = next(rule for rule in ruleset.rules if rule.id == "gp")
    plan = _plans.plan_of(rule)
    for count in range(_actions._FINDINGS_PER_RULE + 2):
        other = claim_of(
            lines=[{"code": "97124", "units": 1, "modifiers": ["GP"] if count >> bit & 1 else []} for bit in range(7)],
        )
        found = plan(p.Context(p.Facts(other, (), ruleset.unit_method, ruleset.catalog)))
        assert found == _reference.apply(rule, p.Context(p.Facts(other, (), ruleset.unit_method, ruleset.catalog)))


def test_partly_effective_rules_use_the_general_way() -> None:
    # pair-old is in effect on one of the two dates: the finding is on the line in range.
    claim = claim_of(
        date_of_service="2025-03-31",
        lines=[
            {"code": "97124", "units": 1, "region": "lumbar"},
            {"code": "97112", "units": 1, "region": "lumbar", "modifiers": ["GP"]},
            {"code": "97112", "units": 1, "region": "lumbar", "modifiers": ["GP"], "date": "2025-04-01"},
        ],
    )
    result = shapes().evaluate(claim)
    assert [(f.rule_id, f.lines) for f in result.findings if f.rule_id == "pair-old"] == [("pair-old", (1,))]
    assert_same_rules(shapes(), claim)
    assert_same_result(shapes(), claim)


def test_missing_regions_make_the_rule_undecided_as_before() -> None:
    claim = claim_of(
        lines=[
            {"code": "97124", "units": 1, "modifiers": ["GP"]},
            {"code": "97140", "units": 1, "region": "lumbar"},
            {"code": "97140", "units": 1},
        ],
    )
    result = shapes().evaluate(claim)
    assert ("pair", "SAME region: lines 0, 2 have no region") in result.undecided
    assert_same_result(shapes(), claim)


def test_candidates_are_remembered_per_set_of_codes() -> None:
    ruleset = mc.compile_rules(SHAPES, source="shapes.rules")
    facts = p.Facts(
        claim_of(
            lines=[{"code": "97124", "units": 1}, {"code": "97010", "units": 1}],
        ),
        (),
        ruleset.unit_method,
        ruleset.catalog,
    )
    first = ruleset._candidates(facts)
    assert first == ruleset._find_candidates(frozenset(("97124", "97010")))
    assert ruleset._candidates(facts) is first


def test_a_used_ruleset_pickles_without_its_caches() -> None:
    ruleset = mc.compile_rules(SHAPES, source="shapes.rules")
    claim = claim_of(
        payer={"kind": "medicaid", "state": "WA"},
        lines=[
            {"code": "97124", "units": 1, "region": "lumbar"},
            {"code": "97140", "units": 1, "region": "lumbar"},
            {"code": "97010", "units": 1, "region": "lumbar"},
        ],
    )
    before = ruleset.evaluate(claim)
    assert len(ruleset._plans) > 0
    copy = pickle.loads(pickle.dumps(ruleset))
    assert copy == ruleset
    assert len(copy._plans) == 0
    assert len(copy._candidate_memo) == 0
    assert len(ruleset._check_memo) > 0
    assert len(copy._check_memo) == 0
    assert copy.evaluate(claim).to_dict() == before.to_dict()


def test_threads_share_the_caches() -> None:
    ruleset = mc.compile_rules(SHAPES, source="shapes.rules")
    claims = [
        claim_of(
            payer={"kind": "commercial", "state": "WA"},
            lines=[{"code": code, "units": 1, "region": "lumbar"} for code in CODES[number % 3 : number % 3 + 3]],
        )
        for number in range(6)
    ]
    expected = [general_evaluate(ruleset, claim).to_dict() for claim in claims]
    failures: list[str] = []

    def work() -> None:
        for _ in range(30):
            for claim, wanted in zip(claims, expected, strict=True):
                if ruleset.evaluate(claim).to_dict() != wanted:
                    failures.append("differs")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_rule_that_fires_with_missing_values_leaves_the_next_rules_decided() -> None:
    # `pair` fires on lines 0 and 1 and lacks a region for line 2: it is not undecided,
    # and the rules after it are not blamed for its missing value.
    claim = claim_of(
        lines=[
            {"code": "97124", "units": 1, "region": "lumbar", "modifiers": ["GP"]},
            {"code": "97140", "units": 1, "region": "lumbar"},
            {"code": "97140", "units": 1},
        ],
    )
    result = shapes().evaluate(claim)
    assert any(finding.rule_id == "pair" for finding in result.findings)
    assert all(rule_id != "pair" for rule_id, _ in result.undecided)
    assert_same_rules(shapes(), claim)
    assert_same_result(shapes(), claim)


@pytest.mark.parametrize(
    "diagnoses", [(), ("M54.50",), ("M54.5",), ("G44.209",), ("M79.1",), ("M80.0",), ("S13.4XXA",)]
)
@pytest.mark.parametrize("payer", ["Acme Health", "acme HEALTH", "Other"])
def test_diagnosis_and_payer_tests_as_the_general_solver(diagnoses: tuple[str, ...], payer: str) -> None:
    # Each kind of diagnosis pattern (exact, prefix, range; negated or not) and the
    # payer name (compared without case), on a claim that has every code they need.
    claim = claim_of(
        payer={"kind": "medicare", "name": payer, "state": "WA"},
        diagnoses=list(diagnoses),
        lines=[
            {"code": code, "units": 2, "minutes": 30, "diagnosis_pointers": [1] if diagnoses else []}
            for code in ("97124", "97140", "97110", "97112")
        ],
    )
    assert_same_rules(shapes(), claim)
    assert_same_result(shapes(), claim)


@st.composite
def step_chains(draw: st.DrawFn) -> _actions.Steps:
    modifiers = st.frozensets(st.sampled_from(MODIFIERS), min_size=1, max_size=3)
    chain = draw(
        st.lists(
            st.one_of(
                st.builds(_actions.OnCodes, st.frozensets(st.sampled_from(CODES), min_size=1)),
                st.builds(_actions.Lacking, modifiers),
                st.builds(_actions.NotExcused, modifiers),
                st.builds(_actions.Absent, st.sampled_from(("authorization", "referral"))),
            ),
            max_size=4,
        )
    )
    return _actions.steps(*chain)


@settings(max_examples=200, deadline=None)
@given(chain=step_chains(), claim=claims_for(shapes()))
def test_a_chain_of_steps_keeps_what_each_step_in_turn_keeps(chain: _actions.Steps, claim: mc.Claim) -> None:
    ctx = p.Context(p.Facts(claim, (), shapes().unit_method, shapes().catalog))
    lines = tuple(range(len(claim.lines)))
    assert chain(ctx, lines) == chain.one_by_one(ctx, lines)


def _drop_last(method: Any) -> Any:
    """A fast form that loses the last line it would give."""

    def broken(self: Any, *args: Any) -> Any:
        made = method(self, *args)
        if made is None:
            return None

        def run(*inner: Any) -> Any:
            found = list(made(*inner))
            return found[:-1]

        return run

    return broken


@pytest.mark.parametrize(
    ("owner", "name", "break_it"),
    [
        (p.CodeTermPred, "line_source", _drop_last),
        (p.AllOf, "env_source", _drop_last),
        (p.MeasurePred, "line_test", lambda method: lambda self: lambda ctx, index: False),
        (p.FieldPred, "claim_test", lambda method: lambda self, start: lambda ctx: True),
        (_actions.Steps, "keeper", lambda method: lambda self: lambda ctx, lines: tuple(lines)[1:]),
    ],
    ids=["line source", "env source", "line test", "claim test", "action steps"],
)
def test_a_fast_path_broken_on_purpose_is_caught(
    monkeypatch: pytest.MonkeyPatch, owner: type, name: str, break_it: Any
) -> None:
    """The property tests are not vacuous: each fast form, broken, makes them fail."""
    monkeypatch.setattr(owner, name, break_it(getattr(owner, name)))
    ruleset = mc.compile_rules(SHAPES, source="shapes.rules")  # plans made afresh, with the broken form

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(claim=claims_for(ruleset))
    def same(claim: mc.Claim) -> None:
        assert_same_rules(ruleset, claim)

    with pytest.raises(AssertionError):
        same()
