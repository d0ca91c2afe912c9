"""Syntax tree -> checked, compiled rules: the rules and tests, and the whole pass.

One pass walks the tree with the ruleset's symbol table (declared codes, groups,
regions, unit method): every name is resolved or reported (MC2xx, with "did you
mean"), and every rule becomes a :class:`CompiledRule` holding predicate objects.
All problems in a text are collected and raised together. The compiler class is
assembled here from its parts: state (``_state``), declarations
(``_declarations``), conditions (``_conditions``), and the rules and tests below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from massagecodes._codes import (
    DEFAULT_CATALOG,
    CodeCatalog,
    CodeInfo,
)
from massagecodes._compiler._conditions import _Conditions
from massagecodes._compiler._declarations import Header
from massagecodes._compiler._state import Base, _Scope
from massagecodes._engine import (
    OUTCOMES,
    CompiledRule,
    Expected,
    Param,
    Requirement,
    RuleTest,
    Target,
    param_value,
)
from massagecodes._regions import RegionVocabulary
from massagecodes._syntax import _ast as ast
from massagecodes._syntax._printer import rule_line
from massagecodes._text import did_you_mean
from massagecodes.errors import InputError, Problem, RulesSemanticError
from massagecodes.units import UnitMethod

SEVERITIES = ("error", "warning", "info")
_CARC = re.compile(r"[1-9][0-9]{0,2}|[A-Z][0-9]{1,2}")  # no leading zero: CARC 97, not 097
_RARC = re.compile(r"(M|MA|N)[0-9]{1,3}")
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


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


class _Compiler(_Conditions):
    """The whole compiler: declarations, conditions, rules and tests."""

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
            if requirement.kind == "valid-authorization":
                self.needs_language(2, "REQUIRE valid authorization", requirement.span or action.span)
            # Language 2: a referral is dated on or before the lines it orders.
            dated = requirement.kind == "referral" and self.language >= 2
            return Target(True), None, Requirement(requirement.kind, dated=dated)
        if action.kind == "REDUCE":
            self.needs_language(2, "REDUCE", action.span)
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
