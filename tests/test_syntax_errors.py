"""The exact text of rules diagnostics: for each broken text, the header line, the
``file:line:column: error CODE: message`` line, the source line and the caret.

Each message here was read and judged correct and helpful before it was pinned; a
change to one is a change to what users see, so it must be deliberate.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import massagecodes as mc

SYNTAX = mc.RulesSyntaxError
SEMANTIC = mc.RulesSemanticError

# 65 brackets deep: one more than the language allows.
DEEP = "(" * 65 + "97124" + ")" * 65 + " -> DENY\n"

# A test claim over three lines (newlines inside {} are ignored), with negative minutes.
INVALID_CLAIM = (
    "rule R1\n"
    "  97124 -> WARN\n"
    "end\n"
    'test "massage"\n'
    '  claim {"date_of_service": "2025-03-14", "payer": {"kind": "commercial"},\n'
    '         "provider": {"npi": "1234567893", "license": "LMT"}, "patient": {"id": "P-1"},\n'
    '         "lines": [{"code": "97124", "minutes": -5}]}\n'
    "  expect WARN R1\n"
    "end\n"
)

CASES = [
    pytest.param(
        "97124 AND 97140 -> deny 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:20: error MC102: actions are written in capitals (did you mean "DENY"?)',
            " 1 | 97124 AND 97140 -> deny 97140",
            "   |                    ^^^^",
        ],
        id="lowercase-action",
    ),
    pytest.param(
        "97124 AND 97140 -> DENNY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:20: error MC102: unknown action "DENNY"; expected DENY, BUNDLE, REQUIRE or WARN (did you mean "DENY"?)',
            " 1 | 97124 AND 97140 -> DENNY 97140",
            "   |                    ^^^^^",
        ],
        id="misspelled-action",
    ),
    pytest.param(
        "97124 AND 97140 DENY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:17: error MC101: missing "->" between the condition and the action',
            " 1 | 97124 AND 97140 DENY 97140",
            "   |                 ^^^^",
        ],
        id="missing-arrow",
    ),
    pytest.param(
        "97124 AND 97140 ->\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:19: error MC102: an action must follow "->": DENY, BUNDLE, REQUIRE or WARN',
            " 1 | 97124 AND 97140 ->",
            "   |                   ^",
        ],
        id="missing-action",
    ),
    pytest.param(
        "97124 AND 97140 ->",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:19: error MC102: an action must follow "->": DENY, BUNDLE, REQUIRE or WARN',
            " 1 | 97124 AND 97140 ->",
            "   |                   ^",
        ],
        id="missing-action-at-end-of-file",
    ),
    pytest.param(
        'rule R1 "Same region\n  97124 AND 97140 -> DENY 97140\nend\n',
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:9: error MC103: this string is not closed: a string ends with " on the same line',
            ' 1 | rule R1 "Same region',
            "   |         ^",
        ],
        id="unclosed-string",
    ),
    pytest.param(
        "97124 AND (97140 OR 97010 -> DENY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:11: error MC104: this "(" is never closed: add ")"',
            " 1 | 97124 AND (97140 OR 97010 -> DENY 97140",
            "   |           ^",
        ],
        id="unclosed-parenthesis",
    ),
    pytest.param(
        "97124 AND (97140 OR\n    97010 -> DENY 97140\n97124 -> WARN\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:11: error MC104: this "(" is never closed: add ")"',
            " 1 | 97124 AND (97140 OR",
            "   |           ^",
        ],
        id="unclosed-parenthesis-over-lines",
    ),
    pytest.param(
        "97124 AND (97140 -> DENY\nrule R1\n  97124 -> DENNY\nend\n",
        SYNTAX,
        [
            "policy.rules: 2 errors",
            'policy.rules:1:11: error MC104: this "(" is never closed: add ")"',
            " 1 | 97124 AND (97140 -> DENY",
            "   |           ^",
            'policy.rules:3:12: error MC102: unknown action "DENNY"; expected DENY, BUNDLE, REQUIRE or WARN'
            ' (did you mean "DENY"?)',
            " 3 |   97124 -> DENNY",
            "   |            ^^^^^",
        ],
        id="unclosed-parenthesis-before-a-block",
    ),
    pytest.param(
        'rule R1\n  97124 -> WARN\nend\ntest "massage"\n  expect WARN R1\n  claim {"date_of_service": "2025-03-14", "lines": [{"code": "97124", "minutes": 30}]',
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:6:9: error MC104: this "{" is never closed: add "}"',
            ' 6 |   claim {"date_of_service": "2025-03-14", "lines": [{"code": "97124", "minutes": 30}]',
            "   |         ^",
        ],
        id="unclosed-brace-in-test-claim",
    ),
    pytest.param(
        "97124 and 97140 -> DENY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:7: error MC105: connectives are written in capitals (did you mean "AND"?)',
            " 1 | 97124 and 97140 -> DENY 97140",
            "   |       ^^^",
        ],
        id="lowercase-and",
    ),
    pytest.param(
        "97124 AND (97140 or 97010) -> DENY 97124\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:18: error MC105: connectives are written in capitals (did you mean "OR"?)',
            " 1 | 97124 AND (97140 or 97010) -> DENY 97124",
            "   |                  ^^",
        ],
        id="lowercase-or",
    ),
    pytest.param(
        "97124 AND 97140 same region -> DENY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:17: error MC105: connectives are written in capitals (did you mean "SAME"?)',
            " 1 | 97124 AND 97140 same region -> DENY 97140",
            "   |                 ^^^^",
        ],
        id="lowercase-same",
    ),
    pytest.param(
        'rule R1\n  97124 -> WARN\n  message "Massage billed"\n',
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:3:27: error MC107: a "rule" or "test" block must close with a line "end"',
            ' 3 |   message "Massage billed"',
            "   |                           ^",
        ],
        id="block-without-end",
    ),
    pytest.param(
        "rule R1\n  97124 -> WARN\nrule R2\n  97140 -> WARN\nend\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:2:16: error MC107: a "rule" or "test" block must close with a line "end"',
            " 2 |   97124 -> WARN",
            "   |                ^",
        ],
        id="block-without-end-before-next-block",
    ),
    pytest.param(
        'title "Massage \\q rules"\n',
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:7: error MC110: this string has an escape that is not one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX',
            ' 1 | title "Massage \\q rules"',
            "   |       ^^^^^^^^^^^^^^^^^^",
        ],
        id="bad-escape-in-string",
    ),
    pytest.param(
        "date of 97124 >= 2025-02-30 -> WARN\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:18: error MC110: "2025-02-30" is not a calendar date',
            " 1 | date of 97124 >= 2025-02-30 -> WARN",
            "   |                  ^^^^^^^^^^",
        ],
        id="impossible-date",
    ),
    pytest.param(
        "97124 & 97140 -> DENY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            "policy.rules:1:7: error MC106: unexpected character '&'",
            " 1 | 97124 & 97140 -> DENY 97140",
            "   |       ^",
        ],
        id="invalid-character",
    ),
    pytest.param(
        DEEP,
        SYNTAX,
        [
            "policy.rules: 1 error",
            "policy.rules:1:65: error MC108: brackets are nested more than 64 deep",
            " 1 | " + DEEP.rstrip("\n"),
            "   | " + " " * 64 + "^",
        ],
        id="nesting-too-deep",
    ),
    pytest.param(
        "97124 AND 97140 SAME regin -> DENY 97140\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:22: error MC100: expected "date", "region" or "side"; found "regin" (did you mean "region"?)',
            " 1 | 97124 AND 97140 SAME regin -> DENY 97140",
            "   |                      ^^^^^",
        ],
        id="misspelled-keyword-same-regin",
    ),
    pytest.param(
        "97124 -> REQUIRE modifer GP\n",
        SYNTAX,
        [
            "policy.rules: 1 error",
            'policy.rules:1:18: error MC100: expected "authorization", "diagnosis", "documentation", "modifier", "referral" or "valid"; found "modifer" (did you mean "modifier"?)',
            " 1 | 97124 -> REQUIRE modifer GP",
            "   |                  ^^^^^^^",
        ],
        id="misspelled-keyword-require-modifer",
    ),
    pytest.param(
        "rule R1\n  97124 and 97140 -> DENY\nend\n97140 -> WARN\n97010 -> DENNY\n",
        SYNTAX,
        [
            "policy.rules: 2 errors",
            'policy.rules:2:9: error MC105: connectives are written in capitals (did you mean "AND"?)',
            " 2 |   97124 and 97140 -> DENY",
            "   |         ^^^",
            'policy.rules:5:10: error MC102: unknown action "DENNY"; expected DENY, BUNDLE, REQUIRE or WARN (did you mean "DENY"?)',
            " 5 | 97010 -> DENNY",
            "   |          ^^^^^",
        ],
        id="two-syntax-errors-in-line-order",
    ),
    pytest.param(
        "code 97124 timed\ncode 97140 timed\n97124 AND 97141 -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:3:11: error MC201: code 97141 is not declared in this ruleset (did you mean "97140"?)',
            " 3 | 97124 AND 97141 -> DENY 97124",
            "   |           ^^^^^",
        ],
        id="unknown-code-declared",
    ),
    pytest.param(
        "group cmt = 98940, 98941\n97124 AND cmtt -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:2:11: error MC201: unknown code or group "cmtt" (did you mean "cmt"?)',
            " 2 | 97124 AND cmtt -> DENY 97124",
            "   |           ^^^^",
        ],
        id="unknown-group",
    ),
    pytest.param(
        "region of 97124 is lumbr -> WARN\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:1:20: error MC202: unknown region "lumbr" (did you mean "lumbar"?)',
            " 1 | region of 97124 is lumbr -> WARN",
            "   |                    ^^^^^",
        ],
        id="unknown-region",
    ),
    pytest.param(
        "97124 AND payer knd is commercial -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:1:17: error MC203: unknown field "payer knd"; expected kind, name, state (did you mean "kind"?)',
            " 1 | 97124 AND payer knd is commercial -> DENY 97124",
            "   |                 ^^^",
        ],
        id="unknown-payer-field",
    ),
    pytest.param(
        "97124 AND payer kind is comercial -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:1:25: error MC206: unknown payer kind "comercial" (did you mean "commercial"?)',
            " 1 | 97124 AND payer kind is comercial -> DENY 97124",
            "   |                         ^^^^^^^^^",
        ],
        id="unknown-payer-kind",
    ),
    pytest.param(
        "rule R1\n  97124 -> WARN\nend\nrule R1\n  97140 -> WARN\nend\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:4:6: error MC204: rule id "R1" is used twice (first at line 1)',
            " 4 | rule R1",
            "   |      ^^",
        ],
        id="duplicate-rule-id",
    ),
    pytest.param(
        "rule rule-2\n  97140 -> WARN\nend\n97124 -> DENY\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:4:1: error MC204: this rule\'s automatic id "rule-2" is already the id of the rule at line 1;'
            " give one of them another id",
            " 4 | 97124 -> DENY",
            "   | ^^^^^^^^^^^^^",
        ],
        id="automatic-id-taken",
    ),
    pytest.param(
        "97124 AND NOT 97140 SAME region -> DENY\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            "policy.rules:1:21: error MC211: SAME region would never hold: codes under NOT, or in only some branches"
            " of an OR, bind no line to compare",
            " 1 | 97124 AND NOT 97140 SAME region -> DENY",
            "   |                     ^^^^^^^^^^^",
        ],
        id="relation-over-not",
    ),
    pytest.param(
        "minutes of 97124 >= 2025-01-01 -> WARN\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            "policy.rules:1:18: error MC205: minutes are compared with a whole number, as in >= 8",
            " 1 | minutes of 97124 >= 2025-01-01 -> WARN",
            "   |                  ^^^^^^^^^^^^^",
        ],
        id="minutes-compared-with-a-date",
    ),
    pytest.param(
        "97124 -> DENY 97140\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:1:15: error MC207: DENY names 97140, which the condition does not require (name a code of the condition, or "claim")',
            " 1 | 97124 -> DENY 97140",
            "   |               ^^^^^",
        ],
        id="deny-target-not-in-condition",
    ),
    pytest.param(
        "97124 SAME region -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            "policy.rules:1:7: error MC211: SAME region compares the lines of two or more codes joined by AND",
            " 1 | 97124 SAME region -> DENY 97124",
            "   |       ^^^^^^^^^^^",
        ],
        id="same-region-with-one-code",
    ),
    pytest.param(
        "97124 AND modifier 5 -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:1:20: error MC209: "5" is not a modifier (two capital letters or digits, e.g. 59, XS, GP)',
            " 1 | 97124 AND modifier 5 -> DENY 97124",
            "   |                    ^",
        ],
        id="bad-modifier",
    ),
    pytest.param(
        "97124 AND modifier xs -> DENY 97124\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            'policy.rules:1:20: error MC209: "xs" is not a modifier (two capital letters or digits, e.g. 59, XS, GP) (did you mean "XS"?)',
            " 1 | 97124 AND modifier xs -> DENY 97124",
            "   |                    ^^",
        ],
        id="lowercase-modifier",
    ),
    pytest.param(
        "language 3\n97124 -> WARN\n",
        SEMANTIC,
        [
            "policy.rules: 1 error",
            "policy.rules:1:10: error MC210: language 3 is not supported; this library reads language 1, 2",
            " 1 | language 3",
            "   |          ^",
        ],
        id="unsupported-language-version",
    ),
    pytest.param(
        INVALID_CLAIM,
        SEMANTIC,
        [
            "policy.rules: 1 error",
            "policy.rules:5:3: error MC212: the test claim is invalid: $.lines[0].minutes: expected whole minutes >= 0, got -5",
            ' 5 |   claim {"date_of_service": "2025-03-14", "payer": {"kind": "commercial"},',
            "   |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        ],
        id="test-with-invalid-claim",
    ),
    pytest.param(
        "language 3\nregion of 97124 is lumbr -> WARN\n97124 AND payer kind is comercial -> DENY 97140\n",
        SEMANTIC,
        [
            "policy.rules: 4 errors",
            "policy.rules:1:10: error MC210: language 3 is not supported; this library reads language 1, 2",
            " 1 | language 3",
            "   |          ^",
            'policy.rules:2:20: error MC202: unknown region "lumbr" (did you mean "lumbar"?)',
            " 2 | region of 97124 is lumbr -> WARN",
            "   |                    ^^^^^",
            'policy.rules:3:25: error MC206: unknown payer kind "comercial" (did you mean "commercial"?)',
            " 3 | 97124 AND payer kind is comercial -> DENY 97140",
            "   |                         ^^^^^^^^^",
            'policy.rules:3:43: error MC207: DENY names 97140, which the condition does not require (name a code of the condition, or "claim")',
            " 3 | 97124 AND payer kind is comercial -> DENY 97140",
            "   |                                           ^^^^^",
        ],
        id="semantic-errors-in-line-order",
    ),
]


def _error(text: str, source: str = "policy.rules") -> mc.RulesError:
    with pytest.raises(mc.RulesError) as caught:
        mc.compile_rules(text, source=source)
    return caught.value


@pytest.mark.parametrize(("text", "kind", "expected"), CASES)
def test_rendered_message(text: str, kind: type[mc.RulesError], expected: list[str]) -> None:
    error = _error(text)
    assert type(error) is kind
    assert str(error) == "\n".join(expected)


@pytest.mark.parametrize(("text", "kind", "expected"), CASES)
def test_error_is_a_value_error_and_pickles(text: str, kind: type[mc.RulesError], expected: list[str]) -> None:
    error = _error(text)
    assert isinstance(error, mc.RulesError)
    assert isinstance(error, ValueError)
    assert isinstance(error, mc.MassagecodesError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.diagnostics == error.diagnostics
    assert str(copy) == str(error)
    family = "MC1" if kind is SYNTAX else "MC2"
    assert all(diagnostic.code.startswith(family) for diagnostic in error.diagnostics)


def test_two_errors_are_reported_together_in_line_order() -> None:
    error = _error("97124 -> deny\n97140 -> WARN\n97010 -> DENNY\n(97124 -> WARN\n")
    assert [(d.code, d.line) for d in error.diagnostics] == [("MC102", 1), ("MC102", 3), ("MC104", 4)]
    assert str(error).startswith("policy.rules: 3 errors\n")


def test_diagnostic_fields_of_a_syntax_error() -> None:
    (diagnostic,) = _error("97124 AND 97140 -> DENNY 97140\n").diagnostics
    assert diagnostic == mc.Diagnostic(
        code="MC102",
        message='unknown action "DENNY"; expected DENY, BUNDLE, REQUIRE or WARN',
        source="policy.rules",
        line=1,
        column=20,
        end_column=25,
        source_line="97124 AND 97140 -> DENNY 97140",
        hint='did you mean "DENY"?',
    )


def test_diagnostic_fields_of_a_semantic_error() -> None:
    (diagnostic,) = _error("region of 97124 is lumbr -> WARN\n").diagnostics
    assert diagnostic == mc.Diagnostic(
        code="MC202",
        message='unknown region "lumbr"',
        source="policy.rules",
        line=1,
        column=20,
        end_column=25,
        source_line="region of 97124 is lumbr -> WARN",
        hint='did you mean "lumbar"?',
    )


def test_default_source_name() -> None:
    assert str(_error("97124 -> deny\n", source="<rules>")).splitlines()[:2] == [
        "<rules>: 1 error",
        '<rules>:1:10: error MC102: actions are written in capitals (did you mean "DENY"?)',
    ]
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules("97124 -> deny\n")
    assert str(caught.value).startswith("<rules>: 1 error\n<rules>:1:10: error MC102:")


def test_load_rules_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.rules"
    path.write_text("97124 AND 97140 SAME regin -> DENY 97140\n", encoding="utf-8")
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.load_rules(path)
    assert str(caught.value).splitlines()[:2] == [
        f"{path}: 1 error",
        f'{path}:1:22: error MC100: expected "date", "region" or "side"; found "regin" (did you mean "region"?)',
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("97124 AND not referral -> DENY 97124\n", ("MC105", 1, 11, 'did you mean "NOT"?')),
        ("rule R1\n  97124 -> WARN\nend\nend\n", ("MC100", 4, 1, None)),
        ('test "t"\n  claim {"date_of_service": "2025-03-14"\n  expect WARN R1\nend\n', ("MC104", 2, 9, None)),
        ("payer state is ca -> WARN claim\n", ("MC206", 1, 16, 'did you mean "CA"?')),
        ("97124 -> deny\n" * 150, ("MC102", 1, 10, 'did you mean "DENY"?')),
    ],
    ids=["lowercase-not", "stray-end", "unclosed-brace-mid-file", "state-case", "many-errors"],
)
def test_reviewed_messages(text: str, expected: tuple[str, int, int, str | None]) -> None:
    with pytest.raises(mc.RulesError) as caught:
        mc.compile_rules(text)
    first = caught.value.diagnostics[0]
    assert (first.code, first.line, first.column, first.hint) == expected
    assert len(caught.value.diagnostics) <= 101


def test_many_errors_stop_counting() -> None:
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules("97124 -> deny\n" * 150)
    assert len(caught.value.diagnostics) == 101
    assert caught.value.diagnostics[-1].code == "MC112"


def test_byte_order_mark_is_not_content() -> None:
    assert mc.compile_rules("\ufeff97124 -> WARN\n").rule_ids == ("rule-1",)


def test_not_finite_json_number() -> None:
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules('test "x"\n  claim 1.0e999\n  expect no findings\nend\n')
    assert [d.code for d in caught.value.diagnostics] == ["MC111"]


def test_every_use_of_an_unknown_code_is_reported() -> None:
    with pytest.raises(mc.RulesSemanticError) as caught:
        mc.compile_rules("code 97124 timed\n97125 -> WARN\n97125 AND 97124 -> DENY 97125\n")
    assert [(d.code, d.line, d.column) for d in caught.value.diagnostics] == [
        ("MC201", 2, 1),
        ("MC201", 3, 1),
        ("MC201", 3, 25),
    ]


def test_messages_name_no_grammar_terminals() -> None:
    # Every terminal the parser may expect is described in words, not by its grammar name.
    from massagecodes._syntax._grammar import _parser
    from massagecodes._syntax._syntax_errors import _describe_terminal

    for terminal in _parser().terminals:
        if terminal.name in ("COMMENT", "WHITESPACE") or terminal.name.startswith("__"):
            continue
        described = _describe_terminal(terminal.name)
        assert described != terminal.name, terminal.name


def test_a_test_naming_a_rule_that_failed_to_parse_is_not_a_second_error() -> None:
    claim = (
        '{"date_of_service": "2026-03-02", "payer": {"kind": "commercial"}, "provider": {"npi": "1234567893",'
        ' "license": "LMT"}, "patient": {"id": "T"}, "lines": [{"code": "97124", "minutes": 20}]}'
    )
    text = f'rule R1\n  97124 -> DENNY\nend\n\ntest "t"\n  claim {claim}\n  expect DENY R1\n  expect DENY R2\nend\n'
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules(text)
    assert [(d.code, d.line) for d in caught.value.diagnostics] == [("MC102", 2), ("MC212", 8)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("region 2nd\n", 'a region name starts with a letter and has letters, digits and "-": "2nd"'),
        ("region neck\n", '"neck" already means the region cervical (an alias)'),
        ("alias lumbar = cervical\n", '"lumbar" is a region name, so it cannot also be an alias'),
        ("region gluteal\nalias gluteal = lumbar\n", '"gluteal" is a region name, so it cannot also be an alias'),
    ],
    ids=["bad-name", "name-is-alias", "alias-is-name", "alias-is-declared-name"],
)
def test_region_declarations_are_never_dropped(text: str, message: str) -> None:
    with pytest.raises(mc.RulesSemanticError) as caught:
        mc.compile_rules(text + "97124 -> WARN\n")
    assert [d.message for d in caught.value.diagnostics] == [message]


def test_carc_codes_have_no_leading_zero() -> None:
    with pytest.raises(mc.RulesSemanticError, match='"097" is not a CARC code'):
        mc.compile_rules("rule R\n  97124 -> WARN\n  carc 097\nend\n")
    assert mc.compile_rules("rule R\n  97124 -> WARN\n  carc 97\n  rarc MA01\nend\n").rules[0].carc == "97"


def test_a_rule_block_without_its_rule_line() -> None:
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules('rule R1 "title"\nend\n')
    assert [(d.line, d.message) for d in caught.value.diagnostics] == [
        (2, 'a "rule" block needs its rule line before "end", e.g. "97124 -> WARN"')
    ]


def test_a_key_written_twice_in_a_test_claim_is_located() -> None:
    text = 'test "x"\n  claim {"lines": [{"minutes": 30, "minutes": 60}]}\n  expect no findings\nend\n'
    with pytest.raises(mc.RulesSyntaxError) as caught:
        mc.compile_rules(text, source="t.rules")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("MC113", 2, 36)
    assert diagnostic.message == 'the key "minutes" appears twice in this object'
