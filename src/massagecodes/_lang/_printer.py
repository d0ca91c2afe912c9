"""Syntax tree -> canonical text, for messages, explanations and (later) the formatter."""

from __future__ import annotations

import datetime
import json

from massagecodes._lang import _ast as ast


def string(value: str) -> str:
    """A quoted string literal, escaped as the grammar reads it."""
    return json.dumps(value, ensure_ascii=False)


def value_text(value: ast.Value) -> str:
    if value.kind == "string":
        return string(str(value.value))
    if isinstance(value.value, datetime.date):
        return value.value.isoformat()
    return str(value.value)


def comparison_text(comparison: ast.Comparison) -> str:
    if comparison.op in ("is", "is not"):
        return f"{comparison.op} " + " or ".join(value_text(v) for v in comparison.values)
    return f"{comparison.op} {value_text(comparison.values[0])}"


def ref_text(ref: ast.CodeRef) -> str:
    return ref.text


def condition_text(node: ast.Condition) -> str:
    if isinstance(node, ast.CodeTerm):
        return ref_text(node.ref)
    if isinstance(node, ast.BilledByOther):
        return f"{ref_text(node.ref)} billed by another provider on the same day"
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
    if isinstance(node, ast.DocumentedCond):
        return f"documented {node.element.text}"
    if isinstance(node, ast.MeasureCond):
        measure = f"total {node.measure.text}" if node.total else node.measure.text
        if node.of is not None:
            measure += f" of {ref_text(node.of)}"
        return f"{measure} {comparison_text(node.comparison)}"
    if isinstance(node, ast.VisitsCond):
        return f"visits this year {comparison_text(node.comparison)}"
    if isinstance(node, ast.Not):
        return f"NOT {condition_text(node.item)}"
    if isinstance(node, ast.Paren):
        return f"({condition_text(node.item)})"
    if isinstance(node, ast.Or):
        return " OR ".join(condition_text(item) for item in node.items)
    relations = " ".join(relation_text(r) for r in node.relations)
    joined = " AND ".join(condition_text(item) for item in node.items)
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
        return f"REQUIRE {requirement.kind}"
    text = action.kind
    if action.target is not None:
        text += f" {action.target.text}"
    if action.into is not None:
        text += f" into {action.into.text}"
    return text


def rule_line(rule: ast.Rule) -> str:
    """The rule's one line: ``condition -> action [unless condition]``."""
    text = f"{condition_text(rule.condition)} -> {action_text(rule.action)}"
    if rule.unless is not None:
        text += f" unless {condition_text(rule.unless)}"
    return text
