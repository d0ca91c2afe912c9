"""Syntax tree -> checked, compiled rules.

One pass walks the tree with the ruleset's symbol table (declared codes, groups,
regions, unit method): every name is resolved or reported (MC2xx, with "did you
mean"), and every rule becomes a :class:`CompiledRule` holding predicate objects.
All problems in a text are collected and raised together.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs
from packaging.version import InvalidVersion, Version

from massagecodes._codes import (
    DEFAULT_CATALOG,
    MODIFIER,
    US_STATES,
    CodeCatalog,
    CodeInfo,
    procedure_code_problem,
    suggest_code,
)
from massagecodes._engine import (
    OUTCOMES,
    PARAM_TYPES,
    CompiledRule,
    Expected,
    Param,
    ParamType,
    Requirement,
    RuleTest,
    Target,
    param_value,
)
from massagecodes._engine import _predicates as p
from massagecodes._model import DocElement, License, PayerKind, SoapPart
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary, normalize
from massagecodes._syntax import _ast as ast
from massagecodes._syntax import source_lines
from massagecodes._syntax._printer import condition_text, rule_line
from massagecodes._text import did_you_mean
from massagecodes.errors import Diagnostic, InputError, Problem, RulesSemanticError
from massagecodes.units import CMS, PER_CODE, UnitMethod

LANGUAGE_VERSIONS = (1,)
SEVERITIES = ("error", "warning", "info")
_CARC = re.compile(r"[1-9][0-9]{0,2}|[A-Z][0-9]{1,2}")  # no leading zero: CARC 97, not 097
_RARC = re.compile(r"(M|MA|N)[0-9]{1,3}")
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_DX = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,4})?\*?")
_DOC_WORDS = tuple(sorted({e.value for e in DocElement} | {s.value for s in SoapPart}))
_LINE_MEASURES = ("minutes", "units", "date", "region")
_TOTAL_MEASURES = ("minutes", "units")
_PAYER_FIELDS = ("kind", "name", "state")
_PROVIDER_FIELDS = ("license", "npi", "taxonomy")


@attrs.frozen
class Header:
    name: str
    version: str | None
    language: int
    title: str | None
    effective: tuple[datetime.date, datetime.date | None] | None
    source_citation: str | None


@attrs.frozen
class Compiled:
    """Everything a :class:`~massagecodes.Ruleset` is made of."""

    header: Header
    rules: tuple[CompiledRule, ...]
    catalog: CodeCatalog
    declared_codes: tuple[CodeInfo, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    regions: RegionVocabulary
    unit_method: UnitMethod
    params: tuple[Param, ...]
    tests: tuple[RuleTest, ...]
    extends: tuple[str, str | None] | None  # the base ruleset's name and version constraint
    imports: tuple[tuple[str, str], ...]  # (ptp|mue, file) in source order
    document: ast.Document = attrs.field(eq=False, repr=False)
    # Condition texts printed while compiling, by id() of the document's nodes (the
    # canonical text for the hash reuses them).
    texts: dict[int, str] = attrs.field(factory=dict, eq=False, repr=False)


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


class _Compiler:
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

    # ---- header and declarations
    def header(self) -> Header:
        seen: dict[str, ast.HeaderItem] = {}
        values: dict[str, Any] = {}
        for item in self.document.header:
            if item.key in seen:
                self.error(
                    "MC208", f'"{item.key}" is given twice (first at line {seen[item.key].span.line})', item.span
                )
                continue
            seen[item.key] = item
            if item.key == "ruleset":
                assert isinstance(item.value, ast.Word)
                if not re.fullmatch(r"[a-z0-9]+([-_.][a-z0-9]+)*", item.value.text):
                    self.error(
                        "MC206",
                        f'ruleset name "{item.value.text}" must be lower-case words joined by "-"',
                        item.value.span,
                    )
                values["name"] = item.value.text
            elif item.key == "version":
                assert isinstance(item.value, ast.Word)
                try:
                    Version(item.value.text)
                except InvalidVersion:
                    self.error(
                        "MC206",
                        f'version "{item.value.text}" is not a PEP 440 version such as 2025.1 or 1.2.0',
                        item.value.span,
                    )
                values["version"] = item.value.text
            elif item.key == "language":
                assert isinstance(item.value, ast.Value)
                if item.value.value not in LANGUAGE_VERSIONS:
                    supported = ", ".join(str(v) for v in LANGUAGE_VERSIONS)
                    self.error(
                        "MC210",
                        f"language {item.value.value} is not supported; this library reads language {supported}",
                        item.value.span,
                    )
                values["language"] = item.value.value
            elif item.key in ("title", "source"):
                assert isinstance(item.value, ast.Value)
                values[item.key] = str(item.value.value)
            elif item.key == "effective":
                assert isinstance(item.value, ast.DateRange)
                values["effective"] = self.date_range(item.value)
            elif item.key == "extends":
                pass  # resolved before compiling (see compile_document)
            else:
                assert isinstance(item.value, ast.UnitsSpec)
                self.method = self.unit_method(item.value)
        return Header(
            name=values.get("name", "inline"),
            version=values.get("version"),
            language=values.get("language", 1),
            title=values.get("title"),
            effective=values.get("effective"),
            source_citation=values.get("source"),
        )

    def date_range(self, value: ast.DateRange) -> tuple[datetime.date, datetime.date | None]:
        if value.end is not None and value.end < value.start:
            self.error("MC205", f"the range ends ({value.end}) before it starts ({value.start})", value.span)
        return value.start, value.end

    def unit_method(self, spec: ast.UnitsSpec) -> UnitMethod:
        names = {"cms": "total-time", "total-time": "total-time", "per-code": "per-code"}
        method = spec.method.text
        if method not in names:
            self.error(
                "MC206",
                f'unknown unit method "{method}"; expected cms, per-code or total-time',
                spec.method.span,
                self._hint(method, names),
            )
            return CMS
        threshold = int(spec.threshold.value) if spec.threshold is not None else 8  # type: ignore[arg-type]
        unit = int(spec.unit_minutes.value) if spec.unit_minutes is not None else 15  # type: ignore[arg-type]
        if method == "cms" and spec.threshold is not None:
            self.error(
                "MC206",
                'the cms method uses CMS\'s numbers; write "units total-time threshold N" for others',
                spec.span,
            )
        if unit < 1 or not 1 <= threshold <= unit:
            self.error("MC205", f"a threshold must be from 1 to the unit's {unit} minutes", spec.span)
            return CMS
        chosen = UnitMethod(basis=names[method], unit_minutes=unit, threshold=threshold)  # type: ignore[arg-type]
        return PER_CODE if chosen == PER_CODE else CMS if chosen == CMS else chosen

    def declarations(self) -> None:
        first: dict[tuple[str, str], ast.Span] = {}
        region_names: list[str] = []
        aliases: dict[str, str] = {}
        for decl in self.document.declarations:
            if isinstance(decl, ast.CodeDecl):
                if self._twice(first, "code", decl.code.text, decl.code.span):
                    continue
                problem = procedure_code_problem(decl.code.text)
                if problem is not None:
                    self.error("MC209", problem, decl.code.span)
                    continue
                known = DEFAULT_CATALOG.get(decl.code.text)
                description = decl.description or (known.description if known is not None else decl.code.text)
                self.declared[decl.code.text] = CodeInfo(code=decl.code.text, description=description, timed=decl.timed)
        inherited = self.regions
        for decl in self.document.declarations:
            if isinstance(decl, ast.RegionDecl) and not self._twice(first, "region", decl.name.text, decl.name.span):
                name = normalize(decl.name.text)
                if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
                    self.error(
                        "MC206",
                        f'a region name starts with a letter and has letters, digits and "-": "{decl.name.text}"',
                        decl.name.span,
                    )
                elif name in inherited.aliases:
                    self.error(
                        "MC206",
                        f'"{decl.name.text}" already means the region {inherited.aliases[name]} (an alias)',
                        decl.name.span,
                        f"write {inherited.aliases[name]}, or choose another name",
                    )
                else:
                    region_names.append(decl.name.text)
        vocabulary = inherited.extended(names=region_names)
        for decl in self.document.declarations:
            if isinstance(decl, ast.AliasDecl):
                if self._twice(first, "alias", normalize(decl.alias.text), decl.alias.span):
                    continue
                if normalize(decl.alias.text) in vocabulary.names:
                    self.error(
                        "MC206",
                        f'"{decl.alias.text}" is a region name, so it cannot also be an alias',
                        decl.alias.span,
                    )
                    continue
                target = vocabulary.resolve(decl.region.text)
                if target is None:
                    self.error(
                        "MC202",
                        f'unknown region "{decl.region.text}"',
                        decl.region.span,
                        self._hint(decl.region.text, vocabulary.names),
                    )
                    continue
                aliases[decl.alias.text] = target
        self.regions = vocabulary.extended(aliases=aliases)
        for decl in self.document.declarations:
            if isinstance(decl, ast.GroupDecl):
                if self._twice(first, "group", decl.name.text, decl.name.span):
                    continue
                if procedure_code_problem(decl.name.text) is None:
                    self.error("MC206", f'a group needs a name, not a code: "{decl.name.text}"', decl.name.span)
                    continue
                codes = [word.text for word in decl.codes if self.code_word(word)]
                self.groups[decl.name.text] = tuple(codes)
        for decl in self.document.declarations:
            if isinstance(decl, ast.ParamDecl):
                self.param_decl(decl, first)
            elif isinstance(decl, ast.ImportDecl) and decl.kind.text not in ("ptp", "mue"):
                self.error(
                    "MC206",
                    f'unknown table kind "{decl.kind.text}"; expected ptp or mue',
                    decl.kind.span,
                    self._hint(decl.kind.text, ("ptp", "mue")),
                )
        for name, value in self.given.items():
            if name not in self.params:
                continue  # reported by the caller-facing check in compile_document
            param = self.params[name]
            typed = param_value(param.type, value)
            if typed is not None:
                self.params[name] = Param(name, param.type, typed)

    def param_decl(self, decl: ast.ParamDecl, first: dict[tuple[str, str], ast.Span]) -> None:
        name = decl.name.text
        if self._twice(first, "param", name, decl.name.span):
            return
        if self.base is not None and any(param.name == name for param in self.base.params):
            self.error(
                "MC208",
                f"${name} is declared by the base ruleset; give its value when loading (params=...)",
                decl.name.span,
            )
            return
        kind = decl.type.text
        if kind not in PARAM_TYPES:
            self.error(
                "MC206",
                f'unknown parameter type "{kind}"; expected number, money, date or flag',
                decl.type.span,
                self._hint(kind, PARAM_TYPES),
            )
            return
        value = None
        if decl.default is not None:
            raw: object = decl.default.value
            if decl.default.kind == "decimal":
                raw = str(decl.default.value)
            value = param_value(kind, raw)
            if value is None or decl.default.kind == "param":
                self.error("MC205", f"the default of ${name} is not a {kind}", decl.default.span)
        inherited = self.params.get(name)
        if inherited is not None and inherited.type != kind:
            self.error("MC205", f"${name} is a {inherited.type} in the base ruleset, not a {kind}", decl.type.span)
        self.params[name] = Param(name, kind, value if value is not None else (inherited.value if inherited else None))

    def param(self, word: ast.Word | ast.Value, kinds: Sequence[ParamType], what: str) -> object:
        """The value of ``$name`` for a comparison that takes ``kinds``; records unset ones."""
        name = str(word.text if isinstance(word, ast.Word) else word.value)
        param = self.params.get(name)
        if param is None:
            self.error("MC206", f"unknown parameter ${name}", word.span, self._hint(name, self.params))
            return None
        if param.type not in kinds:
            self.error("MC205", f"${name} is a {param.type}; {what} needs a {' or '.join(kinds)}", word.span)
            return None
        if param.value is None:
            self.unset.add(name)
        return param.value

    def _twice(self, first: dict[tuple[str, str], ast.Span], kind: str, name: str, span: ast.Span) -> bool:
        key = (kind, name)
        if key in first:
            self.error("MC208", f'{kind} "{name}" is declared twice (first at line {first[key].line})', span)
            return True
        first[key] = span
        return False

    def code_word(self, word: ast.Word) -> bool:
        """A word that must be a procedure code: check its format and, when the
        ruleset declares codes, that it is declared."""
        problem = procedure_code_problem(word.text)
        if problem is not None:
            self.error(
                "MC201",
                f'"{word.text}" is not a procedure code (five digits, or a capital letter and four digits)',
                word.span,
            )
            return False
        if self.declared and word.text not in self.declared:
            suggestion = suggest_code(word.text, self.declared)
            self.error(
                "MC201",
                f"code {word.text} is not declared in this ruleset",
                word.span,
                f'did you mean "{suggestion}"?' if suggestion else None,
            )
            return False
        return True

    # ---- names in rules
    def codes_of(self, ref: ast.CodeRef) -> frozenset[str] | None:
        known = self.resolved_nodes.get(id(ref))
        if known is not None:
            return known[1]
        names = ref.names
        if len(names) == 1:
            clean = self.clean_names.get(names[0].text)
            if clean is not None:
                self.resolved_nodes[id(ref)] = (ref, clean)
                return clean
        # Keyed by place too: each use of an unknown code is reported, each once. The
        # key is what CodeRef and Span compare (names, any of, the span), as plain values.
        span = ref.span
        key = (
            tuple(name.text for name in ref.names),
            ref.any_of,
            span.line,
            span.column,
            span.end_line,
            span.end_column,
        )
        if key in self.resolved:
            found = self.resolved[key]
        else:
            before = len(self.diagnostics)
            found = self._codes_of(ref)
            self.resolved[key] = found
            if found is not None and len(names) == 1 and len(self.diagnostics) == before:
                self.clean_names[names[0].text] = found
        self.resolved_nodes[id(ref)] = (ref, found)
        return found

    def _codes_of(self, ref: ast.CodeRef) -> frozenset[str] | None:
        codes: set[str] = set()
        ok = True
        for word in ref.names:
            if word.text in self.groups:
                codes.update(self.groups[word.text])
            elif procedure_code_problem(word.text) is None:
                if self.code_word(word):
                    codes.add(word.text)
                else:
                    ok = False
            else:
                candidates = [*self.groups, *self.declared]
                self.error(
                    "MC201", f'unknown code or group "{word.text}"', word.span, self._hint(word.text, candidates)
                )
                ok = False
        return frozenset(codes) if ok else None

    def modifier_words(self, words: Sequence[ast.Word]) -> frozenset[str]:
        found = set()
        for word in words:
            if MODIFIER.fullmatch(word.text):
                found.add(word.text)
            else:
                hint = f'did you mean "{word.text.upper()}"?' if MODIFIER.fullmatch(word.text.upper()) else None
                self.error(
                    "MC209",
                    f'"{word.text}" is not a modifier (two capital letters or digits, e.g. 59, XS, GP)',
                    word.span,
                    hint,
                )
        return frozenset(found)

    def code_selector(self, ref: ast.CodeRef, scope: _Scope, *, positive: bool) -> p.LineSelector:
        """Lines of ``ref``: those its code terms bound; else any such line, which a
        predicate in a positive position binds (so an action can name it)."""
        codes = self.codes_of(ref) or frozenset()
        slots = scope.slots_for(codes)
        bind = scope.add(codes, True) if positive and not slots else None
        return p.LineSelector("code", codes, slots, bind)

    def selector(
        self, target: ast.Word | None, scope: _Scope, *, default: str, positive: bool = False
    ) -> p.LineSelector:
        if target is None:
            return p.LineSelector(default)  # type: ignore[arg-type]
        if target.text in ("either", "both"):
            if not any(positive for _, _, positive in scope.terms):
                self.error("MC207", f'"on {target.text}" needs code terms in the condition', target.span)
            return p.LineSelector(target.text)  # type: ignore[arg-type]
        if self.codes_of(ast.CodeRef((target,), False, target.span)) is None:
            return p.LineSelector("any")
        return self.code_selector(ast.CodeRef((target,), False, target.span), scope, positive=positive)

    # ---- conditions
    def condition(
        self, node: ast.Condition, scope: _Scope, *, positive: bool = True, in_unless: bool = False
    ) -> p.Predicate:
        if type(node) is ast.CodeTerm:  # the commonest node, inline (no subclasses: type() will do)
            text = self.texts.get(id(node))
            if text is None:
                text = self.texts[id(node)] = node.ref.text  # what condition_text gives a code term
            codes = self.codes_of(node.ref) or frozenset()
            # Two terms for the same codes match a pair of lines once, not in both orders
            # (under NOT, only terms of the same negated part count).
            own = self.negated[-1] if self.negated else None
            earlier = None
            for slot, term, _ in scope.terms[own[0] if own else 0 :]:
                if term == codes:
                    earlier = slot
            self.min_bound[id(node)] = 1  # it binds its line
            return p.CodeTermPred(scope.add(codes, positive), codes, text, earlier, own=own)
        before = len(scope.terms)
        predicate = self._condition(node, scope, positive=positive, in_unless=in_unless)
        self.min_bound[id(node)] = self._min_bound(node, scope, before)
        return predicate

    def _min_bound(self, node: ast.Condition, scope: _Scope, before: int) -> int:
        """How many lines ``node`` binds at least, whenever it holds: what SAME and
        DIFFERENT can compare (nothing under NOT; the fewest of the OR branches)."""
        # type() rather than isinstance(): the syntax tree's classes have no subclasses.
        if type(node) is ast.And:
            return sum(self.min_bound[id(item)] for item in node.items)
        if type(node) is ast.Or:
            return min(self.min_bound[id(item)] for item in node.items)
        if type(node) is ast.Paren:
            return self.min_bound[id(node.item)]
        if type(node) is ast.Not:
            return 0
        return len(scope.terms) - before  # a code term, or a line predicate that binds its line

    def _condition(
        self, node: ast.Condition, scope: _Scope, *, positive: bool = True, in_unless: bool = False
    ) -> p.Predicate:
        text = condition_text(node, self.texts)  # (code terms are compiled by condition())
        if isinstance(node, ast.And):
            return self._and(node, scope, text, positive=positive, in_unless=in_unless)
        if isinstance(node, ast.ModifierCond):
            modifiers = self.modifier_words(node.modifiers)
            selector = self.selector(
                node.target, scope, default="target" if in_unless else "any", positive=positive and not in_unless
            )
            return p.ModifierPred(modifiers, selector, text)
        if isinstance(node, ast.Paren):
            return self.condition(node.item, scope, positive=positive, in_unless=in_unless)
        if isinstance(node, ast.Not):
            start = len(scope.terms)  # under NOT only code terms take slots (nothing binds)
            self.negated.append((start, start + _code_terms(node.item)))
            try:
                item = self.condition(node.item, scope, positive=False, in_unless=in_unless)
            finally:
                self.negated.pop()
            return p.Negation(item, text)
        if isinstance(node, ast.Or):
            return p.any_of(
                *(self.condition(item, scope, positive=positive, in_unless=in_unless) for item in node.items), text=text
            )
        if isinstance(node, ast.BilledByOther):
            return p.BilledByOtherPred(
                self.code_selector(node.ref, scope, positive=positive and not in_unless), text, node.other
            )
        if isinstance(node, ast.FieldCond):
            return self.field(node, text)
        if isinstance(node, ast.DiagnosisCond):
            return p.DiagnosisPred(tuple(self.dx(pattern) for pattern in node.patterns), text)
        if isinstance(node, ast.PresentCond):
            return p.PresentPred(node.what, text)
        if isinstance(node, ast.BillableCond):
            return p.BillablePred(text)
        if isinstance(node, ast.DocumentedCond):
            self.doc_word(node.element)
            return p.DocumentedPred(node.element.text, text)
        if isinstance(node, ast.MeasureCond):
            return self.measure(node, scope, text, positive=positive and not in_unless)
        if isinstance(node, ast.ChargesCond):
            return p.ChargesPred(self.op(node.comparison), self.money(node.comparison, "charges"), text)
        if isinstance(node, ast.FlagCond):
            value = self.param(node.name, ("flag",), "a condition")
            return p.ConstPred(bool(value), text)
        assert isinstance(node, ast.VisitsCond)
        what = "months" if node.scope == "months" else "visits"
        return p.VisitsPred(self.op(node.comparison), self.number(node.comparison, what), text, node.scope)

    def _and(self, node: ast.And, scope: _Scope, text: str, *, positive: bool, in_unless: bool) -> p.Predicate:
        """An AND chain: its items, and SAME/DIFFERENT relations over the lines they bind."""
        before = len(scope.terms)
        items = [self.condition(item, scope, positive=positive, in_unless=in_unless) for item in node.items]
        slots = tuple(range(before, len(scope.terms)))
        relations = []
        bound = sum(self.min_bound[id(item)] for item in node.items)
        for relation in node.relations:
            name = f"{'SAME' if relation.same else 'DIFFERENT'} {relation.aspect}"
            if len(slots) < 2:
                self.error("MC211", f"{name} compares the lines of two or more codes joined by AND", relation.span)
            elif bound < 2:
                self.error(
                    "MC211",
                    f"{name} would never hold: codes under NOT, or in only some branches of an OR,"
                    " bind no line to compare",
                    relation.span,
                )
            relations.append(
                p.Relation(
                    relation.same,
                    relation.aspect,
                    slots,
                    f"{'SAME' if relation.same else 'DIFFERENT'} {relation.aspect}",
                )
            )
        return p.all_of(*p.cheap_first(items), relations=relations, text=text)

    @staticmethod
    def op(comparison: ast.Comparison) -> str:
        return {"is": "=", "is not": "!="}.get(comparison.op, comparison.op)

    def doc_word(self, word: ast.Word) -> None:
        if word.text not in _DOC_WORDS:
            self.error(
                "MC206", f'unknown documentation element "{word.text}"', word.span, self._hint(word.text, _DOC_WORDS)
            )

    def number(self, comparison: ast.Comparison, what: str) -> int:
        value = comparison.values[0]
        if comparison.op in ("is", "is not") or len(comparison.values) != 1 or value.kind not in ("number", "param"):
            leading_zero = value.kind == "word" and str(value.value).isdigit()
            hint = f"write {int(str(value.value))}, without leading zeros" if leading_zero else None
            self.error("MC205", f"{what} are compared with a whole number, as in >= 8", comparison.span, hint)
            return 0
        if value.kind == "param":
            found = self.param(value, ("number",), what)
            return found if isinstance(found, int) else 0
        assert isinstance(value.value, int)
        return value.value

    def money(self, comparison: ast.Comparison, what: str) -> Decimal:
        value = comparison.values[0]
        if (
            comparison.op in ("is", "is not")
            or len(comparison.values) != 1
            or value.kind not in ("number", "decimal", "param")
        ):
            self.error("MC205", f"{what} are compared with an amount, as in > 2410.00", comparison.span)
            return Decimal(0)
        if value.kind == "param":
            found = self.param(value, ("money", "number"), what)
            return Decimal(found) if isinstance(found, int | Decimal) and not isinstance(found, bool) else Decimal(0)
        return Decimal(value.value)  # type: ignore[arg-type]

    def field(self, node: ast.FieldCond, text: str) -> p.Predicate:
        fields = _PAYER_FIELDS if node.subject == "payer" else _PROVIDER_FIELDS
        name = node.field.text
        if name not in fields:
            self.error(
                "MC203",
                f'unknown field "{node.subject} {name}"; expected {", ".join(fields)}',
                node.field.span,
                self._hint(name, fields),
            )
            return p.FieldPred(node.subject, name, "is", (), text)
        comparison = node.comparison
        if comparison.op not in ("is", "is not", "=", "!="):
            self.error(
                "MC205",
                f"{node.subject} {name} is compared with is, is not, = or !=, not {comparison.op}",
                comparison.span,
            )
        allowed: tuple[str, ...] | None = None
        if (node.subject, name) == ("payer", "kind"):
            allowed = tuple(k.value for k in PayerKind)
        elif (node.subject, name) == ("payer", "state"):
            allowed = tuple(sorted(US_STATES))
        elif (node.subject, name) == ("provider", "license"):
            allowed = tuple(k.value for k in License)
        values = []
        for value in comparison.values:
            if value.kind not in ("word", "string", "number"):
                self.error("MC205", f"{node.subject} {name} is compared with a name, not a {value.kind}", value.span)
                continue
            shown = str(value.value)
            if allowed is not None and shown not in allowed:
                self.error("MC206", f'unknown {node.subject} {name} "{shown}"', value.span, self._hint(shown, allowed))
            values.append(shown)
        op = "is" if comparison.op == "=" else "is not" if comparison.op == "!=" else comparison.op
        return p.FieldPred(node.subject, name, op, tuple(values), text)

    def dx(self, pattern: ast.DxPattern) -> p.DxPattern:
        words = [pattern.first] + ([pattern.last] if pattern.last is not None else [])
        for word in words:
            if not _DX.fullmatch(word.text):
                hint = "ICD-10-CM codes are written in capitals" if _DX.fullmatch(word.text.upper()) else None
                self.error(
                    "MC209",
                    f'"{word.text}" is not an ICD-10-CM code or pattern (e.g. M54.50, M54.*, M50 to M54.9)',
                    word.span,
                    hint,
                )
        first = pattern.first.text.replace(".", "")
        if pattern.last is not None:
            if first.endswith("*") or pattern.last.text.endswith("*"):
                self.error("MC209", "a range is written between two codes, without *", pattern.span)
            return p.DxPattern("range", first.rstrip("*"), pattern.last.text.replace(".", "").rstrip("*"))
        if first.endswith("*"):
            return p.DxPattern("prefix", first.rstrip("*"))
        return p.DxPattern("exact", first)

    def measure(self, node: ast.MeasureCond, scope: _Scope, text: str, *, positive: bool) -> p.Predicate:
        name = node.measure.text
        allowed = _TOTAL_MEASURES if node.total else _LINE_MEASURES
        if name not in allowed:
            what = "total" if node.total else "line"
            self.error(
                "MC203",
                f'unknown {what} field "{name}"; expected {", ".join(allowed)}',
                node.measure.span,
                self._hint(name, allowed),
            )
            return p.VisitsPred(">=", 0, text)
        comparison = node.comparison
        if node.total:
            total_op = comparison.op if comparison.op not in ("is", "is not") else "="
            codes = self.codes_of(node.of) if node.of is not None else None
            return p.TotalPred(
                "minutes" if name == "minutes" else "units",
                total_op,
                self.number(comparison, f"total {name}"),
                text,
                codes,
            )
        selector: p.LineSelector | None
        if node.of is not None:
            selector = self.code_selector(node.of, scope, positive=positive)
        else:
            selector = None if name == "date" else p.LineSelector("any")
        values: tuple[object, ...]
        op: str
        if name in ("minutes", "units"):
            values = (self.number(comparison, name),)
            op = comparison.op if comparison.op not in ("is", "is not") else "="
        elif name == "date":
            dates = [
                v.value if v.kind == "date" else self.param(v, ("date",), "a date")
                for v in comparison.values
                if v.kind in ("date", "param")
            ]
            dates = [d if d is not None else datetime.date.min for d in dates]
            if len(dates) != len(comparison.values):
                self.error("MC205", "a date is compared with a date (YYYY-MM-DD)", comparison.span)
            op = {"is": "=", "is not": "!="}.get(comparison.op, comparison.op)
            if op in ("=", "!=") and len(dates) > 1:
                op = "is" if op == "=" else "is not"
                values = tuple(dates)
            else:
                values = tuple(dates[:1]) or (datetime.date.min,)
        else:
            op = comparison.op
            if op not in ("is", "is not", "=", "!="):
                self.error("MC205", f"a region is compared with is or is not, not {op}", comparison.span)
            names = []
            for value in comparison.values:
                resolved = self.regions.resolve(str(value.value)) if value.kind in ("word", "string") else None
                if resolved is None:
                    self.error(
                        "MC202",
                        f'unknown region "{value.value}"',
                        value.span,
                        self._hint(str(value.value), [*self.regions.names, *self.regions.aliases]),
                    )
                else:
                    names.append(resolved)
            op = "is" if op in ("is", "=") else "is not"
            values = tuple(names)
        return p.MeasurePred(name, selector, op, values, text)  # type: ignore[arg-type]

    # ---- rules
    def rule(self, rule: ast.Rule, order: int, ids: dict[str, ast.Span]) -> CompiledRule | None:
        if rule.id is not None:
            rule_id = rule.id.text
            if not _RULE_ID.fullmatch(rule_id):
                self.error("MC206", f'rule id "{rule_id}" must be letters, digits, "-", "_" or "."', rule.id.span)
            if rule_id in ids:
                self.error(
                    "MC204", f'rule id "{rule_id}" is used twice (first at line {ids[rule_id].line})', rule.id.span
                )
            ids[rule_id] = rule.id.span
        else:
            rule_id = f"rule-{order + 1}"
            if rule_id in ids:
                self.error(
                    "MC204",
                    f'this rule\'s automatic id "{rule_id}" is already the id of the rule at line {ids[rule_id].line};'
                    " give one of them another id",
                    rule.span,
                )
            ids[rule_id] = rule.span
        scope = _Scope()
        self.unset = set()
        before = len(self.diagnostics)
        condition = self.condition(rule.condition, scope)
        positives = [(slot, codes) for slot, codes, positive in scope.terms if positive]
        action = rule.action
        target, into, requirement = self.action_targets(action, scope, positives)
        unless = self.condition(rule.unless, scope, in_unless=True) if rule.unless is not None else None
        attributes = self.attributes(rule.attributes)
        if len(self.diagnostics) > before:
            return None
        default_severity = "warning" if action.kind == "WARN" else "error"
        triggers, requires = _index_codes(rule.condition, self)
        return CompiledRule(
            id=rule_id,
            order=order,
            title=rule.title,
            action=action.kind,
            condition=condition,
            unless=unless,
            target=target,
            into=into,
            requirement=requirement,
            carc=attributes.get("carc"),
            rarc=attributes.get("rarc"),
            message=attributes.get("message"),
            fix=attributes.get("fix"),
            citation=attributes.get("cite"),
            severity=attributes.get("severity", default_severity),
            effective=attributes.get("effective"),
            slots=len(scope.terms),
            triggers=triggers,
            requires=requires,
            text=rule_line(rule, self.texts),
            source=self.source,
            line=rule.span.line,
            column=rule.span.column,
            skip=("parameter " + ", ".join(f"${name}" for name in sorted(self.unset)) + " is not set")
            if self.unset
            else None,
        )

    def action_targets(
        self, action: ast.Action, scope: _Scope, positives: list[tuple[int, frozenset[str]]]
    ) -> tuple[Target, Target | None, Requirement | None]:
        def named(word: ast.Word) -> Target:
            if word.text == "claim":
                return Target(True)
            codes = self.codes_of(ast.CodeRef((word,), False, word.span))
            if codes is None:
                return Target(True)
            slots = tuple(slot for slot, term in positives if term & codes)
            if not slots:
                self.error(
                    "MC207",
                    f'{action.kind} names {word.text}, which the condition does not require (name a code of the condition, or "claim")',
                    word.span,
                )
            return Target(False, slots, codes)

        default = (
            Target(
                False,
                tuple(slot for slot, _ in positives),
                frozenset().union(*(codes for _, codes in positives)),
                last=len(positives) > 1,
            )
            if positives
            else Target(True)
        )
        if action.kind == "REQUIRE":
            requirement = action.requirement
            assert requirement is not None
            if requirement.kind == "documentation":
                assert requirement.element is not None
                self.doc_word(requirement.element)
                return Target(True), None, Requirement("documentation", element=requirement.element.text)
            if requirement.kind == "modifier":
                modifiers = self.modifier_words(requirement.modifiers)
                selector = self.selector(requirement.target, scope, default="target")
                target = default if requirement.target is None else Target(True)
                return target, None, Requirement("modifier", modifiers=modifiers, selector=selector)
            if requirement.kind == "diagnosis":
                return default, None, Requirement("diagnosis")
            return Target(True), None, Requirement(requirement.kind)
        if action.kind == "BUNDLE":
            if action.target is None or action.target.text == "claim":
                self.error("MC207", "BUNDLE names the code it bundles, e.g. BUNDLE 97010 into 97124", action.span)
                return Target(True), None, None
            into = named(action.into) if action.into is not None else None
            return named(action.target), into, None
        return (named(action.target) if action.target is not None else default), None, None

    def attributes(self, attributes: Sequence[ast.Attribute]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        seen: dict[str, ast.Span] = {}
        for attribute in attributes:
            if attribute.key in seen:
                self.error(
                    "MC208",
                    f'"{attribute.key}" is given twice in this rule (first at line {seen[attribute.key].line})',
                    attribute.span,
                )
                continue
            seen[attribute.key] = attribute.span
            value = attribute.value
            if attribute.key in ("carc", "rarc"):
                assert isinstance(value, ast.Word)
                pattern, example = (_CARC, "97, 151, B7") if attribute.key == "carc" else (_RARC, "M15, N362, MA01")
                if not pattern.fullmatch(value.text):
                    self.error(
                        "MC209", f'"{value.text}" is not a {attribute.key.upper()} code (e.g. {example})', value.span
                    )
                values[attribute.key] = value.text
            elif attribute.key == "severity":
                assert isinstance(value, ast.Word)
                if value.text not in SEVERITIES:
                    self.error(
                        "MC206",
                        f'unknown severity "{value.text}"; expected error, warning or info',
                        value.span,
                        self._hint(value.text, SEVERITIES),
                    )
                values["severity"] = value.text
            elif attribute.key == "effective":
                assert isinstance(value, ast.DateRange)
                values["effective"] = self.date_range(value)
            else:
                values[attribute.key] = value
        return values

    # ---- tests
    def tests(self, rule_ids: Iterable[str]) -> None:
        from massagecodes._model import Claim
        from massagecodes.errors import InputError

        known = set(rule_ids)
        names: dict[str, ast.Span] = {}
        for test in self.document.tests:
            if test.name in names:
                self.error(
                    "MC208", f'test "{test.name}" is given twice (first at line {names[test.name].line})', test.span
                )
            names[test.name] = test.span
            if test.claim is None:
                self.error("MC212", f'test "{test.name}" has no claim', test.span)
            else:
                try:
                    Claim.from_dict(test.claim.value, regions=self.regions)  # type: ignore[arg-type]
                except InputError as error:
                    for problem in error.problems:
                        self.error("MC212", f"the test claim is invalid: {problem}", test.claim.span)
            if test.history is not None:
                history = test.history.value
                if not isinstance(history, list):
                    self.error("MC212", "a test history is a list of claims", test.history.span)
                else:
                    for index, earlier in enumerate(history):
                        try:
                            Claim.from_dict(earlier, regions=self.regions)
                        except InputError as error:
                            for problem in error.problems:
                                self.error("MC212", f"history claim {index} is invalid: {problem}", test.history.span)
            if not test.expectations:
                self.error("MC212", f'test "{test.name}" expects nothing: add "expect ..." lines', test.span)
            for expectation in test.expectations:
                if expectation.rule is not None and expectation.rule.text not in known:
                    self.error(
                        "MC212",
                        f'no rule "{expectation.rule.text}" in this ruleset',
                        expectation.rule.span,
                        self._hint(expectation.rule.text, known),
                    )
                if expectation.outcome is not None and expectation.outcome.text not in OUTCOMES:
                    self.error(
                        "MC206",
                        f'unknown outcome "{expectation.outcome.text}"; expected {", ".join(OUTCOMES)}',
                        expectation.outcome.span,
                        self._hint(expectation.outcome.text, OUTCOMES),
                    )


def _index_codes(node: ast.Condition, compiler: _Compiler) -> tuple[frozenset[str] | None, tuple[frozenset[str], ...]]:
    """What the code index needs of a rule's condition: its triggers (see _triggers),
    and every code set of which the claim must have a code for it to hold."""
    if type(node) is not ast.And:  # no subclasses: type() will do
        single = _triggers(node, compiler)
        return single, ((single,) if single is not None else ())
    options: list[frozenset[str]] = []  # each item's triggers
    required: list[frozenset[str]] = []
    for item in node.items:
        found, item_requires = _index_codes(item, compiler)
        if found is not None:
            options.append(found)
        required.extend(item_requires)
    return (min(options, key=len) if options else None), tuple(dict.fromkeys(required))


def _triggers(node: ast.Condition, compiler: _Compiler) -> frozenset[str] | None:
    """Codes of which the claim must have one for the rule to hold; None if no such set.

    Used to index rules: a claim is only checked against rules it can trigger.
    """
    # type() rather than isinstance(): the syntax tree's classes have no subclasses.
    if type(node) is ast.CodeTerm or type(node) is ast.BilledByOther:
        return compiler.codes_of(node.ref)
    if isinstance(node, ast.MeasureCond) and node.of is not None:
        return compiler.codes_of(node.of)
    if isinstance(node, ast.ModifierCond) and node.target is not None and node.target.text not in ("either", "both"):
        return compiler.codes_of(ast.CodeRef((node.target,), False, node.target.span))
    if isinstance(node, ast.Paren):
        return _triggers(node.item, compiler)
    if isinstance(node, ast.And):
        options = [found for item in node.items if (found := _triggers(item, compiler)) is not None]
        return min(options, key=len) if options else None
    if isinstance(node, ast.Or):
        parts = [_triggers(item, compiler) for item in node.items]
        if any(part is None for part in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def compile_document(
    document: ast.Document,
    *,
    source: str,
    text: str,
    base: Base | None = None,
    params: Mapping[str, object] | None = None,
    unparsed_rule_ids: Iterable[str] = (),
) -> Compiled:
    """Check and compile a parsed document; raise RulesSemanticError listing every problem.

    ``base`` is the compiled ruleset this one ``extends`` (resolved by the caller);
    ``params`` are the caller's values for the ruleset's parameters;
    ``unparsed_rule_ids`` are rules of the text whose blocks did not parse (a test
    may name them without a second error).
    """
    given = dict(params or {})
    compiler = _Compiler(document, source, text, base=base, params=given)
    header = compiler.header()
    extends_item = next((item for item in document.header if item.key == "extends"), None)
    extends: tuple[str, str | None] | None = None
    if extends_item is not None:
        assert isinstance(extends_item.value, ast.Extends)
        spec = extends_item.value.spec
        extends = (extends_item.value.name.text, str(spec.value) if spec is not None else None)
    compiler.declarations()
    _check_given_params(given, compiler.params)
    ids: dict[str, ast.Span] = {}
    own = [compiler.rule(rule, order, ids) for order, rule in enumerate(document.rules)]
    if base is not None:
        for rule in document.rules:
            if rule.id is None:
                compiler.error(
                    "MC213", "a ruleset that extends another gives each rule an id (rule ID ... end)", rule.span
                )
    disabled: dict[str, ast.Span] = {}
    inherited = {rule.id for rule in base.rules} if base is not None else set()
    for statement in document.disables:
        for word in statement.ids:
            if base is None:
                compiler.error("MC213", "disable needs a base ruleset: add extends NAME", word.span)
            elif word.text not in inherited:
                compiler.error(
                    "MC213",
                    f'the base ruleset has no rule "{word.text}" to disable',
                    word.span,
                    compiler._hint(word.text, inherited),
                )
            elif word.text in ids:
                compiler.error("MC213", f'rule "{word.text}" is both disabled and redefined here', word.span)
            disabled[word.text] = word.span
    mine = {rule.id: rule for rule in own if rule is not None}
    merged: list[CompiledRule] = []
    if base is not None:
        merged.extend(mine.pop(rule.id, rule) for rule in base.rules if rule.id not in disabled)
    merged.extend(rule for rule in own if rule is not None and rule.id in mine)
    rules = tuple(rule if rule.order == order else attrs.evolve(rule, order=order) for order, rule in enumerate(merged))
    compiler.tests([*(rule.id for rule in rules), *unparsed_rule_ids])
    if compiler.diagnostics:
        ordered = sorted(compiler.diagnostics, key=lambda d: (d.line, d.column))
        raise RulesSemanticError(ordered)
    imports = tuple(
        (decl.kind.text, str(decl.path.value)) for decl in document.declarations if isinstance(decl, ast.ImportDecl)
    )
    return Compiled(
        header=header,
        rules=rules,
        catalog=DEFAULT_CATALOG.with_codes(compiler.declared.values()),
        declared_codes=tuple(compiler.declared.values()),
        groups=tuple(compiler.groups.items()),
        regions=compiler.regions,
        unit_method=compiler.method,
        params=tuple(compiler.params.values()),
        tests=tuple(_rule_test(test) for test in document.tests),
        extends=extends,
        imports=imports,
        document=document,
        texts=compiler.texts,
    )


def _check_given_params(given: Mapping[str, object], declared: Mapping[str, Param]) -> None:
    """The caller's parameter values must name declared parameters and fit their types."""
    problems = []
    for name, value in given.items():
        param = declared.get(name) if isinstance(name, str) else None
        if param is None:
            known = ", ".join(f"${known}" for known in declared) or "none"
            problems.append(
                Problem(
                    f"params[{name!r}]",
                    f"unknown parameter{did_you_mean(str(name), declared)}; this ruleset has: {known}",
                )
            )
        elif param_value(param.type, value) is None:
            problems.append(Problem(f"params[{name!r}]", f"expected a {param.type} for ${name}"))
    if problems:
        raise InputError(problems, what="parameters")


def _rule_test(test: ast.TestBlock) -> RuleTest:
    """A checked ``test`` block as the engine runs it (the compiler insists on a claim)."""
    claim = test.claim.value if test.claim is not None else {}
    history = test.history.value if test.history is not None else []
    return RuleTest(
        name=test.name,
        line=test.span.line,
        claim=claim,  # type: ignore[arg-type]
        history=history,  # type: ignore[arg-type]
        expectations=tuple(
            Expected(
                kind=item.kind,
                action=item.action,
                rule=item.rule.text if item.rule is not None else None,
                lines=item.lines,
                outcome=item.outcome.text if item.outcome is not None else None,
            )
            for item in test.expectations
        ),
    )
