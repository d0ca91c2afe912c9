"""Syntax tree -> canonical text: the formatter (``format_rules``), and the texts of
conditions, actions and attributes that messages and explanations quote."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

from massagecodes._syntax import _ast as ast
from massagecodes._syntax._parser import parse
from massagecodes._syntax._source import split_comment
from massagecodes._syntax._syntax_errors import keyword_names
from massagecodes._text import describe
from massagecodes.errors import InputError, Problem


def string(value: str) -> str:
    """A quoted string literal, escaped as the grammar reads it."""
    return json.dumps(value, ensure_ascii=False)


def value_text(value: ast.Value) -> str:
    if value.kind == "string":
        return string(str(value.value))
    if value.kind == "param":
        return f"${value.value}"
    if isinstance(value.value, datetime.date):
        return value.value.isoformat()
    if isinstance(value.value, Decimal):
        return format(value.value, "f")  # never an exponent, which the grammar does not read
    return str(value.value)


def comparison_text(comparison: ast.Comparison) -> str:
    if comparison.op in ("is", "is not"):
        return f"{comparison.op} " + " or ".join(value_text(v) for v in comparison.values)
    return f"{comparison.op} {value_text(comparison.values[0])}"


def ref_text(ref: ast.CodeRef) -> str:
    return ref.text


def condition_text(node: ast.Condition, memo: dict[int, str] | None = None) -> str:
    """The canonical text of a condition. ``memo`` (by node identity) lets a caller that
    prints every sub-condition of a large file do so once per node."""
    if memo is None:
        return _condition_text(node, {})
    found = memo.get(id(node))
    if found is None:
        found = memo[id(node)] = _condition_text(node, memo)
    return found


def _condition_text(node: ast.Condition, memo: dict[int, str]) -> str:
    if isinstance(node, ast.CodeTerm):
        return ref_text(node.ref)
    if type(node) is ast.And:  # the most common after code terms (no subclasses: type() will do)
        return _and_text(node, memo)
    if isinstance(node, ast.BilledByOther):
        who = " by another provider" if node.other else ""
        return f"{ref_text(node.ref)} billed{who} on the same day"
    if isinstance(node, ast.ModifierCond):
        text = "modifier " + " or ".join(word.text for word in node.modifiers)
        return text + (f" on {node.target.text}" if node.target is not None else "")
    if isinstance(node, ast.FieldCond):
        return f"{node.subject} {node.field.text} {comparison_text(node.comparison)}"
    if isinstance(node, ast.DiagnosisCond):
        parts = [p.first.text + (f" to {p.last.text}" if p.last is not None else "") for p in node.patterns]
        return "diagnosis " + " or ".join(parts)
    if isinstance(node, ast.PresentCond):
        return node.what
    if isinstance(node, ast.BillableCond):
        return "diagnoses are billable"
    if isinstance(node, ast.DocumentedCond):
        return f"documented {node.element.text}"
    if isinstance(node, ast.MeasureCond):
        measure = f"total {node.measure.text}" if node.total else node.measure.text
        if node.of is not None:
            measure += f" of {ref_text(node.of)}"
        return f"{measure} {comparison_text(node.comparison)}"
    if isinstance(node, ast.VisitsCond):
        measure = {"year": "visits this year", "all": "visits", "months": "months since first visit"}[node.scope]
        return f"{measure} {comparison_text(node.comparison)}"
    if isinstance(node, ast.ChargesCond):
        text = "charges this year"
        if node.of is not None:
            text += f" of {ref_text(node.of)}"
        if node.modifiers:
            text += " with modifier " + " or ".join(word.text for word in node.modifiers)
        return f"{text} {comparison_text(node.comparison)}"
    if isinstance(node, ast.FlagCond):
        return f"${node.name.text}"
    if isinstance(node, ast.Not):
        return f"NOT {condition_text(node.item, memo)}"
    if isinstance(node, ast.Paren):
        return f"({condition_text(node.item, memo)})"
    if isinstance(node, ast.Or):
        return " OR ".join(condition_text(item, memo) for item in node.items)
    return _and_text(node, memo)


def _and_text(node: ast.And, memo: dict[int, str]) -> str:
    relations = " ".join(relation_text(r) for r in node.relations)
    joined = " AND ".join(condition_text(item, memo) for item in node.items)
    return f"{joined} {relations}" if relations else joined


def relation_text(relation: ast.Relation) -> str:
    return f"{'SAME' if relation.same else 'DIFFERENT'} {relation.aspect}"


def action_text(action: ast.Action) -> str:
    if action.kind == "REQUIRE":
        requirement = action.requirement
        assert requirement is not None
        if requirement.kind == "documentation":
            assert requirement.element is not None
            return f"REQUIRE documentation {requirement.element.text}"
        if requirement.kind == "modifier":
            text = "REQUIRE modifier " + " or ".join(word.text for word in requirement.modifiers)
            return text + (f" on {requirement.target.text}" if requirement.target is not None else "")
        if requirement.kind == "valid-authorization":
            return "REQUIRE valid authorization"
        return f"REQUIRE {requirement.kind}"
    text = action.kind
    if action.target is not None:
        text += f" {action.target.text}"
    if action.into is not None:
        text += f" into {action.into.text}"
    return text


def rule_line(rule: ast.Rule, memo: dict[int, str] | None = None) -> str:
    """The rule's one line: ``condition -> action [unless condition]``."""
    text = f"{condition_text(rule.condition, memo)} -> {action_text(rule.action)}"
    if rule.unless is not None:
        text += f" unless {condition_text(rule.unless, memo)}"
    return text


def _range_text(value: ast.DateRange) -> str:
    if value.end is None:
        return f"from {value.start.isoformat()}"
    return f"{value.start.isoformat()} to {value.end.isoformat()}"


def header_text(item: ast.HeaderItem) -> str:
    value = item.value
    if isinstance(value, ast.Extends):
        spec = f" {value_text(value.spec)}" if value.spec is not None else ""
        return f"extends {value.name.text}{spec}"
    if isinstance(value, ast.DateRange):
        return f"{item.key} {_range_text(value)}"
    if isinstance(value, ast.UnitsSpec):
        text = f"units {value.method.text}"
        if value.threshold is not None:
            text += f" threshold {value.threshold.value}"
            if value.unit_minutes is not None:
                text += f" of {value.unit_minutes.value}"
        return text
    if isinstance(value, ast.Word):
        return f"{item.key} {value.text}"
    if isinstance(value, tuple):  # payers, states
        return f"{item.key} " + ", ".join(word.text for word in value)
    return f"{item.key} {value_text(value)}"


def declaration_text(decl: ast.Declaration) -> str:
    if isinstance(decl, ast.CodeDecl):
        text = f"code {decl.code.text} {'timed' if decl.timed else 'untimed'}"
        return text + (f" {string(decl.description)}" if decl.description is not None else "")
    if isinstance(decl, ast.GroupDecl):
        return f"group {decl.name.text} = " + ", ".join(word.text for word in decl.codes)
    if isinstance(decl, ast.RegionDecl):
        return f"region {decl.name.text}"
    if isinstance(decl, ast.ParamDecl):
        default = f" = {value_text(decl.default)}" if decl.default is not None else ""
        return f"param ${decl.name.text} {decl.type.text}{default}"
    if isinstance(decl, ast.ImportDecl):
        return f"import {decl.kind.text} {value_text(decl.path)}"
    alias = decl.alias.text
    alias_text = (
        alias if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", alias) and alias not in keyword_names() else string(alias)
    )
    return f"alias {alias_text} = {decl.region.text}"


def attribute_text(attribute: ast.Attribute) -> str:
    value = attribute.value
    if isinstance(value, ast.DateRange):
        return f"{attribute.key} {_range_text(value)}"
    if isinstance(value, ast.Word):
        return f"{attribute.key} {value.text}"
    return f"{attribute.key} {string(value)}"


def rule_text(rule: ast.Rule, memo: dict[int, str] | None = None) -> str:
    if rule.id is None and not rule.attributes and rule.title is None:
        return rule_line(rule, memo)
    head = "rule " + (rule.id.text if rule.id is not None else "")
    if rule.title is not None:
        head += f" {string(rule.title)}"
    body = [f"  {rule_line(rule, memo)}", *(f"  {attribute_text(a)}" for a in rule.attributes)]
    return "\n".join([head, *body, "end"])


def _inline(value: object) -> str:
    """JSON as the grammar reads it: a fraction or exponent always has its dot (1.0e+22)."""
    if isinstance(value, float):
        text = repr(value)
        if "." not in text:
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}.0" + (f"e{exponent}" if exponent else "")
        return text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{string(str(key))}: {_inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _object_text(value: dict[str, object], indent: str) -> str:
    """An object one key a line; a list of objects in it (the lines) one object a line."""
    inner = indent + "  "
    entries = []
    for key, item in value.items():
        if isinstance(item, list) and item and all(isinstance(element, dict) for element in item):
            rows = ",\n".join(f"{inner}  {_inline(element)}" for element in item)
            entries.append(f"{inner}{_inline(key)}: [\n{rows}\n{inner}]")
        else:
            entries.append(f"{inner}{_inline(key)}: {_inline(item)}")
    return "{\n" + ",\n".join(entries) + "\n" + indent + "}"


def _json_text(value: object) -> str:
    """A test claim (or history) as the formatter writes it."""
    if isinstance(value, dict) and value:
        return _object_text(value, "  ")
    if isinstance(value, list) and value and all(isinstance(item, dict) and item for item in value):
        return "[\n" + ",\n".join(f"    {_object_text(item, '    ')}" for item in value) + "\n  ]"
    return _inline(value)


def test_text(test: ast.TestBlock) -> str:
    lines = [f"test {string(test.name)}"]
    if test.claim is not None:
        lines.append(f"  claim {_json_text(test.claim.value)}")
    if test.history is not None:
        lines.append(f"  history {_json_text(test.history.value)}")
    for expectation in test.expectations:
        if expectation.kind == "none":
            lines.append("  expect no findings")
        elif expectation.kind == "outcome":
            assert expectation.outcome is not None
            lines.append(f"  expect outcome {expectation.outcome.text}")
        else:
            assert expectation.rule is not None
            text = f"  expect {expectation.action} {expectation.rule.text}"
            if expectation.lines is not None:
                numbers = ", ".join(str(n) for n in expectation.lines)
                text += f" on {'line' if len(expectation.lines) == 1 else 'lines'} {numbers}"
            lines.append(text)
    lines.append("end")
    return "\n".join(lines)


def format_document(
    document: ast.Document,
    comments: dict[int, list[str]] | None = None,
    trailing: list[str] | None = None,
    *,
    memo: dict[int, str] | None = None,
) -> str:
    """The canonical text of a document.

    Comments are not part of the tree: ``comments`` maps ``id(item)`` of a top-level
    item to the comment lines written before it, and ``trailing`` holds the comments
    after the last item (see :func:`format_text`). Without them the text has none,
    which is the form the content hash is computed on. ``memo`` holds condition texts
    already printed for this document's nodes (see :func:`condition_text`).
    """
    notes = comments or {}

    def with_notes(item: object, text: str) -> str:
        return "\n".join([*notes.get(id(item), []), text])

    sections: list[str] = []
    header = document.header  # the parser keeps it in the canonical order
    if header:
        sections.append("\n".join(with_notes(item, header_text(item)) for item in header))
    if document.declarations:
        sections.append("\n".join(with_notes(decl, declaration_text(decl)) for decl in document.declarations))
    if document.disables:
        sections.append(
            "\n".join(with_notes(d, "disable " + ", ".join(w.text for w in d.ids)) for d in document.disables)
        )
    sections.extend(with_notes(rule, rule_text(rule, memo)) for rule in document.rules)
    sections.extend(with_notes(test, test_text(test)) for test in document.tests)
    if trailing:
        sections.append("\n".join(trailing))
    return "\n\n".join(sections) + "\n" if sections else ""


def _comment_lines(text: str) -> list[tuple[int, str]]:
    """Every comment in the text: (line, the comment from its #), strings respected."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        comment = split_comment(line)[1]
        if comment is not None:
            found.append((number, comment.rstrip()))
    return found


def format_text(text: str, document: ast.Document) -> str:
    """The canonical text of ``text`` (already parsed as ``document``), comments kept.

    A comment is written on its own line before the top-level item it precedes (a
    comment at the end of an item's line, or inside a rule or test block, goes before
    that item); comments after the last item stay at the end.
    """
    items: list[object] = [
        *document.header,
        *document.declarations,
        *document.disables,
        *document.rules,
        *document.tests,
    ]
    starts = sorted(((item.span.line, item.span.end_line, id(item)) for item in items), key=lambda entry: entry[0])  # type: ignore[attr-defined]
    comments: dict[int, list[str]] = {}
    trailing: list[str] = []
    for line, comment in _comment_lines(text):
        owner = next((key for start, end, key in starts if line <= end), None)
        if owner is None:
            trailing.append(comment)
        else:
            comments.setdefault(owner, []).append(comment)
    return format_document(document, comments, trailing)


def format_rules(text: str, *, source: str = "<rules>") -> str:
    """The canonical text of ``.rules`` text: one style, comments kept, idempotent.

    ``parse(format_rules(x))`` gives the same rules as ``parse(x)``. Raises
    :class:`~massagecodes.errors.RulesSyntaxError` when the text does not parse.
    """
    if not isinstance(text, str):
        raise InputError([Problem("text", f"expected the rules as a str, got {describe(text)}")], what="argument")
    return format_text(text, parse(text, source=source))
