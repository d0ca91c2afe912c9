"""The rule language's meaning: conditions, bindings, actions, unless, outcomes, rulesets."""

from __future__ import annotations

import datetime
import json
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest

import massagecodes as mc
from massagecodes._engine import _predicates as p

DESIGN = "97124 AND 97140 SAME region -> DENY unless modifier 59"


def line(code: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"code": code}
    data.update(fields)
    if "minutes" not in data and "units" not in data:
        data["units"] = 1
    return data


def make_claim(*lines: dict[str, Any], **fields: Any) -> mc.Claim:
    data: dict[str, Any] = {
        "date_of_service": "2025-03-14",
        "payer": {"kind": "commercial", "name": "Acme Health", "state": "WA"},
        "provider": {"npi": "1234567893", "license": "LMT"},
        "patient": {"id": "P-1"},
        "lines": list(lines),
    }
    data.update(fields)
    return mc.Claim.from_dict(data)


def fired(rules: str, claim: mc.Claim, **kwargs: Any) -> list[tuple[str, str, tuple[int, ...]]]:
    result = mc.compile_rules(rules).evaluate(claim, **kwargs)
    return [(f.rule_id, f.action, f.lines) for f in result.findings]


# --------------------------------------------------------------------------- #
# The design's sentence decides.                                                #
# --------------------------------------------------------------------------- #


def test_design_sentence_denies_on_one_region() -> None:
    ruleset = mc.compile_rules(DESIGN, source="payer.rules")
    claim = make_claim(line("97124", minutes=30, region="lumbar"), line("97140", minutes=15, region="lumbar"))
    (finding,) = ruleset.evaluate(claim).findings
    assert (finding.rule_id, finding.action, finding.lines, finding.location) == (
        "rule-1",
        "DENY",
        (1,),
        "payer.rules:1",
    )


def test_design_sentence_modifier_59_bypasses() -> None:
    claim = make_claim(
        line("97124", minutes=30, region="lumbar"), line("97140", minutes=15, region="lumbar", modifiers=["59"])
    )
    assert fired(DESIGN, claim) == []


def test_design_sentence_different_regions_pass() -> None:
    claim = make_claim(line("97124", minutes=30, region="lumbar"), line("97140", minutes=15, region="cervical"))
    assert fired(DESIGN, claim) == []


def test_unless_modifier_is_on_the_denied_line_by_default() -> None:
    claim = make_claim(
        line("97124", minutes=30, region="lumbar", modifiers=["59"]), line("97140", minutes=15, region="lumbar")
    )
    assert fired(DESIGN, claim) == [("rule-1", "DENY", (1,))]
    either = "97124 AND 97140 SAME region -> DENY unless modifier 59 on either"
    assert fired(either, claim) == []
    named = "97124 AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS on 97124"
    assert fired(named, claim) == []


def test_missing_region_is_never_the_same() -> None:
    claim = make_claim(line("97124", minutes=30), line("97140", minutes=15, region="lumbar"))
    assert fired(DESIGN, claim) == []
    assert fired("97124 AND 97140 DIFFERENT region -> WARN", claim) == []


def test_terms_for_the_same_codes_take_each_pair_once() -> None:
    claim = make_claim(line("97161"), line("97162"), line("97163"))
    rule = "any of 97161, 97162, 97163 AND any of 97161, 97162, 97163 SAME date -> DENY"
    assert fired(rule, claim) == [("rule-1", "DENY", (1, 2))]  # the first evaluation stays


def test_every_pair_is_tried() -> None:
    claim = make_claim(
        line("97124", minutes=30, region="lumbar"),
        line("97140", minutes=15, region="cervical"),
        line("97140", minutes=15, region="lumbar"),
        line("97140", minutes=15, region="lumbar", modifiers=["59"]),
    )
    assert fired(DESIGN, claim) == [("rule-1", "DENY", (2,))]


# --------------------------------------------------------------------------- #
# Conditions.                                                                    #
# --------------------------------------------------------------------------- #

MASSAGE = line("97124", minutes=30, region="lumbar")
MANUAL = line("97140", minutes=15, region="lumbar")
PACKS = line("97010", units=1)


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ("97124", True),
        ("97112", False),
        ("97124 AND 97140", True),
        ("97124 AND 97112", False),
        ("97112 OR 97140", True),
        ("NOT 97112", True),
        ("NOT 97124", False),
        ("97124 AND NOT (97112 OR 97110)", True),
        ("any of 97112, 97140", True),
        ("97124 AND 97124", False),  # two distinct 97124 lines are needed
        ("97124 AND 97140 SAME date", True),
        ("97124 AND 97140 DIFFERENT date", False),
        ("97124 AND 97140 DIFFERENT region", False),
        ("payer kind is commercial", True),
        ("payer kind is not commercial", False),
        ("payer kind is medicare or commercial", True),
        ("payer kind = medicare", False),
        ("payer state is WA", True),
        ('payer name is "acme health"', True),
        ("provider license is LMT", True),
        ("provider license != LMT", False),
        ("diagnosis M54.*", True),
        ("diagnosis M54.5", False),
        ("diagnosis M54.50", True),
        ("diagnosis M50 to M54.9", True),
        ("diagnosis M60 to M62.82", False),
        ("diagnosis M60 to M62.9", True),
        ("referral", True),
        ("authorization", False),
        ("documented medical-necessity", True),
        ("documented plan", True),
        ("documented progress-report", False),
        ("minutes of 97124 >= 30", True),
        ("minutes of 97124 > 30", False),
        ("minutes > 20", True),
        ("units of 97140 = 1", True),
        ("units of 97124 = 2", True),  # no billed units: the 30 minutes support 2 (cms)
        ("region of 97124 is low-back", True),
        ("region of 97124 is not lumbar", False),
        ("date >= 2025-01-01", True),
        ("date < 2025-01-01", False),
        ("date of 97140 is 2025-03-14", True),
        ("total units > 3", False),
        ("total minutes >= 45", True),
        ("visits this year >= 1", True),
        ("modifier GP", False),
        ("modifier GP on 97140", False),
        ("97124 AND 97140 SAME region AND payer kind is commercial", True),
    ],
)
def test_condition(condition: str, holds: bool) -> None:
    claim = make_claim(
        MASSAGE,
        MANUAL,
        diagnoses=["M54.50", "M62.830"],
        referral={"npi": "1245319599", "date": "2025-01-02"},
        documentation={"soap": ["plan"], "elements": ["medical-necessity"]},
    )
    assert bool(fired(f"{condition} -> WARN claim", claim)) is holds


def test_groups_and_declared_codes() -> None:
    rules = """
code 98940 untimed
code 98941 untimed
code 98942 untimed
code 97140 timed
group cmt = 98940, 98941, 98942
cmt AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS
"""
    claim = make_claim(line("98941", region="lumbar"), line("97140", minutes=15, region="lumbar"))
    assert fired(rules, claim) == [("rule-1", "DENY", (1,))]
    claim = make_claim(line("98941", region="lumbar"), line("97140", minutes=15, region="lumbar", modifiers=["XS"]))
    assert fired(rules, claim) == []


def test_declared_regions_and_aliases() -> None:
    rules = "region gluteal\nalias buttock = gluteal\nregion of 97124 is buttock -> WARN"
    ruleset = mc.compile_rules(rules)
    claim = mc.Claim.from_dict(
        {
            "date_of_service": "2025-03-14",
            "payer": {"kind": "commercial"},
            "provider": {"npi": "1234567893", "license": "LMT"},
            "patient": {"id": "P-1"},
            "lines": [line("97124", minutes=20, region="gluteal")],
        },
        regions=ruleset.regions,
    )
    assert [f.lines for f in ruleset.evaluate(claim).findings] == [(0,)]


def test_line_pieces_bind_the_lines_they_test() -> None:
    claim = make_claim(line("97003", units=1, date="2016-12-30"), line("97003", units=1), line("97124", minutes=20))
    assert fired("date of 97003 >= 2017-01-01 -> DENY 97003", claim) == [("rule-1", "DENY", (1,))]
    assert fired("minutes of 97124 >= 8 -> DENY", claim) == [("rule-1", "DENY", (2,))]


@pytest.mark.parametrize(
    ("rules", "codes", "expected"),
    [
        ("97124 OR 97140 -> DENY", ["97124"], [(0,)]),
        ("97124 OR 97140 -> DENY", ["97140"], [(0,)]),
        ("97124 OR 97140 -> DENY", ["97124", "97140"], [(0, 1)]),
        ("(97124 AND 97140 SAME region) OR (97124 AND 97530 SAME region) -> DENY", ["97124", "97140"], [(1,)]),
        ("(97124 AND 97140 SAME region) OR (97124 AND 97530 SAME region) -> DENY", ["97124", "97530"], [(1,)]),
        ("(97124 AND 97140 SAME region) OR (97124 AND 97530 SAME region) -> DENY", ["97124", "97110"], []),
    ],
)
def test_default_target_is_the_last_code_term_of_the_branch_that_held(
    rules: str, codes: list[str], expected: list[tuple[int, ...]]
) -> None:
    claim = make_claim(*(line(code, minutes=20, region="lumbar") for code in codes))
    assert [lines for _, _, lines in fired(rules, claim)] == expected


def test_bound_line_is_the_one_tested() -> None:
    claim = make_claim(line("97140", minutes=15, modifiers=["59"]), line("97140", minutes=15))
    assert fired("97140 AND NOT modifier 59 on 97140 -> DENY", claim) == [("rule-1", "DENY", (1,))]


def test_total_is_per_date_of_service() -> None:
    claim = make_claim(
        line("97124", units=5),
        line("97140", units=4),
        line("97110", units=4, date="2025-03-15"),
        line("97112", units=4, date="2025-03-15"),
    )
    assert fired("total units > 8 -> DENY claim", claim) == [("rule-1", "DENY", ())]
    assert fired("total units > 9 -> DENY claim", claim) == []


def test_history_pieces() -> None:
    claim = make_claim(line("97124", minutes=30))
    other = make_claim(line("97124", minutes=30), provider={"npi": "1245319599", "license": "PT"})
    same_provider = make_claim(line("97124", minutes=30))
    earlier = [make_claim(line("97124", minutes=30), date_of_service=f"2025-0{month}-01") for month in range(1, 4)]
    last_year = make_claim(line("97124", minutes=30), date_of_service="2024-12-01")
    rule = "97124 billed by another provider on the same day -> DENY 97124"
    assert fired(rule, claim, history=[other]) == [("rule-1", "DENY", (0,))]
    assert fired(rule, claim, history=[same_provider]) == []
    assert fired(rule, claim) == []
    assert fired("visits this year > 3 -> WARN claim", claim, history=[*earlier, last_year]) == [("rule-1", "WARN", ())]
    assert fired("visits this year > 4 -> WARN claim", claim, history=[*earlier, last_year]) == []


def test_history_of_another_patient_is_refused() -> None:
    claim = make_claim(line("97124", minutes=30))
    stranger = make_claim(line("97124", minutes=30), patient={"id": "P-2"})
    with pytest.raises(mc.InputError) as caught:
        mc.compile_rules("97124 -> WARN").evaluate(claim, history=[stranger])
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("history[0].patient.id", "expected the same patient as the claim (history is one patient's earlier claims)")
    ]


def test_history_minutes_count_as_units() -> None:
    # Another claim of the same day documents minutes only: its units are the ones its minutes support.
    claim = make_claim(line("97124", units=6))
    earlier = make_claim(line("97140", minutes=38))
    assert fired("total units > 8 -> DENY claim", claim, history=[earlier]) == [("rule-1", "DENY", ())]
    assert fired("total units > 9 -> DENY claim", claim, history=[earlier]) == []


def test_history_after_the_claim_is_refused() -> None:
    claim = make_claim(line("97124", minutes=30))
    later = make_claim(line("97124", minutes=30), date_of_service="2025-03-20")
    same_day = make_claim(line("97124", minutes=30))
    assert fired("97124 -> WARN", claim, history=[same_day]) == [("rule-1", "WARN", (0,))]
    with pytest.raises(mc.InputError) as caught:
        mc.compile_rules("97124 -> WARN").evaluate(claim, history=[same_day, later])
    assert [p.path for p in caught.value.problems] == ["history[1].lines[0]"]


def test_every_line_date_must_be_in_force() -> None:
    ruleset = mc.compile_rules("effective 2025-01-01 to 2025-03-14\n97124 -> WARN\n")
    claim = make_claim(line("97124", minutes=30), line("97140", minutes=15, date="2025-03-15"))
    with pytest.raises(mc.InputError) as caught:
        ruleset.evaluate(claim)
    assert [p.path for p in caught.value.problems] == ["$.lines[1].date"]


# --------------------------------------------------------------------------- #
# Actions and outcomes.                                                          #
# --------------------------------------------------------------------------- #


def outcome(rules: str, claim: mc.Claim) -> tuple[str, tuple[str, ...]]:
    result = mc.compile_rules(rules).evaluate(claim)
    return result.outcome, result.line_outcomes


def test_outcomes_combine() -> None:
    claim = make_claim(MASSAGE, MANUAL, PACKS)
    assert outcome("97112 -> DENY", claim) == ("pay", ("payable", "payable", "payable"))
    assert outcome("97124 AND 97140 -> DENY", claim) == ("partial", ("payable", "denied", "payable"))
    assert outcome("97010 AND 97124 -> BUNDLE 97010 into 97124", claim) == (
        "partial",
        ("payable", "payable", "bundled"),
    )
    assert outcome("97124 -> REQUIRE referral", claim) == ("hold", ("payable", "payable", "payable"))
    assert outcome("97124 -> WARN", claim) == ("pay", ("payable", "payable", "payable"))
    assert outcome("payer kind is commercial -> DENY claim", claim) == ("deny", ("denied", "denied", "denied"))
    every_line = "97124 -> DENY\n97140 -> DENY\n97010 AND 97124 -> BUNDLE 97010"
    assert outcome(every_line, claim) == ("deny", ("denied", "denied", "bundled"))


def test_requirements_fire_only_when_missing() -> None:
    claim = make_claim(line("97110", minutes=20, modifiers=["GP"]), line("97112", minutes=20))
    assert fired("any of 97110, 97112 -> REQUIRE modifier GP", claim) == [("rule-1", "REQUIRE", (1,))]
    assert fired("97110 -> REQUIRE modifier GP on 97110", claim) == []
    assert fired("97110 -> REQUIRE referral", claim) == [("rule-1", "REQUIRE", (0,))]
    with_referral = make_claim(line("97110", minutes=20), referral={"npi": "1245319599", "date": "2025-01-02"})
    assert fired("97110 -> REQUIRE referral", with_referral) == []
    assert fired("97110 -> REQUIRE documentation progress-report", claim) == [("rule-1", "REQUIRE", (0,))]
    auth = make_claim(line("97110", minutes=20), authorization={"number": "A-1"})
    assert fired("97110 -> REQUIRE authorization", auth) == []


def test_every_matching_rule_reports_in_written_order() -> None:
    rules = "97140 -> WARN\n97124 -> WARN\n97124 AND 97140 -> DENY\n97112 -> DENY"
    claim = make_claim(MASSAGE, MANUAL)
    assert fired(rules, claim) == [("rule-1", "WARN", (1,)), ("rule-2", "WARN", (0,)), ("rule-3", "DENY", (1,))]


def test_rule_attributes_reach_the_finding() -> None:
    rules = """
rule massage-manual "Same region"
  97124 AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS
  carc 97
  rarc M80
  message "Not paid separately"
  fix "Add 59 or XS when the regions differ"
  cite "DOMAIN.md section 4"
  severity error
end
"""
    (finding,) = mc.compile_rules(rules, source="c.rules").evaluate(make_claim(MASSAGE, MANUAL)).findings
    assert finding.to_dict() == {
        "rule_id": "massage-manual",
        "action": "DENY",
        "lines": [1],
        "claim_level": False,
        "related_lines": [],
        "carc": "97",
        "rarc": "M80",
        "message": "Not paid separately",
        "fix": "Add 59 or XS when the regions differ",
        "citation": "DOMAIN.md section 4",
        "severity": "error",
        "rule_source": "c.rules:2",
    }


def test_rule_effective_dates() -> None:
    rules = "rule old\n  97124 -> WARN\n  effective 2024-01-01 to 2024-12-31\nend\nrule new\n  97124 -> WARN\n  effective from 2025-01-01\nend"
    assert [rule for rule, _, _ in fired(rules, make_claim(MASSAGE))] == ["new"]
    assert [rule for rule, _, _ in fired(rules, make_claim(MASSAGE, date_of_service="2024-06-01"))] == ["old"]


def test_ruleset_effective_dates_refuse_other_claims() -> None:
    ruleset = mc.compile_rules("ruleset demo\nversion 2025.1\neffective 2025-01-01 to 2025-12-31\n97124 -> WARN")
    with pytest.raises(mc.InputError) as caught:
        ruleset.evaluate(make_claim(MASSAGE, date_of_service="2024-12-31"))
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "$.date_of_service",
            "2024-12-31 is outside the effective dates of ruleset demo 2025.1 (from 2025-01-01 to 2025-12-31)",
        )
    ]


def test_units_follow_the_ruleset_method() -> None:
    claim = make_claim(line("97124", minutes=8), line("97140", minutes=8), line("97010", units=1))
    assert mc.compile_rules("97124 -> WARN").evaluate(claim).units == (1, 0, 1)
    assert mc.compile_rules("units per-code\n97124 -> WARN").evaluate(claim).units == (1, 1, 1)
    strict = mc.compile_rules("units per-code threshold 13\n97124 -> WARN")
    assert strict.unit_method == mc.units.UnitMethod(basis="per-code", threshold=13)
    assert strict.evaluate(claim).units == (0, 0, 1)


def test_declared_timed_codes_get_units() -> None:
    claim = make_claim(line("97535", minutes=20))
    assert mc.compile_rules("97535 -> WARN").evaluate(claim).units == (None,)  # unknown: not guessed
    assert mc.compile_rules("code 97535 timed\n97535 -> WARN").evaluate(claim).units == (1,)


# --------------------------------------------------------------------------- #
# Rulesets as values.                                                            #
# --------------------------------------------------------------------------- #

SAMPLE = """
ruleset sample
version 2025.1
language 1
title "Sample"
rule same-region
  97124 AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS
end
rule packs
  97010 AND any of 97124, 97140 -> BUNDLE 97010 into 97124
end
97112 -> REQUIRE modifier GP
test "same region"
  claim {"date_of_service": "2025-03-14", "payer": {"kind": "commercial"},
         "provider": {"npi": "1234567893", "license": "LMT"}, "patient": {"id": "P-1"},
         "lines": [{"code": "97124", "minutes": 30, "region": "lumbar"},
                   {"code": "97140", "minutes": 15, "region": "lumbar"}]}
  expect DENY same-region on line 1
  expect outcome partial
end
test "wrong on purpose"
  claim {"date_of_service": "2025-03-14", "payer": {"kind": "commercial"},
         "provider": {"npi": "1234567893", "license": "LMT"}, "patient": {"id": "P-1"},
         "lines": [{"code": "97124", "minutes": 30}, {"code": "97010", "units": 1}]}
  expect no findings
  expect outcome pay
end
"""


def test_header_and_rule_ids() -> None:
    ruleset = mc.compile_rules(SAMPLE)
    assert (ruleset.name, ruleset.version, ruleset.language, ruleset.title) == ("sample", "2025.1", 1, "Sample")
    assert ruleset.rule_ids == ("same-region", "packs", "rule-3")


def test_run_tests_reports_failures() -> None:
    outcomes = mc.compile_rules(SAMPLE).run_tests()
    assert [(o.name, o.passed, o.failures) for o in outcomes] == [
        ("same region", True, ()),
        (
            "wrong on purpose",
            False,
            ("expected no findings; found BUNDLE packs", "expected outcome pay; the outcome is partial"),
        ),
    ]


def test_ruleset_is_picklable_and_equal() -> None:
    ruleset = mc.compile_rules(SAMPLE)
    copy = pickle.loads(pickle.dumps(ruleset))
    assert copy == ruleset
    claim = make_claim(MASSAGE, MANUAL, PACKS)
    assert copy.evaluate(claim) == ruleset.evaluate(claim)


def test_ruleset_is_thread_safe() -> None:
    ruleset = mc.compile_rules(SAMPLE)
    claims = [make_claim(MASSAGE, MANUAL, PACKS), make_claim(MASSAGE), make_claim(line("97112", minutes=20))]
    expected = [ruleset.evaluate(claim).to_dict() for claim in claims]
    errors: list[str] = []

    def work() -> None:
        for _ in range(200):
            for claim, want in zip(claims, expected, strict=True):
                if ruleset.evaluate(claim).to_dict() != want:
                    errors.append("differs")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_rules_are_indexed_by_code() -> None:
    ruleset = mc.compile_rules(SAMPLE)
    text = ruleset.evaluate(make_claim(line("97112", minutes=20))).explain()
    assert (
        "rule same-region (<rules>:6): 97124 AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS\n  not checked: the claim has none of 97124"
        in text
    )
    assert (
        "rule rule-3 (<rules>:12): 97112 -> REQUIRE modifier GP\n"
        "  [held] 97112: line 0 (97112)\n"
        "  [failed] REQUIRE modifier GP: missing on line 0\n"
        "  => REQUIRE line 0: REQUIRE by rule rule-3: 97112 -> REQUIRE modifier GP"
    ) in text


def test_result_to_dict_is_json_without_claim_data() -> None:
    claim = make_claim(MASSAGE, MANUAL, diagnoses=["M54.50"])
    data = mc.compile_rules(SAMPLE).evaluate(claim).to_dict()
    text = json.dumps(data)
    assert data["outcome"] == "partial"
    assert data["ruleset"] == {"name": "sample", "version": "2025.1", "hash": mc.compile_rules(SAMPLE).hash}
    assert data["ruleset"]["hash"].startswith("sha256:")
    assert "M54.50" not in text
    assert "P-1" not in text


def test_explain_never_shows_diagnoses() -> None:
    claim = make_claim(MASSAGE, diagnoses=["M54.50"])
    text = mc.compile_rules("diagnosis M54.* -> WARN claim").evaluate(claim).explain()
    assert "[held] diagnosis M54.*: 1 diagnoses on the claim" in text
    assert "M54.50" not in text


def test_predicates_are_frozen_callables_with_readable_repr() -> None:
    ruleset = mc.compile_rules(DESIGN)
    condition = ruleset.rules[0].condition
    assert repr(condition) == (
        "AllOf(items=(CodeTermPred(slot=0, codes=frozenset({'97124'}), text='97124', after=None, own=None), "
        "CodeTermPred(slot=1, codes=frozenset({'97140'}), text='97140', after=None, own=None)), "
        "relations=(Relation(same=True, aspect='region', slots=(0, 1), text='SAME region'),), "
        "text='97124 AND 97140 SAME region')"
    )
    assert condition(make_claim(MASSAGE, MANUAL)) is True
    assert condition(make_claim(MASSAGE)) is False
    with pytest.raises(AttributeError):
        condition.text = "changed"  # type: ignore[misc]


def test_combinators_flatten() -> None:
    a = p.CodeTermPred(0, frozenset({"97124"}), "97124")
    b = p.CodeTermPred(1, frozenset({"97140"}), "97140")
    c = p.CodeTermPred(2, frozenset({"97010"}), "97010")
    assert p.all_of(p.all_of(a, b), c) == p.AllOf((a, b, c))
    assert p.any_of(a, p.any_of(b, c)) == p.AnyOf((a, b, c))
    assert p.all_of(a) is a


def test_load_rules(tmp_path: Path) -> None:
    path = tmp_path / "payer.rules"
    path.write_text(DESIGN + "\n", encoding="utf-8")
    ruleset = mc.load_rules(path)
    assert ruleset.source == str(path)
    assert ruleset.rules[0].line == 1
    with pytest.raises(mc.InputError, match="cannot read the file"):
        mc.load_rules(tmp_path / "missing.rules")
    bad = tmp_path / "latin1.rules"
    bad.write_bytes("97124 -> WARN # caf\xe9".encode("latin-1"))
    with pytest.raises(mc.InputError, match="is not UTF-8 text"):
        mc.load_rules(bad)


def test_evaluate_rejects_bad_arguments() -> None:
    ruleset = mc.compile_rules(DESIGN)
    with pytest.raises(mc.InputError, match="expected a Claim"):
        ruleset.evaluate({"lines": []})  # type: ignore[arg-type]
    with pytest.raises(mc.InputError, match="expected a sequence of Claims"):
        ruleset.evaluate(make_claim(MASSAGE), history=make_claim(MASSAGE))  # type: ignore[arg-type]


def test_rule_source_positions() -> None:
    ruleset = mc.compile_rules("\n\n# a comment\n  " + DESIGN, source="x.rules")
    rule = ruleset.rules[0]
    assert (rule.source, rule.line, rule.column) == ("x.rules", 4, 3)
    assert rule.text == DESIGN


def test_dates_in_rules_are_dates() -> None:
    ruleset = mc.compile_rules("effective from 2025-01-01\ndate >= 2025-06-01 -> WARN claim")
    assert ruleset.effective == (datetime.date(2025, 1, 1), None)
    assert fired("date >= 2025-06-01 -> WARN claim", make_claim(MASSAGE)) == []


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).resolve().parent.parent / "rulesets").glob("*.rules")), ids=lambda p: p.name
)
def test_format_round_trip_on_shipped_rulesets(path: Path) -> None:
    from massagecodes._syntax._parser import parse

    text = path.read_text(encoding="utf-8")
    formatted = mc.format_rules(text)
    assert mc.format_rules(formatted) == formatted
    assert parse(formatted) == parse(text)
    assert mc.compile_rules(formatted).hash == mc.compile_rules(text).hash
    assert [line for line in text.splitlines() if line.lstrip().startswith("#")] == [
        line for line in formatted.splitlines() if line.lstrip().startswith("#")
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("charges this year > 0.0000001 -> WARN claim\n", "> 0.0000001"),
        (
            '97124 -> WARN\ntest "x"\n  claim {"a": 1.0e22, "b": [1.5, -2, 3.0E-5]}\n  expect no findings\nend\n',
            '"a": 1.0e+22',
        ),
    ],
    ids=["small-decimal", "json-exponents"],
)
def test_format_keeps_numbers_the_grammar_reads(text: str, shown: str) -> None:
    from massagecodes._syntax._parser import parse

    formatted = mc.format_rules(text)
    assert shown in formatted
    assert parse(formatted) == parse(text)
    assert mc.format_rules(formatted) == formatted


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(mc.RulesSyntaxError, match="MC110: this string has a \\\\u escape of a lone surrogate"):
        mc.compile_rules('title "\\ud800"\n97124 -> WARN\n')
    with pytest.raises(mc.RulesSyntaxError, match="2:17: error MC110: a lone surrogate"):
        mc.compile_rules("# x\n97124 -> WARN # \ud800\n")
    assert mc.compile_rules('title "\\ud83d\\ude00"\n97124 -> WARN\n').title == "\U0001f600"


def test_values_that_start_with_digits_are_names() -> None:
    # Taxonomy codes (225700000X) and names such as 3M need no quotes.
    claim = make_claim(MASSAGE, provider={"npi": "1234567893", "license": "LMT", "taxonomy": "225700000X"})
    assert fired("provider taxonomy is 225700000X -> WARN claim", claim) == [("rule-1", "WARN", ())]
    assert fired("payer name is 3M -> WARN claim", claim) == []
    assert fired("units of 97124 > 1 -> WARN", claim) == [("rule-1", "WARN", (0,))]


@pytest.mark.parametrize(
    ("rules", "modifiers", "expected"),
    [
        # With no code term, the claim's lines are the ones a modifier is required on or excused by.
        ("payer kind is commercial -> REQUIRE modifier GP", [["GP"], []], [((1,), False)]),
        ("payer kind is commercial -> REQUIRE modifier GP", [["GP"], ["GP"]], []),
        ("payer kind is commercial -> DENY unless modifier 59", [["59"], ["59"]], []),
        ("payer kind is commercial -> DENY unless modifier 59", [["59"], []], [((), True)]),
        # A required modifier names the lines that lack it.
        ("97124 -> REQUIRE modifier GP on 97140", [[], []], [((1,), False)]),
    ],
)
def test_claim_level_modifier_requirements_look_at_every_line(
    rules: str, modifiers: list[list[str]], expected: list[tuple[tuple[int, ...], bool]]
) -> None:
    claim = make_claim(
        line("97124", minutes=20, modifiers=modifiers[0]), line("97140", minutes=20, modifiers=modifiers[1])
    )
    findings = mc.compile_rules(rules).evaluate(claim).findings
    assert [(f.lines, f.claim_level) for f in findings] == expected


@pytest.mark.parametrize(
    ("rules", "codes", "expected"),
    [
        ("97124 AND NOT 97124 -> WARN", ["97124"], []),
        ("any of 97124, 97140 AND NOT 97140 -> WARN", ["97140"], []),
        ("any of 97124, 97140 AND NOT 97140 -> WARN", ["97124"], [(0,)]),
        ("NOT 97140 AND any of 97124, 97140 -> WARN", ["97140"], []),
        ("97124 AND NOT (97124 AND 97124 SAME region) -> WARN", ["97124"], [(0,)]),
        ("97124 AND NOT (97124 AND 97124 SAME region) -> WARN", ["97124", "97124"], []),
        ("97124 AND NOT modifier 59 on 97124 -> WARN", ["97124"], [(0,)]),
    ],
)
def test_not_means_no_such_line_at_all(rules: str, codes: list[str], expected: list[tuple[int, ...]]) -> None:
    claim = make_claim(*(line(code, minutes=20, region="lumbar") for code in codes))
    assert [lines for _, _, lines in fired(rules, claim)] == expected


def test_explain_names_the_code_that_is_missing() -> None:
    text = mc.compile_rules("97124 AND 97140 SAME region -> DENY\n").evaluate(make_claim(MASSAGE)).explain()
    assert text.endswith("\n  not checked: the claim has none of 97140")


def test_rule_effective_dates_apply_line_by_line() -> None:
    rules = "rule R\n  97124 -> WARN\n  effective 2025-03-15 to 2025-12-31\nend\n"
    spanning = make_claim(line("97124", minutes=20), line("97124", minutes=20, date="2025-03-16"))
    assert fired(rules, spanning) == [("R", "WARN", (1,))]
    assert fired(rules, make_claim(line("97124", minutes=20))) == []
    claim_level = "rule C\n  payer kind is commercial -> WARN claim\n  effective 2025-03-15 to 2025-12-31\nend\n"
    assert fired(claim_level, spanning) == []


# --- a comparison the claim cannot answer is said, not passed -------------------------------

SENTENCE = "97124 AND 97140 SAME region -> DENY unless modifier 59"


def test_same_region_without_regions_is_undecided_not_a_pass() -> None:
    rs = mc.compile_rules(SENTENCE, source="payer.rules")
    result = rs.evaluate(make_claim(line("97124"), line("97140", region="lumbar")))
    assert result.findings == ()
    assert result.undecided == (("rule-1", "SAME region: line 0 has no region"),)
    assert result.to_dict()["undecided_rules"] == [{"rule_id": "rule-1", "reason": "SAME region: line 0 has no region"}]
    assert "=> undecided: SAME region: line 0 has no region" in result.explain()
    # Nothing denied it, but a rule could not decide: the claim is not known to be payable.
    assert result.outcome == "undecided"
    assert result.line_outcomes == ("payable", "payable")


def test_an_undecided_rule_does_not_soften_a_stronger_outcome() -> None:
    text = SENTENCE + "\n97010 -> DENY 97010\n"
    rs = mc.compile_rules(text, source="payer.rules")
    result = rs.evaluate(make_claim(line("97124"), line("97140", region="lumbar"), line("97010")))
    assert result.undecided
    assert result.outcome == "partial"
    assert (
        rs.evaluate(make_claim(line("97124", region="lumbar"), line("97140", region="lumbar"))).outcome != "undecided"
    )


def test_a_test_block_can_expect_an_undecided_outcome() -> None:
    text = (
        SENTENCE
        + """
test "no region on the massage line"
  claim {"date_of_service": "2025-03-14", "payer": {"kind": "commercial"},
         "provider": {"npi": "1234567893", "license": "LMT"}, "patient": {"id": "P-1"},
         "lines": [{"code": "97124", "units": 1}, {"code": "97140", "units": 1, "region": "lumbar"}]}
  expect outcome undecided
end
"""
    )
    (outcome,) = mc.compile_rules(text, source="payer.rules").run_tests()
    assert outcome.passed, outcome.failures


def test_a_rule_that_fires_or_fails_on_known_values_is_not_undecided() -> None:
    rs = mc.compile_rules(SENTENCE, source="payer.rules")
    same = rs.evaluate(make_claim(line("97124", region="lumbar"), line("97140", region="lumbar")))
    assert [finding.rule_id for finding in same.findings] == ["rule-1"]
    assert same.undecided == ()
    different = rs.evaluate(make_claim(line("97124", region="lumbar"), line("97140", region="cervical")))
    assert (different.findings, different.undecided) == ((), ())
    # One 97140 line has no region, another matches: the rule fires, nothing is undecided.
    mixed = rs.evaluate(make_claim(line("97124", region="lumbar"), line("97140"), line("97140", region="lumbar")))
    assert [finding.lines for finding in mixed.findings] == [(2,)]
    assert mixed.undecided == ()


def test_different_side_without_sides_is_undecided() -> None:
    rs = mc.compile_rules("97140 AND 97140 DIFFERENT side -> WARN", source="payer.rules")
    result = rs.evaluate(
        make_claim(line("97140", region="lumbar"), line("97140", region={"name": "lumbar", "side": "left"}))
    )
    assert result.undecided == (("rule-1", "DIFFERENT side: line 0 has no side"),)


def test_a_value_with_leading_zeros_keeps_them() -> None:
    rs = mc.compile_rules("97124 AND payer name is 007 -> WARN", source="payer.rules")
    assert [
        f.rule_id for f in rs.evaluate(make_claim(line("97124"), payer={"kind": "commercial", "name": "007"})).findings
    ] == ["rule-1"]
    assert rs.evaluate(make_claim(line("97124"), payer={"kind": "commercial", "name": "7"})).findings == ()
    assert mc.format_rules("97124 AND payer name is 007 -> WARN").count("007") == 1
    with pytest.raises(mc.RulesSemanticError) as caught:
        mc.compile_rules("97124 AND minutes >= 08 -> WARN")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.hint) == ("MC205", "write 8, without leading zeros")
