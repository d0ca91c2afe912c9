"""Rulesets from text and files: ``compile_rules``, ``load_rules`` and the readers of
rule files and of the tables beside them.

The compile pipeline itself is :mod:`massagecodes._compiler`'s; what is decided
here is where text and imported tables are read from (a folder, never a path out
of it) and which resolver finds the base of an ``extends`` (the registry's).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from massagecodes._compiler import Resolver, compile_text
from massagecodes._engine import Ruleset
from massagecodes._loading._files import folder_reader, read_rules_file
from massagecodes._loading._registry import default_resolver, directory_resolver
from massagecodes._text import describe
from massagecodes.errors import InputError, Problem


def compile_rules(
    text: str,
    *,
    source: str = "<rules>",
    params: Mapping[str, object] | None = None,
    resolver: Resolver | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> Ruleset:
    """Compile ``.rules`` text into a :class:`Ruleset`.

    ``params`` gives values to the ruleset's ``param`` settings; ``directory`` is
    where ``import``-ed tables are read from. A ruleset that
    ``extends`` another finds its base with ``resolver`` (by default, among the
    shipped rulesets and those of installed packages; see :func:`load_ruleset`).
    Raises :class:`~massagecodes.errors.RulesSyntaxError` or
    :class:`~massagecodes.errors.RulesSemanticError` listing every problem, each at
    ``source:line:column`` with the line and a caret.
    """
    if not isinstance(text, str):
        raise InputError([Problem("text", f"expected the rules as a str, got {describe(text)}")], what="argument")
    if not isinstance(source, str):
        raise InputError([Problem("source", f"expected a file name as a str, got {describe(source)}")], what="argument")
    if params is not None and not isinstance(params, Mapping):
        raise InputError(
            [Problem("params", f"expected a mapping of parameter names to values, got {describe(params)}")],
            what="argument",
        )
    if directory is not None and not isinstance(directory, str | os.PathLike):
        raise InputError([Problem("directory", f"expected a folder path, got {describe(directory)}")], what="argument")
    files = folder_reader(Path(directory)) if directory is not None else None
    if resolver is None:
        resolver = default_resolver()
    return compile_text(text, source=source, params=dict(params or {}), resolver=resolver, chain=(), files=files)


def load_rules(
    path: str | os.PathLike[str],
    *,
    params: Mapping[str, object] | None = None,
    directories: Sequence[str | os.PathLike[str]] = (),
) -> Ruleset:
    """Read and compile a ``.rules`` file (UTF-8, at most 16 MiB); tables it imports
    are read from the same folder. A base it ``extends`` is looked for in
    ``directories`` as well as among the shipped and installed rulesets."""
    if not isinstance(path, str | os.PathLike):
        raise InputError([Problem("path", f"expected a file path, got {describe(path)}")], what="argument")
    location = Path(path)
    text = read_rules_file(location)
    resolver = directory_resolver(directories) if directories else None
    return compile_rules(text, source=str(location), params=params, directory=location.parent, resolver=resolver)
