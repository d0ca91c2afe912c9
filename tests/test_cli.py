"""The command line: ``massagecodes units``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from massagecodes.__main__ import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "claim.json"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_units_pairs() -> None:
    code, out, err = run("units", "97112=24", "97110=23")
    assert (code, err) == (0, "")
    assert out == (
        "47 timed minutes, method cms: 3 units\n"
        "  97112: 1 whole unit (15 of 24 minutes)\n"
        "  97110: 1 whole unit (15 of 23 minutes)\n"
        "  97112: +1 unit for 9 leftover minutes (largest leftover #1)\n"
    )


def test_units_pairs_json_per_code() -> None:
    code, out, _ = run("units", "97124=8", "97140=8", "--method", "per-code", "--format", "json")
    assert code == 0
    assert json.loads(out)["units"] == {"97124": 1, "97140": 1}


def test_units_claim_example() -> None:
    code, out, err = run("units", "--claim", str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out == (
        "method cms\n"
        "line  code   minutes billed supported\n"
        "   0  97124       30      -         2\n"
        "   1  97140       15      1         1\n"
        "no findings\n"
    )


def test_units_claim_with_findings_exits_1(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["lines"][1]["units"] = 3
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("units", "--claim", str(path), "--format", "json")
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert (finding["line"], finding["kind"], finding["carc"]) == (1, "units-exceed-minutes", "151")


def test_bad_claim_exits_2_with_every_problem(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["lines"][1]["minutes"] = -5
    data["lines"][0]["minuts"] = 3
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(data))
    code, out, err = run("units", "--claim", str(path))
    assert (code, out) == (2, "")
    assert err == (
        "massagecodes: invalid claim: 2 problems\n"
        f'  {path}: $.lines[0].minuts: unknown key (did you mean "minutes"?); expected "code", "minutes", '
        '"units", "region", "modifiers", "diagnosis_pointers", "charge", "date" or "place_of_service"\n'
        f"  {path}: $.lines[1].minutes: expected whole minutes >= 0, got -5\n"
    )


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text('{"lines": [\n  1,\n')
    code, _, err = run("units", "--claim", str(path))
    assert code == 2
    assert "line 3 column 1: malformed JSON: Expecting value" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = run("units", "--claim", str(tmp_path / "nope.json"))
    assert code == 2
    assert "cannot read the file: No such file or directory" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["units"], "expected CODE=MINUTES pairs or --claim FILE"),
        (["units", "97112"], "argument 1: expected CODE=MINUTES such as 97112=24, got '97112'"),
        (["units", "97112=-3"], "expected CODE=MINUTES such as 97112=24, got '97112=-3'"),
        (["units", "97112=3", "97112=4"], "argument 2: code 97112 is given twice"),
        (["units", "9711=3"], "expected a procedure code"),
        (["units", "97112=3", "--claim", "x.json"], "give either CODE=MINUTES pairs or --claim, not both"),
    ],
    ids=["nothing", "no-minutes", "negative", "twice", "bad-code", "both"],
)
def test_usage_errors_exit_2(argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err


def test_argparse_errors_exit_2() -> None:
    assert run("frobnicate")[0] == 2
    assert run("units", "--method", "nope")[0] == 2


def test_help_exits_0() -> None:
    assert run("--help")[0] == 0
    assert run("units", "--help")[0] == 0


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "massagecodes", "units", "97112=24", "97110=23", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["units"] == {"97112": 2, "97110": 1}


SAME_REGION = EXAMPLE.parent / "same-region.json"


def test_eval_table() -> None:
    code, out, err = run("eval", "--ruleset", "commercial", str(SAME_REGION))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("ruleset commercial 2026.2 (sha256:")
    assert lines[0].endswith("): outcome partial")
    assert lines[1].split() == ["line", "code", "rule", "action", "CARC", "message", "/", "fix"]
    assert lines[2].split()[:5] == ["1", "97140", "massage-manual-same-region", "DENY", "97"]
    assert lines[3].split()[:5] == ["2", "97010", "hot-cold-packs-bundled", "BUNDLE", "97"]
    assert lines[4:] == [
        "skipped rule authorization-required: parameter $authorization-required is not set",
        "skipped rule authorization-in-effect: parameter $authorization-required is not set",
        "skipped rule visit-limit: parameter $visit-limit is not set",
    ]


def test_eval_json_reports_the_deny() -> None:
    code, out, _ = run("eval", "--ruleset", "commercial", "--format", "json", str(SAME_REGION))
    data = json.loads(out)
    assert code == 0
    assert data["ruleset"]["name"] == "commercial"
    assert [(f["rule_id"], f["action"], f["lines"]) for f in data["findings"]] == [
        ("massage-manual-same-region", "DENY", [1]),
        ("hot-cold-packs-bundled", "BUNDLE", [2]),
    ]


@pytest.mark.parametrize(("fail_on", "expected"), [("deny", 1), ("require", 1), ("warn", 1)])
def test_eval_fail_on(fail_on: str, expected: int) -> None:
    assert run("eval", "--ruleset", "commercial", "--fail-on", fail_on, str(SAME_REGION))[0] == expected
    assert run("eval", "--ruleset", "commercial", "--fail-on", fail_on, str(EXAMPLE))[0] == 0


def test_eval_params_and_pinning() -> None:
    code, out, _ = run(
        "eval",
        "--ruleset",
        "commercial==2026.1",
        "--param",
        "visit-limit=20",
        "--param",
        "authorization-required=yes",
        str(EXAMPLE),
    )
    assert code == 0
    assert "authorization-required  REQUIRE" in out
    assert "skipped rule" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--ruleset", "comercial", "x.json"], "no ruleset named 'comercial' (did you mean \"commercial\"?)"),
        (
            ["eval", "--ruleset", "commercial==1999.1", "x.json"],
            "no version of ruleset 'commercial' matches '==1999.1'",
        ),
        (["eval", "--ruleset", "commercial", "--param", "oops", "x.json"], "--param: expected NAME=VALUE, got 'oops'"),
    ],
    ids=["unknown-ruleset", "unknown-version", "bad-param"],
)
def test_eval_errors_exit_2(argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err


def test_list() -> None:
    code, out, _ = run("list")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["name", "version", "effective", "hash", "origin"]
    # Every version of every shipped ruleset (a published version stays: users pin it).
    assert [(row[0], row[1]) for row in rows[1:]] == [
        (name, version)
        for name in ("auto-pip-florida", "cms-therapy", "commercial", "no-fault-new-york", "workers-comp-washington")
        for version in ("2026.1", "2026.2")
    ]
    assert rows[1][2:4] == ["from", "2013-01-01"]


def test_explain() -> None:
    code, out, _ = run("explain", "--ruleset", "commercial", str(SAME_REGION))
    assert code == 0
    assert out.splitlines()[2] == "outcome: partial (lines: payable, denied, bundled)"
    assert "  [held] SAME region: region of lines 0, 1: lumbar, lumbar" in out


def test_explain_with_a_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "payer.rules"
    rules.write_text("97124 AND 97140 SAME region -> DENY unless modifier 59\n")
    code, out, _ = run("explain", "--ruleset", str(rules), str(SAME_REGION))
    assert code == 0
    assert f"rule rule-1 ({rules}:1): 97124 AND 97140 SAME region -> DENY unless modifier 59" in out


def test_test_command_passes_on_the_shipped_rulesets(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, out, _ = run("test", str(EXAMPLE.parent.parent / "rulesets"), "--junit", str(junit), "--min-coverage", "100")
    assert code == 0
    assert out.splitlines()[-1].startswith("76 passed, 0 failed; rule coverage 100.0%")
    assert junit.read_text().count("<testcase ") == 76


def test_test_command_reports_failures_and_coverage(tmp_path: Path) -> None:
    rules = tmp_path / "x.rules"
    rules.write_text(
        "rule a\n  97124 -> WARN\nend\nrule b\n  97140 -> WARN\nend\n"
        'test "wrong"\n  claim ' + SAME_REGION.read_text().replace("\n", " ") + "\n  expect no findings\nend\n"
    )
    code, out, _ = run("test", str(rules), "--min-coverage", "100")
    assert code == 1
    assert f"FAIL {rules}:7 wrong" in out
    assert "    expected no findings; found WARN a, WARN b" in out
    assert "    explanation:" in out
    code, out, _ = run("test", str(rules), "--format", "json")
    data = json.loads(out)
    assert (data["passed"], data["failed"], data["coverage"]) == (0, 1, 100.0)


def test_test_command_compile_error_exits_2(tmp_path: Path) -> None:
    rules = tmp_path / "bad.rules"
    rules.write_text("97124 -> deny\n")
    code, out, _ = run("test", str(rules))
    assert code == 2
    assert "MC102" in out


def test_diff(tmp_path: Path) -> None:
    corpus = tmp_path / "claims"
    corpus.mkdir()
    (corpus / "a.json").write_text(SAME_REGION.read_text())
    (corpus / "b.jsonl").write_text(EXAMPLE.read_text().replace("\n", " ") + "\n" + '{"oops": 1}\n')
    new = tmp_path / "acme.rules"
    new.write_text("ruleset acme\nversion 1.0\nextends commercial\ndisable massage-manual-same-region\n")
    code, out, _ = run("diff", "commercial", str(new), "--claims", str(corpus))
    assert code == 0
    assert f"- DENY massage-manual-same-region: 1 claims (e.g. {corpus / 'a.json'})" in out
    assert out.splitlines()[-1] == "2 evaluated, 1 rejected, 1 changed"
    code, out, _ = run("diff", "commercial", str(new), "--claims", str(corpus), "--format", "json")
    data = json.loads(out)
    assert data["changes"] == {"- DENY massage-manual-same-region": {"count": 1, "examples": [str(corpus / "a.json")]}}


CHECK_WARNINGS = """code 97124 timed
code 97140 timed
code 97110 timed
rule a
  97124 AND 97140 SAME region -> DENY 97140
end
rule b
  97124 AND 97140 SAME region -> DENY 97140
end
rule c
  97124 AND 97140 SAME region -> WARN 97140
end
rule d
  97124 AND NOT 97124 -> DENY 97124
end
rule e
  payer kind is medicare AND payer kind is commercial -> DENY claim
end
rule f
  97124 AND NOT referral -> DENY 97124 unless referral
end
"""


def test_check_warnings(tmp_path: Path) -> None:
    rules = tmp_path / "w.rules"
    rules.write_text(CHECK_WARNINGS)
    code, out, _ = run("check", str(rules))
    assert code == 0
    found = [line.split(": ")[1].split()[1] for line in out.splitlines() if ": warning MC" in line]
    assert found == ["MC301", "MC302", "MC303", "MC304", "MC304", "MC305"]
    assert out.splitlines()[-1] == "0 errors, 6 warnings"
    assert run("check", "--strict", str(rules))[0] == 1
    code, out, _ = run("check", str(rules), "--format", "json")
    assert [d["code"] for d in json.loads(out)] == ["MC301", "MC302", "MC303", "MC304", "MC304", "MC305"]


def test_check_reports_misspelled_code_region_and_action_together(tmp_path: Path) -> None:
    rules = tmp_path / "bad.rules"
    rules.write_text(
        "code 97124 timed\ncode 97140 timed\n97124 AND 97125 SAME region -> DENY\nregion of 97124 is lumbr -> WARN\n97140 -> DENNY\n"
    )
    code, out, _ = run("check", str(rules))
    assert code == 1
    assert out == (
        f'{rules}:3:11: error MC201: code 97125 is not declared in this ruleset (did you mean "97124"?)\n'
        " 3 | 97124 AND 97125 SAME region -> DENY\n"
        "   |           ^^^^^\n"
        f'{rules}:4:20: error MC202: unknown region "lumbr" (did you mean "lumbar"?)\n'
        " 4 | region of 97124 is lumbr -> WARN\n"
        "   |                    ^^^^^\n"
        f'{rules}:5:10: error MC102: unknown action "DENNY"; expected DENY, BUNDLE, REQUIRE or WARN (did you mean "DENY"?)\n'
        " 5 | 97140 -> DENNY\n"
        "   |          ^^^^^\n"
        "3 errors, 0 warnings\n"
    )


def test_check_shipped_rulesets_are_clean() -> None:
    code, out, _ = run("check", "--strict", str(EXAMPLE.parent.parent / "rulesets"))
    assert (code, out) == (0, "0 errors, 0 warnings\n")


def test_fmt(tmp_path: Path) -> None:
    rules = tmp_path / "payer.rules"
    original = "# policy 12\nruleset   acme # the payer\nversion 1.0\n\n\n97124   AND 97140 SAME region->DENY unless modifier 59  # why\n"
    rules.write_text(original)
    assert run("fmt", "--check", str(rules)) == (1, f"would reformat {rules}\n", "")
    code, out, _ = run("fmt", "--diff", str(rules))
    assert code == 1
    assert "+97124 AND 97140 SAME region -> DENY unless modifier 59" in out
    assert rules.read_text() == original  # --check and --diff change nothing
    assert run("fmt", str(rules)) == (0, f"reformatted {rules}\n", "")
    assert rules.read_text() == (
        "# policy 12\n# the payer\nruleset acme\nversion 1.0\n\n# why\n97124 AND 97140 SAME region -> DENY unless modifier 59\n"
    )
    assert run("fmt", "--check", str(rules)) == (0, "", "")


def test_fmt_check_passes_on_the_shipped_rulesets() -> None:
    assert run("fmt", "--check", str(EXAMPLE.parent.parent / "rulesets")) == (0, "", "")


def test_fmt_refuses_a_broken_file(tmp_path: Path) -> None:
    rules = tmp_path / "bad.rules"
    rules.write_text("97124 -> deny\n")
    code, _, err = run("fmt", str(rules))
    assert code == 2
    assert "MC102" in err


def test_eval_batch(tmp_path: Path) -> None:
    corpus = tmp_path / "claims"
    corpus.mkdir()
    (corpus / "one.json").write_text(SAME_REGION.read_text())
    good = EXAMPLE.read_text().replace("\n", " ")
    (corpus / "more.jsonl").write_text(f'{good}\n\n{{"lines": 5}}\n{good}\n')
    code, out, err = run("eval", "--ruleset", "commercial", str(corpus))
    assert code == 2  # a rejected claim is an input error, reported without stopping the batch
    assert err.startswith(f"massagecodes: {corpus / 'more.jsonl'}:3: invalid claim: $.date_of_service: required")
    assert err.rstrip().endswith("$.lines: expected a list of lines, got 5")
    assert out.splitlines()[-1] == "3 evaluated, 1 rejected, 0 denied"
    assert f"{corpus / 'more.jsonl'}:1: ruleset commercial 2026.2" in out
    code, out, err = run("eval", "--ruleset", "commercial", "--format", "jsonl", str(corpus / "more.jsonl"))
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["claim"] for row in rows] == [f"{corpus / 'more.jsonl'}:1", f"{corpus / 'more.jsonl'}:4"]
    assert err.splitlines()[-1] == "2 evaluated, 1 rejected, 0 denied"
    code, out, _ = run("eval", "--ruleset", "commercial", "--format", "json", str(corpus / "one.json"), str(EXAMPLE))
    assert [row["outcome"] for row in json.loads(out)] == ["partial", "pay"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "bad.rules"
    rules.write_text("97124 -> deny\n")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = _Terminal()
    main(["check", str(rules)], out=terminal, err=io.StringIO())
    assert "\033[31m error MC102:\033[0m" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Terminal()
    main(["check", str(rules)], out=plain, err=io.StringIO())
    assert "\033" not in plain.getvalue()
    monkeypatch.delenv("NO_COLOR")
    piped = io.StringIO()
    main(["check", str(rules)], out=piped, err=io.StringIO())
    assert "\033" not in piped.getvalue()


def test_eval_progress_only_on_a_terminal(tmp_path: Path) -> None:
    claims = tmp_path / "many.jsonl"
    claims.write_text((EXAMPLE.read_text().replace("\n", " ") + "\n") * 60)
    terminal, out = _Terminal(), io.StringIO()
    assert main(["eval", "--ruleset", "commercial", "--format", "jsonl", str(claims)], out=out, err=terminal) == 0
    assert "\revaluated 50 of 60 claims" in terminal.getvalue()
    assert terminal.getvalue().endswith("60 evaluated, 0 rejected, 0 denied\n")
    piped = io.StringIO()
    main(["eval", "--ruleset", "commercial", "--format", "jsonl", str(claims)], out=io.StringIO(), err=piped)
    assert piped.getvalue() == "60 evaluated, 0 rejected, 0 denied\n"


def test_fmt_never_truncates_and_goes_on_past_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "a.rules"
    bad.write_text('# my policy\ntitle "\\ud800"\n97124 -> DENY\n')
    latin = tmp_path / "b.rules"
    latin.write_bytes(b"# caf\xe9\n97124 -> WARN\n")
    messy = tmp_path / "c.rules"
    messy.write_text("97124   ->  WARN\n")
    before = bad.read_bytes()
    code, out, err = run("fmt", str(tmp_path))
    assert code == 2
    assert out == f"reformatted {messy}\n"
    assert "MC110" in err
    assert "b.rules: the file is not UTF-8 text (byte 5)" in err
    assert bad.read_bytes() == before
    assert messy.read_text() == "97124 -> WARN\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.rules", "b.rules", "c.rules"]


def test_check_goes_on_past_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_bytes(b"# caf\xe9\n97124 -> WARN\n")
    (tmp_path / "b.rules").write_text("97124 -> DENNY\n")
    code, out, err = run("check", str(tmp_path))
    assert code == 2
    assert "MC10" in out
    assert "b.rules" in out
    assert "a.rules: the file is not UTF-8 text" in err


def test_only_ascii_digits_are_numbers() -> None:
    code, _, err = run("units", "97112=\u00b2")
    assert code == 2
    assert "expected CODE=MINUTES such as 97112=24" in err


def test_deeply_nested_claims_are_rejected(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for argv in (["eval", "--ruleset", "commercial", str(deep)], ["explain", "--ruleset", "commercial", str(deep)]):
        code, _, err = run(*argv)
        assert code == 2, argv
        assert "nested too deeply" in err


def test_a_code_named_only_by_a_requirement_is_used(tmp_path: Path) -> None:
    rules = tmp_path / "r.rules"
    rules.write_text("code 97124 timed\ncode 97110 timed\n97124 -> REQUIRE modifier GP on 97110\n")
    assert run("check", "--strict", str(rules)) == (0, "0 errors, 0 warnings\n", "")


def test_check_finds_repeated_rules_with_effective_dates(tmp_path: Path) -> None:
    rules = tmp_path / "r.rules"
    rules.write_text(
        "rule A\n  97124 -> WARN\n  effective 2025-01-01 to 2025-12-31\nend\n"
        "rule B\n  97124 -> WARN\n  effective 2025-01-01 to 2025-12-31\nend\n"
        "rule C\n  97124 -> WARN\n  effective 2026-01-01 to 2026-12-31\nend\n"
    )
    code, out, _ = run("check", str(rules))
    assert code == 0
    assert [line.split(": ")[1] for line in out.splitlines() if "warning MC" in line] == ["warning MC302"]


# --- eval reads 837P files and FHIR Claims -----------------------------------------------

X12_EXAMPLE = EXAMPLE.parent / "x12" / "claim.837"
FHIR_EXAMPLE = EXAMPLE.parent / "fhir" / "claim.json"
# eval with what 837P and FHIR files do not say
EVAL_GIVEN = ("eval", "--ruleset", "commercial", "--license", "LMT", "--payer-kind", "commercial")


def test_eval_reads_an_837p_file() -> None:
    code, out, err = run("eval", "--ruleset", "commercial", "--license", "LMT", str(X12_EXAMPLE), "--format", "jsonl")
    assert (code, err) == (0, "1 evaluated, 0 rejected, 0 denied\n")
    (line,) = out.splitlines()
    result = json.loads(line)
    assert result["claim"] == f"{X12_EXAMPLE}[0]"
    assert [(f["rule_id"], f["lines"]) for f in result["findings"]] == [("referral-required", [0, 1])]


def test_eval_needs_the_licence_an_837p_does_not_carry() -> None:
    code, out, err = run("eval", "--ruleset", "commercial", str(X12_EXAMPLE))
    assert code == 2
    assert out == "0 evaluated, 1 rejected, 0 denied\n"
    assert err == (
        f"massagecodes: {X12_EXAMPLE}[0]: invalid claim: segment 21: the 837P does not say the provider's licence"
        " (LMT, PT, DC, ...): pass license= (eval --license)\n"
    )


def test_eval_rejects_a_bad_claim_of_an_837p_alone(tmp_path: Path) -> None:
    """One bad claim of a batch is rejected, and the others are evaluated."""
    from test_x12 import example_claim, write

    claim = example_claim()
    text = write([claim, attrs.evolve(claim, patient=attrs.evolve(claim.patient, id="P-2"))])
    first, second = text.split("CLM*MC2")
    (tmp_path / "batch.837").write_text(first + "CLM*MC2" + second.replace("SV1*HC:97140", "SV1*HC:9714X"))
    code, out, err = run(*EVAL_GIVEN, str(tmp_path / "batch.837"), "--format", "jsonl")
    assert code == 2
    assert [json.loads(line)["claim"] for line in out.splitlines()] == [f"{tmp_path / 'batch.837'}[0]"]
    assert err.startswith(
        f"massagecodes: {tmp_path / 'batch.837'}[1]: invalid claim: segment 51 SV101 ($.lines[1].code)"
    )
    assert err.endswith("1 evaluated, 1 rejected, 0 denied\n")


def test_eval_reads_a_fhir_claim_and_a_folder_of_every_kind(tmp_path: Path) -> None:
    code, out, err = run(*EVAL_GIVEN, str(FHIR_EXAMPLE))
    assert (code, err) == (0, "")
    assert "hot-cold-packs-bundled" in out
    for source in (EXAMPLE, X12_EXAMPLE, FHIR_EXAMPLE):
        (tmp_path / (source.parent.name + source.suffix)).write_bytes(source.read_bytes())
    (tmp_path / "broken.edi").write_text("ISA*00*", encoding="utf-8")
    code, out, err = run(*EVAL_GIVEN, str(tmp_path), "--format", "json")
    assert code == 2  # the broken file is rejected; the others are evaluated
    assert [item["claim"] for item in json.loads(out)] == [
        f"{tmp_path / 'examples.json'}",
        f"{tmp_path / 'fhir.json'}",
        f"{tmp_path / 'x12.837'}[0]",
    ]
    assert err == (
        f"massagecodes: {tmp_path / 'broken.edi'}: invalid claim: segment 1: not an X12 interchange: "
        "it must begin with a complete ISA segment\n3 evaluated, 1 rejected, 0 denied\n"
    )


def test_eval_licence_choices_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run("eval", "--ruleset", "commercial", "--license", "RN", str(X12_EXAMPLE))
    assert code == 2
    assert "argument --license: invalid choice: 'RN'" in capsys.readouterr().err


def test_eval_reads_upper_case_suffixes_byte_order_marks_and_exact_fhir_money(tmp_path: Path) -> None:
    (tmp_path / "a.JSONL").write_text(EXAMPLE.read_text(encoding="utf-8").replace("\n", " ") + "\n", encoding="utf-8")
    (tmp_path / "b.EDI").write_bytes(b"\xef\xbb\xbf" + X12_EXAMPLE.read_bytes())
    resource = json.loads(FHIR_EXAMPLE.read_text(encoding="utf-8"))
    resource["item"][0]["net"]["value"] = Decimal("1234567890123456789.01")  # exact only if read as a decimal
    resource["item"][0].pop("unitPrice", None)
    resource.pop("total", None)
    (tmp_path / "c.json").write_text(
        json.dumps(resource, default=str).replace('"1234567890123456789.01"', "1234567890123456789.01"),
        encoding="utf-8",
    )
    code, out, err = run(*EVAL_GIVEN, str(tmp_path), "--format", "json")
    assert (code, err) == (0, "3 evaluated, 0 rejected, 0 denied\n"), err
    assert [item["claim"] for item in json.loads(out)] == [
        f"{tmp_path / 'a.JSONL'}:1",
        f"{tmp_path / 'b.EDI'}[0]",
        f"{tmp_path / 'c.json'}",
    ]
    from massagecodes.__main__ import _corpus, _Given

    ((_, claim),) = list(_corpus(tmp_path / "c.json", _Given(license="LMT", payer_kind="commercial")))
    assert not isinstance(claim, Exception)
    assert claim.lines[0].charge == Decimal("1234567890123456789.01")


def test_eval_refuses_an_oversized_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import massagecodes.__main__ as cli

    monkeypatch.setattr(cli, "MAX_INPUT_BYTES", 100)
    code, _, err = run("eval", "--ruleset", "commercial", str(EXAMPLE))
    assert code == 2
    assert "cannot read the file: larger than 100 bytes" in err
