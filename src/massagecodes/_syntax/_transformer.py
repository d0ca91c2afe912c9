"""Parse tree -> syntax tree: one method per grammar rule builds a frozen AST node
with its source span; strings, numbers and dates are checked as they are read.

lark's parser and the fast table driver share the one transformer (it keeps no state).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
from lark import Token, Transformer

from massagecodes._syntax import _ast as ast


class _BadStringError(Exception):
    def __init__(self, token: Token, reason: str, code: str = "MC110") -> None:
        super().__init__(reason)
        self.token = token
        self.reason = reason
        self.code = code


def _span_of(item: Any) -> ast.Span:
    if isinstance(item, Token):
        line, column, end_line, end_column = item.line, item.column, item.end_line, item.end_column
        if line and column and end_line and end_column:  # always, for the tokens of a text
            return _Span(line, column, end_line, end_column)
        return _Span(
            line or 1,
            column or 1,
            end_line or line or 1,
            end_column or (column or 1) + len(item),
        )
    return item.span  # type: ignore[no-any-return]


_Span = ast.Span


def _positioned(child: Any, backwards: bool) -> ast.Span | Token | None:
    """The first (or last) positioned piece of a transformed child: a token, or the
    span of a node; inside tuples and lists, the first (last) that has one."""
    if child is None:
        return None
    if isinstance(child, Token):
        return child
    if isinstance(child, tuple | list):
        for item in reversed(child) if backwards else child:
            found = _positioned(item, backwards)
            if found is not None:
                return found
        return None
    found = getattr(child, "span", None)
    return found if isinstance(found, ast.Span) else None


def _span(children: list[Any]) -> ast.Span:
    """The span from the first to the last positioned child (tokens and nodes carry
    their positions, so the parser needs no position tracking of its own)."""
    if children:
        # The common cases first: a rule that starts and ends with a token or a node.
        head: Any = children[0]
        tail: Any = children[-1]
        kind = type(head)
        if kind is Token:
            line, column = head.line, head.column
        elif kind in _SPANNED and type(found := head.span) is _Span:
            if len(children) == 1:
                return found  # one node: its span (spans are immutable values)
            line, column = found.line, found.column
        else:
            line = column = 0
        kind = type(tail)
        if kind is Token:
            end_line, end_column = tail.end_line, tail.end_column
        elif kind in _SPANNED and type(found := tail.span) is _Span:
            end_line, end_column = found.end_line, found.end_column
        else:
            end_line = end_column = 0
        if line and column and end_line and end_column:  # always, for the tokens of a text
            return _Span(line, column, end_line, end_column)
    first = children[0] if children else None
    if len(children) == 1 and not isinstance(first, Token | tuple | list) and first is not None:
        found = getattr(first, "span", None)
        if isinstance(found, ast.Span):
            return found  # one node: its span (spans are immutable values)
    if not isinstance(first, Token):
        first = _positioned(children, False)
        assert first is not None, "every rule has a token"
    last = children[-1]
    if not isinstance(last, Token):
        last = _positioned(children, True)
        assert last is not None
    if isinstance(first, Token) and not (first.line and first.column):  # pragma: no cover - lexed tokens have both
        first = _span_of(first)
    if isinstance(last, Token) and not (last.end_line and last.end_column):  # pragma: no cover - as above
        last = _span_of(last)
    return _Span(first.line, first.column, last.end_line, last.end_column)  # type: ignore[arg-type]


@attrs.frozen
class _Json:
    """A JSON value in a test block, with its span while it is being built."""

    value: object
    span: ast.Span


# The node types whose ``span`` is their position (every AST node, and _Json): _span
# reads it directly.
_SPANNED = frozenset(
    kind
    for kind in (*vars(ast).values(), _Json)
    if isinstance(kind, type) and attrs.has(kind) and "span" in attrs.fields_dict(kind)
)


def _json(item: Any) -> object:
    return item.value if isinstance(item, _Json) else item


def _word(token: Token) -> ast.Word:
    line, column, end_line, end_column = token.line, token.column, token.end_line, token.end_column
    if line and column and end_line and end_column:  # always, for the tokens of a text
        return _Word(token.value, _Span(line, column, end_line, end_column))
    return _Word(str(token), _span_of(token))  # pragma: no cover


_Word = ast.Word


_JSON_STRING = json.JSONDecoder(strict=False)


def _string(token: Token) -> str:
    text = str(token)
    if "\\" not in text:  # no escape: the text between the quotes (the grammar admits no quote or newline there)
        value = text[1:-1]
        if not _SURROGATE.search(value):
            return value
    try:
        value = _JSON_STRING.decode(text)
    except json.JSONDecodeError:
        raise _BadStringError(
            token, 'this string has an escape that is not one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'
        ) from None
    assert isinstance(value, str)
    if _SURROGATE.search(value):
        raise _BadStringError(
            token, "this string has a \\u escape of a lone surrogate (\\ud800-\\udfff), which is not a character"
        )
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_NUMBER_DIGITS = 15


def _int(token: Token) -> int:
    text = str(token)
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadStringError(token, f"this number is too large (at most {MAX_NUMBER_DIGITS} digits)", "MC111")
    return int(text)


def _date(token: Token) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(token))
    except ValueError:
        raise _BadStringError(token, f'"{token}" is not a calendar date') from None


def _tokens(children: list[Any], *types: str) -> list[Token]:
    return [child for child in children if isinstance(child, Token) and child.type in types]


def _nodes(children: list[Any]) -> list[Any]:
    return [child for child in children if child is not None and not isinstance(child, Token)]


_HEADER_KEYS = (
    "ruleset",
    "version",
    "language",
    "title",
    "effective",
    "source",
    "payers",
    "states",
    "extends",
    "units",
)


def _passthrough(method: Callable[[Any, list[Any]], Any]) -> Callable[[Any, list[Any]], Any]:
    """Marks a transformer method that returns its only child when it has one: the
    fast driver then reduces a one-child rule to that child without the call."""
    method.passthrough = True  # type: ignore[attr-defined]
    return method


class _ToAst(Transformer[Token, Any]):
    """One method per grammar rule; each returns an AST node (or a small tuple)."""

    # ---- header
    def ruleset_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("ruleset", _word(c[1]), _span(c))

    def version_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("version", _word(c[1]), _span(c))

    def language_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("language", ast.Value("number", _int(c[1]), _span_of(c[1])), _span(c))

    def title_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("title", ast.Value("string", _string(c[1]), _span_of(c[1])), _span(c))

    def source_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("source", ast.Value("string", _string(c[1]), _span_of(c[1])), _span(c))

    def effective_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("effective", c[1], _span(c))

    def date_between(self, c: list[Any]) -> ast.DateRange:
        return ast.DateRange(_date(c[0]), _date(c[2]), _span(c))

    def date_from(self, c: list[Any]) -> ast.DateRange:
        return ast.DateRange(_date(c[1]), None, _span(c))

    def units_stmt(self, c: list[Any]) -> ast.HeaderItem:
        numbers = _tokens(c, "NUMBER")
        threshold = ast.Value("number", _int(numbers[0]), _span_of(numbers[0])) if numbers else None
        unit = ast.Value("number", _int(numbers[1]), _span_of(numbers[1])) if len(numbers) > 1 else None
        spec = ast.UnitsSpec(_word(c[1]), threshold, unit, _span(c))
        return ast.HeaderItem("units", spec, _span(c))

    # ---- composition, settings, tables
    def payers_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("payers", tuple(_word(w) for w in _tokens(c, "WORD")), _span(c))

    def states_stmt(self, c: list[Any]) -> ast.HeaderItem:
        return ast.HeaderItem("states", tuple(_word(w) for w in _tokens(c, "WORD")), _span(c))

    def extends_stmt(self, c: list[Any]) -> ast.HeaderItem:
        spec = ast.Value("string", _string(c[2]), _span_of(c[2])) if c[2] is not None else None
        return ast.HeaderItem("extends", ast.Extends(_word(c[1]), spec, _span(c)), _span(c))

    def disable_stmt(self, c: list[Any]) -> ast.DisableStmt:
        return ast.DisableStmt(tuple(_word(w) for w in _tokens(c, "WORD")), _span(c))

    def param_decl(self, c: list[Any]) -> ast.ParamDecl:
        name = ast.Word(str(c[1])[1:], _span_of(c[1]))
        default = c[4] if len(c) > 4 else None
        return ast.ParamDecl(name, _word(c[2]), default, _span(c))

    def import_stmt(self, c: list[Any]) -> ast.ImportDecl:
        return ast.ImportDecl(_word(c[1]), ast.Value("string", _string(c[2]), _span_of(c[2])), _span(c))

    # ---- declarations
    def code_decl(self, c: list[Any]) -> ast.CodeDecl:
        description = _string(c[3]) if c[3] is not None else None
        return ast.CodeDecl(_word(c[1]), str(c[2]) == "timed", description, _span(c))

    def timing(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def group_decl(self, c: list[Any]) -> ast.GroupDecl:
        words = _tokens(c, "WORD")
        return ast.GroupDecl(_word(words[0]), tuple(_word(w) for w in words[1:]), _span(c))

    def region_decl(self, c: list[Any]) -> ast.RegionDecl:
        return ast.RegionDecl(_word(c[1]), _span(c))

    def alias_decl(self, c: list[Any]) -> ast.AliasDecl:
        alias = c[1]
        alias_word = ast.Word(_string(alias), _span_of(alias)) if alias.type == "STRING" else _word(alias)
        return ast.AliasDecl(alias_word, _word(c[3]), _span(c))

    # ---- rules
    def rule_core(self, c: list[Any]) -> tuple[Any, ...]:
        condition, action = c[0], c[2]
        unless = c[4] if len(c) > 4 else None
        return condition, action, unless

    def bare_rule(self, c: list[Any]) -> ast.Rule:
        condition, action, unless = c[0]
        return ast.Rule(None, None, condition, action, unless, (), _span(c))

    def rule_block(self, c: list[Any]) -> ast.Rule:
        rule_id = _word(c[1])
        title = _string(c[2]) if c[2] is not None else None
        core = next(child for child in c if isinstance(child, tuple))
        attributes = tuple(child for child in c if isinstance(child, ast.Attribute))
        condition, action, unless = core
        return ast.Rule(rule_id, title, condition, action, unless, attributes, _span(c))

    def _attribute(self, key: str, c: list[Any], value: Any) -> ast.Attribute:
        return ast.Attribute(key, value, _span(c))  # type: ignore[arg-type]

    def carc_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("carc", c, _word(c[1]))

    def rarc_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("rarc", c, _word(c[1]))

    def message_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("message", c, _string(c[1]))

    def fix_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("fix", c, _string(c[1]))

    def cite_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("cite", c, _string(c[1]))

    def severity_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("severity", c, _word(c[1]))

    def effective_attr(self, c: list[Any]) -> ast.Attribute:
        return self._attribute("effective", c, c[1])

    # ---- actions
    def deny_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("DENY", _word(c[1]) if c[1] is not None else None, None, None, _span(c))

    def warn_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("WARN", _word(c[1]) if c[1] is not None else None, None, None, _span(c))

    def bundle_action(self, c: list[Any]) -> ast.Action:
        target = _word(c[1]) if c[1] is not None else None
        into = _word(c[3]) if len(c) > 3 and c[3] is not None else None
        return ast.Action("BUNDLE", target, into, None, _span(c))

    def reduce_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("REDUCE", _word(c[1]) if c[1] is not None else None, None, None, _span(c))

    def require_action(self, c: list[Any]) -> ast.Action:
        return ast.Action("REQUIRE", None, None, c[1], _span(c))

    def require_referral(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("referral", span=_span(c))

    def require_diagnosis(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("diagnosis", span=_span(c))

    def require_authorization(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("authorization", span=_span(c))

    def require_valid_authorization(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("valid-authorization", span=_span(c))

    def require_documentation(self, c: list[Any]) -> ast.Requirement:
        return ast.Requirement("documentation", element=_word(c[1]), span=_span(c))

    def require_modifier(self, c: list[Any]) -> ast.Requirement:
        target = c[3] if c[3] is not None else None
        return ast.Requirement("modifier", modifiers=c[1], target=target, span=_span(c))

    # ---- conditions
    # condition and chain_item return their one child when they have only one (the
    # common case: no OR, no relation), so the fast driver reduces them without
    # calling them (see _passthrough). and_cond cannot: its one child may be a
    # chain item with relations, (condition, relations), which makes an And.

    @_passthrough
    def condition(self, c: list[Any]) -> ast.Condition:
        if len(c) == 1:
            return c[0]  # type: ignore[no-any-return]
        items = tuple(_nodes(c))
        return items[0] if len(items) == 1 else ast.Or(items, _span(c))

    def and_cond(self, c: list[Any]) -> ast.Condition:
        if len(c) == 1:
            item = c[0]
            if not isinstance(item, tuple):  # one item, no relation
                return item  # type: ignore[no-any-return]
            return ast.And((item[0],), item[1], _span(c))
        items: list[ast.Condition] = []
        relations: list[ast.Relation] = []
        for item in _nodes(c):
            if isinstance(item, tuple):
                items.append(item[0])
                relations.extend(item[1])
            else:
                items.append(item)
        return ast.And(tuple(items), tuple(relations), _span(c))

    @_passthrough
    def chain_item(self, c: list[Any]) -> ast.Condition | tuple[ast.Condition, tuple[ast.Relation, ...]]:
        """One item of an AND chain: the condition alone, or (condition, relations)."""
        if len(c) == 1:
            return c[0]  # type: ignore[no-any-return]
        nodes = _nodes(c)
        return nodes[0], tuple(nodes[1:])

    def not_atom(self, c: list[Any]) -> ast.Not:
        return ast.Not(c[1], _span(c))

    def same(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(True, str(c[1]), _span(c))  # type: ignore[arg-type]

    def different(self, c: list[Any]) -> ast.Relation:
        return ast.Relation(False, str(c[1]), _span(c))  # type: ignore[arg-type]

    def aspect(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def group_atom(self, c: list[Any]) -> ast.Paren:
        return ast.Paren(c[1], _span(c))

    def code_atom(self, c: list[Any]) -> ast.CodeTerm:
        return ast.CodeTerm(c[0], _span(c))

    def billed_by_other(self, c: list[Any]) -> ast.BilledByOther:
        return ast.BilledByOther(c[0], _span(c))

    def billed_same_day(self, c: list[Any]) -> ast.BilledByOther:
        return ast.BilledByOther(c[0], _span(c), other=False)

    def all_visits_atom(self, c: list[Any]) -> ast.VisitsCond:
        return ast.VisitsCond(c[1], _span(c), scope="all")

    def months_atom(self, c: list[Any]) -> ast.VisitsCond:
        return ast.VisitsCond(c[4], _span(c), scope="months")

    def charges_atom(self, c: list[Any]) -> ast.ChargesCond:
        # CHARGES THIS YEAR [OF code_ref] [WITH MODIFIER word_list] comparison
        modifiers = c[7] if c[7] is not None else ()
        return ast.ChargesCond(c[8], _span(c), of=c[4], modifiers=modifiers)

    def flag_atom(self, c: list[Any]) -> ast.FlagCond:
        return ast.FlagCond(ast.Word(str(c[0])[1:], _span_of(c[0])), _span(c))

    def code_name(self, c: list[Any]) -> ast.CodeRef:
        word = _word(c[0])
        return ast.CodeRef((word,), False, word.span)  # one token: the word's span

    def any_of(self, c: list[Any]) -> ast.CodeRef:
        return ast.CodeRef(tuple(_word(w) for w in _tokens(c, "WORD")), True, _span(c))

    def modifier_atom(self, c: list[Any]) -> ast.ModifierCond:
        return ast.ModifierCond(c[1], c[3], _span(c))

    def modifier_target(self, c: list[Any]) -> ast.Word:
        return _word(c[0])

    def word_list(self, c: list[Any]) -> tuple[ast.Word, ...]:
        return tuple(_word(w) for w in _tokens(c, "WORD"))

    def payer_atom(self, c: list[Any]) -> ast.FieldCond:
        return ast.FieldCond("payer", _word(c[1]), c[2], _span(c))

    def provider_atom(self, c: list[Any]) -> ast.FieldCond:
        return ast.FieldCond("provider", _word(c[1]), c[2], _span(c))

    def diagnosis_atom(self, c: list[Any]) -> ast.DiagnosisCond:
        return ast.DiagnosisCond(tuple(_nodes(c)), _span(c))

    def dx_item(self, c: list[Any]) -> ast.DxPattern:
        last = _word(c[2]) if len(c) > 2 and c[2] is not None else None
        return ast.DxPattern(_word(c[0]), last, _span(c))

    def billable_atom(self, c: list[Any]) -> ast.BillableCond:
        return ast.BillableCond(_span(c))

    def referral_atom(self, c: list[Any]) -> ast.PresentCond:
        return ast.PresentCond("referral", _span(c))

    def authorization_atom(self, c: list[Any]) -> ast.PresentCond:
        return ast.PresentCond("authorization", _span(c))

    def documented_atom(self, c: list[Any]) -> ast.DocumentedCond:
        return ast.DocumentedCond(_word(c[1]), _span(c))

    def measure_atom(self, c: list[Any]) -> ast.MeasureCond:
        measure, of, total = c[0]
        return ast.MeasureCond(measure, of, total, c[1], _span(c))

    def line_measure(self, c: list[Any]) -> tuple[ast.Word, ast.CodeRef | None, bool]:
        of = c[2] if len(c) > 2 else None
        return c[0], of, False

    def total_measure(self, c: list[Any]) -> tuple[ast.Word, ast.CodeRef | None, bool]:
        of = c[3] if len(c) > 3 else None
        return c[1], of, True

    def measure_name(self, c: list[Any]) -> ast.Word:
        return _word(c[0])

    def visits_atom(self, c: list[Any]) -> ast.VisitsCond:
        return ast.VisitsCond(c[3], _span(c))

    def is_comparison(self, c: list[Any]) -> ast.Comparison:
        negated = c[1] is not None
        values = tuple(child for child in c if isinstance(child, ast.Value))
        return ast.Comparison("is not" if negated else "is", values, _span(c))

    def op_comparison(self, c: list[Any]) -> ast.Comparison:
        return ast.Comparison(str(c[0]), (c[1],), _span(c))  # type: ignore[arg-type]

    def value(self, c: list[Any]) -> ast.Value:
        token: Token = c[0]
        span = _span_of(token)
        if token.type == "STRING":
            return ast.Value("string", _string(token), span)
        if token.type == "NUMBER":
            if len(token) > 1 and token.startswith("0"):
                # 007 is a name (a code, an id): as a number it would silently become 7.
                return ast.Value("word", str(token), span)
            return ast.Value("number", _int(token), span)
        if token.type == "DATE":
            return ast.Value("date", _date(token), span)
        if token.type == "DECIMAL":
            return ast.Value("decimal", Decimal(str(token)), span)
        if token.type == "PARAM_REF":
            return ast.Value("param", str(token)[1:], span)
        return ast.Value("word", str(token), span)

    # ---- tests
    def test_block(self, c: list[Any]) -> ast.TestBlock:
        name = _string(c[1])
        claim = history = None
        expectations: list[ast.Expectation] = []
        for kind, payload in (child for child in c if isinstance(child, tuple)):
            if kind == "claim":
                claim = payload
            elif kind == "history":
                history = payload
            else:
                expectations.append(payload)
        return ast.TestBlock(name, claim, history, tuple(expectations), _span(c))

    def test_claim(self, c: list[Any]) -> tuple[str, ast.JsonValue]:
        return "claim", ast.JsonValue(_json(c[1]), _span(c))

    def test_history(self, c: list[Any]) -> tuple[str, ast.JsonValue]:
        return "history", ast.JsonValue(_json(c[1]), _span(c))

    def test_expect(self, c: list[Any]) -> tuple[str, ast.Expectation]:
        return "expect", c[1]

    def expect_finding(self, c: list[Any]) -> ast.Expectation:
        lines = c[3] if len(c) > 3 and c[3] is not None else None
        return ast.Expectation("finding", action=str(c[0]), rule=_word(c[1]), lines=lines, span=_span(c))

    def expect_none(self, c: list[Any]) -> ast.Expectation:
        return ast.Expectation("none", span=_span(c))

    def expect_outcome(self, c: list[Any]) -> ast.Expectation:
        return ast.Expectation("outcome", outcome=_word(c[1]), span=_span(c))

    def action_name(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def line_numbers(self, c: list[Any]) -> tuple[int, ...]:
        return tuple(_int(n) for n in _tokens(c, "NUMBER"))

    def json_value(self, c: list[Any]) -> Any:
        return c[0]

    def json_object(self, c: list[Any]) -> _Json:
        found: dict[str, object] = {}
        for pair in c:
            if isinstance(pair, tuple):
                key, value, token = pair
                if key in found:  # a second value would silently replace the first
                    raise _BadStringError(token, f'the key "{key}" appears twice in this object', "MC113")
                found[key] = value
        return _Json(found, _span(c))

    def json_pair(self, c: list[Any]) -> tuple[str, Any, Token]:
        return _string(c[0]), _json(c[2]), c[0]

    def json_array(self, c: list[Any]) -> _Json:
        return _Json([_json(child) for child in c if not isinstance(child, Token) and child is not None], _span(c))

    def json_string(self, c: list[Any]) -> _Json:
        return _Json(_string(c[0]), _span(c))

    def json_number(self, c: list[Any]) -> _Json:
        text = str(c[0])
        if re.fullmatch(r"-?[0-9]+", text):
            return _Json(_int(c[0]), _span(c))
        number = float(text)
        if not math.isfinite(number):
            raise _BadStringError(c[0], "this number is too large", "MC111")
        return _Json(number, _span(c))

    def json_true(self, c: list[Any]) -> _Json:
        return _Json(True, _span(c))

    def json_false(self, c: list[Any]) -> _Json:
        return _Json(False, _span(c))

    def json_null(self, c: list[Any]) -> _Json:
        return _Json(None, _span(c))

    def start(self, c: list[Any]) -> ast.Document:
        nodes = _nodes(c)
        # Header statements in their canonical order (stable: repeats keep source order).
        header = tuple(
            sorted((n for n in nodes if isinstance(n, ast.HeaderItem)), key=lambda n: _HEADER_KEYS.index(n.key))
        )
        declarations = tuple(
            n
            for n in nodes
            if isinstance(
                n, ast.CodeDecl | ast.GroupDecl | ast.RegionDecl | ast.AliasDecl | ast.ParamDecl | ast.ImportDecl
            )
        )
        rules = tuple(n for n in nodes if isinstance(n, ast.Rule))
        tests = tuple(n for n in nodes if isinstance(n, ast.TestBlock))
        disables = tuple(n for n in nodes if isinstance(n, ast.DisableStmt))
        return ast.Document(header, declarations, rules, tests, disables)


_TRANSFORMER = _ToAst()  # no state: lark's parser and the fast driver share it
