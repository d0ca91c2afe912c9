"""The state of one read of a FHIR Claim, and what every part of the mapping reads with it.

:class:`_Reader` collects the problems found while mapping and where each value of
the model's JSON shape came from in the resource, so the model's own problems are
reported at their FHIR paths. It resolves references to contained resources and
reads the one code of a CodeableConcept in our systems. Also here: our extensions
on an element (others' are not read) and modifier extensions (never understood:
they stop the read, as FHIR requires).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from massagecodes._text import did_you_mean, one_of
from massagecodes.errors import Problem
from massagecodes.fhir._json import _at, _items, _key
from massagecodes.fhir._systems import _OUR_EXTENSIONS, BASE_URL


@attrs.define
class _Reader:
    """State of one read_claim call.

    ``problems`` found while mapping; ``sources`` maps a path in the model's JSON
    shape to the FHIR path its value came from, so the model's own problems can
    be reported where they are in the resource; ``failed`` holds model paths whose
    value could not be read (their problem is reported already).
    """

    contained: dict[str, tuple[str, Mapping[str, Any]]]
    problems: list[Problem] = attrs.Factory(list)
    sources: dict[str, str] = attrs.Factory(dict)
    failed: set[str] = attrs.Factory(set)

    def add(self, path: str, message: str, *, field: str | None = None) -> None:
        self.problems.append(Problem(path, message))
        if field is not None:
            self.failed.add(field)

    def source(self, field: str, path: str) -> None:
        self.sources[field] = path

    def translate(self, problem: Problem) -> Problem | None:
        """A model problem at its FHIR path; None when its field's problem was reported already."""
        if any(_within(problem.path, field) for field in self.failed):
            return None
        best = max((field for field in self.sources if _within(problem.path, field)), key=len, default=None)
        # Say it in the resource's terms: money is a JSON number there, units a quantity.
        message = problem.message.replace(', as a string such as "120.00"', "")
        message = _IN_FHIR_TERMS.get(message, message)
        if best is None:
            return Problem(problem.path, message)
        return Problem(self.sources[best] + problem.path[len(best) :], message)

    # ---- references and codes ---- #

    def resolve(self, reference: object, path: str, field: str) -> tuple[str, Mapping[str, Any]] | None:
        """A reference to a contained resource -> (its path, the resource); None for any other reference.

        A local reference ("#id") to no contained resource is reported, failing ``field``.
        """
        if not isinstance(reference, dict):
            return None
        target = reference.get("reference")
        if isinstance(target, str) and target.startswith("#"):
            found = self.contained.get(target[1:])
            if found is None:
                self.add(
                    _key(path, "reference"), "points to a contained resource that is not in contained", field=field
                )
            return found
        return None

    def coding(
        self, concept: object, path: str, systems: Iterable[str], what: str, *, field: str | None = None
    ) -> tuple[str, str] | None:
        """The one code of ``concept`` in ``systems`` -> (code, its path); None, reporting nothing, if absent.

        Codings in other systems are translations of the same concept (that is what
        a CodeableConcept is), so they are not read; two different codes in our
        systems are a contradiction, and are reported.
        """
        systems = tuple(systems)
        found: list[tuple[str, str]] = []
        for index, coding in _items(concept.get("coding") if isinstance(concept, dict) else None):
            coding_path = _at(_key(path, "coding"), index)
            if not isinstance(coding, dict) or coding.get("system") not in systems:
                continue
            code = coding.get("code")
            if not isinstance(code, str):
                self.add(coding_path, f"a {what} coding without a code", field=field)
                return None
            found.append((code, _key(coding_path, "code")))
        if len({code for code, _ in found}) > 1:
            self.add(path, f"expected one {what} code, found {len(found)} different ones", field=field)
            return None
        return found[0] if found else None

    def missing_coding(self, concept: object, path: str, systems: Iterable[str], what: str, field: str) -> None:
        self.add(
            path, f"expected a coding of system {one_of(systems)} ({what}); {_found_systems(concept)}", field=field
        )


_IN_FHIR_TERMS = {
    'expected "minutes", "units" or both': "expected quantity (the units billed), the minutes extension, or both",
}


def _within(path: str, prefix: str) -> bool:
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[")


def _found_systems(concept: object) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    systems: list[str] = []
    for _, coding in _items(codings):
        system = coding.get("system") if isinstance(coding, dict) else None
        label = f'"{system}"' if isinstance(system, str) else "no system"
        if label not in systems:
            systems.append(label)
    if not systems:
        return "found no coding"
    return "found codings of " + ", ".join(systems)


def _extensions(element: Mapping[str, Any], path: str, reader: _Reader) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Our extensions on ``element`` by URL -> (path, extension). Others' extensions are not read.

    A URL under our base that we do not define, or one of ours given twice, is reported.
    """
    ours: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for index, extension in _items(element.get("extension")):
        ext_path = _at(_key(path, "extension"), index)
        url = extension.get("url") if isinstance(extension, dict) else None
        if not isinstance(url, str) or not url.startswith(BASE_URL):
            continue
        if url not in _OUR_EXTENSIONS:
            reader.add(
                _key(ext_path, "url"),
                f"unknown massagecodes extension{did_you_mean(url, _OUR_EXTENSIONS)}; docs/fhir.md lists them",
            )
        elif url in ours:
            reader.add(ext_path, "this extension is given twice; it is allowed once here")
        else:
            ours[url] = (ext_path, extension)
    return ours


def _value(
    extension: Mapping[str, Any], path: str, kind: str, reader: _Reader, field: str
) -> tuple[object, str] | None:
    """The ``value<kind>`` of an extension -> (value, its path), reporting any other value[x]."""
    key = "value" + kind
    if key in extension:
        return extension[key], _key(path, key)
    reader.add(path, f"expected {key}", field=field)
    return None


def _collect_contained(data: Mapping[str, Any], reader: _Reader) -> None:
    for index, resource in _items(data.get("contained")):
        path = _at("$.contained", index)
        resource_id = resource.get("id")
        if not isinstance(resource_id, str):
            continue
        if resource_id in reader.contained:
            reader.add(_key(path, "id"), "duplicate contained resource id")
        else:
            reader.contained[resource_id] = (path, resource)


def _modifier_extensions(value: object, path: str, reader: _Reader) -> None:
    """A modifierExtension changes the meaning of its element: one we cannot read stops the read (FHIR rule)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "modifierExtension" and item:
                reader.add(
                    _key(path, key), "a modifier extension changes the meaning of this element and is not understood"
                )
            else:
                _modifier_extensions(item, _key(path, key), reader)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _modifier_extensions(item, _at(path, index), reader)
