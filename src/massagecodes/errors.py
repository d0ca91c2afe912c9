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
    "Diagnostic",
    "InputError",
    "MassagecodesError",
    "Problem",
    "ExtraMissingError",
    "ResourceError",
    "RulesError",
    "RulesSemanticError",
    "RulesSyntaxError",
    "RulesetNotFoundError",
    "RulesetResolutionError",
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


@attrs.frozen
class Diagnostic:
    """One problem in a ``.rules`` text, at ``source:line:column``.

    ``code`` is stable (``MC101``) and documented in docs/errors.md; ``line`` and
    ``column`` are 1-based; ``end_column`` is just past the underlined text on
    ``line``; ``source_line`` is that line's text; ``hint`` is "did you mean ..." or
    another suggestion, when there is one.
    """

    code: str
    message: str
    source: str
    line: int
    column: int
    end_column: int
    source_line: str
    severity: str = "error"
    hint: str | None = None

    def render(self) -> str:
        """``file:line:col: error MC201: message``, the source line, and a caret underline."""
        head = f"{self.source}:{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            head += f" ({self.hint})"
        number = str(self.line)
        pad = " " * len(number)
        text = self.source_line.expandtabs(1).rstrip("\n")
        width = max(1, min(self.end_column, len(text) + 1) - self.column)
        caret = " " * (self.column - 1) + "^" * width
        return f"{head}\n {number} | {text}\n {pad} | {caret}"

    def __str__(self) -> str:
        return self.render()


class RulesError(MassagecodesError, ValueError):
    """A ``.rules`` text that cannot be compiled; ``diagnostics`` lists every problem found."""

    diagnostics: tuple[Diagnostic, ...]

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__(self._render())

    def _render(self) -> str:
        count = len(self.diagnostics)
        noun = "error" if count == 1 else "errors"
        source = self.diagnostics[0].source if self.diagnostics else "<rules>"
        return "\n".join([f"{source}: {count} {noun}", *(d.render() for d in self.diagnostics)])

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics,))


class RulesSyntaxError(RulesError):
    """The text does not follow the grammar (codes MC1xx). Its ``diagnostics`` also
    list the semantic problems (MC2xx) of the statements that did parse."""

    def __init__(self, diagnostics: Iterable[Diagnostic], *, partial: object = None) -> None:
        super().__init__(diagnostics)
        self.partial = partial  # the statements that parsed, for the compiler to check

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics,))


class RulesSemanticError(RulesError):
    """The text parses but says something impossible: an unknown code, field or region,
    a duplicate rule id, a comparison of the wrong type (codes MC2xx)."""


class RulesetNotFoundError(MassagecodesError, LookupError):
    """No available ruleset matches a name, version constraint or date; the message
    lists what is available."""


class RulesetResolutionError(MassagecodesError, ValueError):
    """Rulesets that cannot be put together: a cycle of ``extends``, two versions of
    one ruleset in one resolution, or one version provided twice with different content."""


class ExtraMissingError(MassagecodesError, ImportError):
    """A feature needs an optional extra that is not installed; the message names the
    ``pip install`` to run."""
