"""What pyx12 says about an interchange, as the library's problems.

pyx12 is imported here, lazily, on first use (:func:`_pyx12`): without the ``x12``
extra that raises :class:`~massagecodes.errors.ExtraMissingError`. :func:`_validate`
walks a text with pyx12's 005010X222A1 map and returns its segments with every
problem found: pyx12's own (turned into messages that name segments and elements,
never their values, and kept out of pyx12's logging), a file cut short or read only
in part, an envelope left open, another version or transaction set.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from massagecodes.errors import ExtraMissingError, Problem
from massagecodes.x12._segments import VERSION, _Segment

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")

_SEGMENT_ERRORS = {
    "1": "unrecognised segment",
    "2": "unexpected segment",
    "3": "mandatory segment missing",
    "4": "loop occurs more often than allowed",
    "5": "segment occurs more often than allowed",
    "6": "segment not in the transaction set",
    "7": "segment out of order",
    "8": "segment has element errors",
}
_ELEMENT_ERRORS = {
    "1": "mandatory element missing",
    "2": "conditional element missing",
    "3": "too many elements",
    "4": "too short",
    "5": "too long",
    "6": "invalid character",
    "7": "not a valid code for this element",
    "8": "invalid date",
    "9": "invalid time",
    "10": "element not used here",
}


def _pyx12() -> ModuleType:
    try:
        import pyx12.error_handler
        import pyx12.error_visitor
        import pyx12.errors
        import pyx12.params
        import pyx12.x12context
    except ImportError:
        raise ExtraMissingError("X12 837P claims need the x12 extra: pip install 'massagecodes[x12]'") from None
    module: ModuleType = pyx12
    return module


def _quiet_handler(pyx12: ModuleType) -> Any:
    """pyx12's error tree, without its logging: pyx12 logs each error with the value it
    found (a name, a birth date), and an 837P's values must not reach an application's logs."""

    class Quiet(pyx12.error_handler.err_handler):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.loose: list[tuple[str, int | None]] = []

        def isa_error(self, err_cde: str, err_str: str) -> None:
            self.cur_isa_node.add_error(err_cde, err_str)

        def gs_error(self, err_cde: str, err_str: str) -> None:
            self.cur_gs_node.add_error(err_cde, err_str)

        def st_error(self, err_cde: str, err_str: str) -> None:
            self.cur_st_node.add_error(err_cde, err_str)

        def seg_error(
            self, err_cde: str, err_str: str, err_value: str | None = None, src_line: int | None = None
        ) -> None:
            if self.cur_seg_node is None or self.cur_st_node is None:
                self.loose.append((err_cde, src_line))  # before any transaction set: kept, not lost
                return
            self._add_cur_seg()
            self.cur_seg_node.add_error(err_cde, err_str, err_value)

        def ele_error(self, err_cde: str, err_str: str, bad_value: str | None, refdes: str | None = None) -> None:
            self._add_cur_ele()
            self.cur_ele_node.add_error(err_cde, err_str, bad_value)

    return Quiet()


def _make_visitor(pyx12: ModuleType, found: list[Problem]) -> Any:
    class Collect(pyx12.error_visitor.error_visitor):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            self.segment = ""
            self.seg_id = ""

        def _envelope(self, node: Any, what: str) -> None:
            for code, text in node.errors:
                # Envelope errors name control numbers and counts, never claim data.
                found.append(Problem(f"segment {node.get_cur_line()} ({what})", f"envelope error {code}: {text}"))

        def visit_root_pre(self, errh: Any) -> None:
            pass

        def visit_root_post(self, errh: Any) -> None:
            pass

        def visit_isa_pre(self, node: Any) -> None:
            self._envelope(node, "ISA/IEA")

        def visit_isa_post(self, node: Any) -> None:
            pass

        def visit_gs_pre(self, node: Any) -> None:
            self._envelope(node, "GS/GE")

        def visit_gs_post(self, node: Any) -> None:
            pass

        def visit_st_pre(self, node: Any) -> None:
            for code, text in node.errors:
                # ST/SE errors (a wrong segment count) carry no data values.
                found.append(Problem(f"segment {node.get_cur_line()} (ST/SE)", f"transaction set error {code}: {text}"))

        def visit_st_post(self, node: Any) -> None:
            pass

        def visit_seg(self, node: Any) -> None:
            self.segment = f"segment {node.get_cur_line()}"
            # An unrecognised "segment" may be any text (a name): only a well-formed id is shown.
            self.seg_id = _shown_id(node.seg_id)
            for code, _text, _value in node.errors:
                message = _SEGMENT_ERRORS.get(str(code), f"segment error {code}")
                found.append(Problem(f"{self.segment} {self.seg_id}".rstrip(), f"{message} ({node.name})"))

        def visit_ele(self, node: Any) -> None:
            for code, _text, _value in node.errors:
                message = _ELEMENT_ERRORS.get(str(code), f"element error {code}")
                ref = f"{self.seg_id}{node.ele_pos:02d}" + ("" if node.subele_pos is None else f"-{node.subele_pos}")
                found.append(Problem(f"{self.segment} {ref}", f"{node.name}: {message}"))

    return Collect()


def _validate(pyx12: ModuleType, text: str) -> tuple[list[_Segment], list[Problem]]:
    """Walk ``text`` with pyx12's 837P map: its segments, and every problem pyx12 finds."""
    found: list[Problem] = []
    segments: list[_Segment] = []
    errh = _quiet_handler(pyx12)
    try:
        with pyx12.x12context.X12ContextReader(pyx12.params.params(), errh, io.StringIO(text)) as reader:
            component = None
            for node in reader.iter_segments():
                seg = node.seg_data if hasattr(node, "seg_data") else None
                if seg is None:
                    continue
                if node.id == "ISA":
                    component = seg.get_value("ISA16")
                path = node.x12_map_node.get_path()
                loops = [part for part in path.split("/") if re.fullmatch(r"[0-9]{4}[A-Z]?", part)]
                raw = seg.format("~", "*", component or ":").rstrip("~").split("*")
                elements = [part.split(component or ":") for part in raw]
                segments.append(
                    _Segment(
                        node.cur_line_number or len(segments) + 1,
                        loops[-1] if loops else "",
                        _shown_id(node.id) or "??",
                        elements,
                    )
                )
    except pyx12.errors.X12Error:
        # pyx12's message quotes the data it could not read: say where, not what.
        return segments, [
            Problem(f"segment {len(segments) + 1}", "not an X12 interchange: it must begin with a complete ISA segment")
        ]
    except pyx12.errors.EngineError:
        return segments, [
            Problem(
                f"segment {len(segments) + 1}",
                f"not an 837P {VERSION}: the envelope names a transaction pyx12 has no map for",
            )
        ]
    wrong_version = _envelope_version(segments)
    if wrong_version:  # another transaction: its map's verdict is beside the point
        return segments, wrong_version
    found += _structure(text, segments)
    errh.accept(_make_visitor(pyx12, found))
    for code, line in errh.loose:
        found.append(Problem(f"segment {line or '?'}", _SEGMENT_ERRORS.get(str(code), f"segment error {code}")))
    found.sort(key=_position)
    return segments, found


def _shown_id(seg_id: object) -> str:
    return seg_id if isinstance(seg_id, str) and _SEGMENT_ID.fullmatch(seg_id) else ""


def _structure(text: str, segments: Sequence[_Segment]) -> list[Problem]:
    """What pyx12 lets pass: a file cut short, or one it stopped reading (at an empty
    segment). Every segment of the text must have been read, and every envelope closed."""
    found: list[Problem] = []
    terminator = text[105] if len(text) > 105 else "~"  # ISA is fixed-length; its last character ends it
    written = [piece for piece in text.split(terminator) if piece.strip()]
    if len(written) != len(segments):
        found.append(
            Problem(
                f"segment {len(segments) + 1}",
                f"the interchange cannot be read past segment {len(segments)}: an empty or malformed segment follows",
            )
        )
    trailers = {"ISA": "IEA", "GS": "GE", "ST": "SE"}
    open_: list[_Segment] = []
    for seg in segments:
        if seg.id in trailers:
            open_.append(seg)
        elif seg.id in trailers.values():
            if not open_ or trailers[open_[-1].id] != seg.id:
                found.append(Problem(seg.where(), f"{seg.id} closes no open envelope"))
            else:
                open_.pop()
    for seg in open_:
        found.append(Problem(seg.where(), f"{seg.id} is never closed by its {trailers[seg.id]}: the file is cut short"))
    return found


def _position(problem: Problem) -> int:
    match = re.match(r"segment ([0-9]+)", problem.path)
    return int(match.group(1)) if match else 0


def _envelope_version(segments: Sequence[_Segment]) -> list[Problem]:
    found = []
    for seg in segments:
        if seg.id == "GS" and seg.get(8) != VERSION:
            found.append(Problem(seg.where(8), f"expected version {VERSION}"))
        if seg.id == "ST" and seg.get(1) != "837":
            found.append(Problem(seg.where(1), "expected transaction set 837"))
    return found
