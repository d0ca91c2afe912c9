"""Stage 1, syntax: ``.rules`` text -> a syntax tree with source spans, and back.

The grammar is ``grammar/rules.lark``; the parser runs its LALR tables (shipped
beside it, checked by digest) through a driver, and lark itself reports syntax
errors. The tree's nodes are frozen values; the printer writes the canonical text.
Nothing here imports a later stage.
"""

from massagecodes._syntax._ast import (
    DateRange,
    Document,
    Extends,
    ImportDecl,
    ParamDecl,
    TestBlock,
    Word,
)
from massagecodes._syntax._parser import LANGUAGE_VERSION, parse
from massagecodes._syntax._printer import format_document, format_rules, format_text
from massagecodes._syntax._source import MAX_SOURCE_BYTES, source_lines
from massagecodes._syntax._syntax_errors import keyword_names

__all__ = [
    "LANGUAGE_VERSION",
    "MAX_SOURCE_BYTES",
    "DateRange",
    "Document",
    "Extends",
    "ImportDecl",
    "ParamDecl",
    "TestBlock",
    "Word",
    "format_document",
    "format_rules",
    "format_text",
    "keyword_names",
    "parse",
    "source_lines",
]
