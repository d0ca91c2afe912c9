"""The PDF superbill (fpdf2, extra ``pdf``, imported only when a PDF is made): one US Letter page.

It decides the page's layout, which texts a font can print (refused by name before
drawing), the font file a caller may give, and that the content fits one page.
"""

from __future__ import annotations

import datetime
import os
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from massagecodes._model import _child
from massagecodes.errors import ExtraMissingError, InputError, Problem
from massagecodes.superbill._bill import _argument_error, _Bill
from massagecodes.superbill._wording import (
    _CERTIFY,
    _client_rows,
    _dates_text,
    _line_description,
    _money,
    _provider_rows,
    _total_rows,
)

if TYPE_CHECKING:
    from fpdf import FPDF


_PAGE_MARGIN = 15.0  # mm, all round, US Letter
_NAVY = (31, 58, 95)
_GREY = (85, 85, 85)
_RULE = (187, 187, 187)
_HEAD_FILL = (232, 237, 243)
_CELL_PADDING = 1.2  # mm, left and right of a table cell's text
# The first four bytes of TrueType, OpenType (CFF), font collection, WOFF and WOFF2 files.
_FONT_MAGIC = frozenset([b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf", b"wOFF", b"wOF2"])


def _fpdf_class() -> type[FPDF]:
    try:
        from fpdf import FPDF
    except ImportError:
        raise ExtraMissingError("PDF superbills need the pdf extra: pip install 'massagecodes[pdf]'") from None

    class _ComposedFPDF(FPDF):
        """Every text in its composed form (NFC) before fpdf2 encodes it: an "é" typed
        as "e" and a combining accent (as macOS often stores names) is the one
        character the built-in fonts and most TrueType fonts have."""

        def normalize_text(self, text: str) -> str:
            return super().normalize_text(unicodedata.normalize("NFC", text))

    return _ComposedFPDF


def _texts(bill: _Bill) -> list[tuple[str, str, bool]]:
    """Every text of the superbill that does not come from a fixed vocabulary:
    (where it comes from, the text, whether it is health information)."""
    practice = bill.practice
    texts = [("practice.name", practice.name, False)]
    texts += [(f"practice.address[{i}]", line, False) for i, line in enumerate(practice.address)]
    if practice.phone is not None:
        texts.append(("practice.phone", practice.phone, False))
    if bill.provider_name is not None:
        texts.append((f"practice.providers{_child('', bill.provider.npi)}", bill.provider_name, False))
    if bill.client is not None:
        texts.append(("client.name", bill.client.name, True))
        texts += [(f"client.address[{i}]", line, True) for i, line in enumerate(bill.client.address)]
    if bill.patient is not None:
        texts.append(("source.patient.id", bill.patient.id, True))
    if bill.payer is not None:
        texts.append(("source.payer.name", bill.payer, False))
    if bill.authorization is not None:
        texts.append(("source.authorization.number", bill.authorization, True))
    texts += [(f"payments[{i}].method", p.method, True) for i, p in enumerate(bill.payments) if p.method]
    texts += [
        (f"ICD-10-CM description of diagnosis {d.letter}", d.description, False)
        for d in bill.diagnoses
        if d.description
    ]
    texts += [(f"catalog description of {line.code}", line.description, False) for line in bill.lines]
    texts += [(f"region of line {n}", line.region, False) for n, line in enumerate(bill.lines, 1) if line.region]
    return texts


def _unprintable(bill: _Bill, printable: Any, why: str) -> None:
    """InputError naming each text with a character that ``printable(char)`` refuses."""
    problems = []
    for where, text, sensitive in _texts(bill):
        # As the writer prints it: composed (see _fpdf_class).
        bad = next((char for char in unicodedata.normalize("NFC", text) if not printable(char)), None)
        if bad is None:
            continue
        shown = "a character" if sensitive else f"{bad!r} (U+{ord(bad):04X})"
        problems.append(Problem(where, f"contains {shown}, which {why}"))
    if problems:
        raise InputError(problems, what="superbill text")


class _Writer:
    """Lays out one superbill on one US Letter page."""

    def __init__(self, bill: _Bill, font: str | os.PathLike[str] | None) -> None:
        self.bill = bill
        pdf = _fpdf_class()(orientation="portrait", unit="mm", format="letter")
        pdf.set_margins(_PAGE_MARGIN, _PAGE_MARGIN, _PAGE_MARGIN)
        pdf.set_auto_page_break(True, margin=_PAGE_MARGIN)
        pdf.set_title(f"Superbill, {_dates_text(bill.dates)}")  # no client data in metadata
        pdf.set_creator("massagecodes")
        pdf.set_producer("massagecodes")
        # The same input gives the same bytes: the creation date is the statement
        # date, else the last date of service, never the clock.
        day = bill.issued or bill.dates[-1]
        pdf.set_creation_date(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC))
        self.family = "helvetica"
        if font is None:
            _unprintable(
                bill,
                lambda char: ord(char) < 256,
                "the PDF's built-in fonts cannot show (they cover Latin-1 only); pass font= a TrueType font that has it",
            )
        else:
            self.family = "superbill"
            self._add_font(pdf, font)
        self.pdf = pdf

    def _add_font(self, pdf: FPDF, font: str | os.PathLike[str]) -> None:
        path = os.fspath(font)
        try:
            with open(path, "rb") as handle:
                magic = handle.read(4)
        except OSError as error:
            raise _argument_error("font", f"cannot read the font file {path}: {error.strerror}") from None
        if magic not in _FONT_MAGIC:
            raise _argument_error("font", f"{path} is not a TrueType or OpenType font file")
        try:
            for style in ("", "B"):  # one face serves as bold too: headings are also set larger
                pdf.add_font(self.family, style, path)
        except Exception as error:  # fontTools raises many kinds of errors on a bad file
            raise _argument_error(
                "font", f"cannot read {path} as a TrueType or OpenType font: {type(error).__name__}"
            ) from None
        cmap: Mapping[int, object] = getattr(pdf.fonts[self.family], "cmap", {})
        _unprintable(self.bill, lambda char: ord(char) in cmap, f"the font {path} has no glyph for")

    # Small drawing helpers ------------------------------------------------ #

    def font(self, size: float, *, bold: bool = False, colour: tuple[int, int, int] = (17, 17, 17)) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        pdf.ln(2.5)
        self.font(8.5, bold=True, colour=_NAVY)
        pdf.cell(0, 5, text.upper(), new_x="LMARGIN", new_y="NEXT")

    def pairs(self, x: float, y: float, width: float, title: str, rows: Sequence[tuple[str, str]]) -> float:
        """A titled box of label/value rows at (x, y); returns its bottom."""
        pdf = self.pdf
        self.font(8.5)
        label_width = min(max(pdf.get_string_width(label) for label, _ in rows) + 4, width * 0.45)
        pdf.set_xy(x + 3, y + 2)
        self.font(8.5, bold=True, colour=_NAVY)
        pdf.cell(width - 6, 5, title.upper(), new_x="LEFT", new_y="NEXT")
        for label, value in rows:
            top = pdf.get_y()
            pdf.set_x(x + 3)
            self.font(8.5, colour=_GREY)
            pdf.cell(label_width, 4.6, label)
            pdf.set_xy(x + 3 + label_width, top)
            self.font(9.5)
            pdf.multi_cell(width - 6 - label_width, 4.6, value, align="L", new_x="LEFT", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), top + 4.6))
        return pdf.get_y() + 2

    def box(self, x: float, y: float, width: float, bottom: float) -> None:
        self.pdf.set_draw_color(*_RULE)
        self.pdf.set_line_width(0.3)
        self.pdf.rect(x, y, width, bottom - y, round_corners=True, corner_radius=1.5)

    # The page ----------------------------------------------------------------- #

    def render(self) -> bytes:
        pdf, bill = self.pdf, self.bill
        pdf.add_page()
        width = pdf.epw
        left = pdf.l_margin
        practice = bill.practice
        # Header: the practice on the left, the title and dates on the right.
        right_width = 80.0
        top = pdf.get_y()
        pdf.set_xy(left + width - right_width, top)
        self.font(18, bold=True, colour=_NAVY)
        pdf.cell(right_width, 8, "SUPERBILL", align="R", new_x="LEFT", new_y="NEXT")
        self.font(9)
        if bill.issued is not None:
            pdf.cell(
                right_width, 4.6, f"Statement date {bill.issued.isoformat()}", align="R", new_x="LEFT", new_y="NEXT"
            )
        pdf.multi_cell(right_width, 4.6, _dates_text(bill.dates), align="R", new_x="LEFT", new_y="NEXT")
        right_bottom = pdf.get_y()
        pdf.set_xy(left, top)
        self.font(15, bold=True)
        pdf.multi_cell(width - right_width - 4, 7, practice.name, align="L", new_x="LMARGIN", new_y="NEXT")
        self.font(9.5, colour=_GREY)
        for line in [*practice.address, *([] if practice.phone is None else [practice.phone])]:
            pdf.multi_cell(width - right_width - 4, 4.6, line, align="L", new_x="LMARGIN", new_y="NEXT")
        y = max(pdf.get_y(), right_bottom) + 2
        pdf.set_draw_color(*_NAVY)
        pdf.set_line_width(0.6)
        pdf.line(left, y, left + width, y)
        # Provider and client, side by side.
        y += 4
        column = (width - 6) / 2
        bottom = max(
            self.pairs(left, y, column, "Provider", _provider_rows(bill)),
            self.pairs(left + column + 6, y, column, "Client", _client_rows(bill)),
        )
        self.box(left, y, column, bottom)
        self.box(left + column + 6, y, column, bottom)
        pdf.set_y(bottom + 1)
        self.diagnoses()
        self.services()
        self.totals()
        self.signature()
        return bytes(pdf.output())

    def table(self, widths: Sequence[float], align: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.2)
        self.font(8.5)
        with pdf.table(
            col_widths=tuple(widths),
            text_align=tuple(align),
            width=min(sum(widths), pdf.epw),  # never a rounding error wider than the page
            align="LEFT",
            line_height=4.0,
            padding=(0.7, _CELL_PADDING),
            headings_style=FontFace(emphasis="BOLD", size_pt=8, fill_color=_HEAD_FILL, color=_NAVY),
            v_align="TOP",
        ) as table:
            for cells in rows:
                row = table.row()
                for text in cells:
                    row.cell(text)

    def widths(self, rows: Sequence[Sequence[str]], *, flexible: int | None = None) -> list[float]:
        """Column widths that fit each column's widest cell (heading included), in the
        table's fonts; the ``flexible`` column takes the rest of the page width."""
        pdf = self.pdf
        widths = []
        for column in range(len(rows[0])):
            self.font(8, bold=True)
            widest = pdf.get_string_width(rows[0][column])
            self.font(8.5)
            widest = max([widest, *(pdf.get_string_width(row[column]) for row in rows[1:])])
            widths.append(widest + 2 * _CELL_PADDING + 1)
        if flexible is not None:
            widths[flexible] = pdf.epw - sum(widths) + widths[flexible]
        return widths

    def diagnoses(self) -> None:
        bill = self.bill
        self.heading("Diagnoses (ICD-10-CM)")
        if not bill.diagnoses:
            self.font(9.5, colour=_GREY)
            self.pdf.cell(0, 5, "None given.", new_x="LMARGIN", new_y="NEXT")
            return
        # More than four diagnoses go in two columns (A-F, then G-L), so that twelve
        # (the most a claim holds) still leave room for the services.
        halves = 1 if len(bill.diagnoses) <= 4 else 2
        per_column = -(-len(bill.diagnoses) // halves)
        columns = [bill.diagnoses[i * per_column : (i + 1) * per_column] for i in range(halves)]
        head: tuple[str, ...] = ("Ptr", "Code", "Description") if bill.descriptions else ("Ptr", "Code")
        rows: list[tuple[str, ...]] = [head * halves]
        for index in range(per_column):
            row: tuple[str, ...] = ()
            for column in columns:
                if index < len(column):
                    d = column[index]
                    row += (d.letter, d.code, d.description or "(not in ICD-10-CM)")[: len(head)]
                else:
                    row += ("",) * len(head)
            rows.append(row)
        fixed = self.widths([row[:2] for row in rows])
        if bill.descriptions:
            text = (self.pdf.epw - halves * sum(fixed)) / halves
            widths = [*fixed, text] * halves
        else:
            widths = fixed * halves
        self.table(widths, ("CENTER", "LEFT", "LEFT")[: len(head)] * halves, rows)

    def services(self) -> None:
        bill = self.bill
        self.heading("Services")
        rows = [("#", "Date", "Code", "Modifiers", "Description", "Dx ptr", "Units", "Fee/unit", "Amount")]
        rows += [
            (
                str(number),
                line.date.isoformat(),
                line.code,
                " ".join(line.modifiers),
                _line_description(line),
                " ".join(line.pointers),
                "" if line.units is None else str(line.units),
                "" if line.unit_fee is None else _money(line.unit_fee),
                _money(line.amount),
            )
            for number, line in enumerate(bill.lines, start=1)
        ]
        widths = self.widths(rows, flexible=4)
        align = ("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
        self.table(widths, align, rows)

    def totals(self) -> None:
        pdf, bill = self.pdf, self.bill
        pdf.ln(2)
        rows = _total_rows(bill)
        self.font(10.5, bold=True)
        amount_width = max(pdf.get_string_width(amount) for _, amount, _ in rows) + 4
        self.font(9.5)
        label_width = min(max(pdf.get_string_width(label) for label, _, _ in rows) + 6, pdf.epw * 0.55)
        label_width = max(label_width, 50.0)
        x = pdf.l_margin + pdf.epw - label_width - amount_width
        for label, amount, strong in rows:
            if strong:
                pdf.set_draw_color(17, 17, 17)
                pdf.set_line_width(0.4)
                pdf.line(x, pdf.get_y() + 0.5, x + label_width + amount_width, pdf.get_y() + 0.5)
                pdf.ln(1.2)
            top = pdf.get_y()
            pdf.set_x(x)
            self.font(10.5 if strong else 9.5, bold=strong)
            pdf.multi_cell(label_width, 5.2, label, align="L", new_x="RIGHT", new_y="NEXT")
            bottom = pdf.get_y()
            pdf.set_xy(x + label_width, top)
            pdf.cell(amount_width, 5.2, amount, align="R")
            pdf.set_xy(pdf.l_margin, bottom)
        note = bill.note()
        if note is not None:
            pdf.ln(2)
            self.font(9, colour=(140, 80, 0))
            pdf.multi_cell(0, 4.4, note, align="L", new_x="LMARGIN", new_y="NEXT")

    def signature(self) -> None:
        pdf, bill = self.pdf, self.bill
        pdf.ln(4)
        self.font(9)
        pdf.multi_cell(0, 4.6, _CERTIFY, align="L", new_x="LMARGIN", new_y="NEXT")
        # Keep the signature block together at the foot of the content.
        pdf.ln(11)
        y = pdf.get_y()
        left, width = pdf.l_margin, pdf.epw
        sign_width = width * 0.62
        pdf.set_draw_color(17, 17, 17)
        pdf.set_line_width(0.3)
        pdf.line(left, y, left + sign_width, y)
        pdf.line(left + sign_width + 10, y, left + width, y)
        pdf.set_xy(left, y + 1)
        signer = bill.provider_name or f"NPI {bill.provider.npi}"
        self.font(8.5, colour=_GREY)
        pdf.cell(sign_width, 4.4, f"Provider signature: {signer}, {bill.provider.license.value}")
        pdf.set_x(left + sign_width + 10)
        pdf.cell(width - sign_width - 10, 4.4, "Date", new_x="LMARGIN", new_y="NEXT")


def _pdf(bill: _Bill, font: str | os.PathLike[str] | None) -> bytes:
    writer = _Writer(bill, font)
    data = writer.render()
    if writer.pdf.pages_count > 1:
        raise InputError(
            [
                Problem(
                    "source",
                    f"the superbill does not fit on one page ({len(bill.lines)} lines, {len(bill.diagnoses)} diagnoses);"
                    " split it into several superbills, for example one per date of service",
                )
            ],
            what="superbill",
        )
    missing = [glyph for key in writer.pdf.fonts for glyph in getattr(writer.pdf.fonts[key], "missing_glyphs", [])]
    if missing:  # a glyph of the fixed labels: the texts were checked before drawing
        shown = ", ".join(f"U+{code:04X}" for code in sorted(set(missing)))
        raise _argument_error("font", f"the font has no glyph for {shown}, which the superbill's labels use")
    return data
