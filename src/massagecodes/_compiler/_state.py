"""The compiler's state while it walks one document: the symbol table it builds (codes,
groups, regions, unit method, parameters), the diagnostics it collects, and the
code terms of the rule being compiled (its slots).

The compiler is one class assembled from a chain of mixins, one module each:
this state, then declarations (what names mean), conditions (predicates), and the
rules and tests (``_compile``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from massagecodes._codes import (
    CodeInfo,
)
from massagecodes._engine import (
    CompiledRule,
    Param,
)
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary
from massagecodes._syntax import _ast as ast
from massagecodes._syntax import source_lines
from massagecodes._text import did_you_mean
from massagecodes.errors import Diagnostic
from massagecodes.units import CMS, UnitMethod


def _code_terms(node: ast.Condition) -> int:
    """How many code terms ``node`` has (the slots it takes under NOT)."""
    if isinstance(node, ast.CodeTerm):
        return 1
    if isinstance(node, ast.Not | ast.Paren):
        return _code_terms(node.item)
    if isinstance(node, ast.And | ast.Or):
        return sum(_code_terms(item) for item in node.items)
    return 0


class _Scope:
    """The code terms of one rule: slots, and which slot binds which codes."""

    def __init__(self) -> None:
        self.terms: list[tuple[int, frozenset[str], bool]] = []  # slot, codes, positive

    def add(self, codes: frozenset[str], positive: bool) -> int:
        slot = len(self.terms)
        self.terms.append((slot, codes, positive))
        return slot

    def slots_for(self, codes: frozenset[str], *, positive_only: bool = False) -> tuple[int, ...]:
        exact = tuple(slot for slot, term, positive in self.terms if term == codes and (positive or not positive_only))
        if exact:
            return exact
        return tuple(slot for slot, term, positive in self.terms if term & codes and (positive or not positive_only))


class Base(Protocol):
    """What a ruleset inherits from the ruleset it extends."""

    @property
    def declared_codes(self) -> tuple[CodeInfo, ...]: ...
    @property
    def groups(self) -> tuple[tuple[str, tuple[str, ...]], ...]: ...
    @property
    def regions(self) -> RegionVocabulary: ...
    @property
    def unit_method(self) -> UnitMethod: ...
    @property
    def params(self) -> tuple[Param, ...]: ...
    @property
    def rules(self) -> tuple[CompiledRule, ...]: ...


class _CompilerState:
    def __init__(
        self, document: ast.Document, source: str, text: str, *, base: Base | None, params: Mapping[str, object]
    ) -> None:
        self.document = document
        self.source = source
        self.lines = source_lines(text)
        self.diagnostics: list[Diagnostic] = []
        self.base = base
        self.declared: dict[str, CodeInfo] = {info.code: info for info in base.declared_codes} if base else {}
        self.groups: dict[str, tuple[str, ...]] = dict(base.groups) if base else {}
        self.regions = base.regions if base else DEFAULT_REGIONS
        self.method = base.unit_method if base else CMS
        self.params: dict[str, Param] = {param.name: param for param in base.params} if base else {}
        self.given = dict(params)
        self.unset: set[str] = set()
        self.texts: dict[int, str] = {}  # condition texts by node, printed once each
        self.resolved: dict[tuple[tuple[str, ...], bool, int, int, int, int], frozenset[str] | None] = {}
        # The same, by identity first (hashing a CodeRef and its span is slow); the
        # value keeps the node alive, so its id() is not reused.
        self.resolved_nodes: dict[int, tuple[ast.CodeRef, frozenset[str] | None]] = {}
        # A name that resolved without a problem resolves the same everywhere (groups
        # and declared codes are known before the rules): its codes, by its text.
        self.clean_names: dict[str, frozenset[str]] = {}
        self.min_bound: dict[int, int] = {}  # lines a condition binds at least, by node
        self.negated: list[tuple[int, int]] = []  # slots of each NOT being compiled, innermost last
        self.language = 1  # the document's language version (its header says; see header())

    # ---- diagnostics
    def error(self, code: str, message: str, span: ast.Span, hint: str | None = None) -> None:
        line_text = self.lines[span.line - 1] if 0 < span.line <= len(self.lines) else ""
        end = span.end_column if span.end_line == span.line else len(line_text) + 1
        self.diagnostics.append(
            Diagnostic(
                code, message, self.source, span.line, span.column, max(end, span.column + 1), line_text, hint=hint
            )
        )

    @staticmethod
    def _hint(word: str, candidates: Iterable[str]) -> str | None:
        listed = list(candidates)
        same = [candidate for candidate in listed if candidate.casefold() == word.casefold()]
        if same:
            return f'did you mean "{same[0]}"?'
        close = did_you_mean(word, listed)
        return close.strip(" ()") if close else None
