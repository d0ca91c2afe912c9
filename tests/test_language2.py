"""Language 2: pairs within one date, dated referrals, authorizations that cover each
visit, visit limits by visit, charges by bucket, RVU caps that reduce, and rulesets that
say which payers they are for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import massagecodes as mc


def claim(*lines: dict[str, Any], **fields: Any) -> mc.Claim:
    data: dict[str, Any] = {
        "date_of_service": "2026-03-02",
        "payer": {"kind": "commercial", "state": "WA"},
        "provider": {"npi": "1234567893", "license": "PT"},
        "patient": {"id": "P-1"},
        "lines": list(lines),
    }
    data.update(fields)
    return mc.Claim.from_dict(data)


def found(result: mc.Result) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(f.rule_id, f.action, f.lines) for f in result.findings]


def rules(body: str, *, language: int = 2, directory: Path | None = None) -> mc.Ruleset:
    return mc.compile_rules(f"language {language}\n{body}", source="v2.rules", directory=directory)


def test_lines_joined_by_and_are_of_one_date() -> None:
    text = "rule pair\n  97124 AND 97140 SAME region -> DENY 97140\nend\n"
    v1, v2 = rules(text, language=1), rules(text)
    same_day = claim(
        {"code": "97124", "units": 1, "region": "lumbar"}, {"code": "97140", "units": 1, "region": "lumbar"}
    )
    other_day = claim(
        {"code": "97124", "units": 1, "region": "lumbar"},
        {"code": "97140", "units": 1, "region": "lumbar", "date": "2026-03-05"},
    )
    assert found(v2.evaluate(same_day)) == [("pair", "DENY", (1,))]
    assert found(v2.evaluate(other_day)) == []  # an edit is by date of service
    assert found(v1.evaluate(other_day)) == [("pair", "DENY", (1,))]  # language 1 keeps its meaning
    assert "SAME date (implied)" in v2.evaluate(same_day).explain()
    # A rule that relates the dates itself keeps its own relation.
    apart = rules("rule apart\n  97124 AND 97140 DIFFERENT date -> WARN\nend\n")
    assert found(apart.evaluate(other_day)) == [("apart", "WARN", (1,))]


def test_a_referral_is_dated_on_or_before_the_service() -> None:
    text = "rule referral\n  97124 -> REQUIRE referral\n  carc 288\nend\n"
    late = {"npi": "1245319599", "date": "2026-03-04"}
    two = claim({"code": "97124", "units": 1}, {"code": "97124", "units": 1, "date": "2026-03-09"}, referral=late)
    assert found(rules(text).evaluate(two)) == [("referral", "REQUIRE", (0,))]  # the line before the referral
    assert found(rules(text, language=1).evaluate(two)) == []  # language 1: given is enough
    assert found(rules(text).evaluate(claim({"code": "97124", "units": 1}))) == [("referral", "REQUIRE", (0,))]


@pytest.mark.parametrize(
    ("authorization", "history_dates", "denied"),
    [
        ({"number": "A-1", "start": "2026-03-01", "end": "2026-03-31"}, [], ()),
        ({"number": "A-1", "start": "2026-03-05", "end": "2026-03-31"}, [], (0,)),  # not started
        ({"number": "A-1", "start": "2026-01-01", "end": "2026-02-28"}, [], (0,)),  # expired
        ({"number": "A-1", "visits": 2}, ["2026-02-01"], ()),  # the second visit of two
        ({"number": "A-1", "visits": 2}, ["2026-01-10", "2026-02-01"], (0,)),  # used up
        (None, [], ()),  # absent: REQUIRE authorization's finding, not this one
    ],
    ids=["covered", "not-started", "expired", "last-visit", "used-up", "absent"],
)
def test_a_valid_authorization_covers_each_visit(
    authorization: dict[str, Any] | None, history_dates: list[str], denied: tuple[int, ...]
) -> None:
    ruleset = rules("rule covered\n  97124 -> REQUIRE valid authorization\n  carc 198\nend\n")
    visit = claim({"code": "97124", "units": 1}, authorization=authorization)
    history = [
        claim({"code": "97124", "units": 1}, date_of_service=day, authorization=authorization) for day in history_dates
    ]
    result = ruleset.evaluate(visit, history=history)
    assert found(result) == ([("covered", "REQUIRE", denied)] if denied else [])


def test_visit_limits_deny_the_visits_past_the_limit() -> None:
    ruleset = rules("rule limit\n  97124 AND visits this year > 2 -> DENY 97124\n  carc 119\nend\n")
    history = [claim({"code": "97124", "units": 1}, date_of_service="2026-01-05")]
    three = claim(
        {"code": "97124", "units": 1},
        {"code": "97124", "units": 1, "date": "2026-03-09"},
        {"code": "97124", "units": 1, "date": "2026-03-16"},
    )
    result = ruleset.evaluate(three, history=history)
    assert found(result) == [("limit", "DENY", (1, 2))]  # the third and fourth visits of the year
    # Written the other way round, it means the same.
    turned = rules("rule limit\n  visits this year > 2 AND 97124 -> DENY 97124\nend\n")
    assert found(turned.evaluate(three, history=history)) == [("limit", "DENY", (1, 2))]


def test_charges_by_code_and_modifier() -> None:
    ruleset = rules(
        "group therapy = 97110, 97140\n"
        "rule pt\n  therapy AND charges this year of therapy with modifier GP or GN > 100 -> WARN\nend\n"
    )
    history = [
        claim({"code": "97110", "units": 1, "modifiers": ["GO"], "charge": "500.00"}, date_of_service="2026-01-05")
    ]
    today = claim({"code": "97110", "units": 1, "modifiers": ["GP"], "charge": "80.00"})
    assert found(ruleset.evaluate(today, history=history)) == []  # the OT charges are not counted
    more = claim({"code": "97110", "units": 1, "modifiers": ["GP"], "charge": "120.00"})
    assert found(ruleset.evaluate(more, history=history)) == [("pt", "WARN", (0,))]


def test_an_rvu_cap_reduces_and_never_guesses(tmp_path: Path) -> None:
    (tmp_path / "rvus.csv").write_text("code,rvus\n97124,2.5\n97140,3.0\n", encoding="utf-8")
    body = (
        'import rvu "rvus.csv"\ngroup pm = 97124, 97140, 97110\n'
        "rule cap\n  pm AND total rvus of pm > 8 -> REDUCE pm\n  carc 45\nend\n"
    )
    ruleset = rules(body, directory=tmp_path)
    under = claim({"code": "97124", "units": 2}, {"code": "97140", "units": 1})  # 5 + 3 = 8
    assert found(ruleset.evaluate(under)) == []
    # Another provider's claim the same day counts too: 8 + 2.5.
    other = claim({"code": "97124", "units": 1}, provider={"npi": "1245319599", "license": "DC"})
    result = ruleset.evaluate(under, history=[other])
    assert found(result) == [("cap", "REDUCE", (0, 1))]
    assert result.line_outcomes == ("reduced", "reduced")
    assert result.outcome == "partial"
    # A code the table does not list: the day's total is not known, the rule is undecided.
    unknown = ruleset.evaluate(claim({"code": "97110", "units": 4}, {"code": "97124", "units": 3}))
    assert found(unknown) == []
    assert unknown.undecided == (("cap", "total rvus: lines 0, 1 have no rvus"),)
    assert unknown.outcome == "undecided"
    # No table at all: undecided, never a number made up.
    assert rules(body.replace('import rvu "rvus.csv"\n', "")).evaluate(under).outcome == "undecided"


def test_bad_rvu_rows_are_located(tmp_path: Path) -> None:
    (tmp_path / "rvus.csv").write_text("code,rvus\n97124,lots\n", encoding="utf-8")
    with pytest.raises(mc.RulesSemanticError) as caught:
        rules('import rvu "rvus.csv"\n', directory=tmp_path)
    assert caught.value.diagnostics[0].code == "MC215"
    assert "rvus.csv line 2" in caught.value.diagnostics[0].message


def test_a_ruleset_says_which_payers_it_is_for() -> None:
    ruleset = rules("payers auto-pip\nstates NY, NJ\n97124 -> WARN\n")
    ny = claim({"code": "97124", "units": 1}, payer={"kind": "auto-pip", "state": "NY"})
    assert ruleset.applies_to(ny)
    assert found(ruleset.evaluate(ny)) == [("rule-1", "WARN", (0,))]
    with pytest.raises(mc.InputError) as caught:
        ruleset.evaluate(claim({"code": "97124", "units": 1}))
    assert [p.path for p in caught.value.problems] == ["$.payer.kind"]
    with pytest.raises(mc.InputError) as caught:
        ruleset.evaluate(claim({"code": "97124", "units": 1}, payer={"kind": "auto-pip", "state": "FL"}))
    assert caught.value.problems[0].message.startswith("ruleset inline is for claims of NY, NJ, not FL")


@pytest.mark.parametrize(
    ("payer", "expected"),
    [
        ({"kind": "medicare"}, "cms-therapy"),
        ({"kind": "commercial", "state": "WA"}, "commercial"),
        ({"kind": "auto-pip", "state": "FL"}, "auto-pip-florida"),
        ({"kind": "auto-pip", "state": "NY"}, "no-fault-new-york"),
        ({"kind": "workers-comp", "state": "WA"}, "workers-comp-washington"),
    ],
)
def test_ruleset_for_picks_the_ruleset_of_the_claims_payer(payer: dict[str, str], expected: str) -> None:
    chosen = mc.ruleset_for(claim({"code": "97124", "units": 1}, payer=payer))
    assert (chosen.name, chosen.version) == (expected, "2026.2")


def test_ruleset_for_says_when_no_ruleset_is_for_the_payer() -> None:
    with pytest.raises(mc.RulesetNotFoundError, match="no installed ruleset is for medicaid claims in OR"):
        mc.ruleset_for(claim({"code": "97124", "units": 1}, payer={"kind": "medicaid", "state": "OR"}))
    with pytest.raises(mc.InputError):
        mc.ruleset_for("a claim")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        "payers medicare\n",
        "97124 -> REDUCE\n",
        "97124 -> REQUIRE valid authorization\n",
        "97124 AND charges this year with modifier GP > 1 -> WARN\n",
        "97124 AND total rvus > 1 -> WARN\n",
    ],
)
def test_language_2_features_need_language_2(body: str) -> None:
    with pytest.raises(mc.RulesSemanticError) as caught:
        rules(body, language=1)
    assert [d.code for d in caught.value.diagnostics] == ["MC216"]
    assert rules(body).language == 2


def test_unknown_payer_kinds_and_states_are_reported() -> None:
    with pytest.raises(mc.RulesSemanticError) as caught:
        rules("payers comercial\nstates ny\n")
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("MC206", 'unknown payer kind "comercial"'),
        ("MC206", 'unknown US state (two capitals) "ny"'),
    ]
    assert caught.value.diagnostics[0].hint == 'did you mean "commercial"?'
