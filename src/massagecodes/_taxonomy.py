"""Which licence a provider taxonomy code says: the NUCC table shipped as data.

Claims from billing systems carry no licence, but they carry the provider's NUCC
taxonomy (837P ``PRV``, FHIR ``PractitionerRole.specialty`` or a qualification). The
readers take each claim's licence from it through ``taxonomy_licences.csv`` (its source
and what it leaves out are written in it), and fall back to the licence the caller gives
when a claim has no taxonomy or one the table does not map.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

from massagecodes._model import License

__all__ = ["licence_for_taxonomy", "taxonomy_table"]


@functools.cache
def taxonomy_table() -> tuple[tuple[str, License, str], ...]:
    """(taxonomy or prefix, licence, classification), longest taxonomy first."""
    text = resources.files("massagecodes").joinpath("taxonomy_licences.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    table = [(row["taxonomy"], License(row["licence"]), row["classification"]) for row in rows]
    return tuple(sorted(table, key=lambda row: -len(row[0])))


def licence_for_taxonomy(code: str | None) -> License | None:
    """The licence a taxonomy code says; None for no code or a code the table does not map."""
    if not code:
        return None
    for taxonomy, licence, _ in taxonomy_table():
        if code == taxonomy or (len(taxonomy) < 10 and code.startswith(taxonomy)):
            return licence
    return None
