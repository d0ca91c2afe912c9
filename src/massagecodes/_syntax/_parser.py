"""Text -> syntax tree: :func:`parse`, the one entry point of the syntax stage.

The grammar lives in ``grammar/rules.lark`` (shipped in the wheel). Valid texts are
parsed by the fast driver of its LALR tables (see :mod:`._grammar`); a text the
driver does not accept is parsed by lark itself, whose errors become a
:class:`~massagecodes.errors.RulesSyntaxError` listing every error found, each with
its line, column and a friendly message (see :mod:`._syntax_errors`).
"""

from __future__ import annotations

from lark.exceptions import UnexpectedInput

from massagecodes._syntax import _ast as ast
from massagecodes._syntax._driver import (
    NotHandledError,
)
from massagecodes._syntax._grammar import _fast_parser, _parser, _TooDeepError
from massagecodes._syntax._source import MAX_DEPTH, MAX_SOURCE_BYTES
from massagecodes._syntax._syntax_errors import _all_syntax_errors, _diagnostic
from massagecodes._syntax._transformer import _SURROGATE, _BadStringError
from massagecodes.errors import RulesSyntaxError

LANGUAGE_VERSION = 1


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
