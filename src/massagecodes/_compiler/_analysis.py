"""Static analysis of a compiled ruleset: warnings (codes MC3xx) about rules that are
probably mistakes, though the ruleset compiles.

Each check is conservative: it warns only about what it can prove from the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from massagecodes._codes import DEFAULT_CATALOG, CodeInfo, diagnosis_problem
from massagecodes._syntax import _ast as ast
from massagecodes._syntax import source_lines
from massagecodes._syntax._printer import action_text, attribute_text, condition_text
from massagecodes.errors import Diagnostic


def _warning(
    code: str, message: str, span: ast.Span, source: str, lines: list[str], hint: str | None = None
) -> Diagnostic:
    line_text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    end = span.end_column if span.end_line == span.line else len(line_text) + 1
    return Diagnostic(
        code, message, source, span.line, span.column, max(end, span.column + 1), line_text, "warning", hint
    )


def _and_items(node: ast.Condition) -> list[ast.Condition]:
    """The items of a condition's top AND chain (through parentheses)."""
    if isinstance(node, ast.Paren):
        return _and_items(node.item)
    if isinstance(node, ast.And):
        found: list[ast.Condition] = []
        for item in node.items:
            found.extend(_and_items(item))
        return found
    return [node]


def _code_refs(node: ast.Condition) -> Iterator[ast.CodeRef]:
    if isinstance(node, ast.CodeTerm | ast.BilledByOther):
        yield node.ref
    elif isinstance(node, ast.MeasureCond) and node.of is not None:
        yield node.of
    elif isinstance(node, ast.ModifierCond) and node.target is not None:
        yield ast.CodeRef((node.target,), False, node.target.span)
    elif isinstance(node, ast.Not | ast.Paren):
        yield from _code_refs(node.item)
    elif isinstance(node, ast.And | ast.Or):
        for item in node.items:
            yield from _code_refs(item)


def _params_used(document: ast.Document) -> set[str]:
    found: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, ast.FlagCond):
            found.add(node.name.text)
        elif isinstance(node, ast.Value) and node.kind == "param":
            found.add(str(node.value))
        elif isinstance(node, tuple):
            for item in node:
                visit(item)
        elif hasattr(node, "__attrs_attrs__"):
            for field in node.__attrs_attrs__:
                if field.name != "span":
                    visit(getattr(node, field.name))

    for rule in document.rules:
        visit(rule.condition)
        visit(rule.unless)
    return found


def _never_fires(rule: ast.Rule) -> str | None:
    """Why the rule's condition can never hold, if a contradiction shows in its AND chain."""
    items = _and_items(rule.condition)
    texts = {condition_text(item) for item in items if not isinstance(item, ast.Not)}
    for item in items:
        if isinstance(item, ast.Not) and condition_text(item.item).strip("()") in texts:
            return f"it requires both {condition_text(item.item)} and NOT {condition_text(item.item)}"
    fields: dict[tuple[str, str], set[str]] = {}
    for item in items:
        if isinstance(item, ast.FieldCond) and item.comparison.op in ("is", "="):
            key = (item.subject, item.field.text)
            values = {str(value.value) for value in item.comparison.values}
            if key in fields and not fields[key] & values:
                return f"{item.subject} {item.field.text} cannot be both {' or '.join(sorted(fields[key]))} and {' or '.join(sorted(values))}"
            fields[key] = fields.get(key, values) & values if key in fields else values
    return None


class _Symbols(Protocol):
    @property
    def groups(self) -> tuple[tuple[str, tuple[str, ...]], ...]: ...
    @property
    def declared_codes(self) -> tuple[CodeInfo, ...]: ...


def analyse(document: ast.Document, compiled: _Symbols, *, source: str, text: str) -> list[Diagnostic]:
    """The warnings about a ruleset that compiled (``compiled`` gives its groups and
    declared codes), in line order."""
    lines = source_lines(text)
    warnings: list[Diagnostic] = []

    def warn(code: str, message: str, span: ast.Span, hint: str | None = None) -> None:
        warnings.append(_warning(code, message, span, source, lines, hint))

    # Declared and never used (MC301); used but unknown to the catalog when nothing is declared (MC306).
    used: set[str] = set()
    for rule in document.rules:
        for node in (rule.condition, rule.unless):
            if node is not None:
                for ref in _code_refs(node):
                    used.update(word.text for word in ref.names)
        requirement = rule.action.requirement
        for word in (rule.action.target, rule.action.into, requirement.target if requirement is not None else None):
            if word is not None:
                used.add(word.text)
    groups = dict(compiled.groups)
    used_codes = set(used)
    for name in used:
        used_codes.update(groups.get(name, ()))
    for decl in document.declarations:
        if isinstance(decl, ast.CodeDecl) and decl.code.text not in used_codes:
            warn("MC301", f"code {decl.code.text} is declared but no rule uses it", decl.code.span)
        elif isinstance(decl, ast.GroupDecl) and decl.name.text not in used:
            warn("MC301", f'group "{decl.name.text}" is declared but no rule uses it', decl.name.span)
        elif isinstance(decl, ast.ParamDecl) and decl.name.text not in _params_used(document):
            warn("MC301", f"parameter ${decl.name.text} is declared but no rule uses it", decl.name.span)
    if not compiled.declared_codes:
        seen: set[str] = set()
        for rule in document.rules:
            for node in (rule.condition, rule.unless):
                for ref in _code_refs(node) if node is not None else ():
                    for word in ref.names:
                        if word.text not in groups and word.text not in DEFAULT_CATALOG and word.text not in seen:
                            seen.add(word.text)
                            warn(
                                "MC306",
                                f"code {word.text} is not declared and not in the built-in catalog",
                                word.span,
                                f"declare it: code {word.text} timed|untimed",
                            )

    # Duplicated or contradictory rules (MC302, MC303), rules that cannot fire (MC304),
    # exceptions that cannot apply (MC305).
    by_condition: dict[str, ast.Rule] = {}
    for rule in document.rules:
        name = rule.id.text if rule.id is not None else "this rule"
        key = condition_text(rule.condition)
        effective = next((attribute_text(a) for a in rule.attributes if a.key == "effective"), "")
        earlier = by_condition.get(key + effective)
        if earlier is not None:
            first = earlier.id.text if earlier.id is not None else f"the rule at line {earlier.span.line}"
            same_action = action_text(earlier.action) == action_text(rule.action)
            if same_action:
                warn(
                    "MC302", f"{name} repeats the condition and action of {first} (line {earlier.span.line})", rule.span
                )
            elif earlier.action.target == rule.action.target and {earlier.action.kind, rule.action.kind} <= {
                "DENY",
                "BUNDLE",
                "WARN",
            }:
                warn(
                    "MC303",
                    f"{name} and {first} (line {earlier.span.line}) act differently on the same condition: "
                    f"{action_text(earlier.action)} and {action_text(rule.action)}",
                    rule.span,
                )
        else:
            by_condition[key + effective] = rule
        reason = _never_fires(rule)
        if reason is not None:
            warn("MC304", f"{name} can never fire: {reason}", rule.condition.span)
        if rule.unless is not None:
            negated = {
                condition_text(item.item).strip("()")
                for item in _and_items(rule.condition)
                if isinstance(item, ast.Not)
            }
            if condition_text(rule.unless).strip("()") in negated:
                warn(
                    "MC305",
                    f"the exception of {name} can never apply: the condition requires NOT {condition_text(rule.unless)}",
                    rule.unless.span,
                )
    return sorted(warnings, key=lambda d: (d.line, d.column))


def _dx_patterns(node: object) -> Iterator[ast.DxPattern]:
    if isinstance(node, ast.DxPattern):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from _dx_patterns(item)
    elif hasattr(node, "__attrs_attrs__"):
        for field in node.__attrs_attrs__:
            if field.name != "span":
                yield from _dx_patterns(getattr(node, field.name))


def icd10_warnings(document: ast.Document, *, source: str, text: str) -> list[Diagnostic]:
    """MC307: diagnosis codes and patterns in conditions that ICD-10-CM does not have.

    Needs the icd10 extra (``check --icd10``); a pattern ``M54.*`` is checked by its
    stem ``M54``, and a stem of fewer than three characters (``M5*``) is not checked.
    """
    from massagecodes import icd10

    lines = source_lines(text)
    warnings: list[Diagnostic] = []
    for rule in document.rules:
        for node in (rule.condition, rule.unless):
            for pattern in _dx_patterns(node):
                for word in (pattern.first, pattern.last):
                    if word is None:
                        continue
                    stem = word.text.rstrip("*").rstrip(".").upper()
                    if len(stem) >= 3 and (diagnosis_problem(stem) is not None or not icd10.is_known(stem)):
                        what = "pattern" if word.text.endswith("*") else "code"
                        warnings.append(
                            _warning(
                                "MC307",
                                f"diagnosis {what} {word.text} is not in ICD-10-CM"
                                + (f" (its stem {stem} is not a code or category)" if what == "pattern" else ""),
                                word.span,
                                source,
                                lines,
                            )
                        )
    return warnings
