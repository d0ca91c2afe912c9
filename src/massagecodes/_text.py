"""Small helpers for messages: describing a found value, suggesting a close name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import Decimal

_MAX_ECHO = 40


def describe(value: object, *, sensitive: bool = False) -> str:
    """How a message shows a value it found: JSON-like, short, never patient data.

    With ``sensitive=True`` only the kind of value is shown (a string of 7
    characters), so a diagnosis or a patient id never reaches a log.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if sensitive:
            return f"a string of {len(value)} characters"
        text = value if len(value) <= _MAX_ECHO else value[: _MAX_ECHO - 3] + "..."
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int):
        if sensitive:
            return "a number"
        # Python refuses to print very long integers; a message needs no more than this.
        return str(value) if value.bit_length() <= 64 else "a number of more than 19 digits"
    if isinstance(value, Decimal):
        if sensitive:
            return "a number"
        text = str(value)
        return text if len(text) <= _MAX_ECHO else "a number of more than 19 digits"
    if isinstance(value, float):
        return "a number" if sensitive else repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` when a candidate is close to ``word``, else ``""``."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f' (did you mean "{matches[0]}"?)' if matches else ""


def one_of(names: Iterable[str]) -> str:
    """``"a", "b" or "c"`` for a message listing the accepted names."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
