"""The Pygments lexer for .rules files, registered through the pygments.lexers entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Keyword, Name, Operator, String, Token

from massagecodes._pygments import ACTIONS, CONNECTIVES, STATEMENTS, WORDS, RulesLexer
from massagecodes._syntax import keyword_names

ROOT = Path(__file__).resolve().parent.parent


def test_registered_through_the_entry_point() -> None:
    assert isinstance(get_lexer_by_name("massagecodes"), RulesLexer)
    assert isinstance(get_lexer_for_filename("payer.rules"), RulesLexer)


def test_knows_every_keyword_of_the_grammar() -> None:
    assert set(keyword_names()) == {*ACTIONS, *CONNECTIVES, *STATEMENTS, *WORDS}


def test_tokens() -> None:
    text = 'rule same-region "Massage"\n  97124 AND 97140 SAME region -> DENY 97140 unless modifier 59  # why\nend\n'
    tokens = [(kind, value) for kind, value in RulesLexer().get_tokens(text) if value.strip()]
    assert tokens == [
        (Keyword.Declaration, "rule"),
        (Name.Function, "same-region"),
        (String.Double, '"Massage"'),
        (Name.Constant, "97124"),
        (Operator.Word, "AND"),
        (Name.Constant, "97140"),
        (Operator.Word, "SAME"),
        (Keyword.Declaration, "region"),
        (Operator, "->"),
        (Keyword.Reserved, "DENY"),
        (Name.Constant, "97140"),
        (Keyword, "unless"),
        (Keyword, "modifier"),
        (Token.Literal.Number, "59"),
        (Comment.Single, "# why"),
        (Keyword.Declaration, "end"),
    ]


@pytest.mark.parametrize("path", sorted((ROOT / "rulesets").glob("*.rules")), ids=lambda p: p.name)
def test_shipped_rulesets_lex_without_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tokens = list(RulesLexer().get_tokens(text))
    assert all(kind is not Token.Error for kind, _ in tokens)
    assert "".join(value for _, value in tokens) == text
