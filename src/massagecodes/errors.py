"""The library's errors.

Every error the library raises on purpose derives from :class:`MassagecodesError`.
Errors about bad input also derive from :class:`ValueError`, so code that already
catches ``ValueError`` keeps working.

Messages name fields and positions (a JSON path such as ``$.lines[1].minutes``),
never patient data: values are echoed only for fields that carry no health
information about a person (minutes, units, procedure codes, modifiers, ...).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "InputError",
    "MassagecodesError",
    "Problem",
    "ResourceError",
    "UnknownCodeError",
]


class MassagecodesError(Exception):
    """Base class of every error raised by massagecodes."""


@attrs.frozen
class Problem:
    """One thing wrong with an input, and where it is.

    ``path`` is a JSON path into the input (``$.lines[1].minutes``) or, for
    function arguments, the argument's name. ``message`` says what was expected
    and, where that is not health information, what was found.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InputError(MassagecodesError, ValueError):
    """Input that the library cannot accept, with every problem found in it.

    ``problems`` lists all the problems, in the order they were found; the
    message shows them one per line.
    """

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem], *, what: str = "input") -> None:
        self.problems = tuple(problems)
        self.what = what
        super().__init__(self._render())

    def _render(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"invalid {self.what}: {count} {noun}"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the error picklable (it crosses process boundaries in worker pools).
        return (_rebuild, (type(self), self.problems, self.what))


class UnknownCodeError(InputError):
    """A procedure code that the code catalog in use does not know.

    Raised where the library must know something about a code (for example,
    whether it is timed) and would otherwise have to guess.
    """


def _rebuild(cls: type[InputError], problems: tuple[Problem, ...], what: str) -> InputError:
    return cls(problems, what=what)


class ResourceError(MassagecodesError, OSError):
    """A data file that ships with the package could not be found or read."""
