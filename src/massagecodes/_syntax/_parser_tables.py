"""The parser tables: lark's LALR table, per-state lexers and child filters, read out
of lark's parser as plain JSON-able data, and checked before the driver runs them.

(These are the grammar's parser tables; the CMS edit tables of claims are the
engine's, in ``massagecodes._engine._edit_tables``.)
"""

from __future__ import annotations

import re
from typing import Any

from lark import Lark


class UnsupportedError(Exception):
    """lark's objects are not shaped as this driver expects: use lark alone."""


Step = tuple[int, bool, int]  # child index, flatten it (a helper rule), Nones before it


def _steps(rule: Any, keep_placeholders: bool) -> tuple[tuple[Step, ...], int]:
    """What lark's child filter keeps of a rule's children: (index, flatten, Nones
    before it) for each kept child, and the Nones after the last one (the absent
    optional ``[item]`` of ``maybe_placeholders``)."""
    from lark.parse_tree_builder import maybe_create_child_filter  # lark's internals: see FastParser

    options = rule.options
    empty: Any = options.empty_indices if keep_placeholders else None
    made: Any = maybe_create_child_filter(rule.expansion, options.keep_all_tokens, False, empty)
    if made is None:  # no filter: every child, in order
        return tuple((index, False, 0) for index in range(len(rule.expansion))), 0
    arguments = made.args
    if len(arguments) == 2:  # ChildFilterLALR(to_include, nones_to_add)
        return tuple((int(i), bool(flat), int(nones)) for i, flat, nones in arguments[0]), int(arguments[1])
    if len(arguments) == 1:  # ChildFilterLALR_NoPlaceholders(to_include)
        return tuple((int(i), bool(flat), 0) for i, flat in arguments[0]), 0
    raise UnsupportedError("child filter")


TABLES_FORMAT = 2


def extract_tables(parser: Lark) -> dict[str, Any]:
    """Everything the driver needs from a lark parser, as plain JSON-able data: the
    ignored terminals, each rule's size, child filter and transformer method, the
    LALR table, each state's lexer (lark's alternation of its terminals, keywords
    apart) and the terminals' literal texts (for messages and the formatter).

    The package ships this for its grammar (``grammar/rules.tables.json``), so that a
    process need not build lark's parser (about half a second, most of it lark's
    strict-mode check of the terminals) before its first compile. Reads lark's
    internals: raises UnsupportedError if they are not as expected."""
    try:
        return _extract(parser)
    except UnsupportedError:
        raise
    except Exception as error:  # any surprise in lark's internals: lark then parses alone
        raise UnsupportedError(f"{type(error).__name__}: {error}") from error


def _extract(parser: Lark) -> dict[str, Any]:
    # lark's internals (1.x): a release that changes them makes this fail, and lark
    # then parses alone (the tests insist that the driver is in use).
    from lark.lexer import PatternStr, UnlessCallback
    from lark.parsers.lalr_analysis import Shift

    front: Any = parser.parser
    contextual: Any = front.lexer.lexer
    table: Any = front.parser.parser.parse_table
    conf: Any = front.lexer_conf
    options: Any = parser.options
    if conf.g_regex_flags or conf.use_bytes or conf.callbacks or conf.re_module is not re:
        raise UnsupportedError("lexer options")
    if options.propagate_positions or options.ambiguity != "auto" or front.parser.parser.debug:
        raise UnsupportedError("parser options")
    if any(isinstance(key, str) for key in front.parser.parser.callbacks):
        raise UnsupportedError("token callbacks")
    terminals = {terminal.name: terminal for terminal in parser.terminals}
    ignore = sorted(conf.ignore)
    skip = [terminals[name].pattern.to_regexp() for name in ignore]

    # Rules: name, size, what the child filter keeps, the transformer method's name
    # and whether it is a ``?rule``.
    rules: list[list[Any]] = []
    number: dict[Any, int] = {}
    kept_terminals: set[str] = set()
    for rule in parser.rules:
        steps, trailing = _steps(rule, bool(options.maybe_placeholders))
        kept_terminals.update(str(rule.expansion[index].name) for index, _, _ in steps)
        rule_options = rule.options
        number[rule] = len(rules)
        rules.append(
            [
                str(rule.origin.name),
                [str(symbol.name) for symbol in rule.expansion],
                [list(step) for step in steps],
                trailing,
                str(rule.alias or rule_options.template_source or rule.origin.name),
                bool(rule_options.expand1 and not rule.alias),
            ]
        )

    # The table, a dict per state: terminal -> shift (a state, >= 0) or reduce
    # (-1 - rule number); nonterminal -> the state after reducing to it.
    size = max(table.states) + 1
    rows: list[dict[str, int]] = [{} for _ in range(size)]
    for state, actions in table.states.items():
        row = rows[state]
        for symbol, (action, argument) in actions.items():
            row[str(symbol)] = int(argument) if action is Shift else -1 - number[argument]

    # lark numbers its states in an order that changes from one process to the next
    # (it iterates over sets of strings): number them in the order a walk from the
    # start state meets them, following symbols in name order, so that the same
    # grammar always gives the same tables.
    start = int(table.start_states["start"])
    order = [start]
    renumbered = {start: 0}
    for state in order:
        for symbol in sorted(rows[state]):
            target = rows[state][symbol]
            if target >= 0 and target not in renumbered:
                renumbered[target] = len(order)
                order.append(target)
    if len(order) != size:
        raise UnsupportedError("states the start state does not lead to")
    rows = [
        {symbol: renumbered[action] if action >= 0 else action for symbol, action in sorted(rows[state].items())}
        for state in order
    ]

    # Lexers: lark's per-state lexer objects (states with the same terminals share one).
    state_lexers: dict[int, Any] = dict(contextual.lexers)
    if set(state_lexers) != set(range(size)):
        raise UnsupportedError("lexer states")
    lexers: list[list[Any]] = []
    index_of: dict[int, int] = {}
    lexer_of_state: list[int] = []
    for state in order:
        lexer = state_lexers[state]
        if id(lexer) not in index_of:
            index_of[id(lexer)] = len(lexers)
            lexers.append(_lexer_data(lexer, frozenset(ignore), PatternStr, UnlessCallback))
        lexer_of_state.append(index_of[id(lexer)])
    literals = {name: terminal.pattern.value for name, terminal in terminals.items() if terminal.pattern.type == "str"}
    return {
        "format": TABLES_FORMAT,
        "skip": skip,
        "ignore": ignore,
        "terminals": sorted(terminals),
        "literals": dict(sorted(literals.items())),
        "dropped": sorted(set(terminals) - kept_terminals),
        "rules": rules,
        "rows": rows,
        "start": 0,
        "end": renumbered[int(table.end_states["start"])],
        "lexers": lexers,
        "state_lexers": lexer_of_state,
    }


def _lexer_data(lexer: Any, ignore: frozenset[str], pattern_str: Any, unless_callback: Any) -> list[Any]:
    """One state's lexer: its terminals as (name, expression) in lark's order, and
    lark's keyword substitution (a WORD that spells a keyword of the state becomes
    that keyword)."""
    scanner: Any = lexer.scanner  # lark's own: its terminals, in its order, keywords removed
    alternatives = [
        [str(terminal.name), terminal.pattern.to_regexp()]
        for terminal in scanner.terminals
        if terminal.name not in ignore
    ]
    keywords: dict[str, dict[str, str]] = {}
    callbacks: dict[str, Any] = lexer.callback
    for name, callback in callbacks.items():
        if not isinstance(callback, unless_callback):
            raise UnsupportedError(f"a lexer callback on {name}")
        words: dict[str, str] = {}
        unless: Any = callback
        for word in unless.scanner.terminals:
            literal: Any = word.pattern
            if not isinstance(literal, pattern_str) or literal.flags:
                raise UnsupportedError(f"keyword {word.name}")
            words.setdefault(literal.value, word.name)
        keywords[name] = words
    return [alternatives, keywords]


def check_tables(tables: dict[str, Any]) -> None:
    """UnsupportedError unless ``tables`` has the shape extract_tables gives, with every
    state, rule and lexer it names in range: a damaged file must not reach the loop."""

    def strings(value: object) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    rows, rules, lexers, state_lexers = tables["rows"], tables["rules"], tables["lexers"], tables["state_lexers"]
    if not (isinstance(rows, list) and rows and isinstance(rules, list) and isinstance(lexers, list)):
        raise UnsupportedError("tables: rows, rules or lexers")
    if not (strings(tables["skip"]) and strings(tables["ignore"]) and strings(tables["dropped"])):
        raise UnsupportedError("tables: skip, ignore or dropped")
    literals = tables["literals"]
    if not (isinstance(literals, dict) and all(isinstance(v, str) for v in literals.values())):
        raise UnsupportedError("tables: literals")
    for rule in rules:
        name, symbols, steps, trailing, method, expand1 = rule
        if not (isinstance(name, str) and strings(symbols) and isinstance(method, str)):
            raise UnsupportedError("tables: a rule")
        if not (isinstance(trailing, int) and isinstance(expand1, bool) and isinstance(steps, list)):
            raise UnsupportedError("tables: a rule")
        for index, flat, nones in steps:
            if not (isinstance(index, int) and 0 <= index < len(symbols)) or not isinstance(flat, bool):
                raise UnsupportedError("tables: a rule's child filter")
            if not isinstance(nones, int):
                raise UnsupportedError("tables: a rule's child filter")
    for row in rows:
        if not isinstance(row, dict):
            raise UnsupportedError("tables: a row")
        for symbol, action in row.items():
            if not (isinstance(symbol, str) and isinstance(action, int)):
                raise UnsupportedError("tables: an action")
            if not (0 <= action < len(rows) if action >= 0 else -1 - action < len(rules)):
                raise UnsupportedError("tables: an action out of range")
    for start in (tables["start"], tables["end"]):
        if not (isinstance(start, int) and 0 <= start < len(rows)):
            raise UnsupportedError("tables: the start or end state")
    if not (isinstance(state_lexers, list) and len(state_lexers) == len(rows)):
        raise UnsupportedError("tables: lexer states")
    if not all(isinstance(index, int) and 0 <= index < len(lexers) for index in state_lexers):
        raise UnsupportedError("tables: a state's lexer out of range")
    for alternatives, keywords in lexers:
        if not all(isinstance(pair, list) and len(pair) == 2 and strings(pair) for pair in alternatives):
            raise UnsupportedError("tables: a lexer's terminals")
        if not (isinstance(keywords, dict) and all(isinstance(words, dict) for words in keywords.values())):
            raise UnsupportedError("tables: a lexer's keywords")
