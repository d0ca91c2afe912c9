"""The specialised fast paths give exactly what the general ones give.

The parser's fast driver (``massagecodes._syntax._driver``) runs lark's own tables,
lexers and child filters in one loop; lark's parser stays the reference, and parses
every text the driver does not accept (so that syntax errors are lark's, reported
as before). These tests compare the two on the shipped rulesets, generated rule
files, texts generated from the grammar, random edits of a realistic ruleset and
random text: the same syntax tree, every span included, or both refuse the text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedInput

import massagecodes as mc
from massagecodes import _resources
from massagecodes._syntax import _ast as ast
from massagecodes._syntax import _grammar, _parser, _source, _syntax_errors, _transformer
from massagecodes._syntax._driver import FastParser, NotHandledError
from test_robustness import SAMPLE, edited_samples, grammar_texts

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rulesets").glob("*.rules"))


def _fast() -> FastParser:
    fast = _grammar._fast_parser()
    assert fast is not None, "the fast parser is not in use: lark's objects are not as _driver.py expects"
    return fast


def _tree(document: object) -> Any:
    """The whole syntax tree as plain data, spans included (they do not take part in
    the nodes' equality)."""
    assert isinstance(document, ast.Document)
    return attrs.asdict(document)


def _by_lark(text: str) -> Any | None:
    try:
        return _tree(_grammar._parser().parse(text))
    except (UnexpectedInput, _grammar._TooDeepError, _transformer._BadStringError):
        return None


def _by_driver(text: str) -> Any | None:
    try:
        return _tree(_fast().parse(text, _source.MAX_DEPTH))
    except (NotHandledError, _transformer._BadStringError):
        return None


def _agree(text: str) -> None:
    expected = _by_lark(text)
    found = _by_driver(text)
    if expected is None:
        assert found is None, "the fast parser accepted a text that lark refuses"
    else:
        assert found is not None, "the fast parser refused a text that lark parses"
        assert found == expected


def _generated(count: int) -> str:
    """A rule file in the shape of the benchmark's, every construct of a pair edit."""
    header = 'ruleset generated\nversion 2025.1\nlanguage 1\ntitle "generated"\neffective 2025-01-01 to 2025-12-31\n'
    blocks = []
    for number in range(count):
        first, second = 20000 + number, 40000 + number
        blocks.append(
            f'rule pair-{number:05d} "{second} is not paid with {first}"\n'
            f"  {first} AND {second} SAME region -> DENY {second} unless modifier 59 or XS\n"
            f'  carc 97\n  rarc M80\n  fix "add modifier 59"\n'
            + ("  effective 2020-01-01 to 2024-12-31\n" if number % 7 == 0 else "")
            + "end"
        )
        if number % 5 == 0:
            blocks.append(f"{first} AND payer kind is medicaid or workers-comp -> DENY {first}")
        if number % 9 == 0:
            blocks.append(f"minutes of {first} > 45 -> WARN {first}  # a comment")
    return header + "\n" + "\n\n".join(blocks) + "\n"


def test_the_fast_parser_is_in_use() -> None:
    assert _fast() is _grammar._fast_parser()
    assert _by_driver(SAMPLE) is not None


def test_the_shipped_tables_are_those_of_the_grammar() -> None:
    """grammar/rules.tables.json is what lark makes of grammar/rules.lark: written
    again (``python -m massagecodes._syntax._write_tables``) after every grammar edit."""
    shipped = json.loads((ROOT / "grammar" / _grammar.TABLES_FILE).read_text(encoding="utf-8"))
    grammar = (ROOT / "grammar" / "rules.lark").read_text(encoding="utf-8")
    assert shipped["grammar_sha256"] == _grammar.grammar_digest(grammar), (
        "grammar/rules.lark changed: run python -m massagecodes._syntax._write_tables"
    )
    assert _grammar.parser_tables() == shipped  # the process runs the shipped tables
    built = _grammar.built_tables()
    if built["lark"] == shipped["lark"]:  # states are numbered the same in every process
        assert built == shipped
    # Another lark release may make other tables: they must parse the same.
    other = FastParser(built, _transformer._TRANSFORMER)
    for text in [SAMPLE, _generated(50), *(path.read_text(encoding="utf-8") for path in SHIPPED)]:
        assert _tree(other.parse(text, _source.MAX_DEPTH)) == _tree(_fast().parse(text, _source.MAX_DEPTH))


def _damaged_tables() -> list[tuple[str, str | None]]:
    """Replacements for the shipped tables file, none of which may be used."""
    shipped = json.loads((ROOT / "grammar" / _grammar.TABLES_FILE).read_text(encoding="utf-8"))

    def changed(change: Any) -> str:
        tables = json.loads(json.dumps(shipped))
        change(tables)
        return json.dumps(tables)

    def shift_out_of_range(tables: dict[str, Any]) -> None:
        row = tables["rows"][0]
        row[next(iter(row))] = len(tables["rows"]) + 5

    return [
        ("another grammar", changed(lambda tables: tables.update(grammar_sha256="0"))),
        ("another format", changed(lambda tables: tables.update(format=tables["format"] - 1))),
        ("no literals", changed(lambda tables: tables.pop("literals"))),
        ("a lexer out of range", changed(lambda tables: tables["state_lexers"].__setitem__(0, 999))),
        ("a shift out of range", changed(shift_out_of_range)),
        ("rows cut short", changed(lambda tables: tables.update(rows=tables["rows"][:10]))),
        # A change in range that no shape check could see (the digest of the content does).
        ("a state changed", changed(lambda tables: tables["rows"][0].update({next(iter(tables["rows"][0])): 1}))),
        ("nested too deep", "[" * 200_000 + "]" * 200_000),
        ("a rule cut short", changed(lambda tables: tables["rules"][0].pop())),
        ("not an object", "[1, 2]"),
        ("not JSON", "not json"),
        ("missing", None),
    ]


@pytest.mark.parametrize(("case", "replacement"), _damaged_tables(), ids=[case for case, _ in _damaged_tables()])
def test_tables_not_made_for_this_grammar_are_not_used(
    case: str, replacement: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables that name another grammar text or format, damaged, missing or not JSON
    give way to the tables of lark's parser, built at run time: the fast driver is
    still in use, and compiles and errors are as usual."""
    real = _resources.read_text
    built = _grammar.built_tables()
    expected = mc.compile_rules(SAMPLE)

    def read_text(folder: str, name: str) -> str:
        if name != _grammar.TABLES_FILE:
            return real(folder, name)
        if replacement is None:
            raise mc.ResourceError("missing")
        return replacement

    monkeypatch.setattr(_resources, "read_text", read_text)
    _grammar._driver_and_tables.cache_clear()
    _syntax_errors._literals.cache_clear()
    _syntax_errors.keyword_names.cache_clear()
    try:
        assert _grammar.parser_tables() == built, case
        assert _grammar._fast_parser() is not None
        found = mc.compile_rules(SAMPLE)
        assert (found.rules, found.hash) == (expected.rules, expected.hash)
        with pytest.raises(mc.RulesSyntaxError, match="MC102"):
            mc.compile_rules("97124 -> deny")
    finally:
        _grammar._driver_and_tables.cache_clear()
        _syntax_errors._literals.cache_clear()
        _syntax_errors.keyword_names.cache_clear()


def test_a_process_compiles_without_building_lark_s_parser() -> None:
    """The shipped tables spare a process lark's parser (and its strict-mode checks,
    about half a second) until a text has a syntax error."""
    code = (
        "import massagecodes, massagecodes._syntax._parser as p\n"
        "massagecodes.load_ruleset('cms-therapy')\n"
        "print(p._parser.cache_info().currsize)\n"
        "try:\n    massagecodes.compile_rules('97124 -> deny')\n"
        "except massagecodes.RulesSyntaxError:\n    print(p._parser.cache_info().currsize)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.split() == ["0", "1"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_rulesets_parse_the_same(path: Path) -> None:
    _agree(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE,
        _generated(300),
        "",
        "\n\n",
        "# only a comment",
        "97124 -> WARN",  # no final newline
        "97124 -> WARN   # a comment, no final newline",
        "97124 -> WARN\r\n97140 -> WARN\r\n",
        "\t97124 AND (\n  97140\n  OR 97010\n) SAME region -> DENY 97140\n",
        "rule AND\n  97124 -> WARN\nend\n",  # a keyword where a name is expected is a name
        "97124 SAME region -> DENY\n",  # one chain item with a relation: an And of one item
        "(97124 OR 97140) AND NOT 97010 SAME side -> WARN\n",
        'test "t"\n  claim {"a": [1, 2.5, -3, true, false, null, {"b": "c\\"d"}]}\n  expect no findings\nend\n',
        "\ufeff97124 -> WARN",  # parse() drops a byte-order mark first; both parsers refuse it
    ],
    ids=lambda text: repr(text[:30]),
)
def test_edge_cases_parse_the_same(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize(
    "text",
    [
        "97124 -> deny",
        "97124 and 97140 -> DENY",
        "97124 -> DENY\nend\n",
        "rule R\n  97124 -> WARN\n",
        '97124 -> WARN unless modifier "59',
        "97124 -> WARN ~",
        "(" * 65 + "97124" + ")" * 65 + " -> WARN",
        'rule R "a \\q"\n  97124 -> WARN\nend\n',
        "visits this year > 1234567890123456 -> WARN claim",
    ],
)
def test_syntax_errors_are_lark_s(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text the driver refuses is parsed by lark, which reports what it always did."""
    _agree(text)
    with pytest.raises(mc.RulesSyntaxError) as fast:
        _parser.parse(text)
    _without_driver(monkeypatch)
    with pytest.raises(mc.RulesSyntaxError) as slow:
        _parser.parse(text)
    assert str(fast.value) == str(slow.value)
    assert fast.value.diagnostics == slow.value.diagnostics


def _with_typos(text: str) -> str:
    """``text`` with a syntax error in three of its rules (and so in three items)."""
    lines = text.split("\n")
    arrows = [index for index, line in enumerate(lines) if " -> DENY" in line]
    for index in (arrows[1], arrows[len(arrows) // 2], arrows[-1]):
        lines[index] = lines[index].replace(" -> DENY", " -> deny", 1)
    return "\n".join(lines)


@pytest.mark.parametrize(
    "text",
    [
        _with_typos(_generated(120)),
        _with_typos(_generated(60)) + "\n97124 AND (" + "(" * 70 + "97140" + ")" * 70 + ") -> WARN\n",
        "97124 AND (" + "(" * 70 + "97140" + ")" * 70 + ") -> WARN\n" + _with_typos(_generated(20)),
        _with_typos(_generated(40))
        + 'rule bad "a \\q"\n  97124 -> WARN\nend\nrule unknown-code\n  99999x -> WARN\nend\n',
        _generated(80) + "# the items above are not parsed twice\nrule late\n  97124 -> deny\nend\nversion 2\n",
    ],
    ids=["typos", "typos-and-too-deep", "too-deep-first", "typos-bad-string-and-semantic", "one-late-typo"],
)
def test_syntax_errors_of_large_texts_are_lark_s(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text the driver refuses is split into items; the driver parses the items it
    can (at their own lines), lark the others: the same errors, and the same semantic
    problems of the items that parse, as lark alone gives."""
    with pytest.raises(mc.RulesError) as fast:
        mc.compile_rules(text, source="big.rules")
    _without_driver(monkeypatch)
    with pytest.raises(mc.RulesError) as slow:
        mc.compile_rules(text, source="big.rules")
    assert fast.value.diagnostics == slow.value.diagnostics
    assert str(fast.value) == str(slow.value)
    assert fast.value.diagnostics


def test_items_parsed_before_an_error_are_not_parsed_again() -> None:
    """The driver's exception carries the items it parsed whole before the text went
    wrong, equal to lark's; the chunked error path uses them instead of parsing them
    again."""
    good = _generated(30)
    text = good + "rule late\n  97124 -> deny\nend\n"
    with pytest.raises(NotHandledError) as refused:
        _fast().parse(text, _source.MAX_DEPTH)
    items: tuple[Any, ...] = refused.value.items_before  # type: ignore[attr-defined]
    expected = _grammar._parser().parse(good)
    assert isinstance(expected, ast.Document)
    assert len(items) == len(expected.header) + len(expected.rules) > 30
    wanted: list[Any] = [*expected.header, *expected.rules]
    assert [attrs.asdict(item) for item in items] == [attrs.asdict(item) for item in wanted]


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@_SETTINGS
@given(grammar_texts)
def test_texts_from_the_grammar_parse_the_same(text: str) -> None:
    _agree(text)


@_SETTINGS
@given(edited_samples())
def test_edited_rulesets_parse_the_same(text: str) -> None:
    _agree(text)


@_SETTINGS
@given(st.text(st.sampled_from(list('()[]{}",:#\\\n\r\t -><=!.*$_0189aAzZ')) | st.characters(), max_size=60))
def test_random_text_parses_the_same(text: str) -> None:
    _agree(text)


def test_threads_share_the_fast_parser() -> None:
    text = _generated(40)
    expected = _by_lark(text)
    results: list[Any] = []

    def work() -> None:
        for _ in range(5):
            results.append(_by_driver(text))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert all(result == expected for result in results)


@pytest.mark.parametrize("text", [SAMPLE, _generated(30)], ids=["sample", "generated"])
def test_compiled_rulesets_are_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through compile_rules: the same rules, texts, places and hash with either parser."""
    fast = mc.compile_rules(text)
    _without_driver(monkeypatch)
    slow = mc.compile_rules(text)
    assert fast.hash == slow.hash
    assert fast.rules == slow.rules
    assert [(rule.text, rule.line, rule.column) for rule in fast.rules] == [
        (rule.text, rule.line, rule.column) for rule in slow.rules
    ]


# The compile path's shortcuts: names that resolved cleanly are looked up by their
# text, an AND's span is computed without walking its chain items, and rules whose
# optional parts are absent get their Nones from a fixed layout.

_REPEATED_NAMES = """\
group hands = 97140, 97124

rule first
  97124 AND 97140 SAME region AND hands -> DENY 97140 unless modifier 59 on 97140
end

rule second
  97140 AND any of 97124, 97140 -> BUNDLE 97140 into 97124
end

rule third
  hands AND 97124 DIFFERENT date SAME region -> DENY
end
"""


def test_repeated_names_compile_as_each_alone() -> None:
    together = mc.compile_rules(_REPEATED_NAMES)
    blocks = _REPEATED_NAMES.split("\n\n")
    for block in blocks[1:]:
        alone = mc.compile_rules(blocks[0] + "\n\n" + block)
        (rule,) = alone.rules
        same = next(r for r in together.rules if r.id == rule.id)
        assert attrs.evolve(rule, order=same.order, line=same.line) == same


def test_unknown_names_are_reported_at_each_use() -> None:
    text = "rule a\n  97124 AND 9999 -> DENY 9999\nend\n\nrule b\n  9999 AND 97124 -> DENY 97124\nend\n"
    with pytest.raises(mc.RulesSemanticError) as caught:
        mc.compile_rules(text)
    places = [(d.line, d.column) for d in caught.value.diagnostics if d.code == "MC201"]
    assert places == [(2, 13), (2, 26), (6, 3)]


def test_and_spans_match_lark_s() -> None:
    document = _parser.parse(_REPEATED_NAMES)
    parsed = _grammar._parser().parse(_REPEATED_NAMES)
    assert document == parsed
    assert [rule.condition.span for rule in document.rules] == [rule.condition.span for rule in parsed.rules]  # type: ignore[attr-defined]


def _without_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text parsed by lark alone: no fast driver where the syntax stage asks for it."""
    for module in (_parser, _syntax_errors):
        monkeypatch.setattr(module, "_fast_parser", lambda: None)
