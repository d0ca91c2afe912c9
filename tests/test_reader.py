"""The rule-block reader (``massagecodes._lang._reader``) agrees with lark's parser.

The reader reads common ``rule ... end`` blocks straight to syntax-tree nodes and
leaves every other block to the grammar's tables. These tests generate rule blocks
in the reader's subset and around it: names that spell keywords, tokens glued
together, values of every kind and their edge cases, comments, blank lines, CRLF,
constructs the reader leaves alone. Each text must give lark's tree, every span
included, or be refused by both; and the blocks the reader is meant to read must
be read by it, so that these tests test the reader and not the tables.
"""

from __future__ import annotations

import gc

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massagecodes._lang import _parse
from massagecodes._lang import _reader as reader_module
from massagecodes._lang._reader import KEYWORDS_READ, BlockReader, keywords_of
from test_specialised import _agree, _by_lark

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _reader() -> BlockReader:
    tables = _parse.parser_tables()
    assert tables is not None
    return BlockReader(keywords_of(tables["literals"]), _parse.MAX_NUMBER_DIGITS)


# ---- pieces of rule blocks: the reader's subset, and (``odd``) what it must leave alone
_NAMES = ["97124", "97140", "XS", "59", "GP", "cmt", "massage-manual", "x_y", "a1", "0"]
_ODD_NAMES = [
    *("region", "claim", "or", "end", "AND", "same", "unless", "is", "of", "both", "either", "date", "total", "not"),
    *("carc97", "007", "2025-01-01", "8.5", "M54.5", "3a", "rule", "NOT", "OR", "billed", "x-", "ü", "cmt-"),
]
_VALUES = ["medicaid", "workers-comp", "LMT", "FL", "30", "8", "007", "0", "123456789012345", "2025-01-01", "45.00"]
_VALUES += ["0.5", '"a string"', '"# not a comment"', "$limit", "medicare", "auto-pip", '""']
_ODD_VALUES = ["1234567890123456", "2025-13-01", '"esc\\"aped"', "not", "or", "3a", "8.x", "2025-01-011", "$Bad"]
_ATTRIBUTES = ["carc 97", "rarc M80", "severity warning", "severity error", 'message "m"', 'fix "f"', 'cite "c # d"']
_ATTRIBUTES += ["effective 2025-01-01 to 2025-12-31", "effective from 2025-01-01", "carc 4", "rarc N20"]
_ODD_ATTRIBUTES = ["carc97", 'fix "with \\n escape"', "effective 2025-02-30 to 2025-12-31", "carc end", "rarc"]
_ODD_ATTRIBUTES += ['message "a" "b"', "carcx 97", "endx", "effective 2025-01-01to 2025-12-31"]


def _pick(draw: st.DrawFn, odd: bool, common: list[str], rare: list[str]) -> str:
    """One of ``common``; with ``odd``, one of ``rare`` one time in ten."""
    if odd and rare and draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(rare))
    return draw(st.sampled_from(common))


@st.composite
def comparisons(draw: st.DrawFn, odd: bool) -> str:
    if draw(st.booleans()):
        return (
            _pick(draw, odd, [">", ">=", "<", "<=", "=", "!="], [])
            + _pick(draw, odd, [" ", ""], [])
            + (_pick(draw, odd, _VALUES, _ODD_VALUES))
        )
    text = "is" + _pick(draw, odd, [" ", "\t"], [" \f "]) + ("not " if draw(st.booleans()) else "")
    text += _pick(draw, odd, _VALUES, _ODD_VALUES)
    for _ in range(draw(st.integers(0, 2))):
        text += _pick(draw, odd, [" or ", ", ", ",", " , "], [" OR "]) + _pick(draw, odd, _VALUES, _ODD_VALUES)
    return text


@st.composite
def code_refs(draw: st.DrawFn, odd: bool) -> str:
    if draw(st.integers(0, 3)) == 0:
        count = draw(st.integers(1, 3))
        listed = [_pick(draw, odd, _NAMES, _ODD_NAMES) for _ in range(count)]
        return "any of " + _pick(draw, odd, [", ", ",", " , "], [" or "]).join(listed)
    return _pick(draw, odd, _NAMES, _ODD_NAMES)


@st.composite
def atoms(draw: st.DrawFn, odd: bool) -> str:
    choice = draw(st.integers(0, 12 if odd else 11))
    if choice <= 2:
        return draw(code_refs(odd))
    if choice == 3:
        count = draw(st.integers(1, 3))
        words = [_pick(draw, odd, _NAMES, _ODD_NAMES) for _ in range(count)]
        text = "modifier " + _pick(draw, odd, [" or ", ", ", ","], [" OR "]).join(words)
        if draw(st.booleans()):
            text += " on " + _pick(draw, odd, ["either", "both", *_NAMES], _ODD_NAMES)
        return text
    if choice == 4:
        subject = draw(st.sampled_from(["payer", "provider"]))
        return (
            subject
            + " "
            + _pick(draw, odd, ["kind", "license", "state", "name"], _ODD_NAMES)
            + " "
            + (draw(comparisons(odd)))
        )
    if choice == 5:
        return (
            _pick(draw, odd, ["referral", "authorization", "$flag", "$a-b2"], ["$Flag", "$"])
            if (draw(st.booleans()))
            else "documented " + _pick(draw, odd, _NAMES, _ODD_NAMES)
        )
    if choice == 6:
        measure = _pick(draw, odd, ["minutes", "units", "date", "region", "amount"], ["side", *_ODD_NAMES])
        text = ("total " if draw(st.booleans()) else "") + measure
        if draw(st.booleans()):
            text += " of " + draw(code_refs(odd))
        return text + _pick(draw, odd, [" ", "  "], ["", "\t"]) + draw(comparisons(odd))
    if choice == 7:
        lead = ["visits this year ", "visits ", "months since first visit ", "charges this year "]
        return _pick(draw, odd, lead, ["visits this ", "months since visit ", "charges year "]) + draw(comparisons(odd))
    if choice == 8:
        return "NOT " + draw(atoms(odd))
    if choice == 12:  # left to the tables
        rare = ["(97124 OR 97140)", "diagnosis M54.*", "97124 billed on the same day", "diagnoses are billable"]
        return draw(st.sampled_from([*rare, "any of a, b billed by another provider on the same day"]))
    return _pick(draw, odd, _NAMES, _ODD_NAMES)


@st.composite
def conditions(draw: st.DrawFn, odd: bool) -> str:
    text = ""
    for number in range(draw(st.integers(1, 4))):
        if number:
            text += _pick(draw, odd, [" AND ", " OR ", "  AND\t"], [" and ", " or "])
        text += draw(atoms(odd))
        for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
            text += " " + draw(st.sampled_from(["SAME", "DIFFERENT"])) + " "
            text += _pick(draw, odd, ["region", "date", "side"], ["regions", "day"])
    return text


@st.composite
def actions(draw: st.DrawFn, odd: bool) -> str:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        text = _pick(draw, odd, ["DENY", "WARN"], ["Deny", "DENYX"])
        return text + _pick(draw, odd, ["", " claim", *(f" {name}" for name in _NAMES)], [f" {n}" for n in _ODD_NAMES])
    if choice == 1:
        text = "BUNDLE"
        if draw(st.booleans()):
            text += " " + _pick(draw, odd, _NAMES, _ODD_NAMES)
        if draw(st.booleans()):
            text += " into " + _pick(draw, odd, _NAMES, _ODD_NAMES)
        return text
    requirement = _pick(draw, odd, ["referral", "diagnosis", "authorization", "documentation", "modifier"], ["x"])
    if requirement == "documentation":
        requirement += " " + _pick(draw, odd, _NAMES, _ODD_NAMES)
    elif requirement == "modifier":
        count = draw(st.integers(1, 3))
        requirement += " " + " or ".join(_pick(draw, odd, _NAMES, _ODD_NAMES) for _ in range(count))
        if draw(st.booleans()):
            requirement += " on " + _pick(draw, odd, ["either", "both", *_NAMES], _ODD_NAMES)
    return "REQUIRE " + requirement


@st.composite
def rule_blocks(draw: st.DrawFn, odd: bool) -> str:
    newline = _pick(draw, odd, ["\n", "\r\n", "  # note\n", "\n\n", "\n  \n", "\n# comment\n"], ["\r"])
    title = _pick(draw, odd, ["", ' "a title"', ' "t # not a comment"', ' ""'], [' "esc\\"aped"', " untitled"])
    lines = ["rule" + _pick(draw, odd, [" ", "\t", "  "], ["", " \f "]) + _pick(draw, odd, _NAMES, _ODD_NAMES) + title]
    arrow = _pick(draw, odd, [" -> ", "->", " ->", "\t->\t"], ["- >", " => "])
    core = draw(conditions(odd)) + arrow + draw(actions(odd))
    if draw(st.booleans()):
        core += " unless " + draw(conditions(odd))
    lines.append(_pick(draw, odd, ["  ", "", "\t"], []) + core)
    for _ in range(draw(st.integers(0, 4))):
        lines.append(_pick(draw, odd, ["  ", "", "\t"], []) + _pick(draw, odd, _ATTRIBUTES, _ODD_ATTRIBUTES))
    lines.append(_pick(draw, odd, ["end", "  end # done", "end\t"], ["end foo", "end)", "END"]))
    return newline.join(lines) + _pick(draw, odd, ["\n", "", "\r\n", "\n\n"], [" ", "\r"])


@_SETTINGS
@given(st.lists(rule_blocks(odd=False), min_size=1, max_size=3), st.sampled_from(["", "ruleset r\nversion 1\n\n"]))
def test_rule_blocks_of_the_reader_s_kind_parse_as_lark_parses_them(blocks: list[str], header: str) -> None:
    _agree(header + "\n".join(blocks))


@_SETTINGS
@given(st.lists(rule_blocks(odd=True), min_size=1, max_size=3), st.sampled_from(["", "ruleset r\nversion 1\n\n"]))
def test_odd_rule_blocks_parse_as_lark_parses_them(blocks: list[str], header: str) -> None:
    _agree(header + "\n".join(blocks))


_READ = [
    'rule a "t"\n  97124 AND 97140 SAME region -> DENY 97140 unless modifier 59 or XS\n  carc 97\nend\n',
    "rule a\n97124 -> REQUIRE modifier GP, GO on either\nend",
    "rule a\r\n  payer kind is not medicaid, $x or 2025-01-01 -> WARN claim\r\n\r\n  severity warning\r\nend\r\n",
    "rule a # c\n\n# c\n  NOT referral OR authorization AND $f SAME date DIFFERENT side -> BUNDLE x into y\nend\n",
    "rule a\n  total units of any of a, b >= 8 AND minutes < 45.00 -> REQUIRE documentation plan\nend\n",
    "rule a\n  visits this year > 007 AND visits = 3 AND months since first visit >= 1 -> DENY\nend\n",
    "rule a\n  charges this year > $limit AND amount is 0 -> REQUIRE referral\n  effective from 2025-01-01\nend",
    'rule a\n  provider license is "LMT" -> DENY claim\n  effective 2025-01-01 to 2025-12-31\n  cite "c"\nend',
]


@pytest.mark.parametrize("text", _READ)
def test_the_reader_reads_common_blocks(text: str) -> None:
    """The reader reads these blocks itself (the driver does not fall back to the
    tables), and the result is lark's."""
    line_start = 0
    found = _reader().read(text, 0, 1, line_start)
    assert found is not None
    rule, end, line, _ = found
    assert text[end - 3 : end] == "end"
    assert line == text[:end].count("\n") + 1
    expected = _by_lark(text)
    assert expected is not None
    assert attrs.asdict(rule) == expected["rules"][0]
    _agree(text)


@pytest.mark.parametrize(
    "text",
    [
        "rule a\n  (97124) -> DENY\nend\n",  # brackets
        "rule a\n  diagnosis M54.* -> DENY\nend\n",
        "rule region\n  97124 -> DENY\nend\n",  # a keyword-spelled name
        "rule a\n  97124 -> DENY\n  carc97\nend\n",  # glued: the tables read it as carc 97
        'rule a "esc\\"aped"\n  97124 -> DENY\nend\n',  # an escape
        "rule a\n  97124 -> DENY\n",  # no end
        "rule a\n  x is 1234567890123456 -> DENY\nend\n",  # too many digits: the tables' error
    ],
)
def test_the_reader_leaves_other_blocks_to_the_tables(text: str) -> None:
    assert _reader().read(text, 0, 1, 0) is None
    _agree(text)


def test_the_reader_keeps_nothing_of_the_blocks_it_leaves() -> None:
    """Each give-up raises a new exception: nothing chains the texts and frames of
    earlier give-ups (one shared exception did, without limit)."""
    reader = _reader()
    gc.collect()
    before = sum(type(item) is reader_module._Block for item in gc.get_objects())
    for number in range(50):
        assert reader.read(f"rule a{number}\n  (97124) -> DENY\nend\n", 0, 1, 0) is None
    gc.collect()
    assert sum(type(item) is reader_module._Block for item in gc.get_objects()) == before


def test_the_reader_needs_the_grammar_s_keywords() -> None:
    """The shipped grammar has every keyword the reader reads; a grammar without one
    of them gets no reader (the tables parse every block)."""
    tables = _parse.parser_tables()
    assert tables is not None
    keywords = set(keywords_of(tables["literals"]))
    assert keywords >= KEYWORDS_READ
    with pytest.raises(ValueError, match="carc"):
        BlockReader(keywords - {"carc"}, _parse.MAX_NUMBER_DIGITS)
    fast = _parse._fast_parser()
    assert fast is not None
    assert fast._block is not None  # the package's driver uses the reader
