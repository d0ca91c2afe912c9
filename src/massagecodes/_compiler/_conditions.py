"""Conditions: a rule's condition -> predicate objects of the engine (code terms bound to
slots, relations, measures, modifiers, payer and provider fields, diagnoses, totals,
visits, charges), each name checked against the declarations.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import attrs

from massagecodes._codes import (
    US_STATES,
)
from massagecodes._compiler._declarations import _Declarations
from massagecodes._compiler._state import _code_terms, _Scope
from massagecodes._engine import _predicates as p
from massagecodes._model import DocElement, License, PayerKind, SoapPart
from massagecodes._syntax import _ast as ast
from massagecodes._syntax._printer import condition_text

_DX = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,4})?\*?")
_DOC_WORDS = tuple(sorted({e.value for e in DocElement} | {s.value for s in SoapPart}))
_LINE_MEASURES = ("minutes", "units", "date", "region")
_TOTAL_MEASURES = ("minutes", "units", "rvus")
_PAYER_FIELDS = ("kind", "name", "state")
_PROVIDER_FIELDS = ("license", "npi", "taxonomy")


class _Conditions(_Declarations):
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
            charged_codes: frozenset[str] | None = None
            charged_with: frozenset[str] | None = None
            if node.of is not None or node.modifiers:
                self.needs_language(2, "charges of some codes or modifiers", node.span)
                charged_codes = self.codes_of(node.of) if node.of is not None else None
                charged_with = self.modifier_words(node.modifiers) if node.modifiers else None
            money = self.money(node.comparison, "charges")
            return p.ChargesPred(self.op(node.comparison), money, text, charged_codes, charged_with)
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
        if self.language >= 2 and bound >= 2 and not any(r.aspect == "date" for r in node.relations):
            # Language 2: lines joined by AND are lines of one date of service, unless the
            # rule relates their dates itself (pairs and bundles are edits by date).
            relations_implied = [p.Relation(True, "date", slots, "SAME date (implied)")]
        else:
            relations_implied = []
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
        first = next((slot for slot, _, positive in scope.terms[before:] if positive), None)
        if self.language >= 2 and first is not None:
            # Language 2: visits are counted up to the date of the line the chain binds, and
            # read it after the code terms bind it.
            counted: list[p.Predicate] = [
                attrs.evolve(item, slot=first) for item in items if type(item) is p.VisitsPred
            ]
            items = [item for item in items if type(item) is not p.VisitsPred] + counted
        return p.all_of(*p.cheap_first(items), relations=[*relations_implied, *relations], text=text)

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
            if name == "rvus":
                self.needs_language(2, "total rvus", node.measure.span)
            return p.TotalPred(
                "minutes" if name == "minutes" else "units" if name == "units" else "rvus",
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
