"""Declarations: the header (name, version, language, dates, units, payers), and what each
name means: declared codes, groups, regions and aliases, parameters, imports, and the
codes and modifiers a rule names.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import Any

import attrs
from packaging.version import InvalidVersion, Version

from massagecodes._codes import (
    DEFAULT_CATALOG,
    MODIFIER,
    US_STATES,
    CodeInfo,
    procedure_code_problem,
    suggest_code,
)
from massagecodes._compiler._state import _CompilerState
from massagecodes._engine import (
    PARAM_TYPES,
    Param,
    ParamType,
    param_value,
)
from massagecodes._model import PayerKind
from massagecodes._regions import normalize
from massagecodes._syntax import _ast as ast
from massagecodes.units import CMS, PER_CODE, UnitMethod


@attrs.frozen
class Header:
    name: str
    version: str | None
    language: int
    title: str | None
    effective: tuple[datetime.date, datetime.date | None] | None
    source_citation: str | None
    payers: tuple[str, ...] = ()  # the payer kinds the ruleset is for (none: any)
    states: tuple[str, ...] = ()  # and the states, where it is a state's law


LANGUAGE_VERSIONS = (1, 2)


class _Declarations(_CompilerState):
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
                version = item.value.value
                self.language = version if isinstance(version, int) and version in LANGUAGE_VERSIONS else 1
            elif item.key in ("title", "source"):
                assert isinstance(item.value, ast.Value)
                values[item.key] = str(item.value.value)
            elif item.key == "effective":
                assert isinstance(item.value, ast.DateRange)
                values["effective"] = self.date_range(item.value)
            elif item.key == "extends":
                pass  # resolved before compiling (see compile_document)
            elif item.key in ("payers", "states"):
                assert isinstance(item.value, tuple)
                values[item.key] = self.applies_to(item.key, item.value, item.span)
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
            payers=values.get("payers", ()),
            states=values.get("states", ()),
        )

    def applies_to(self, key: str, words: tuple[ast.Word, ...], span: ast.Span) -> tuple[str, ...]:
        """``payers commercial, medicare-advantage`` / ``states NY``: checked names, in order."""
        self.needs_language(2, f'"{key}"', span)
        known = [kind.value for kind in PayerKind] if key == "payers" else sorted(US_STATES)
        found = []
        for word in words:
            if word.text not in known:
                what = "payer kind" if key == "payers" else "US state (two capitals)"
                self.error("MC206", f'unknown {what} "{word.text}"', word.span, self._hint(word.text, known))
            elif word.text not in found:
                found.append(word.text)
        return tuple(found)

    def needs_language(self, version: int, what: str, span: ast.Span) -> None:
        """MC216 when a feature of a later language version is used."""
        if self.language < version:
            self.error(
                "MC216",
                f"{what} needs language {version}; this ruleset says language {self.language}",
                span,
                f"write `language {version}` in the header (see docs/language.md for what changes)",
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
            elif isinstance(decl, ast.ImportDecl) and decl.kind.text not in ("ptp", "mue", "rvu"):
                self.error(
                    "MC206",
                    f'unknown table kind "{decl.kind.text}"; expected ptp, mue or rvu',
                    decl.kind.span,
                    self._hint(decl.kind.text, ("ptp", "mue", "rvu")),
                )
            elif isinstance(decl, ast.ImportDecl) and decl.kind.text == "rvu":
                self.needs_language(2, "an RVU table", decl.kind.span)
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
