"""A faster driver for the grammar's own LALR tables and contextual lexer.

lark builds everything used here from ``grammar/rules.lark``: the terminals, the
LALR(1) parse table (``strict=True``), each parser state's lexer (lark's contextual
lexer: the terminals that state accepts, in lark's order, with lark's keyword
substitution) and which children each rule passes to the transformer.
:func:`~._parser_tables.extract_tables` reads them out of lark's parser as plain data, which the
package ships as ``grammar/rules.tables.json`` (so that a process need not build
lark's parser first). This module only *drives* them, in one loop. lark's own loop costs about 15 µs a token on the
benchmark machine, for reasons that have nothing to do with the grammar:

* each token passes through four generators (the contextual lexer, the basic lexer,
  the post-lexer, the parser), a ``Token`` constructor that handles deprecated
  keywords, and a line-counter object;
* whitespace is a token of its own: matched, built, then dropped;
* after every reduction lark finds the next state by the rule's name, which is a
  lark ``Token`` rather than a ``str``, so each of those dictionary look-ups calls
  ``Token.__eq__`` in Python (about 360,000 reductions for 10,000 rules);
* the helper rules lark adds for ``*``, ``+`` and ``_item`` build a ``Tree`` each,
  only for the parent rule to flatten it, and every reduction goes through one or
  two wrapper objects before the transformer method.

Here one compiled expression per parser state (lark's alternation of that state's
terminals, behind a prefix that skips the ignored terminals) finds the next token;
the post-lexer's work (newlines inside brackets are dropped, the text ends with a
newline) is inline; tokens that no rule keeps are not built; helper rules make a
plain list. The transformer is the same object with the same methods, called with
the same children.

Only valid texts take this path: at the first thing it does not expect (a
character no terminal matches, a token the table rejects, brackets nested too deep,
a string the transformer rejects), the caller parses the text again with lark
itself, which reports the error exactly as before. The tests compare both parsers,
spans included, on the shipped rulesets, generated rule files and edge cases.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from lark import Token

from massagecodes._syntax._parser_tables import TABLES_FORMAT, Step, UnsupportedError, check_tables

Callback = Callable[[list[Any]], Any]
Matcher = Callable[[str, int], "re.Match[str] | None"]
Lexer = tuple[Matcher, dict[str, dict[str, str]] | None]  # a state's expression and keyword table

# How the loop treats a kind of token (see FastParser._special); other kinds: None.
_NEWLINE, _OPENER, _CLOSER, _DROPPED = 1, 2, 3, 4

# Reductions that need no call: the value is the first child's (a ``?rule`` with one
# child, a helper rule that only extends itself), or nothing (a helper rule that
# keeps no child, such as the one for ``_NL+``).
_FIRST: Callback = lambda children: children[0]  # noqa: E731 - a sentinel compared by identity
_NOTHING: Callback = lambda children: None  # noqa: E731 - a sentinel compared by identity


class NotHandledError(Exception):
    """The fast path does not parse this text: parse it with lark (which says why)."""


def _callback(size: int, steps: tuple[Step, ...], trailing: int, method: Callback) -> Callback:
    """``method`` called with the children lark's filter would pass it. A flattened
    child is a helper rule's list, or None when it kept nothing."""
    if not trailing and all(not flat and not nones for _, flat, nones in steps):
        indexes = tuple(index for index, _, _ in steps)
        if indexes == tuple(range(size)):
            return method  # every child, in order
        if len(indexes) == 1:
            (only,) = indexes
            return lambda children: method([children[only]])
        return lambda children: method([children[index] for index in indexes])
    if not trailing and len(steps) == 2 and not steps[0][2] and not steps[1][2]:
        (first, first_flat, _), (second, second_flat, _) = steps
        if first_flat and not second_flat:  # a helper's list, then one more child

            def extended(children: list[Any]) -> Any:
                part = children[first]
                if part:  # as lark does: take the list over (it has no other owner), no copy
                    part.append(children[second])
                    return method(part)
                return method([children[second]])

            return extended
        if second_flat and not first_flat:  # one child, then a helper's list

            def prefixed(children: list[Any]) -> Any:
                part = children[second]
                if part:
                    return method([children[first], *part])
                return method([children[first]])

            return prefixed
    tail = [None] * trailing

    def filtered(children: list[Any]) -> Any:
        kept: list[Any] = []
        for index, flat, nones in steps:
            if nones:
                kept += [None] * nones
            if flat:
                part = children[index]
                if part:
                    if kept:
                        kept += part
                    else:  # as lark does: take the list over (it has no other owner), no copy
                        kept = part
            else:
                kept.append(children[index])
        if tail:
            kept += tail
        return method(kept)

    return filtered


def _single_or(method: Callback) -> Callback:
    """lark's ``?rule``: a single child stands for the rule."""

    def single(children: list[Any]) -> Any:
        return children[0] if len(children) == 1 else method(children)

    return single


def _helper(children: list[Any]) -> list[Any] | None:
    """A helper rule: its kept children, for the parent rule to flatten (lark builds
    a ``Tree`` here)."""
    return children or None


class FastParser:
    """Drives a parser's tables (see the module docstring and ``_parser_tables.extract_tables``).
    Nothing changes after construction but a cache of compiled per-state expressions:
    safe to share between threads."""

    def __init__(self, tables: dict[str, Any], transformer: object) -> None:
        self.tables = tables  # as given (the package's own literals are read from them)
        try:
            self._build(tables, transformer)
        except UnsupportedError:
            raise
        except Exception as error:  # tables not as expected: lark then parses alone
            raise UnsupportedError(f"{type(error).__name__}: {error}") from error

    def _build(self, tables: dict[str, Any], transformer: object) -> None:
        if tables["format"] != TABLES_FORMAT:
            raise UnsupportedError("tables of another format")
        check_tables(tables)
        # The ignored terminals (whitespace, comments) are skipped before each token,
        # possessively: none of them can start where another terminal starts.
        # Possessive: a plain ``*`` would give back the end of a comment when nothing
        # follows it (``#0`` would end in the number 0). Python fixed bugs in possessive
        # quantifiers over alternations in 3.11.5 (gh-106052): before it, lark alone.
        if sys.version_info < (3, 11, 5):  # pragma: no cover - the tests run on a newer Python
            raise UnsupportedError("possessive quantifiers need Python 3.11.5 or later")
        self._skip = "(?:" + "|".join(f"(?:{pattern})" for pattern in tables["skip"]) + ")*+"
        self._skip_match = re.compile(self._skip).match

        # Helper rules whose value is always None (``_NL+``: they keep nothing): a
        # parent that flattens one of them gains nothing from it, so that step goes.
        raw_rules = tables["rules"]
        helpers: dict[str, list[Any]] = {}
        for raw in raw_rules:
            if raw[0].startswith("_"):
                helpers.setdefault(raw[0], []).append(raw)
        empty: set[str] = set()
        growing = True
        while growing:  # a helper is empty when each of its rules only flattens empty helpers (or itself)
            growing = False
            for name, alternatives in helpers.items():
                if name not in empty and all(
                    not trailing
                    and all(flat and not nones and symbols[i] in (empty | {name}) for i, flat, nones in raw_steps)
                    for _, symbols, raw_steps, trailing, _, _ in alternatives
                ):
                    empty.add(name)
                    growing = True

        # Rules: size, callback (as lark's ParseTreeBuilder makes it: transformer
        # method, child filter, ``?rule`` expansion) and the nonterminal made.
        rules: list[tuple[int, Callback, str]] = []
        for name, symbols, raw_steps, trailing, method_name, expand1 in raw_rules:
            size = len(symbols)
            steps: tuple[Step, ...] = tuple(
                (int(i), bool(flat), int(nones))
                for i, flat, nones in raw_steps
                if not (flat and not nones and symbols[i] in empty and name not in empty)
            )
            if name in empty:
                steps = ()  # it keeps nothing
            method: Callback | None = getattr(transformer, method_name, None)
            if method is not None and getattr(method, "visit_wrapper", None) is not None:
                raise UnsupportedError(f"rule {name}: a visit wrapper")
            plain = not trailing and all(not nones for _, _, nones in steps)
            callback: Callback
            if name.startswith("_"):
                if method is not None or expand1:
                    raise UnsupportedError(f"helper rule {name}")
                if not steps and not trailing:
                    callback = _NOTHING
                elif plain and [index for index, _, _ in steps] == [0] and steps[0][1]:
                    callback = _FIRST  # it only extends itself (left recursion)
                else:
                    callback = _callback(size, steps, trailing, _helper)
            elif method is None:
                # lark's default builds a Tree; a ``?rule`` with one child never does.
                if not (expand1 and plain and len(steps) == 1 and not steps[0][1]):
                    raise UnsupportedError(f"rule {name} has no transformer method")
                index = steps[0][0]
                callback = _FIRST if index == 0 else _callback(size, steps, trailing, _FIRST)
            elif size == 1 and not trailing and steps == ((0, False, 0),) and getattr(method, "passthrough", False):
                callback = _FIRST  # the method would return its only child
            else:
                callback = _callback(size, steps, trailing, _single_or(method) if expand1 else method)
            rules.append((int(size), callback, str(name)))
        self._rules = tuple(rules)
        # The helper rule that collects the text's top-level items (``(_item _NL+)*``).
        collectors = {name for name, symbols, *_ in raw_rules if name.startswith("_") and "_item" in symbols}
        self._item_collector: str | None = collectors.pop() if len(collectors) == 1 else None
        self._dropped = frozenset(tables["dropped"])
        if "_NL" not in self._dropped:  # the loop builds no newline token
            raise UnsupportedError("a rule keeps newline tokens")
        self._rows = tuple({str(symbol): int(action) for symbol, action in row.items()} for row in tables["rows"])
        self._start = int(tables["start"])
        self._end = int(tables["end"])
        size = len(self._rows)

        # Lexers: each made into one expression when a text first needs it (a text
        # uses a few dozen of the hundred or so states).
        self._lexer_data: tuple[tuple[list[list[str]], dict[str, dict[str, str]]], ...] = tuple(
            (alternatives, keywords) for alternatives, keywords in tables["lexers"]
        )
        self._state_lexers: tuple[int, ...] = tuple(int(index) for index in tables["state_lexers"])
        if len(self._state_lexers) != size:
            raise UnsupportedError("lexer states")
        self._compiled: dict[int, Lexer] = {}
        self._lock = threading.Lock()
        self._lexers: list[Lexer | None] = [None] * size
        # The loop reads a reduction's rule at the action itself (-1 - rule number):
        # the rules in reverse order, indexed from the end.
        self._rules_by_action = tuple(reversed(self._rules))
        # The kinds of token the loop treats apart: a newline, an opening or a closing
        # bracket, and a token no rule keeps.
        special: dict[str, int] = dict.fromkeys(self._dropped, _DROPPED)
        special.update(dict.fromkeys(_OPENERS, _OPENER))
        special.update(dict.fromkeys(_CLOSERS, _CLOSER))
        special["_NL"] = _NEWLINE
        self._special = special

    def _lexer(self, state: int) -> Lexer:
        """The expression for a parser state and its keyword table, cached."""
        key = self._state_lexers[state]
        found = self._compiled.get(key)
        if found is None:
            alternatives, keywords = self._lexer_data[key]
            pattern = (
                self._skip + "(?:" + "|".join(f"(?P<{name}>{expression})" for name, expression in alternatives) + ")"
            )
            try:
                matcher = re.compile(pattern).match
            except re.error as error:  # pragma: no cover - a terminal Python's re cannot compile
                raise NotHandledError(f"state {state}: {error}") from None
            with self._lock:
                found = self._compiled.setdefault(key, (matcher, keywords or None))
        self._lexers[state] = found
        return found

    def parse(self, text: str, max_depth: int, *, line_offset: int = 0) -> Any:
        """The transformer's result for ``text``; NotHandledError when lark must parse it.
        ``line_offset``: lines before the text (a piece of a larger one), added to the
        line of every position.

        Any exception it raises (NotHandledError, or the transformer's own) carries
        ``items_before``: the top-level items parsed whole before the text went wrong,
        in order (the caller need not parse them again to report the errors)."""
        states = [self._start]
        values: list[Any] = []
        try:
            return self._run(text, max_depth, line_offset, states, values)
        except Exception as error:
            error.items_before = self._items_before(states, values)  # type: ignore[attr-defined]
            raise

    def _items_before(self, states: list[int], values: list[Any]) -> tuple[Any, ...]:
        """The list of whole top-level items on the stack: the value of the helper rule
        that collects them, near its bottom; () if there is none."""
        collector = self._item_collector
        if collector is None:  # pragma: no cover - a grammar without top-level items
            return ()
        for index in range(1, min(len(states), 4)):
            if self._rows[states[index - 1]].get(collector) == states[index]:
                found = values[index - 1]
                return tuple(found) if isinstance(found, list) else ()
        return ()

    def _run(self, text: str, max_depth: int, line_offset: int, states: list[int], values: list[Any]) -> Any:
        rows = self._rows
        rules = self._rules_by_action
        lexers = self._lexers
        special = self._special.get
        first = _FIRST
        nothing = _NOTHING
        new_token = str.__new__
        state = states[-1]
        push_state = states.append
        push_value = values.append
        pos = 0
        line = 1 + line_offset
        line_start = 0
        depth = 0
        kind = ""  # the last token's, after the loop
        end = 0
        token: Token | None
        while True:
            match, words = lexers[state] or self._lexer(state)
            found = match(text, pos)
            if found is None:
                break
            kind = found.lastgroup  # type: ignore[assignment]
            value = found[kind]
            start = found.start(kind)
            end = start + len(value)
            if words is not None:
                spelled = words.get(kind)
                if spelled is not None:
                    kind = spelled.get(value, kind)
            treat = special(kind)
            if treat == _NEWLINE:
                newline = start + value.rindex("\n") + 1
                line += value.count("\n")
                line_start = newline
                pos = end
                if depth:  # the post-lexer drops newlines inside brackets
                    continue
                token = None  # no rule keeps a newline
            elif treat == _DROPPED:  # pragma: no cover - every other terminal is kept
                token = None
            else:
                if treat is not None:  # a bracket
                    if treat == _OPENER:
                        depth += 1
                        if depth > max_depth:
                            raise NotHandledError("too deep")
                    elif depth:
                        depth -= 1
                token = new_token(Token, value)
                token.type = kind
                token.value = value
                token.start_pos = start
                token.line = line
                token.column = start - line_start + 1
                token.end_line = line
                token.end_column = end - line_start + 1
                token.end_pos = end
            pos = end
            # The LALR step: reduce while the table says so, then shift.
            try:
                action = rows[state][kind]
                while action < 0:
                    count, callback, made = rules[action]
                    if count == 1:  # in place
                        state = states[-1] = rows[states[-2]][made]
                        if callback is not first:
                            values[-1] = None if callback is nothing else callback([values[-1]])
                    elif count:
                        children = values[-count:]
                        del states[-count:]
                        del values[-count:]
                        state = rows[states[-1]][made]
                        push_state(state)
                        push_value(
                            children[0] if callback is first else None if callback is nothing else callback(children)
                        )
                    else:
                        state = rows[states[-1]][made]
                        push_state(state)
                        push_value(None if callback is nothing else callback([]))
                    action = rows[state][kind]
            except KeyError:
                raise NotHandledError("unexpected token") from None
            state = action
            push_state(state)
            push_value(token)
        skipped = self._skip_match(text, pos)
        if skipped is None or skipped.end() != len(text):
            raise NotHandledError("unexpected character")
        if line != text.count("\n") + 1 + line_offset:  # pragma: no cover - only newline tokens span lines
            raise NotHandledError("a newline outside a newline token: positions would be off")
        if depth:  # a text that ends inside brackets
            raise NotHandledError("unclosed bracket")
        rules = self._rules
        if kind != "_NL":  # the post-lexer ends the text with a newline
            if kind:
                column = end - line_start + 1
                final = Token("_NL", "\n", end, line, column, line, column, end)
            else:
                final = Token("_NL", "\n", 0, line, 1, line, 1, 0)
            step = rows[states[-1]].get("_NL")
            while step is not None and step < 0:
                step = self._reduce(states, values, rules, rows, step, "_NL")
            if step is None:
                raise NotHandledError("unexpected end")
            push_state(step)
            push_value(None if "_NL" in self._dropped else final)
        step = rows[states[-1]].get("$END")
        while step is not None and step < 0:
            self._reduce(states, values, rules, rows, step, None)
            if states[-1] == self._end:
                return values[-1]
            step = rows[states[-1]].get("$END")
        raise NotHandledError("unexpected end")

    @staticmethod
    def _reduce(
        states: list[int],
        values: list[Any],
        rules: Sequence[tuple[int, Callback, str]],
        rows: Sequence[dict[str, int]],
        action: int,
        kind: str | None,
    ) -> int | None:
        """One reduction (the slow path of the loop); the next action for ``kind``."""
        count, callback, made = rules[-1 - action]
        children = values[-count:] if count else []
        if count:
            del states[-count:]
            del values[-count:]
        goto = rows[states[-1]][made]
        states.append(goto)
        if callback is _FIRST:
            values.append(children[0])
        elif callback is _NOTHING:
            values.append(None)
        else:
            values.append(callback(children))
        return rows[goto].get(kind) if kind is not None else None


_OPENERS = frozenset({"LPAR", "LSQB", "LBRACE"})
_CLOSERS = frozenset({"RPAR", "RSQB", "RBRACE"})
