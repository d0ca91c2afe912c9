"""A reader for the common ``rule ... end`` blocks, straight to syntax-tree nodes.

The fast driver (``_driver.py``) spends most of a large file's parse on rule blocks:
a token object, a lexer match and a few table look-ups per token, then a
transformer call, a child filter and a helper list per grammar rule. This module
reads a rule block line by line with one expression, by recursive descent, and
builds the nodes the transformer would build (``_parse._ToAst``), spans included.

It is an optimisation, never a second definition of the language: it reads only
what it is sure of and gives up (returns None) on anything else, and the driver then
parses the block with the grammar's tables as before. So the grammar alone decides
what a text means, and this reader only has to agree with it on what it accepts:

* a name must be a whole word that spells no keyword of the grammar, in any case (a
  keyword-spelled name, such as a code group called ``region``, is left to the
  tables, whose contextual lexer decides);
* a keyword must be the whole word (the grammar's lexer also reads ``carc97`` as
  ``carc 97`` in some places: left to the tables);
* no brackets (conditions in brackets may span lines), no ``diagnosis`` patterns, no
  ``billed`` atoms, no escapes in strings, no numbers of more than 15 digits, no
  dates that are not calendar dates: all left to the tables;
* a value is a string, a whole number, a date, an amount, a ``$parameter`` or a name,
  told apart as the grammar's priorities do (a date before an amount before a
  number before a name), and anything in between (``3a``, ``8.x``) is left.

The tests compare this reader (through the driver) with lark's parser on the shipped
rulesets, generated files, texts generated from the grammar and random edits: the same
tree, every span included.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from massagecodes._lang import _ast as ast

# The pieces of a line, after blanks: a string, an amount, a word (a name, keyword,
# number or date), a $parameter, the arrow, a comparison, a comma; or the line's end
# (a comment, then a newline), or the text's end. Anything else: not read here.
_PIECE = re.compile(
    r'[ \t\f]*(?:("(?:[^"\\\n])*")'  # 1 a string without escapes
    r"|([0-9]+\.[0-9]+)"  # 2 an amount
    r"|([A-Za-z0-9][A-Za-z0-9_-]*)"  # 3 a word
    r"|(\$[a-z][a-z0-9]*(?:-[a-z0-9]+)*)"  # 4 a parameter
    r"|(->)"  # 5
    r"|(>=|<=|!=|>|<|=)"  # 6
    r"|(,)"  # 7
    r"|(?:#[^\n]*)?(\r?\n)"  # 8 the end of the line
    r"|(?:#[^\n]*)?(\Z))"  # 9 the end of the text
)
_STRING, _AMOUNT, _WORD, _PARAM, _ARROW, _COMPARE, _COMMA, _NEWLINE, _END = range(1, 10)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")

_Span = ast.Span
_Word = ast.Word
_Value = ast.Value

Piece = tuple[int, int, int, str]  # kind, start, end, text


class _GiveUpError(Exception):
    """Not a block this reader is sure of: the tables parse it. (A new one each time:
    raising one shared instance again would chain every traceback, and keep every
    text and frame it names alive.)"""


# The keywords this reader reads, as the grammar writes them: if the grammar drops or
# renames one, the reader is not used (see BlockReader).
KEYWORDS_READ = frozenset(
    [
        "rule",
        "end",
        "unless",
        "claim",
        "into",
        "OR",
        "AND",
        "NOT",
        "SAME",
        "DIFFERENT",
        "DENY",
        "WARN",
        "BUNDLE",
        "REQUIRE",
        "region",
        "date",
        "side",
        "of",
        "is",
        "not",
        "or",
        "on",
        "either",
        "both",
        "billed",
        "any",
        "modifier",
        "payer",
        "provider",
        "referral",
        "authorization",
        "documented",
        "visits",
        "this",
        "year",
        "months",
        "since",
        "first",
        "visit",
        "charges",
        "total",
        "minutes",
        "units",
        "from",
        "to",
        "carc",
        "rarc",
        "severity",
        "message",
        "fix",
        "cite",
        "effective",
        "diagnosis",
        "documentation",
    ]
)


class BlockReader:
    """Reads a rule block that starts at a ``rule`` keyword (see the module
    docstring). ``keywords``: every keyword of the grammar, as written;
    ``max_digits``: the most digits a number of a rule may have (a longer one is the
    tables' error). ValueError if the grammar lacks a keyword the reader reads."""

    def __init__(self, keywords: Iterable[str], max_digits: int) -> None:
        self._keywords = frozenset(keywords)
        missing = KEYWORDS_READ - self._keywords
        if missing:
            raise ValueError(f"the grammar has no keyword {', '.join(sorted(missing))}")
        self._max_digits = max_digits
        self._match = _PIECE.match

    def read(self, text: str, start: int, line: int, line_start: int) -> tuple[ast.Rule, int, int, int] | None:
        """The block at ``start`` (the ``rule`` keyword, on ``line``, which starts at
        ``line_start``) as the transformer makes it, and the position, line and line
        start just after its ``end`` keyword; None to leave it to the tables."""
        try:
            return _Block(self, text, start, line, line_start).rule()
        except _GiveUpError:
            return None


class _Block:
    __slots__ = ("index", "keywords", "line", "line_start", "match", "max_digits", "pieces", "pos", "text")

    def __init__(self, reader: BlockReader, text: str, start: int, line: int, line_start: int) -> None:
        self.keywords = reader._keywords
        self.match = reader._match
        self.max_digits = reader._max_digits
        self.text = text
        self.pos = start
        self.line = line
        self.line_start = line_start
        self.pieces: list[Piece] = []
        self.index = 0

    # ---- lines and pieces
    def next_line(self) -> None:
        """The pieces of the next line that has any (blank and comment lines are
        skipped, as the grammar's ``_NL+`` does). Gives up at the text's end."""
        match = self.match
        text = self.text
        while True:
            pieces: list[Piece] = []
            pos = self.pos
            while True:
                found = match(text, pos)
                if found is None:
                    raise _GiveUpError  # a character this reader does not read
                kind: int = found.lastindex  # type: ignore[assignment]
                if kind == _NEWLINE:
                    self.pos = found.end()
                    break
                if kind == _END:  # the text ends: its last line, or a block without an end
                    if not pieces:
                        raise _GiveUpError
                    self.pos = found.end()
                    break
                pieces.append((kind, found.start(kind), found.end(kind), found[kind]))
                pos = found.end()
            if pieces:
                self.pieces = pieces
                self.index = 0
                return
            self.line += 1
            self.line_start = self.pos

    def end_of_line(self) -> None:
        """The line must have no more pieces; the next line starts after it."""
        if self.index != len(self.pieces):
            raise _GiveUpError
        self.line += 1
        self.line_start = self.pos

    def peek(self) -> str | None:
        """The next piece's text if it is a word, else None."""
        if self.index < len(self.pieces):
            piece = self.pieces[self.index]
            if piece[0] == _WORD:
                return piece[3]
        return None

    def take(self) -> Piece:
        if self.index >= len(self.pieces):
            raise _GiveUpError
        piece = self.pieces[self.index]
        self.index += 1
        return piece

    def keyword(self, word: str) -> Piece:
        piece = self.take()
        if piece[0] != _WORD or piece[3] != word:
            raise _GiveUpError
        return piece

    def span(self, piece: Piece) -> ast.Span:
        line, line_start = self.line, self.line_start
        return _Span(line, piece[1] - line_start + 1, line, piece[2] - line_start + 1)

    def name(self) -> ast.Word:
        """A name: a whole word that spells no keyword."""
        piece = self.take()
        if piece[0] != _WORD or piece[3] in self.keywords:
            raise _GiveUpError
        return _Word(piece[3], self.span(piece))

    def between(self, first: ast.Span, last: ast.Span) -> ast.Span:
        return _Span(first.line, first.column, last.end_line, last.end_column)

    # ---- the block
    def rule(self) -> tuple[ast.Rule, int, int, int]:
        self.next_line()
        head = self.span(self.keyword("rule"))
        rule_id = self.name()
        title: str | None = None
        if self.index < len(self.pieces) and self.pieces[self.index][0] == _STRING:
            title = _string(self.take()[3])
        self.end_of_line()
        self.next_line()
        condition = self.condition()
        arrow = self.take()
        if arrow[0] != _ARROW:
            raise _GiveUpError
        action = self.action()
        unless = None
        if self.peek() == "unless":
            self.index += 1
            unless = self.condition()
        self.end_of_line()
        attributes: list[ast.Attribute] = []
        while True:
            self.next_line()
            piece = self.take()
            if piece[0] != _WORD:
                raise _GiveUpError
            word = piece[3]
            if word == "end":
                end = piece[2]
                span = _Span(head.line, head.column, self.line, end - self.line_start + 1)
                node = ast.Rule(rule_id, title, condition, action, unless, tuple(attributes), span)
                return node, end, self.line, self.line_start
            attributes.append(self.attribute(word, self.span(piece)))
            self.end_of_line()

    def attribute(self, key: str, first: ast.Span) -> ast.Attribute:
        if key in ("carc", "rarc", "severity"):
            word = self.name()
            return ast.Attribute(key, word, self.between(first, word.span))  # type: ignore[arg-type]
        if key in ("message", "fix", "cite"):
            piece = self.take()
            if piece[0] != _STRING:
                raise _GiveUpError
            return ast.Attribute(key, _string(piece[3]), self.between(first, self.span(piece)))  # type: ignore[arg-type]
        if key == "effective":
            dates = self.date_range()
            return ast.Attribute("effective", dates, self.between(first, dates.span))
        raise _GiveUpError

    def date_range(self) -> ast.DateRange:
        if self.peek() == "from":
            start = self.span(self.take())
            piece, day = self.date()
            return ast.DateRange(day, None, self.between(start, self.span(piece)))
        first, day = self.date()
        self.keyword("to")
        last, until = self.date()
        return ast.DateRange(day, until, self.between(self.span(first), self.span(last)))

    def date(self) -> tuple[Piece, datetime.date]:
        piece = self.take()
        if piece[0] != _WORD or not _DATE.fullmatch(piece[3]):
            raise _GiveUpError
        return piece, _day(piece[3])

    # ---- conditions (the grammar's condition, and_cond, chain_item, maybe_not)
    def condition(self) -> ast.Condition:
        first = self.and_cond()
        if self.peek() != "OR":
            return first
        items = [first]
        while self.peek() == "OR":
            self.index += 1
            items.append(self.and_cond())
        return ast.Or(tuple(items), self.between(first.span, items[-1].span))

    def and_cond(self) -> ast.Condition:
        first = self.chain_item()
        if self.peek() != "AND":
            if isinstance(first, tuple):
                item, relations = first
                return ast.And((item,), relations, self.between(item.span, relations[-1].span))
            return first
        chain = [first]
        while self.peek() == "AND":
            self.index += 1
            chain.append(self.chain_item())
        items: list[ast.Condition] = []
        relations_all: list[ast.Relation] = []
        for entry in chain:
            if isinstance(entry, tuple):
                items.append(entry[0])
                relations_all.extend(entry[1])
            else:
                items.append(entry)
        head = first[0].span if isinstance(first, tuple) else first.span
        last = chain[-1]
        tail = last[1][-1].span if isinstance(last, tuple) else last.span
        return ast.And(tuple(items), tuple(relations_all), self.between(head, tail))

    def chain_item(self) -> ast.Condition | tuple[ast.Condition, tuple[ast.Relation, ...]]:
        if self.peek() == "NOT":
            start = self.span(self.take())
            atom = self.atom()
            item: ast.Condition = ast.Not(atom, self.between(start, atom.span))
        else:
            item = self.atom()
        relations: list[ast.Relation] = []
        while True:
            word = self.peek()
            if word == "SAME" or word == "DIFFERENT":
                start = self.span(self.take())
                aspect = self.take()
                if aspect[0] != _WORD or aspect[3] not in ("region", "date", "side"):
                    raise _GiveUpError
                span = self.between(start, self.span(aspect))
                relations.append(ast.Relation(word == "SAME", aspect[3], span))  # type: ignore[arg-type]
            else:
                break
        return (item, tuple(relations)) if relations else item

    def atom(self) -> ast.Condition:
        piece = self.take()
        kind, text = piece[0], piece[3]
        if kind == _PARAM:
            span = self.span(piece)
            return ast.FlagCond(_Word(text[1:], span), span)
        if kind != _WORD:
            raise _GiveUpError
        if text not in self.keywords:
            word = _Word(text, self.span(piece))
            following = self.peek()
            if following == "of" or following == "is" or self.at(_COMPARE):
                return self.measure(word, word.span, total=False)
            if following == "billed":
                raise _GiveUpError
            ref = ast.CodeRef((word,), False, word.span)
            return ast.CodeTerm(ref, word.span)
        span = self.span(piece)
        reader = _ATOMS.get(text)
        if reader is None:
            raise _GiveUpError
        return reader(self, span)

    def at(self, kind: int) -> bool:
        return self.index < len(self.pieces) and self.pieces[self.index][0] == kind

    def any_of(self, start: ast.Span) -> ast.CodeRef:
        self.keyword("of")
        names = [self.name()]
        while self.at(_COMMA):
            self.index += 1
            names.append(self.name())
        return ast.CodeRef(tuple(names), True, self.between(start, names[-1].span))

    def _any_atom(self, start: ast.Span) -> ast.Condition:
        ref = self.any_of(start)
        if self.peek() == "billed":
            raise _GiveUpError
        return ast.CodeTerm(ref, ref.span)

    def _modifier_atom(self, start: ast.Span) -> ast.Condition:
        modifiers, target, last = self.modifiers()
        return ast.ModifierCond(modifiers, target, self.between(start, last))

    def modifiers(self) -> tuple[tuple[ast.Word, ...], ast.Word | None, ast.Span]:
        """``word_list [on target]``: the words, the target and the last span."""
        words = [self.name()]
        while True:
            if self.peek() == "or" or self.at(_COMMA):
                self.index += 1
                words.append(self.name())
            else:
                break
        if self.peek() == "on":
            self.index += 1
            following = self.peek()
            if following == "either" or following == "both":
                target = _Word(following, self.span(self.take()))
            else:
                target = self.name()
            return tuple(words), target, target.span
        return tuple(words), None, words[-1].span

    def _payer(self, start: ast.Span) -> ast.Condition:
        return self.field("payer", start)

    def _provider(self, start: ast.Span) -> ast.Condition:
        return self.field("provider", start)

    def field(self, subject: str, start: ast.Span) -> ast.Condition:
        field = self.name()
        comparison = self.comparison()
        return ast.FieldCond(subject, field, comparison, self.between(start, comparison.span))  # type: ignore[arg-type]

    def _referral(self, start: ast.Span) -> ast.Condition:
        return ast.PresentCond("referral", start)

    def _authorization(self, start: ast.Span) -> ast.Condition:
        return ast.PresentCond("authorization", start)

    def _documented(self, start: ast.Span) -> ast.Condition:
        element = self.name()
        return ast.DocumentedCond(element, self.between(start, element.span))

    def _visits(self, start: ast.Span) -> ast.Condition:
        if self.peek() == "this":
            self.index += 1
            self.keyword("year")
            comparison = self.comparison()
            return ast.VisitsCond(comparison, self.between(start, comparison.span))
        comparison = self.comparison()
        return ast.VisitsCond(comparison, self.between(start, comparison.span), scope="all")

    def _months(self, start: ast.Span) -> ast.Condition:
        self.keyword("since")
        self.keyword("first")
        self.keyword("visit")
        comparison = self.comparison()
        return ast.VisitsCond(comparison, self.between(start, comparison.span), scope="months")

    def _charges(self, start: ast.Span) -> ast.Condition:
        self.keyword("this")
        self.keyword("year")
        comparison = self.comparison()
        return ast.ChargesCond(comparison, self.between(start, comparison.span))

    def _total(self, start: ast.Span) -> ast.Condition:
        piece = self.take()
        if piece[0] != _WORD:
            raise _GiveUpError
        text = piece[3]
        if text in self.keywords and text not in ("minutes", "units", "date", "region"):
            raise _GiveUpError
        measure = _Word(text, self.span(piece))
        # As the transformer does: a total's span starts at its measure's name.
        return self.measure(measure, measure.span, total=True)

    def _measure_keyword(self, start: ast.Span) -> ast.Condition:
        piece = self.pieces[self.index - 1]
        return self.measure(_Word(piece[3], start), start, total=False)

    def measure(self, name: ast.Word, start: ast.Span, *, total: bool) -> ast.Condition:
        of = None
        if self.peek() == "of":
            self.index += 1
            if self.peek() == "any":
                of = self.any_of(self.span(self.take()))
            else:
                word = self.name()
                of = ast.CodeRef((word,), False, word.span)
        comparison = self.comparison()
        return ast.MeasureCond(name, of, total, comparison, self.between(start, comparison.span))

    # ---- comparisons and values
    def comparison(self) -> ast.Comparison:
        piece = self.take()
        if piece[0] == _COMPARE:
            value = self.value()
            return ast.Comparison(piece[3], (value,), self.between(self.span(piece), value.span))  # type: ignore[arg-type]
        if piece[0] != _WORD or piece[3] != "is":
            raise _GiveUpError
        negated = self.peek() == "not"
        if negated:
            self.index += 1
        values = [self.value()]
        while self.peek() == "or" or self.at(_COMMA):
            self.index += 1
            values.append(self.value())
        span = self.between(self.span(piece), values[-1].span)
        return ast.Comparison("is not" if negated else "is", tuple(values), span)

    def value(self) -> ast.Value:
        piece = self.take()
        kind, text = piece[0], piece[3]
        span = self.span(piece)
        if kind == _WORD:
            if text[0].isdigit():  # a date or a whole number (else a name the grammar reads apart)
                if _DATE.fullmatch(text):
                    return _Value("date", _day(text), span)
                if not text.isdigit() or not text.isascii():
                    raise _GiveUpError
                if len(text) > 1 and text.startswith("0"):
                    return _Value("word", text, span)  # as the transformer: 007 is a name
                if len(text) > self.max_digits:
                    raise _GiveUpError
                return _Value("number", int(text), span)
            if text in self.keywords:
                raise _GiveUpError
            return _Value("word", text, span)
        if kind == _STRING:
            return _Value("string", _string(text), span)
        if kind == _AMOUNT:
            return _Value("decimal", Decimal(text), span)
        if kind == _PARAM:
            return _Value("param", text[1:], span)
        raise _GiveUpError

    # ---- actions
    def action(self) -> ast.Action:
        piece = self.take()
        kind = piece[3] if piece[0] == _WORD else ""
        start = self.span(piece)
        if kind == "DENY" or kind == "WARN":
            following = self.peek()
            if following is None or following == "unless":
                return ast.Action(kind, None, None, None, start)  # type: ignore[arg-type]
            target = _Word("claim", self.span(self.take())) if following == "claim" else self.name()
            return ast.Action(kind, target, None, None, self.between(start, target.span))  # type: ignore[arg-type]
        if kind == "BUNDLE":
            into: ast.Word | None = None
            bundled: ast.Word | None = None
            last = start
            following = self.peek()
            if following is not None and following != "into" and following != "unless":
                bundled = self.name()
                last = bundled.span
            if self.peek() == "into":
                self.index += 1
                into = self.name()
                last = into.span
            return ast.Action("BUNDLE", bundled, into, None, self.between(start, last))
        if kind == "REQUIRE":
            requirement = self.requirement()
            assert requirement.span is not None
            return ast.Action("REQUIRE", None, None, requirement, self.between(start, requirement.span))
        raise _GiveUpError

    def requirement(self) -> ast.Requirement:
        piece = self.take()
        word = piece[3] if piece[0] == _WORD else ""
        start = self.span(piece)
        if word in ("referral", "diagnosis", "authorization"):
            return ast.Requirement(word, span=start)  # type: ignore[arg-type]
        if word == "documentation":
            element = self.name()
            return ast.Requirement("documentation", element=element, span=self.between(start, element.span))
        if word == "modifier":
            modifiers, target, last = self.modifiers()
            return ast.Requirement("modifier", modifiers=modifiers, target=target, span=self.between(start, last))
        raise _GiveUpError


# The atoms that start with a keyword, by the keyword.
_ATOMS: dict[str, Callable[[_Block, ast.Span], ast.Condition]] = {
    "any": _Block._any_atom,
    "modifier": _Block._modifier_atom,
    "payer": _Block._payer,
    "provider": _Block._provider,
    "referral": _Block._referral,
    "authorization": _Block._authorization,
    "documented": _Block._documented,
    "visits": _Block._visits,
    "months": _Block._months,
    "charges": _Block._charges,
    "total": _Block._total,
    "minutes": _Block._measure_keyword,
    "units": _Block._measure_keyword,
    "date": _Block._measure_keyword,
    "region": _Block._measure_keyword,
}


def _string(text: str) -> str:
    """A string's value, when it has no escape (the expression admits none) and no
    lone surrogate; else the tables parse it (and say what is wrong)."""
    value = text[1:-1]
    if _SURROGATE.search(value):
        raise _GiveUpError
    return value


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise _GiveUpError from None


def keywords_of(literals: dict[str, str]) -> list[str]:
    """The grammar's keywords: its literal terminals that are words."""
    return [value for value in literals.values() if re.fullmatch(r"[A-Za-z]+", value)]
