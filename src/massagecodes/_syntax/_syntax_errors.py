"""Syntax errors: what the parser expected, in words, at the line and column of each
error, every error of a file at once (item by item, at most ``MAX_SYNTAX_ERRORS``).

Nothing from lark leaves here: each error becomes a
:class:`~massagecodes.errors.Diagnostic` of a :class:`~massagecodes.errors.RulesSyntaxError`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from massagecodes._syntax import _ast as ast
from massagecodes._syntax._driver import (
    NotHandledError,
)
from massagecodes._syntax._grammar import _CLOSERS, _fast_parser, _parser, _TooDeepError, parser_tables
from massagecodes._syntax._source import MAX_DEPTH, _bracket_balance, _line_text, split_comment
from massagecodes._syntax._transformer import _TRANSFORMER, _BadStringError, _span_of
from massagecodes._text import did_you_mean
from massagecodes.errors import Diagnostic

_ACTIONS = ("DENY", "BUNDLE", "REDUCE", "REQUIRE", "WARN")
_CONNECTIVES = {"and": "AND", "or": "OR", "not": "NOT", "same": "SAME", "different": "DIFFERENT"}

_TERMINAL_NAMES = {
    "WORD": "a name",
    "NUMBER": "a whole number",
    "DATE": "a date (YYYY-MM-DD)",
    "STRING": 'a quoted "string"',
    "DX": "an ICD-10-CM code or pattern",
    "VERSION_TEXT": "a version",
    "JSON_NUMBER": "a number",
    "DECIMAL": "an amount (such as 45.00)",
    "PARAM_REF": "a parameter ($name)",
    "COMPARE": "a comparison (>=, <=, >, <, =, !=)",
    "_NL": "the end of the line",
    "$END": "the end of the file",
    "DATE_KW": '"date"',
    "SAME_DAY": '"same"',
    "NOT_WORD": '"not"',
    "OR_WORD": '"or"',
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    pattern = _literal(name)
    return f'"{pattern}"' if pattern is not None else name


@functools.cache
def _literals() -> dict[str, str]:
    """Terminal name -> its literal text, for the terminals that are literal strings."""
    tables = parser_tables()
    if tables is None:  # pragma: no cover - a lark release that changed its internals
        return {
            terminal.name: terminal.pattern.value for terminal in _parser().terminals if terminal.pattern.type == "str"
        }
    return dict(tables["literals"])


def _literal(name: str) -> str | None:
    return _literals().get(name)


@functools.cache
def keyword_names() -> dict[str, str]:
    """Keyword text -> terminal name, from the grammar."""
    return {text: name for name, text in _literals().items() if text.isalpha()}


_CONDITION_START = frozenset({"LPAR", "WORD", "NOT", "PAYER", "PROVIDER", "DIAGNOSIS", "MODIFIER"})


def _really_expected(error: UnexpectedToken | UnexpectedEOF) -> set[str]:
    """The terminals the parser accepts where it stopped (lark's own list may carry
    terminals the lexer accepts everywhere, such as the newline)."""
    state = getattr(error, "state", None)
    try:
        actions = state.parse_conf.parse_table.states[state.position]  # type: ignore[union-attr]
    except (AttributeError, KeyError, IndexError, TypeError):
        return set(error.expected)
    return {name for name in actions if name.isupper() or name.startswith(("_", "$"))}


def _expected_list(expected: set[str]) -> str:
    described = set()
    remaining = set(expected)
    if remaining >= _CONDITION_START:
        described.add("a condition")
        remaining -= _CONDITION_START | {
            "ANY",
            "AUTHORIZATION",
            "DATE_KW",
            "DOCUMENTED",
            "MINUTES",
            "REFERRAL",
            "REGION",
            "TOTAL",
            "UNITS",
            "VISITS",
        }
    described |= {_describe_terminal(name) for name in remaining if not name.startswith("__")}
    names = sorted(described)
    if len(names) > 8:
        return ", ".join(names[:8]) + ", ..."
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _unclosed_opener(text: str, end: int, *, start: int = 0, first_line: int = 1) -> tuple[int, int, str] | None:
    """The outermost bracket opened at or after offset ``start`` (on line
    ``first_line``) and still open at offset ``end``: (line, column, char)."""
    stack: list[tuple[int, int, str]] = []
    line, column = first_line, 1
    in_string = False
    in_comment = False
    pairs = {")": "(", "]": "[", "}": "{"}
    index = start
    while index < min(end, len(text)):
        char = text[index]
        if char == "\n":
            line, column = line + 1, 1
            in_string = in_comment = False
            index += 1
            continue
        if in_comment:
            pass
        elif in_string:
            if char == "\\":
                index += 1
                column += 1
            elif char == '"':
                in_string = False
        elif char == "#":
            in_comment = True
        elif char == '"':
            in_string = True
        elif char in "([{":
            stack.append((line, column, char))
        elif char in pairs and stack and stack[-1][2] == pairs[char]:
            stack.pop()
        index += 1
        column += 1
    return stack[0] if stack else None


def _diagnostic(
    source: str, text: str, code: str, message: str, line: int, column: int, width: int, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(
        code=code,
        message=message,
        source=source,
        line=line,
        column=column,
        end_column=column + max(1, width),
        source_line=_line_text(text, line),
        hint=hint,
    )


def _syntax_diagnostic(
    error: UnexpectedInput, source: str, text: str, line_offset: int, offset_chars: int
) -> Diagnostic:
    """Turn one lark error into a friendly diagnostic (codes MC100-MC110)."""
    line = (error.line if error.line and error.line > 0 else 1) + line_offset
    column = error.column if error.column and error.column > 0 else 1

    def make(
        code: str, message: str, width: int = 1, hint: str | None = None, at: tuple[int, int] | None = None
    ) -> Diagnostic:
        where_line, where_column = at if at is not None else (line, column)
        return _diagnostic(source, text, code, message, where_line, where_column, width, hint)

    if isinstance(error, UnexpectedCharacters):
        position = offset_chars + (error.pos_in_stream or 0)
        char = text[position] if position < len(text) else ""
        if char == '"':
            return make("MC103", 'this string is not closed: a string ends with " on the same line', 1)
        return make("MC106", f"unexpected character {char!r}", 1)

    assert isinstance(error, UnexpectedToken | UnexpectedEOF)
    expected = _really_expected(error)
    token = error.token if isinstance(error, UnexpectedToken) else Token("$END", "")
    value = str(token.value)
    # Out of context, lark's root lexer may call a keyword something else (DENY a DX):
    # name the token by its text when the text is a keyword.
    kind = keyword_names().get(value, token.type)
    width = max(1, len(value))
    at_end = kind in {"_NL", "$END"}
    if at_end:
        width = 1

    # An opened bracket that never closed: point at the opener.
    position = offset_chars + (token.start_pos if isinstance(token.start_pos, int) else len(text) - offset_chars)
    opener = _unclosed_opener(text, position, start=offset_chars, first_line=line_offset + 1)
    if expected & _CLOSERS:
        if opener is not None and (
            at_end or kind in {"RULE", "TEST", "ARROW"} or expected <= _CLOSERS | {"COMMA"} or opener[0] < line
        ):
            opened_line, opened_column, char = opener
            closing = {"(": ")", "[": "]", "{": "}"}[char]
            return make("MC104", f'this "{char}" is never closed: add "{closing}"', 1, at=(opened_line, opened_column))
        if opener is None:
            expected -= _CLOSERS  # LALR merges look-aheads: offer no bracket when none is open

    if "END" in expected and kind == "$END":
        return make("MC107", 'a "rule" or "test" block must close with a line "end"', 1)

    line_start = text.rfind("\n", 0, position) + 1
    if (kind == "END" and "END" not in expected) or (at_end and text[line_start:position].strip() == "end"):
        where = (line, text[line_start:position].index("end") + 1) if at_end else None
        before = [piece.split("#", 1)[0].strip() for piece in text[:line_start].splitlines()]
        last_line = next((piece for piece in reversed(before) if piece), "")
        if last_line.startswith("rule ") or last_line == "rule":
            return make("MC100", 'a "rule" block needs its rule line before "end", e.g. "97124 -> WARN"', 3, at=where)
        return make("MC100", 'this "end" closes no "rule" or "test" block', 3, at=where)

    # A lower-case connective is read as a name; the error shows at the word after it.
    previous = re.search(r"(?:^|[\s(])([A-Za-z]+)[ \t]+$", text[line_start:position])
    if previous is not None and not at_end:
        word = previous.group(1)
        capital = _CONNECTIVES.get(word.lower())
        if capital is not None and word != capital:
            hint = f'did you mean "{capital}"?'
            return make(
                "MC105", "connectives are written in capitals", len(word), hint=hint, at=(line, previous.start(1) + 1)
            )

    if expected & set(_ACTIONS) and kind not in _ACTIONS:
        upper = value.upper()
        if upper in _ACTIONS:
            return make("MC102", "actions are written in capitals", width, hint=f'did you mean "{upper}"?')
        if at_end:
            return make("MC102", 'an action must follow "->": DENY, BUNDLE, REQUIRE or WARN', width)
        close = did_you_mean(upper, _ACTIONS)
        if kind == "WORD" or close:
            action_hint = close.strip(" ()") or None
            return make(
                "MC102", f'unknown action "{value}"; expected DENY, BUNDLE, REQUIRE or WARN', width, hint=action_hint
            )

    if "ARROW" in expected and (kind in _ACTIONS or value.upper() in _ACTIONS or at_end):
        return make("MC101", 'missing "->" between the condition and the action', width)

    lowered = value.lower()
    if lowered in _CONNECTIVES and _CONNECTIVES[lowered] in expected and value != _CONNECTIVES[lowered]:
        capital = _CONNECTIVES[lowered]
        return make("MC105", "connectives are written in capitals", width, hint=f'did you mean "{capital}"?')

    found = "the end of the line" if kind == "_NL" else "the end of the file" if kind == "$END" else f'"{value}"'
    keywords = [word for name in expected if (word := _literal(name)) is not None and word.isalpha()]
    close = "" if at_end else did_you_mean(value, keywords).strip(" ()")
    return make("MC100", f"expected {_expected_list(expected)}; found {found}", width, hint=close if close else None)


# --------------------------------------------------------------------------- #
# Parsing, with every syntax error reported.                                     #
# --------------------------------------------------------------------------- #


def _chunks(text: str) -> Iterator[tuple[int, int, str]]:
    """Split a text into top-level items: (first line index, char offset, text).

    Used only to report every syntax error after the whole-text parse failed: each
    item is parsed on its own, so an error in one does not hide the next.
    """
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    offsets = [0]
    for item in lines:
        offsets.append(offsets[-1] + len(item))
    index = 0
    while index < len(lines):
        if not split_comment(lines[index])[0].strip():
            index += 1
            continue
        start = index
        if _starts_block(lines[index]):
            index += 1
            while index < len(lines) and split_comment(lines[index])[0].strip() != "end":
                if _starts_block(lines[index]):
                    break  # the block lacks its "end": stop before the next block
                index += 1
            if index < len(lines) and split_comment(lines[index])[0].strip() == "end":
                index += 1
        else:
            depth = 0
            while index < len(lines):
                depth += _bracket_balance(lines[index])
                index += 1
                if depth <= 0:
                    break
                if index < len(lines) and _starts_block(lines[index]):
                    break  # a bracket left open: the blocks after it are items of their own
        yield start, offsets[start], "".join(lines[start:index])


def _starts_block(line: str) -> bool:
    """Whether a line's first word opens a ``rule`` or ``test`` block."""
    words = split_comment(line)[0].split(None, 1)
    return bool(words) and words[0] in {"rule", "test"}


def _too_deep(deep: _TooDeepError, source: str, text: str, line_offset: int) -> Diagnostic:
    line = (deep.token.line or 1) + line_offset
    column = deep.token.column or 1
    return _diagnostic(source, text, "MC108", f"brackets are nested more than {MAX_DEPTH} deep", line, column, 1)


MAX_SYNTAX_ERRORS = 100


def _shifted(node: Any, lines: int) -> Any:
    """A syntax-tree value with every span moved down by ``lines`` lines."""
    if isinstance(node, ast.Span):
        return ast.Span(node.line + lines, node.column, node.end_line + lines, node.end_column)
    if isinstance(node, tuple):
        return tuple(_shifted(item, lines) for item in node)
    if attrs.has(type(node)):
        return attrs.evolve(
            node,
            **{
                field.name: _shifted(getattr(node, field.name), lines)
                for field in attrs.fields(type(node))
                if field.init
            },
        )
    return node


def _all_syntax_errors(
    text: str, source: str, items_before: Sequence[Any] = ()
) -> tuple[list[Diagnostic], ast.Document]:
    """Every syntax error, item by item, and the document of the items that parse (so
    that their semantic problems can be reported with the syntax errors).

    ``items_before``: the first items of the text, already parsed (by the fast driver,
    before the text went wrong); they stand for the first as many items of the text,
    when those items end where they end (else every item is parsed)."""
    diagnostics: list[Diagnostic] = []
    parts: list[ast.Document] = []
    fast = _fast_parser()
    chunks = list(_chunks(text))
    done = len(items_before)
    if (
        done
        and done <= len(chunks)
        and all(
            (getattr(item.span, "line", None), getattr(item.span, "end_line", None))
            == (first_line + 1, first_line + chunk.rstrip("\n").count("\n") + 1)
            for item, (first_line, _, chunk) in zip(items_before, chunks, strict=False)
        )
    ):  # each item is the chunk at its place: one document per item, as if parsed on its own
        parts = [_TRANSFORMER.start([item]) for item in items_before]
        chunks = chunks[done:]
    for first_line, offset, chunk in chunks:
        if len(diagnostics) >= MAX_SYNTAX_ERRORS:
            line = first_line + 1
            message = f"stopped after {MAX_SYNTAX_ERRORS} syntax errors; fix these and compile again"
            diagnostics.append(_diagnostic(source, text, "MC112", message, line, 1, 1))
            break
        if fast is not None:
            try:
                parts.append(fast.parse(chunk, MAX_DEPTH, line_offset=first_line))
                continue
            except (NotHandledError, _BadStringError):
                pass  # lark says why
        try:
            part: ast.Document = _parser().parse(chunk)  # type: ignore[assignment]
            parts.append(_shifted(part, first_line) if first_line else part)
        except _TooDeepError as deep:
            diagnostics.append(_too_deep(deep, source, text, first_line))
        except _BadStringError as bad:
            diagnostics.append(_bad_string(bad, source, text, first_line))
        except UnexpectedInput as error:
            diagnostics.append(_syntax_diagnostic(error, source, text, first_line, offset))
    partial = ast.Document(
        tuple(item for part in parts for item in part.header),
        tuple(item for part in parts for item in part.declarations),
        tuple(item for part in parts for item in part.rules),
        tuple(item for part in parts for item in part.tests),
        tuple(item for part in parts for item in part.disables),
    )
    return sorted(diagnostics, key=lambda d: (d.line, d.column)), partial


# --------------------------------------------------------------------------- #
# The transformer: lark tree -> our syntax tree.                                  #
# --------------------------------------------------------------------------- #


def _bad_string(bad: _BadStringError, source: str, text: str, line_offset: int = 0) -> Diagnostic:
    span = _span_of(bad.token)
    width = span.end_column - span.column if span.end_line == span.line else 1
    return _diagnostic(source, text, bad.code, bad.reason, span.line + line_offset, span.column, width)
