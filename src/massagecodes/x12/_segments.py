"""Segments and elements, as both directions of the 837P see them.

The version written and expected (005010X222A1), the characters an element may hold
(printable, none of the separators written: ``* : ^ ~``) and how a value that breaks
that is reported, and :class:`_Segment`, a segment as read from pyx12 with its
position, which every message names instead of a value.
"""

from __future__ import annotations

import re

import attrs

from massagecodes.errors import InputError, Problem

VERSION = "005010X222A1"
# Values written into an element: printable, and none of the separators.
_TEXT = re.compile(r"[A-Za-z0-9!\"&'()+,\-./;?= %@\[\]_{}\\|<>#$]*")


def _text_problems(
    path: str, value: object, *, max_len: int, min_len: int = 1, sensitive: bool = False
) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(path, f"expected a string, got a {type(value).__name__}")]
    if not min_len <= len(value) <= max_len:
        return [Problem(path, f"expected {min_len}-{max_len} characters, got {len(value)}")]
    if value != value.strip():
        return [Problem(path, "expected no leading or trailing spaces")]
    if not _TEXT.fullmatch(value):
        shown = "" if sensitive else f" in {value!r}"
        return [Problem(path, f"expected X12 characters only, and none of * : ^ ~{shown}")]
    return []


def _raise_if(problems: list[Problem], what: str) -> None:
    if problems:
        raise InputError(problems, what=what)


@attrs.define
class _Segment:
    position: int  # 1-based, counting from ISA
    loop: str  # the innermost loop id (2300, 2400, ...) or "" for the envelope
    id: str
    elements: list[list[str]]  # elements[0] is the segment id; each element split at the component separator

    def get(self, element: int, component: int = 1) -> str:
        if element >= len(self.elements):
            return ""
        parts = self.elements[element]
        return parts[component - 1] if component <= len(parts) else ""

    def where(self, element: int | None = None) -> str:
        suffix = "" if element is None else f" {self.id}{element:02d}"
        return f"segment {self.position}{suffix}"
