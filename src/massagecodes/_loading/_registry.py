"""Where rulesets come from, which version applies, and loading them by name.

Sources, in this order: the rulesets shipped in the package (``rulesets/``), the
directories a caller names, and the packages installed with an entry point in the
group ``massagecodes.rulesets`` (see docs/rulesets.md). Every ``.rules`` file in a
source is one version of one ruleset; its header names it (``ruleset``, ``version``,
``effective``).
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import ModuleType

import attrs
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from massagecodes import _resources
from massagecodes._compiler import Resolver, compile_text
from massagecodes._engine import Ruleset
from massagecodes._loading._files import folder_reader
from massagecodes._syntax import MAX_SOURCE_BYTES, DateRange, Word, parse
from massagecodes._text import describe, did_you_mean
from massagecodes.errors import (
    InputError,
    Problem,
    ResourceError,
    RulesError,
    RulesetNotFoundError,
    RulesetResolutionError,
)

ENTRY_POINT_GROUP = "massagecodes.rulesets"


@attrs.frozen
class RulesetInfo:
    """One available ruleset version: what :func:`available_rulesets` lists."""

    name: str
    version: str
    title: str | None
    hash: str
    effective: tuple[datetime.date, datetime.date | None] | None
    origin: str  # "shipped", "directory PATH", or "package DIST (entry point NAME)"
    location: str

    def in_effect(self, day: datetime.date) -> bool:
        if self.effective is None:
            return True
        start, end = self.effective
        return start <= day and (end is None or day <= end)


@attrs.frozen
class _Candidate:
    folder: Traversable = attrs.field(eq=False, repr=False)
    name: str
    version: str
    title: str | None
    effective: tuple[datetime.date, datetime.date | None] | None
    origin: str
    location: str
    text: str = attrs.field(repr=False)

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)


def _entry_point_folders() -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        dist = entry.dist.name if entry.dist is not None else "unknown"
        origin = f"package {dist} (entry point {entry.name})"
        try:
            target: object = entry.load()
            if callable(target) and not isinstance(target, ModuleType):
                target = target()
        except Exception as error:  # a broken plugin must not break the others silently
            raise ResourceError(f"{origin}: cannot load {entry.value!r}: {type(error).__name__}: {error}") from None
        if isinstance(target, ModuleType):
            yield origin, resources.files(target)
        elif isinstance(target, str | os.PathLike):
            yield origin, Path(target)
        elif isinstance(target, Traversable):
            yield origin, target
        else:
            raise ResourceError(f"{origin}: {entry.value!r} is not a package, a folder or a function returning one")


def _folders(directories: Sequence[str | os.PathLike[str]], *, entry_points: bool) -> list[tuple[str, Traversable]]:
    folders: list[tuple[str, Traversable]] = [("shipped", _resources.data_dir("rulesets"))]
    problems = []
    if isinstance(directories, str | bytes | os.PathLike) or not isinstance(directories, Iterable):
        raise InputError(
            [Problem("directories", f"expected a list of folders, got {describe(directories)}")], what="argument"
        )
    given: Iterable[object] = directories  # untyped callers may pass anything
    for index, directory in enumerate(given):
        if not isinstance(directory, str | os.PathLike):
            problems.append(Problem(f"directories[{index}]", f"expected a folder path, got {describe(directory)}"))
            continue
        path = Path(directory)
        if not path.is_dir():
            problems.append(Problem(f"directories[{describe(str(path))}]", "is not a folder"))
        folders.append((f"directory {path}", path))
    if problems:
        raise InputError(problems, what="argument")
    if entry_points:
        folders.extend(_entry_point_folders())
    return folders


@attrs.frozen
class _Broken:
    """A ruleset file that does not parse, set aside while another ruleset is loaded."""

    declared: str | None  # the name on its `ruleset` line, if that line can be read
    file: str
    error: RulesError

    def could_be(self, name: str) -> bool:
        return self.declared == name or (self.declared is None and self.file.startswith(f"{name}-"))


class _Sources(list[_Candidate]):
    """The candidates found, and the broken files set aside (see ``wanted``)."""

    broken: tuple[_Broken, ...] = ()


_DECLARED = re.compile(r"^[ \t]*ruleset[ \t]+([A-Za-z0-9_.-]+)[ \t]*(?:#.*)?$", re.MULTILINE)


def _candidates(
    directories: Sequence[str | os.PathLike[str]],
    *,
    entry_points: bool = True,
    strict: bool = True,
    wanted: str | None = None,
) -> _Sources:
    """Every ruleset file of the sources. With ``wanted`` (a ruleset being loaded by
    name), a file that does not parse is set aside unless it may be that ruleset (its
    `ruleset` line or its file name says so); it is reported if a base it may be is
    needed. Without ``wanted``, any broken file is an error."""
    found = _Sources()
    broken: list[_Broken] = []
    problems: list[Problem] = []
    for origin, folder in _folders(directories, entry_points=entry_points):
        for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
            if not item.name.endswith(".rules") or not item.is_file():
                continue
            location = str(item)
            data = item.read_bytes()
            if len(data) > MAX_SOURCE_BYTES:
                problems.append(Problem(location, f"larger than {MAX_SOURCE_BYTES} bytes"))
                continue
            text = data.decode("utf-8", errors="replace")
            try:
                document = parse(text, source=location)
            except RulesError as error:
                declared = _DECLARED.search(text)
                set_aside = _Broken(declared.group(1) if declared else None, item.name, error)
                if wanted is None or set_aside.could_be(wanted):
                    raise
                broken.append(set_aside)
                continue
            header = {entry.key: entry.value for entry in document.header}
            name, version = header.get("ruleset"), header.get("version")
            if not isinstance(name, Word) or not isinstance(version, Word):
                if not strict:
                    continue  # looking for a base: a file that names no ruleset cannot be one
                problems.append(
                    Problem(
                        location, "a published ruleset names itself: add the lines `ruleset NAME` and `version VERSION`"
                    )
                )
                continue
            try:
                Version(version.text)
            except InvalidVersion:
                problems.append(Problem(location, f"version {version.text!r} is not a PEP 440 version"))
                continue
            effective = header.get("effective")
            title = header.get("title")
            found.append(
                _Candidate(
                    folder=folder,
                    name=name.text,
                    version=version.text,
                    title=str(getattr(title, "value", "")) or None if title is not None else None,
                    effective=(effective.start, effective.end) if isinstance(effective, DateRange) else None,
                    origin=origin,
                    location=location,
                    text=text,
                )
            )
    if problems:
        raise InputError(problems, what="ruleset sources")
    found.broken = tuple(broken)
    return found


def _available_text(candidates: Iterable[_Candidate]) -> str:
    by_name: dict[str, list[str]] = {}
    for candidate in candidates:
        by_name.setdefault(candidate.name, []).append(candidate.version)
    if not by_name:
        return "no rulesets are available"
    listed = "; ".join(
        f"{name} {', '.join(sorted(versions, key=Version))}" for name, versions in sorted(by_name.items())
    )
    return f"available: {listed}"


def _specifier(version: str | None) -> SpecifierSet | None:
    if version is None:
        return None
    text = version.strip()
    if not text:
        raise InputError(
            [Problem("version", 'expected a version or a constraint such as "==2025.2", got an empty string')],
            what="argument",
        )
    if text[0] in "0123456789":
        text = "==" + text
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise InputError(
            [
                Problem(
                    "version",
                    f'expected a version or a constraint such as "==2025.2", "~=2025.1" or ">=2025.1,<2026", got {describe(version)}',
                )
            ],
            what="argument",
        ) from None


def _select(candidates: _Sources, name: str, version: str | None, on: datetime.date | None) -> _Candidate:
    for broken in candidates.broken:
        if broken.could_be(name):
            raise broken.error
    named = [candidate for candidate in candidates if candidate.name == name]
    if not named:
        hint = did_you_mean(name, {candidate.name for candidate in candidates})
        raise RulesetNotFoundError(f"no ruleset named {name!r}{hint}; {_available_text(candidates)}")
    spec = _specifier(version)
    matching = [c for c in named if spec is None or spec.contains(c.parsed_version, prereleases=True)]
    if not matching:
        versions = ", ".join(sorted((c.version for c in named), key=Version))
        raise RulesetNotFoundError(f"no version of ruleset {name!r} matches {version!r}; its versions: {versions}")
    # As pip does: pre-releases only when asked for by name, or when nothing else matches.
    finals = [c for c in matching if not c.parsed_version.is_prerelease]
    if finals and not (spec is not None and spec.prereleases):
        matching = finals
    if on is not None:
        in_force = [
            c
            for c in matching
            if c.effective is None or (c.effective[0] <= on and (c.effective[1] is None or on <= c.effective[1]))
        ]
        if not in_force:
            ranges = "; ".join(
                f"{c.version}: {_range(c.effective)}" for c in sorted(matching, key=lambda c: c.parsed_version)
            )
            raise RulesetNotFoundError(f"no version of ruleset {name!r} is in force on {on}; {ranges}")
        matching = in_force
    best = max(matching, key=lambda c: c.parsed_version)
    same = [c for c in matching if c.parsed_version == best.parsed_version]
    texts = {c.text for c in same}
    if len(texts) > 1:
        places = "; ".join(f"{c.origin} ({c.location})" for c in same)
        raise RulesetResolutionError(
            f"ruleset {name} {best.version} is provided twice, with different content: {places}"
        )
    return best


def _range(effective: tuple[datetime.date, datetime.date | None] | None) -> str:
    if effective is None:
        return "always"
    start, end = effective
    return f"from {start}" + (f" to {end}" if end is not None else "")


def _resolver(candidates: _Sources, on: datetime.date | None = None) -> Resolver:
    """Bases among ``candidates``; with ``on``, only versions in force on that date."""

    def resolve(
        name: str, spec: str | None, chain: tuple[tuple[str, str | None], ...], params: Mapping[str, object]
    ) -> Ruleset:
        chosen = _select(candidates, name, spec, on)
        for seen_name, seen_version in chain:
            if seen_name == name:
                path = " -> ".join(f"{n} {v}" for n, v in (*chain, (name, chosen.version)))
                if seen_version == chosen.version:
                    raise RulesetResolutionError(f"rulesets extend each other in a cycle: {path}")
                raise RulesetResolutionError(
                    f"two versions of ruleset {name} in one resolution ({seen_version} and {chosen.version}): {path}"
                )
        return compile_text(
            chosen.text,
            source=chosen.location,
            params=params,
            resolver=resolve,
            chain=chain,
            lenient_params=True,
            files=folder_reader(chosen.folder),
        )

    return resolve


def directory_resolver(directories: Sequence[str | os.PathLike[str]]) -> Resolver:
    """Bases among these folders, the shipped rulesets and those of installed packages;
    the folders are read only when a base is needed."""

    def resolve(
        name: str, spec: str | None, chain: tuple[tuple[str, str | None], ...], params: Mapping[str, object]
    ) -> Ruleset:
        return _resolver(_candidates(directories, strict=False, wanted=name))(name, spec, chain, params)

    return resolve


def default_resolver() -> Resolver:
    """Bases among the shipped rulesets and those of installed packages."""
    return _resolver(_candidates(()))


def available_rulesets(*, directories: Sequence[str | os.PathLike[str]] = ()) -> tuple[RulesetInfo, ...]:
    """Every ruleset version available: shipped, in ``directories``, and from packages.

    Sorted by name, then version. Each is compiled to compute its content hash.
    """
    candidates = _candidates(directories)
    resolve = _resolver(candidates)
    infos = []
    for candidate in sorted(candidates, key=lambda c: (c.name, c.parsed_version, c.origin)):
        ruleset = compile_text(
            candidate.text,
            source=candidate.location,
            params={},
            resolver=resolve,
            chain=(),
            lenient_params=True,
            files=folder_reader(candidate.folder),
        )
        infos.append(
            RulesetInfo(
                name=candidate.name,
                version=candidate.version,
                title=ruleset.title,
                hash=ruleset.hash,
                effective=ruleset.effective,
                origin=candidate.origin,
                location=candidate.location,
            )
        )
    return tuple(infos)


def _check_arguments(name: object, version: object, on: object, params: object) -> None:
    """Callers from untyped code get a clear error, not a TypeError deep inside."""
    problems = []
    if not isinstance(name, str) or not name:
        problems.append(Problem("name", f"expected a ruleset name, got {describe(name)}"))
    if version is not None and not isinstance(version, str):
        problems.append(Problem("version", f"expected a version string, got {describe(version)}"))
    if on is not None and (not isinstance(on, datetime.date) or isinstance(on, datetime.datetime)):
        problems.append(Problem("on", f"expected a datetime.date, got {describe(on)}"))
    if params is not None and not isinstance(params, Mapping):
        problems.append(Problem("params", f"expected a mapping of parameter names to values, got {describe(params)}"))
    if problems:
        raise InputError(problems, what="argument")


def load_ruleset(
    name: str,
    version: str | None = None,
    *,
    on: datetime.date | None = None,
    directories: Sequence[str | os.PathLike[str]] = (),
    params: Mapping[str, object] | None = None,
) -> Ruleset:
    """Load a ruleset by name: the highest version that matches ``version`` (a version
    such as ``"2025.2"`` or a constraint such as ``"~=2025.1"``) and, with ``on``, is
    in force on that date of service.

    ``on`` applies to the bases a ruleset ``extends`` as well: each is the highest
    version that matches the ``extends`` constraint and is in force on that date.

    Raises :class:`~massagecodes.errors.RulesetNotFoundError` (listing what is
    available) when nothing matches.
    """
    _check_arguments(name, version, on, params)
    candidates = _candidates(directories, wanted=name)
    chosen = _select(candidates, name, version, on)
    return compile_text(
        chosen.text,
        source=chosen.location,
        params=dict(params or {}),
        resolver=_resolver(candidates, on),  # bases too are the versions in force on that date
        chain=(),
        files=folder_reader(chosen.folder),
    )
