"""The denial codes a finding may carry: CARC and RARC, their meanings, and which CARC
needs a remark code.

The list ships as ``adjustment_codes.csv`` beside this module (with its source). The
compiler's analysis warns about a code not in it and about a CARC that needs a remark
code but has none; the language server shows a code's meaning on hover.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import Literal

import attrs

__all__ = ["AdjustmentCode", "adjustment_code", "adjustment_codes"]


@attrs.frozen
class AdjustmentCode:
    """One CARC or RARC: its meaning, whether a remark code must go with it (CARC only),
    and its deactivation date when X12 deactivated it."""

    kind: Literal["CARC", "RARC"]
    code: str
    meaning: str
    remark_required: bool = False
    deactivated: str | None = None


@functools.cache
def adjustment_codes() -> dict[tuple[str, str], AdjustmentCode]:
    """Every shipped code, by (kind, code)."""
    text = resources.files("massagecodes").joinpath("adjustment_codes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    found: dict[tuple[str, str], AdjustmentCode] = {}
    for row in rows:
        if None in row or None in row.values():  # pragma: no cover - the shipped file is whole (a test reads it)
            raise ValueError(f"adjustment_codes.csv: a row of other than 5 fields: {row}")
        kind: Literal["CARC", "RARC"] = "CARC" if row["kind"] == "CARC" else "RARC"
        found[(kind, row["code"])] = AdjustmentCode(
            kind, row["code"], row["meaning"], row["remark"] == "required", row["deactivated"] or None
        )
    return found


def adjustment_code(kind: Literal["CARC", "RARC"], code: str) -> AdjustmentCode | None:
    """The shipped entry of a CARC or RARC; None when the list does not have it."""
    return adjustment_codes().get((kind, code))
