"""K3 notes: what the model says that the 837P has no element for.

A claim's licence, payer state, a payer kind SBR09 cannot say, referral and
documentation, authorization dates and visits (loop 2300), and a line's region and
minutes (loop 2400) travel in K3 segments as a JSON object in the model's own shape.
This module decides what a note carries, how it is encoded and cut into K3 pieces,
and which notes a reader accepts: a note that says more than those fields is
refused, so a note can never change a code, a unit, an NPI.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from massagecodes._model import Claim
from massagecodes.errors import Problem
from massagecodes.x12._filing import _FILING_TO_KIND, _KIND_TO_FILING
from massagecodes.x12._segments import _Segment

# What the 837P has no element for travels in K3 (file information) segments of the
# claim (2300) and of the line (2400), as a JSON object in the model's own shape,
# percent-encoded and cut into pieces that start with this mark.
_K3_MARK = "MC1 "
_K3_PIECE = 80 - len(_K3_MARK)
_K3_MAX = 10  # K3 may repeat 10 times in 2300 and in 2400
# Characters kept as they are in a K3 payload: the X12 extended set without the
# separators the writer uses (* : ^ ~) and without % (the escape).
_K3_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789{}[],.\"-_!&'()+/;?=@#$<>|")
# (No space: a piece that ended in one would end in trailing spaces, which X12 refuses.)
# What a K3 note may say, and nothing else: the fields the 837P has no element for.
# A note that says more is refused, so a note can never change a code, a unit, an NPI.
_CLAIM_NOTE = {
    "provider": {"license"},
    "date_of_service": None,
    "payer": {"state", "kind"},
    "referral": None,
    "documentation": None,
    "authorization": {"start", "end", "visits"},
}
_LINE_NOTE = {"region": None, "minutes": None}


def _k3_payload(data: Mapping[str, Any]) -> list[str]:
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    encoded = "".join(
        char if char in _K3_SAFE else "".join(f"%{byte:02X}" for byte in char.encode("utf-8")) for char in text
    )
    return [_K3_MARK + encoded[start : start + _K3_PIECE] for start in range(0, len(encoded), _K3_PIECE)]


def _claim_extras(claim: Claim, data: dict[str, Any], first_date: datetime.date) -> dict[str, Any]:
    """The parts of the claim that have no element of their own, in the model's shape."""
    extras: dict[str, Any] = {"provider": {"license": data["provider"]["license"]}}
    if claim.date_of_service != first_date:
        extras["date_of_service"] = data["date_of_service"]
    payer: dict[str, Any] = {}
    if claim.payer.state is not None:
        payer["state"] = claim.payer.state
    if _FILING_TO_KIND.get(_KIND_TO_FILING[claim.payer.kind]) is not claim.payer.kind:
        payer["kind"] = data["payer"]["kind"]
    if payer:
        extras["payer"] = payer
    for key in ("referral", "documentation"):
        if data[key] is not None:
            extras[key] = data[key]
    if claim.authorization is not None:
        rest = {k: v for k, v in data["authorization"].items() if k != "number" and v is not None}
        if rest:
            extras["authorization"] = rest
    return extras


def _line_extras(line: Mapping[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if line["region"] is not None:
        extras["region"] = line["region"]
    if line["units"] is not None and line["minutes"] is not None:
        extras["minutes"] = line["minutes"]
    return extras


def _k3_data(
    segments: Sequence[_Segment], allowed: Mapping[str, set[str] | None]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    pieces = [seg.get(1)[len(_K3_MARK) :] for seg in segments if seg.get(1).startswith(_K3_MARK)]
    if not pieces:
        return None, []
    first = next(seg for seg in segments if seg.get(1).startswith(_K3_MARK))
    try:
        data = json.loads(unquote("".join(pieces), errors="strict"))
    except (ValueError, UnicodeDecodeError):
        return None, [Problem(first.where(1), "a massagecodes K3 note that is not readable: it was changed or cut")]
    if not isinstance(data, dict):
        return None, [Problem(first.where(1), "a massagecodes K3 note that is not an object")]
    unexpected = []
    for key, value in data.items():
        if key not in allowed:
            unexpected.append(key)
        elif allowed[key] is not None:
            if not isinstance(value, dict):
                unexpected.append(key)
            else:
                unexpected += [f"{key}.{inner}" for inner in value if inner not in (allowed[key] or ())]
    if unexpected:
        names = ", ".join(sorted(unexpected))
        return None, [
            Problem(
                first.where(1), f"a massagecodes K3 note may not say {names}: the segments say that, or nothing does"
            )
        ]
    return data, []
