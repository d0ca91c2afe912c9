"""Source text: its lines, comments and strings as the grammar sees them, and its limits."""

from __future__ import annotations

import re

MAX_SOURCE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64  # nesting of (), [] and {}


def source_lines(text: str) -> list[str]:
    """The text's lines as the grammar counts them: split at newlines only (a form
    feed or a Unicode line separator does not start a line)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _line_text(text: str | list[str], line: int) -> str:
    lines = source_lines(text) if isinstance(text, str) else text
    return lines[line - 1] if 0 < line <= len(lines) else ""


def split_comment(line: str) -> tuple[str, str | None]:
    """A line's code and its comment (from ``#`` to the end), a ``#`` inside a string
    being part of the string."""
    in_string = escaped = False
    for index, char in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            return line[:index], line[index:]
    return line, None


_STRING = re.compile(r'"([^"\\\n]|\\.)*"?')


def _bracket_balance(line: str) -> int:
    code = _STRING.sub("", split_comment(line)[0])  # brackets inside strings do not count
    return sum(code.count(char) for char in "([{") - sum(code.count(char) for char in ")]}")
