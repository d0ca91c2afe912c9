"""A Pygments lexer for ``.rules`` files (extra ``highlight``).

Registered under the ``pygments.lexers`` entry point, so ``pygmentize -l massagecodes``
and documentation tools find it once massagecodes is installed with Pygments.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

__all__ = ["RulesLexer"]

# Kept in step with grammar/rules.lark by tests/test_pygments.py.
CONNECTIVES = ("AND", "OR", "NOT", "SAME", "DIFFERENT")
ACTIONS = ("DENY", "BUNDLE", "REDUCE", "REQUIRE", "WARN")
STATEMENTS = (
    "ruleset", "version", "language", "title", "effective", "source", "units", "payers", "states", "extends",
    "disable", "param",
    "import", "code", "group", "region", "alias", "rule", "end", "test", "claim", "history", "expect",
)  # fmt: skip
WORDS = (
    "from", "to", "threshold", "of", "timed", "untimed", "unless", "carc", "rarc", "message", "fix", "cite",
    "severity", "into", "referral", "authorization", "documentation", "modifier", "on", "either", "both", "date",
    "side", "billed", "by", "another", "provider", "the", "same", "day", "payer", "diagnosis", "documented",
    "visits", "this", "year", "any", "total", "minutes", "is", "not", "or", "no", "findings", "outcome", "line",
    "lines", "true", "false", "null", "months", "since", "first", "visit", "charges", "billable", "diagnoses", "are",
    "valid", "with",
)  # fmt: skip


class RulesLexer(RegexLexer):
    """Highlights the massagecodes ``.rules`` language."""

    name = "massagecodes rules"
    aliases: ClassVar[list[str]] = ["massagecodes", "rules"]
    filenames: ClassVar[list[str]] = ["*.rules"]
    mimetypes: ClassVar[list[str]] = ["text/x-massagecodes-rules"]

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*$", Comment.Single),
            (r'"(\\.|[^"\\\n])*"', String.Double),
            (r"\$[a-z][a-z0-9]*(-[a-z0-9]+)*", Name.Variable),
            (r"->", Operator),
            (r">=|<=|!=|[<>=]", Operator),
            (r"[(){}\[\],:]", Punctuation),
            (r"(rule)(\s+)([A-Za-z0-9][A-Za-z0-9_.-]*)", bygroups(Keyword.Declaration, Whitespace, Name.Function)),  # type: ignore[no-untyped-call]
            (words(ACTIONS, suffix=r"\b"), Keyword.Reserved),
            (words(CONNECTIVES, suffix=r"\b"), Operator.Word),
            (words(STATEMENTS, prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(WORDS, prefix=r"\b", suffix=r"\b"), Keyword),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}\b", Number.Other),
            (r"\b[0-9]{5}\b|\b[A-Z][0-9]{4}\b", Name.Constant),
            (r"[0-9]+(\.[0-9]+)?", Number),
            (r"[A-Za-z][A-Za-z0-9_.*-]*", Name),
            (r".", Text),
        ]
    }
