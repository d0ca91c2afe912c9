"""Text -> syntax tree: the lark parser, friendly syntax errors, and the tree transformer.

The grammar lives in ``grammar/rules.lark`` (shipped in the wheel). lark's parser
is LALR with ``strict=True`` (no conflicts, no terminal collisions), never from a
pickle cache. Valid texts are parsed by a faster driver of the same tables
(``_driver.py``), shipped as JSON beside the grammar (``grammar/rules.tables.json``,
checked against the grammar's text), so lark's parser is only built, once per
process, when a text does not parse. Nothing from lark leaves this module: a
syntax error becomes a :class:`~massagecodes.errors.RulesSyntaxError` listing every
error found, each with its line, column and a friendly message.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import math
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs
import lark
from lark import Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from massagecodes import _resources
from massagecodes._syntax import _ast as ast
from massagecodes._syntax._driver import (
    TABLES_FORMAT,
    FastParser,
    NotHandledError,
    UnsupportedError,
    extract_tables,
)
from massagecodes._text import did_you_mean
from massagecodes.errors import Diagnostic, ResourceError, RulesSyntaxError

MAX_SOURCE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64  # nesting of (), [] and {}
LANGUAGE_VERSION = 1

_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
_CLOSERS = frozenset(_OPENERS.values())


class _NewlinesInBrackets:
    """Post-lexer: drop newlines inside (), [] and {}; end the text with a newline.

    It keeps no state between calls (all state is local to ``process``), so one
    parser can serve many threads.
    """

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        last: Token | None = None
        for token in stream:
            if token.type in _OPENERS:
                depth += 1
                if depth > MAX_DEPTH:
                    raise _TooDeepError(token)
            elif token.type in _CLOSERS:
                depth = max(0, depth - 1)
            elif token.type == "_NL" and depth:
                continue
            last = token
            yield token
        if last is None or last.type != "_NL":
            if last is None:
                yield Token("_NL", "\n", 0, 1, 1, 1, 1, 0)
            else:  # at the end of the last token, so an error there points past it
                line, column, end = last.end_line, last.end_column, last.end_pos
                yield Token("_NL", "\n", end, line, column, line, column, end)


class _TooDeepError(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__("too deep")
        self.token = token


_lock = threading.Lock()


@functools.cache
def _parser() -> lark.Lark:
    with _lock:
        grammar = _resources.read_text("grammar", "rules.lark")
        return lark.Lark(
            grammar,
            parser="lalr",
            lexer="contextual",
            strict=True,
            # Spans come from the tokens, so lark need not track positions; the
            # transformer runs as the parser reduces, so no parse tree is built.
            propagate_positions=False,
            maybe_placeholders=True,
            postlex=_NewlinesInBrackets(),
            transformer=_TRANSFORMER,
            cache=False,  # never load a pickle from a shared temporary path
        )


TABLES_FILE = "rules.tables.json"


def grammar_digest(grammar: str) -> str:
    """The SHA-256 of the grammar's text, which the shipped tables name."""
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def tables_digest(tables: dict[str, Any]) -> str:
    """The SHA-256 of the tables' own content (every key but this digest), which the
    shipped file carries: a file changed in any way after it was written is not used."""
    content = {key: value for key, value in tables.items() if key != "tables_sha256"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def built_tables() -> dict[str, Any]:
    """The driver's tables, extracted from lark's parser of the grammar (strict mode),
    with the digest of the grammar they were made from and of their own content: what
    ``grammar/rules.tables.json`` holds (``python -m massagecodes._syntax._write_tables``
    writes it)."""
    tables: dict[str, Any] = {
        "grammar_sha256": grammar_digest(_resources.read_text("grammar", "rules.lark")),
        "lark": lark.__version__,
        **extract_tables(_parser()),
    }
    tables["tables_sha256"] = tables_digest(tables)
    return tables


def _shipped_tables() -> FastParser | None:
    """The driver of the shipped tables, if they were made from this very grammar text,
    in this format, and are whole (a damaged file is not used)."""
    grammar = _resources.read_text("grammar", "rules.lark")
    try:
        shipped = json.loads(_resources.read_text("grammar", TABLES_FILE))
        if not isinstance(shipped, dict) or shipped.get("grammar_sha256") != grammar_digest(grammar):
            return None
        if shipped.get("format") != TABLES_FORMAT or shipped.get("tables_sha256") != tables_digest(shipped):
            return None  # another format, or changed since it was written
        return FastParser(shipped, _TRANSFORMER)
    except (ResourceError, UnsupportedError, ValueError, RecursionError, TypeError):
        return None  # missing, not JSON, nested too deep, or not the tables' shape


@functools.cache
def _driver_and_tables() -> tuple[FastParser | None, dict[str, Any] | None]:
    """The fast driver and its tables: the shipped ones (see _shipped_tables); else
    (a grammar edited without writing them again, a damaged file) those of lark's
    parser, built now; (None, None) when lark's objects are not as the driver expects,
    and then lark parses every text. The shipped file is JSON, data only. Its tables
    are used whatever lark release is installed: they are the grammar's, checked in
    strict mode when they were written."""
    shipped = _shipped_tables()
    if shipped is not None:
        return shipped, shipped.tables
    try:
        tables = built_tables()
        return FastParser(tables, _TRANSFORMER), tables
    except UnsupportedError:  # pragma: no cover - a lark release that changed its internals
        return None, None


def parser_tables() -> dict[str, Any] | None:
    """The tables the fast driver runs (see _driver_and_tables)."""
    return _driver_and_tables()[1]


def _fast_parser() -> FastParser | None:
    """The fast driver of the grammar's tables (see ``_driver.py`` and
    _driver_and_tables); None when lark parses every text."""
    return _driver_and_tables()[0]


# --------------------------------------------------------------------------- #
# Syntax errors.                                                                 #
# --------------------------------------------------------------------------- #

_ACTIONS = ("DENY", "BUNDLE", "REQUIRE", "WARN")
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


def source_lines(text: str) -> list[str]:
    """The text's lines as the grammar counts them: split at newlines only (a form
    feed or a Unicode line separator does not start a line)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _line_text(text: str | list[str], line: int) -> str:
    lines = source_lines(text) if isinstance(text, str) else text
    return lines[line - 1] if 0 < line <= len(lines) else ""


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


def split_comment(line: str) -> tuple[str, str | None]:
    """A line's code and its comment (from ``#`` to the end), a ``#`` inside a string
    being part of the string."""
    in_string = escaped = False
    for index, char in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            return line[:index], line[index:]
    return line, None


_STRING = re.compile(r'"([^"\\\n]|\\.)*"?')


def _bracket_balance(line: str) -> int:
    code = _STRING.sub("", split_comment(line)[0])  # brackets inside strings do not count
    return sum(code.count(char) for char in "([{") - sum(code.count(char) for char in ")]}")


def parse(text: str, *, source: str = "<rules>") -> ast.Document:
    """Parse a ``.rules`` text into a :class:`~massagecodes._syntax._ast.Document`."""
    if not isinstance(text, str):
        raise TypeError("rules text must be a str")
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write: not content
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise RulesSyntaxError(
            [_diagnostic(source, "", "MC109", f"the text is larger than {MAX_SOURCE_BYTES} bytes", 1, 1, 1)]
        )
    lone = _SURROGATE.search(text)
    if lone is not None:
        line = text.count("\n", 0, lone.start()) + 1
        column = lone.start() - (text.rfind("\n", 0, lone.start()) + 1) + 1
        shown = _SURROGATE.sub("\ufffd", text)
        raise RulesSyntaxError(
            [
                _diagnostic(
                    source, shown, "MC110", "a lone surrogate, which is not a character of UTF-8 text", line, column, 1
                )
            ]
        )
    fast = _fast_parser()
    if fast is not None:
        try:
            document = fast.parse(text, MAX_DEPTH)
        except (NotHandledError, _BadStringError) as refused:
            # Every item on its own, lark only for those the driver refuses (lark parses
            # them again and says why): a large file with one typo is not parsed by
            # lark whole, twice. The items the driver parsed whole before the text
            # went wrong are not parsed again.
            diagnostics, partial = _all_syntax_errors(text, source, getattr(refused, "items_before", ()))
            if diagnostics:
                raise RulesSyntaxError(diagnostics, partial=partial) from None
            # Every item parses alone (never seen): lark parses the whole text, below.
        else:
            assert isinstance(document, ast.Document)
            return document
    try:
        document = _parser().parse(text)
    except (_TooDeepError, _BadStringError, UnexpectedInput):  # every error, item by item
        diagnostics, partial = _all_syntax_errors(text, source)
        if not diagnostics:  # pragma: no cover - a text that fails whole fails in some item
            diagnostics.append(_diagnostic(source, text, "MC100", "the text does not parse", 1, 1, 1))
        raise RulesSyntaxError(diagnostics, partial=partial) from None
    assert isinstance(document, ast.Document)
    return document


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


class _BadStringError(Exception):
    def __init__(self, token: Token, reason: str, code: str = "MC110") -> None:
        super().__init__(reason)
        self.token = token
        self.reason = reason
        self.code = code


def _span_of(item: Any) -> ast.Span:
    if isinstance(item, Token):
        line, column, end_line, end_column = item.line, item.column, item.end_line, item.end_column
        if line and column and end_line and end_column:  # always, for the tokens of a text
            return _Span(line, column, end_line, end_column)
        return _Span(
            line or 1,
            column or 1,
            end_line or line or 1,
            end_column or (column or 1) + len(item),
        )
    return item.span  # type: ignore[no-any-return]


_Span = ast.Span


def _positioned(child: Any, backwards: bool) -> ast.Span | Token | None:
    """The first (or last) positioned piece of a transformed child: a token, or the
    span of a node; inside tuples and lists, the first (last) that has one."""
    if child is None:
        return None
    if isinstance(child, Token):
        return child
    if isinstance(child, tuple | list):
        for item in reversed(child) if backwards else child:
            found = _positioned(item, backwards)
            if found is not None:
                return found
        return None
    found = getattr(child, "span", None)
    return found if isinstance(found, ast.Span) else None


def _span(children: list[Any]) -> ast.Span:
    """The span from the first to the last positioned child (tokens and nodes carry
    their positions, so the parser needs no position tracking of its own)."""
    if children:
        # The common cases first: a rule that starts and ends with a token or a node.
        head: Any = children[0]
        tail: Any = children[-1]
        kind = type(head)
        if kind is Token:
            line, column = head.line, head.column
        elif kind in _SPANNED and type(found := head.span) is _Span:
            if len(children) == 1:
                return found  # one node: its span (spans are immutable values)
            line, column = found.line, found.column
        else:
            line = column = 0
        kind = type(tail)
        if kind is Token:
            end_line, end_column = tail.end_line, tail.end_column
        elif kind in _SPANNED and type(found := tail.span) is _Span:
            end_line, end_column = found.end_line, found.end_column
        else:
            end_line = end_column = 0
        if line and column and end_line and end_column:  # always, for the tokens of a text
            return _Span(line, column, end_line, end_column)
    first = children[0] if children else None
    if len(children) == 1 and not isinstance(first, Token | tuple | list) and first is not None:
        found = getattr(first, "span", None)
        if isinstance(found, ast.Span):
            return found  # one node: its span (spans are immutable values)
    if not isinstance(first, Token):
        first = _positioned(children, False)
        assert first is not None, "every rule has a token"
    last = children[-1]
    if not isinstance(last, Token):
        last = _positioned(children, True)
        assert last is not None
    if isinstance(first, Token) and not (first.line and first.column):  # pragma: no cover - lexed tokens have both
        first = _span_of(first)
    if isinstance(last, Token) and not (last.end_line and last.end_column):  # pragma: no cover - as above
        last = _span_of(last)
    return _Span(first.line, first.column, last.end_line, last.end_column)  # type: ignore[arg-type]


@attrs.frozen
class _Json:
    """A JSON value in a test block, with its span while it is being built."""

    value: object
    span: ast.Span


# The node types whose ``span`` is their position (every AST node, and _Json): _span
# reads it directly.
_SPANNED = frozenset(
    kind
    for kind in (*vars(ast).values(), _Json)
    if isinstance(kind, type) and attrs.has(kind) and "span" in attrs.fields_dict(kind)
)


def _json(item: Any) -> object:
    return item.value if isinstance(item, _Json) else item


def _word(token: Token) -> ast.Word:
    line, column, end_line, end_column = token.line, token.column, token.end_line, token.end_column
    if line and column and end_line and end_column:  # always, for the tokens of a text
        return _Word(token.value, _Span(line, column, end_line, end_column))
    return _Word(str(token), _span_of(token))  # pragma: no cover


_Word = ast.Word


_JSON_STRING = json.JSONDecoder(strict=False)


def _string(token: Token) -> str:
    text = str(token)
    if "\\" not in text:  # no escape: the text between the quotes (the grammar admits no quote or newline there)
        value = text[1:-1]
        if not _SURROGATE.search(value):
            return value
    try:
        value = _JSON_STRING.decode(text)
    except json.JSONDecodeError:
        raise _BadStringError(
            token, 'this string has an escape that is not one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'
        ) from None
    assert isinstance(value, str)
    if _SURROGATE.search(value):
        raise _BadStringError(
            token, "this string has a \\u escape of a lone surrogate (\\ud800-\\udfff), which is not a character"
        )
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_NUMBER_DIGITS = 15


def _int(token: Token) -> int:
    text = str(token)
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadStringError(token, f"this number is too large (at most {MAX_NUMBER_DIGITS} digits)", "MC111")
    return int(text)


def _date(token: Token) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(token))
    except ValueError:
        raise _BadStringError(token, f'"{token}" is not a calendar date') from None


def _tokens(children: list[Any], *types: str) -> list[Token]:
    return [child for child in children if isinstance(child, Token) and child.type in types]


def _nodes(children: list[Any]) -> list[Any]:
    return [child for child in children if child is not None and not isinstance(child, Token)]


_HEADER_KEYS = ("ruleset", "version", "language", "title", "effective", "source", "extends", "units")


def _passthrough(method: Callable[[Any, list[Any]], Any]) -> Callable[[Any, list[Any]], Any]:
    """Marks a transformer method that returns its only child when it has one: the
    fast driver then reduces a one-child rule to that child without the call."""
    method.passthrough = True  # type: ignore[attr-defined]
    return method


class _ToAst(Transformer[Token, Any]):
    """One method per grammar rule; each returns an AST node (or a small tuple)."""

    # ---- header
    def ruleset_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("ruleset", _word(c[1]), _span(c))

    def version_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("version", _word(c[1]), _span(c))

    def language_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("language", ast.Value("number", _int(c[1]), _span_of(c[1])), _span(c))

    def title_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("title", ast.Value("string", _string(c[1]), _span_of(c[1])), _span(c))

    def source_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("source", ast.Value("string", _string(c[1]), _span_of(c[1])), _span(c))

    def effective_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("effective", c[1], _span(c))

    def date_between(self, c: list[Any]) -> ast.DateRange:
        return ast.DateRange(_date(c[0]), _date(c[2]), _span(c))

    def date_from(self, c: list[Any]) -> ast.DateRange:
        return ast.DateRange(_date(c[1]), None, _span(c))

    def units_stmt(self, c: list[Any]) -> ast.HeaderItem:
        numbers = _tokens(c, "NUMBER")
        threshold = ast.Value("number", _int(numbers[0]), _span_of(numbers[0])) if numbers else None
        unit = ast.Value("number", _int(numbers[1]), _span_of(numbers[1])) if len(numbers) > 1 else None
        spec = ast.UnitsSpec(_word(c[1]), threshold, unit, _span(c))
        return ast.HeaderItem("units", spec, _span(c))

    # ---- composition, settings, tables
    def extends_stmt(self, c: list[Any]) -> ast.HeaderItem:
        spec = ast.Value("string", _string(c[2]), _span_of(c[2])) if c[2] is not None else None
        return ast.HeaderItem("extends", ast.Extends(_word(c[1]), spec, _span(c)), _span(c))

    def disable_stmt(self, c: list[Any]) -> ast.DisableStmt:
        return ast.DisableStmt(tuple(_word(w) for w in _tokens(c, "WORD")), _span(c))

    def param_decl(self, c: list[Any]) -> ast.ParamDecl:
        name = ast.Word(str(c[1])[1:], _span_of(c[1]))
        default = c[4] if len(c) > 4 else None
        return ast.ParamDecl(name, _word(c[2]), default, _span(c))

    def import_stmt(self, c: list[Any]) -> ast.ImportDecl:
        return ast.ImportDecl(_word(c[1]), ast.Value("string", _string(c[2]), _span_of(c[2])), _span(c))

    # ---- declarations
    def code_decl(self, c: list[Any]) -> ast.CodeDecl:
        description = _string(c[3]) if c[3] is not None else None
        return ast.CodeDecl(_word(c[1]), str(c[2]) == "timed", description, _span(c))

    def timing(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def group_decl(self, c: list[Any]) -> ast.GroupDecl:
        words = _tokens(c, "WORD")
        return ast.GroupDecl(_word(words[0]), tuple(_word(w) for w in words[1:]), _span(c))

    def region_decl(self, c: list[Any]) -> ast.RegionDecl:
        return ast.RegionDecl(_word(c[1]), _span(c))

    def alias_decl(self, c: list[Any]) -> ast.AliasDecl:
        alias = c[1]
        alias_word = ast.Word(_string(alias), _span_of(alias)) if alias.type == "STRING" else _word(alias)
        return ast.AliasDecl(alias_word, _word(c[3]), _span(c))

    # ---- rules
    def rule_core(self, c: list[Any]) -> tuple[Any, ...]:
        condition, action = c[0], c[2]
        unless = c[4] if len(c) > 4 else None
        return condition, action, unless

    def bare_rule(self, c: list[Any]) -> ast.Rule:
        condition, action, unless = c[0]
        return ast.Rule(None, None, condition, action, unless, (), _span(c))

    def rule_block(self, c: list[Any]) -> ast.Rule:
        rule_id = _word(c[1])
        title = _string(c[2]) if c[2] is not None else None
        core = next(child for child in c if isinstance(child, tuple))
        attributes = tuple(child for child in c if isinstance(child, ast.Attribute))
        condition, action, unless = core
        return ast.Rule(rule_id, title, condition, action, unless, attributes, _span(c))

    def _attribute(self, key: str, c: list[Any], value: Any) -> ast.Attribute:
        return ast.Attribute(key, value, _span(c))  # type: ignore[arg-type]

    def carc_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("carc", c, _word(c[1]))

    def rarc_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("rarc", c, _word(c[1]))

    def message_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("message", c, _string(c[1]))

    def fix_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("fix", c, _string(c[1]))

    def cite_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("cite", c, _string(c[1]))

    def severity_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("severity", c, _word(c[1]))

    def effective_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("effective", c, c[1])

    # ---- actions
    def deny_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("DENY", _word(c[1]) if c[1] is not None else None, None, None, _span(c))

    def warn_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("WARN", _word(c[1]) if c[1] is not None else None, None, None, _span(c))

    def bundle_action(self, c: list[Any]) -> ast.Action:
        target = _word(c[1]) if c[1] is not None else None
        into = _word(c[3]) if len(c) > 3 and c[3] is not None else None
        return ast.Action("BUNDLE", target, into, None, _span(c))

    def require_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("REQUIRE", None, None, c[1], _span(c))

    def require_referral(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("referral", span=_span(c))

    def require_diagnosis(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("diagnosis", span=_span(c))

    def require_authorization(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("authorization", span=_span(c))

    def require_documentation(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("documentation", element=_word(c[1]), span=_span(c))

    def require_modifier(self, c: list[Any]) -> ast.Requirement:
        target = c[3] if c[3] is not None else None
        return ast.Requirement("modifier", modifiers=c[1], target=target, span=_span(c))

    # ---- conditions
    # condition and chain_item return their one child when they have only one (the
    # common case: no OR, no relation), so the fast driver reduces them without
    # calling them (see _passthrough). and_cond cannot: its one child may be a
    # chain item with relations, (condition, relations), which makes an And.

    @_passthrough
    def condition(self, c: list[Any]) -> ast.Condition:
        if len(c) == 1:
            return c[0]  # type: ignore[no-any-return]
        items = tuple(_nodes(c))
        return items[0] if len(items) == 1 else ast.Or(items, _span(c))

    def and_cond(self, c: list[Any]) -> ast.Condition:
        if len(c) == 1:
            item = c[0]
            if not isinstance(item, tuple):  # one item, no relation
                return item  # type: ignore[no-any-return]
            return ast.And((item[0],), item[1], _span(c))
        items: list[ast.Condition] = []
        relations: list[ast.Relation] = []
        for item in _nodes(c):
            if isinstance(item, tuple):
                items.append(item[0])
                relations.extend(item[1])
            else:
                items.append(item)
        return ast.And(tuple(items), tuple(relations), _span(c))

    @_passthrough
    def chain_item(self, c: list[Any]) -> ast.Condition | tuple[ast.Condition, tuple[ast.Relation, ...]]:
        """One item of an AND chain: the condition alone, or (condition, relations)."""
        if len(c) == 1:
            return c[0]  # type: ignore[no-any-return]
        nodes = _nodes(c)
        return nodes[0], tuple(nodes[1:])

    def not_atom(self, c: list[Any]) -> ast.Not:
        return ast.Not(c[1], _span(c))

    def same(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(True, str(c[1]), _span(c))  # type: ignore[arg-type]

    def different(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(False, str(c[1]), _span(c))  # type: ignore[arg-type]

    def aspect(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def group_atom(self, c: list[Any]) -> ast.Paren:
        return ast.Paren(c[1], _span(c))

    def code_atom(self, c: list[Any]) -> ast.CodeTerm:
        return ast.CodeTerm(c[0], _span(c))

    def billed_by_other(self, c: list[Any]) -> ast.BilledByOther:
        return ast.BilledByOther(c[0], _span(c))

    def billed_same_day(self, c: list[Any]) -> ast.BilledByOther:
        return ast.BilledByOther(c[0], _span(c), other=False)

    def all_visits_atom(self, c: list[Any]) -> ast.VisitsCond:
        return ast.VisitsCond(c[1], _span(c), scope="all")

    def months_atom(self, c: list[Any]) -> ast.VisitsCond:
        return ast.VisitsCond(c[4], _span(c), scope="months")

    def charges_atom(self, c: list[Any]) -> ast.ChargesCond:
        return ast.ChargesCond(c[3], _span(c))

    def flag_atom(self, c: list[Any]) -> ast.FlagCond:
        return ast.FlagCond(ast.Word(str(c[0])[1:], _span_of(c[0])), _span(c))

    def code_name(self, c: list[Any]) -> ast.CodeRef:
        word = _word(c[0])
        return ast.CodeRef((word,), False, word.span)  # one token: the word's span

    def any_of(self, c: list[Any]) -> ast.CodeRef:
        return ast.CodeRef(tuple(_word(w) for w in _tokens(c, "WORD")), True, _span(c))

    def modifier_atom(self, c: list[Any]) -> ast.ModifierCond:
        return ast.ModifierCond(c[1], c[3], _span(c))

    def modifier_target(self, c: list[Any]) -> ast.Word:
        return _word(c[0])

    def word_list(self, c: list[Any]) -> tuple[ast.Word, ...]:
        return tuple(_word(w) for w in _tokens(c, "WORD"))

    def payer_atom(self, c: list[Any]) -> ast.FieldCond:
        return ast.FieldCond("payer", _word(c[1]), c[2], _span(c))

    def provider_atom(self, c: list[Any]) -> ast.FieldCond:
        return ast.FieldCond("provider", _word(c[1]), c[2], _span(c))

    def diagnosis_atom(self, c: list[Any]) -> ast.DiagnosisCond:
        return ast.DiagnosisCond(tuple(_nodes(c)), _span(c))

    def dx_item(self, c: list[Any]) -> ast.DxPattern:
        last = _word(c[2]) if len(c) > 2 and c[2] is not None else None
        return ast.DxPattern(_word(c[0]), last, _span(c))

    def billable_atom(self, c: list[Any]) -> ast.BillableCond:
        return ast.BillableCond(_span(c))

    def referral_atom(self, c: list[Any]) -> ast.PresentCond:
        return ast.PresentCond("referral", _span(c))

    def authorization_atom(self, c: list[Any]) -> ast.PresentCond:
        return ast.PresentCond("authorization", _span(c))

    def documented_atom(self, c: list[Any]) -> ast.DocumentedCond:
        return ast.DocumentedCond(_word(c[1]), _span(c))

    def measure_atom(self, c: list[Any]) -> ast.MeasureCond:
        measure, of, total = c[0]
        return ast.MeasureCond(measure, of, total, c[1], _span(c))

    def line_measure(self, c: list[Any]) -> tuple[ast.Word, ast.CodeRef | None, bool]:
        of = c[2] if len(c) > 2 else None
        return c[0], of, False

    def total_measure(self, c: list[Any]) -> tuple[ast.Word, ast.CodeRef | None, bool]:
        of = c[3] if len(c) > 3 else None
        return c[1], of, True

    def measure_name(self, c: list[Any]) -> ast.Word:
        return _word(c[0])

    def visits_atom(self, c: list[Any]) -> ast.VisitsCond:
        return ast.VisitsCond(c[3], _span(c))

    def is_comparison(self, c: list[Any]) -> ast.Comparison:
        negated = c[1] is not None
        values = tuple(child for child in c if isinstance(child, ast.Value))
        return ast.Comparison("is not" if negated else "is", values, _span(c))

    def op_comparison(self, c: list[Any]) -> ast.Comparison:
        return ast.Comparison(str(c[0]), (c[1],), _span(c))  # type: ignore[arg-type]

    def value(self, c: list[Any]) -> ast.Value:
        token: Token = c[0]
        span = _span_of(token)
        if token.type == "STRING":
            return ast.Value("string", _string(token), span)
        if token.type == "NUMBER":
            if len(token) > 1 and token.startswith("0"):
                # 007 is a name (a code, an id): as a number it would silently become 7.
                return ast.Value("word", str(token), span)
            return ast.Value("number", _int(token), span)
        if token.type == "DATE":
            return ast.Value("date", _date(token), span)
        if token.type == "DECIMAL":
            return ast.Value("decimal", Decimal(str(token)), span)
        if token.type == "PARAM_REF":
            return ast.Value("param", str(token)[1:], span)
        return ast.Value("word", str(token), span)

    # ---- tests
    def test_block(self, c: list[Any]) -> ast.TestBlock:
        name = _string(c[1])
        claim = history = None
        expectations: list[ast.Expectation] = []
        for kind, payload in (child for child in c if isinstance(child, tuple)):
            if kind == "claim":
                claim = payload
            elif kind == "history":
                history = payload
            else:
                expectations.append(payload)
        return ast.TestBlock(name, claim, history, tuple(expectations), _span(c))

    def test_claim(self, c: list[Any]) -> tuple[str, ast.JsonValue]:
        return "claim", ast.JsonValue(_json(c[1]), _span(c))

    def test_history(self, c: list[Any]) -> tuple[str, ast.JsonValue]:
        return "history", ast.JsonValue(_json(c[1]), _span(c))

    def test_expect(self, c: list[Any]) -> tuple[str, ast.Expectation]:
        return "expect", c[1]

    def expect_finding(self, c: list[Any]) -> ast.Expectation:
        lines = c[3] if len(c) > 3 and c[3] is not None else None
        return ast.Expectation("finding", action=str(c[0]), rule=_word(c[1]), lines=lines, span=_span(c))

    def expect_none(self, c: list[Any]) -> ast.Expectation:
        return ast.Expectation("none", span=_span(c))

    def expect_outcome(self, c: list[Any]) -> ast.Expectation:
        return ast.Expectation("outcome", outcome=_word(c[1]), span=_span(c))

    def action_name(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def line_numbers(self, c: list[Any]) -> tuple[int, ...]:
        return tuple(_int(n) for n in _tokens(c, "NUMBER"))

    def json_value(self, c: list[Any]) -> Any:
        return c[0]

    def json_object(self, c: list[Any]) -> _Json:
        return _Json(dict(pair for pair in c if isinstance(pair, tuple)), _span(c))

    def json_pair(self, c: list[Any]) -> tuple[str, Any]:
        return _string(c[0]), _json(c[2])

    def json_array(self, c: list[Any]) -> _Json:
        return _Json([_json(child) for child in c if not isinstance(child, Token) and child is not None], _span(c))

    def json_string(self, c: list[Any]) -> _Json:
        return _Json(_string(c[0]), _span(c))

    def json_number(self, c: list[Any]) -> _Json:
        text = str(c[0])
        if re.fullmatch(r"-?[0-9]+", text):
            return _Json(_int(c[0]), _span(c))
        number = float(text)
        if not math.isfinite(number):
            raise _BadStringError(c[0], "this number is too large", "MC111")
        return _Json(number, _span(c))

    def json_true(self, c: list[Any]) -> _Json:
        return _Json(True, _span(c))

    def json_false(self, c: list[Any]) -> _Json:
        return _Json(False, _span(c))

    def json_null(self, c: list[Any]) -> _Json:
        return _Json(None, _span(c))

    def start(self, c: list[Any]) -> ast.Document:
        nodes = _nodes(c)
        # Header statements in their canonical order (stable: repeats keep source order).
        header = tuple(
            sorted((n for n in nodes if isinstance(n, ast.HeaderItem)), key=lambda n: _HEADER_KEYS.index(n.key))
        )
        declarations = tuple(
            n
            for n in nodes
            if isinstance(
                n, ast.CodeDecl | ast.GroupDecl | ast.RegionDecl | ast.AliasDecl | ast.ParamDecl | ast.ImportDecl
            )
        )
        rules = tuple(n for n in nodes if isinstance(n, ast.Rule))
        tests = tuple(n for n in nodes if isinstance(n, ast.TestBlock))
        disables = tuple(n for n in nodes if isinstance(n, ast.DisableStmt))
        return ast.Document(header, declarations, rules, tests, disables)


_TRANSFORMER = _ToAst()  # no state: lark's parser and the fast driver share it


def _bad_string(bad: _BadStringError, source: str, text: str, line_offset: int = 0) -> Diagnostic:
    span = _span_of(bad.token)
    width = span.end_column - span.column if span.end_line == span.line else 1
    return _diagnostic(source, text, bad.code, bad.reason, span.line + line_offset, span.column, width)
