"""Robustness of the rule language: whatever the text, ``compile_rules`` returns a
Ruleset or raises RulesError (never another exception), every diagnostic points into
the text, and a compiled ruleset evaluates a valid claim without crashing.

Texts come from the project's own grammar (``hypothesis.extra.lark``), from random
unicode and bytes, and from random edits of a realistic ruleset.
"""

from __future__ import annotations

import json
import pickle
import re
from typing import Any

import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

import massagecodes as mc
from massagecodes import _resources

MAX_SOURCE_BYTES = 16 * 1024 * 1024

# A copy of a realistic ruleset (every construct of the language once).
SAMPLE = r"""# header
ruleset commercial
version 2025.1
language 1
title "Typical"
effective 2025-01-01 to 2025-12-31
source "DOMAIN.md"
units per-code
code 97124 timed "Massage"
code 97140 timed
code 97010 untimed
code 98940 untimed
code 98941 untimed
code 98942 untimed
code 97003 untimed
group cmt = 98940, 98941, 98942
region gluteal
alias buttock = gluteal
rule R1 "Same region"
  97124 AND (97140 OR cmt) SAME region AND payer kind is commercial or medicare-advantage -> DENY 97140 unless modifier 59 or XS on either
  carc 97
  rarc M80
  message "x \" y"
  fix "add 59"
  cite "DOMAIN 4"
  severity error
end
rule R2
  diagnosis M54.* or M50 to M54.9 AND minutes of 97124 >= 8 AND NOT referral -> REQUIRE referral
end
visits this year > 20 -> WARN claim
97124 billed by another provider on the same day -> DENY 97124
total units > 8 -> DENY claim
date of 97003 >= 2017-01-01 -> DENY 97003
97010 AND any of 97124, 97140 -> BUNDLE 97010 into 97124
97124 -> REQUIRE modifier GP
region of 97124 is buttock -> WARN
provider license is LMT AND payer kind is medicare -> DENY claim
documented plan-of-care -> WARN claim
test "same region"
  claim {"date_of_service": "2025-03-14", "payer": {"kind": "commercial"}, "provider": {"npi": "1234567893", "license": "LMT"}, "patient": {"id": "P-1"}, "lines": [{"code": "97124", "minutes": 30, "region": "lumbar"}, {"code": "97140", "minutes": 15, "region": "lumbar"}]}
  expect DENY R1 on line 1
  expect outcome partial
end
"""

_PATIENT = {"id": "P-1"}
_PROVIDER = {"npi": "1234567893", "license": "LMT"}
CLAIM = mc.Claim.from_dict(
    {
        "date_of_service": "2025-03-14",
        "payer": {"kind": "commercial", "state": "CA"},
        "provider": _PROVIDER,
        "patient": _PATIENT,
        "diagnoses": ["M54.50"],
        "lines": [
            {"code": "97124", "minutes": 30, "region": "lumbar", "modifiers": ["GP"], "diagnosis_pointers": [1]},
            {"code": "97140", "minutes": 15, "region": "lumbar", "modifiers": ["59"]},
            {"code": "97010", "units": 1},
        ],
    }
)
HISTORY = (
    mc.Claim.from_dict(
        {
            "date_of_service": "2025-03-10",
            "payer": {"kind": "commercial"},
            "provider": {"npi": "1245319599", "license": "PT"},
            "patient": _PATIENT,
            "lines": [{"code": "97124", "minutes": 30, "region": "lumbar"}],
        }
    ),
)

# Characters that str.splitlines() treats as line breaks but the grammar does not.
_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def examples(count: int) -> settings:
    """Hypothesis settings for ``count`` examples, no deadline (keeps the module fast)."""
    return settings(
        max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
    )


# --------------------------------------------------------------------------- #
# The checks every generated text goes through.                                  #
# --------------------------------------------------------------------------- #


def _lines(text: str) -> list[str] | None:
    """The text's lines as the grammar counts them (only "\\n" ends a line), or None
    when the text holds a character that other tools count as a line break."""
    plain = text.replace("\r\n", "\n")
    if any(char in plain for char in _OTHER_LINE_BREAKS):
        return None
    return plain.split("\n")


def check_error(error: mc.RulesError, text: str) -> None:
    assert isinstance(error, ValueError)
    assert error.diagnostics, "a RulesError lists at least one diagnostic"
    rendered = str(error)
    assert "MC" in rendered
    lines = _lines(text)
    for diagnostic in error.diagnostics:
        assert diagnostic.line >= 1, diagnostic
        assert diagnostic.column >= 1, diagnostic
        assert diagnostic.end_column > diagnostic.column, diagnostic
        assert diagnostic.code.startswith("MC"), diagnostic
        assert diagnostic.render() in rendered
        if lines is not None and diagnostic.code != "MC109":
            assert diagnostic.line <= len(lines), diagnostic
            # Shown as it is, except that a lone surrogate (not printable) is shown as U+FFFD.
            shown = re.sub("[\ud800-\udfff]", "\ufffd", lines[diagnostic.line - 1])
            assert diagnostic.source_line == shown, diagnostic
            assert diagnostic.column <= len(diagnostic.source_line) + 1, diagnostic
    positions = [(d.line, d.column) for d in error.diagnostics]
    assert positions == sorted(positions), "diagnostics are reported in text order"
    if isinstance(error, mc.RulesSyntaxError):
        # Syntax errors, plus the semantic problems of the statements that parsed.
        assert any(d.code.startswith("MC1") for d in error.diagnostics)
        assert all(d.code.startswith(("MC1", "MC2")) for d in error.diagnostics)
    else:
        assert isinstance(error, mc.RulesSemanticError)
        assert all(d.code.startswith("MC2") for d in error.diagnostics)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.diagnostics == error.diagnostics


def _evaluate(ruleset: mc.Ruleset, history: tuple[mc.Claim, ...]) -> mc.Result | mc.InputError:
    try:
        return ruleset.evaluate(CLAIM, history=history)
    except mc.InputError as error:  # e.g. a claim outside the ruleset's effective dates
        return error


def check_evaluation(ruleset: mc.Ruleset) -> None:
    for history in ((), HISTORY):
        result = _evaluate(ruleset, history)
        if isinstance(result, mc.InputError):
            assert result.problems
            continue
        assert isinstance(result, mc.Result)
        assert len(result.line_outcomes) == len(CLAIM.lines)
        json.dumps(result.to_dict(), allow_nan=False)
        assert isinstance(result.explain(), str)


def check_text(text: str) -> mc.Ruleset | None:
    """compile_rules gives a Ruleset or a RulesError, never another exception."""
    try:
        ruleset = mc.compile_rules(text)
    except mc.RulesError as error:
        check_error(error, text)
        return None
    assert isinstance(ruleset, mc.Ruleset)
    check_evaluation(ruleset)
    return ruleset


# --------------------------------------------------------------------------- #
# Texts from the grammar.                                                       #
# --------------------------------------------------------------------------- #


def _grammar() -> lark.Lark:
    # As in massagecodes._syntax._parser, without the post-lexer (from_lark ignores it).
    return lark.Lark(
        _resources.read_text("grammar", "rules.lark"),
        parser="lalr",
        lexer="contextual",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=True,
        cache=False,
    )


# Names a ruleset uses: codes, groups, regions, fields and their values, modifiers,
# rule ids, unit methods, severities, outcomes, and a few near misses.
_WORDS = (
    "97124",
    "97140",
    "97010",
    "97003",
    "97112",
    "98940",
    "G0283",
    "9712",
    "cmt",
    "lumbar",
    "cervical",
    "gluteal",
    "buttock",
    "neck",
    "lumbr",
    "kind",
    "name",
    "state",
    "license",
    "npi",
    "taxonomy",
    "commercial",
    "medicare",
    "medicaid",
    "medicar",
    "LMT",
    "PT",
    "DC",
    "CA",
    "NY",
    "59",
    "XS",
    "GP",
    "R1",
    "R2",
    "plan-of-care",
    "subjective",
    "medical-necessity",
    "per-code",
    "cms",
    "total-time",
    "error",
    "warning",
    "info",
    "partial",
    "pay",
    "hold",
    "deny",
    "M80",
    "97",
    "N362",
)


def _token(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(lambda text: text + " ")


def _text_strategies() -> dict[str, st.SearchStrategy[str]]:
    string_chars = st.characters(codec="utf-8", exclude_characters='"\\\n' + _OTHER_LINE_BREAKS)
    return {
        "WORD": _token(st.sampled_from(_WORDS) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,8}", fullmatch=True)),
        "STRING": _token(
            st.sampled_from(['"Same region"', '"x \\" y"', '"\\u00e9\\n"', '""', '"bad \\q escape"'])
            | st.text(string_chars, max_size=12).map(lambda body: f'"{body}"')
        ),
        "DATE": _token(st.dates().map(str) | st.sampled_from(["2025-02-30", "2025-13-01", "0000-00-00"])),
        "NUMBER": _token(st.integers(0, 40).map(str) | st.sampled_from(["8", "15", "99999999999999999999"])),
        "JSON_NUMBER": _token(st.sampled_from(["-1", "1.5", "-0.25", "1.0e3", "1.0e999"])),
        "DX": _token(st.sampled_from(["M54.50", "M54.*", "M50", "M54.9", "m54", "S13.4XXA", "M*"])),
        "VERSION_TEXT": _token(st.sampled_from(["2025.1", "1.2.0", "1.0.dev1", "x!y"])),
        "COMPARE": _token(st.sampled_from([">=", "<=", "!=", ">", "<", "="])),
        "_NL": st.sampled_from(["\n", "\r\n", "\n\n"]),
        "WHITESPACE": st.sampled_from([" ", "\t", " \f "]),
        "COMMENT": st.just(" "),  # a comment ends its line, which would cut statements short
    }


def _explicit(grammar: lark.Lark) -> dict[str, st.SearchStrategy[str]]:
    """A strategy for every terminal: keywords and punctuation as written, other
    terminals realistic; each token followed by a space so that tokens stay apart."""
    explicit = _text_strategies()
    for terminal in grammar.terminals:
        if terminal.pattern.type == "str":
            explicit[terminal.name] = st.just(terminal.pattern.value + " ")
        elif terminal.name not in explicit:  # a terminal added to the grammar since
            explicit[terminal.name] = _token(st.from_regex(terminal.pattern.to_regexp(), fullmatch=True))
    return explicit


GRAMMAR = _grammar()
grammar_texts = from_lark(GRAMMAR, explicit=_explicit(GRAMMAR))


@examples(300)
@given(grammar_texts)
def test_texts_from_the_grammar(text: str) -> None:
    check_text(text)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(grammar_texts)
def test_format_properties_on_texts_from_the_grammar(text: str) -> None:
    """format(format(x)) == format(x), and parse(format(x)) == parse(x)."""
    from massagecodes._syntax._parser import parse

    try:
        document = parse(text)
    except mc.RulesError:
        return
    formatted = mc.format_rules(text)
    assert mc.format_rules(formatted) == formatted
    assert parse(formatted) == document


def test_texts_from_the_grammar_mostly_parse() -> None:
    """The generator is realistic: most of its texts get past the parser."""
    outcomes = {"parsed": 0, "syntax": 0}

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(grammar_texts)
    def count(text: str) -> None:
        try:
            mc.compile_rules(text)
        except mc.RulesSyntaxError:
            outcomes["syntax"] += 1
            return
        except mc.RulesSemanticError:
            pass
        outcomes["parsed"] += 1

    count()
    assert outcomes["parsed"] > outcomes["syntax"], outcomes


# --------------------------------------------------------------------------- #
# Random text, random bytes, random edits of a real ruleset.                     #
# --------------------------------------------------------------------------- #


@examples(300)
@given(st.text())
def test_random_unicode_text(text: str) -> None:
    check_text(text)


@examples(200)
@given(st.binary())
def test_random_bytes_decoded_with_replacement(data: bytes) -> None:
    check_text(data.decode("utf-8", errors="replace"))


@examples(200)
@given(st.binary())
def test_random_bytes_decoded_with_surrogateescape(data: bytes) -> None:
    text = data.decode("utf-8", errors="surrogateescape")  # may hold lone surrogates
    refused = _refused(text)
    assert refused is None or refused.problems


def _refused(text: str) -> mc.InputError | None:
    """check_text, except that the library may refuse a text it cannot encode."""
    try:
        check_text(text)
    except mc.InputError as error:
        return error
    return None


_EDIT_CHARS = st.sampled_from(list('()[]{}",:#\\\n\t -><=!.*_0aZ')) | st.characters()


@st.composite
def edited_samples(draw: st.DrawFn) -> str:
    text = SAMPLE
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
        else:
            text = text[:at] + draw(st.text(_EDIT_CHARS, min_size=1, max_size=3)) + text[at:]
    return text


@examples(300)
@given(edited_samples())
def test_random_edits_of_a_ruleset(text: str) -> None:
    check_text(text)


def test_the_sample_compiles_and_evaluates() -> None:
    ruleset = check_text(SAMPLE)
    assert ruleset is not None
    assert ruleset.rule_ids[:2] == ("R1", "R2")
    result = ruleset.evaluate(CLAIM, history=HISTORY)
    assert result.outcome == "hold"  # R2: the 97124 line has a back diagnosis and no referral
    assert "R2" in {finding.rule_id for finding in result.findings}


# --------------------------------------------------------------------------- #
# Limits: nesting, long conditions, big texts, many lines.                       #
# --------------------------------------------------------------------------- #


def _nested(kind: str, depth: int) -> str:
    if kind == "condition":
        return "(" * depth + "97124" + ")" * depth + " -> DENY"
    claim = "[" * depth + "]" * depth if kind == "json-array" else '{"a": ' * depth + "1" + "}" * depth
    return f'test "deep"\n  claim {claim}\n  expect no findings\nend\n'


@pytest.mark.parametrize("depth", [65, 200, 10_000])
@pytest.mark.parametrize("kind", ["condition", "json-array", "json-object"])
def test_deep_nesting_is_a_syntax_error(depth: int, kind: str) -> None:
    text = _nested(kind, depth)
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules(text)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "MC108"
    assert diagnostic.message == "brackets are nested more than 64 deep"
    check_error(caught.value, text)


def test_deep_nesting_unclosed_is_a_syntax_error() -> None:
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules("(" * 10_000 + "97124 -> DENY\n")
    assert [d.code for d in caught.value.diagnostics] == ["MC108"]


def test_nesting_64_deep_compiles() -> None:
    ruleset = mc.compile_rules("(" * 64 + "97124" + ")" * 64 + " -> DENY")
    assert ruleset.evaluate(CLAIM).findings[0].lines == (0,)


@pytest.mark.parametrize(
    "condition",
    [
        " AND ".join(["97124"] * 5000),
        " AND ".join(["97124", "97140"] * 2500) + " SAME region",
        " OR ".join(["97124", "97140", "97010", "cmt"] * 1250),
        "(" + " AND ".join(["minutes of 97124 >= 8"] * 5000) + ")",
    ],
    ids=["and-codes", "and-same-region", "or", "and-minutes"],
)
def test_long_conditions_compile_without_recursion_error(condition: str) -> None:
    text = f"group cmt = 98940, 98941\n{condition} -> DENY 97124\n"
    try:
        ruleset = mc.compile_rules(text)
    except mc.RulesError as error:
        check_error(error, text)
    else:
        assert len(ruleset.rules) == 1


def test_text_over_16_mib_is_a_syntax_error() -> None:
    for text in ("# " + "x" * MAX_SOURCE_BYTES + "\n", "#" + "\u00e9" * (MAX_SOURCE_BYTES // 2)):
        with pytest.raises(mc.RulesSyntaxError) as caught:
            mc.compile_rules(text)
        assert [d.code for d in caught.value.diagnostics] == ["MC109"]
        check_error(caught.value, text)


def test_text_of_exactly_16_mib_compiles() -> None:
    text = "#" + "x" * (MAX_SOURCE_BYTES - 2) + "\n"
    assert len(text.encode("utf-8")) == MAX_SOURCE_BYTES
    assert mc.compile_rules(text).rules == ()


def test_ten_thousand_bare_rules_compile() -> None:
    text = "".join(f"{code} -> DENY\n" for code in ("97124", "97140") * 5000)
    ruleset = mc.compile_rules(text)
    assert len(ruleset.rules) == 10_000
    assert ruleset.rule_ids[0] == "rule-1"
    assert ruleset.rule_ids[-1] == "rule-10000"
    assert len(set(ruleset.rule_ids)) == 10_000
    assert ruleset.rules[-1].line == 10_000


# --------------------------------------------------------------------------- #
# Arguments that are not text.                                                  #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("value", [b"97124 -> DENY\n", bytearray(b"97124 -> DENY\n"), None, 1, ["97124 -> DENY"]])
def test_rules_that_are_not_a_str_are_an_input_error(value: Any) -> None:
    with pytest.raises(mc.InputError) as caught:
        mc.compile_rules(value)
    assert isinstance(caught.value, ValueError)
    assert [problem.path for problem in caught.value.problems] == ["text"]


def test_a_source_name_that_is_not_a_str_is_an_input_error() -> None:
    with pytest.raises(mc.InputError) as caught:
        mc.compile_rules("97124 -> DENY\n", source=None)  # type: ignore[arg-type]
    assert [problem.path for problem in caught.value.problems] == ["source"]


# --------------------------------------------------------------------------- #
# Bugs found by these tests, fixed: they stay as regression tests.               #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "text",
    [
        "language " + "1" * 4301 + "\n",
        "minutes of 97124 >= " + "1" * 4301 + " -> WARN\n",
        'test "t"\n  claim ' + "1" * 4301 + "\n  expect no findings\nend\n",
    ],
    ids=["language", "comparison", "json"],
)
def test_huge_numbers_are_a_rules_error(text: str) -> None:
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules(text)
    assert [d.code for d in caught.value.diagnostics] == ["MC111"]


@pytest.mark.parametrize(
    "separator",
    ["\x0c", "\x0b", "\x1c", "\x85", "\u2028"],
    ids=["form-feed", "vertical-tab", "file-separator", "next-line", "line-separator"],
)
def test_line_numbers_with_other_line_break_characters(separator: str) -> None:
    text = f"# a comment{separator} still the comment\n97124 DENY\n"
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules(text)
    assert [(d.code, d.line, d.source_line) for d in caught.value.diagnostics] == [("MC101", 2, "97124 DENY")]


def test_long_and_chain_evaluates_without_recursion_error() -> None:
    ruleset = mc.compile_rules(" AND ".join(["97124"] + ["NOT 97003"] * 4999) + " -> DENY 97124\n")
    check_evaluation(ruleset)
