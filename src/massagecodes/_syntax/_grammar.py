"""The grammar and its parsers: lark's LALR parser (strict, never from a pickle cache)
and the fast driver of the same tables, shipped as JSON beside the grammar and
checked against its text and their own digest before use.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import lark
from lark import Token

from massagecodes import _resources
from massagecodes._syntax._driver import FastParser
from massagecodes._syntax._parser_tables import TABLES_FORMAT, UnsupportedError, extract_tables
from massagecodes._syntax._source import MAX_DEPTH
from massagecodes._syntax._transformer import _TRANSFORMER
from massagecodes.errors import ResourceError

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
