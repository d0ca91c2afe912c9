"""Superbills: the practice file, the numbers, the HTML and the one-page PDF, the command line."""

from __future__ import annotations

import datetime
import html.parser
import io
import json
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2  # type: ignore[import-untyped]
import pytest

import massagecodes as mc
from massagecodes import icd10, superbill
from massagecodes.__main__ import main
from massagecodes.superbill import Client, Payment, Practice, render_html, render_pdf

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CLAIM = mc.Claim.from_json((EXAMPLES / "claim.json").read_text(encoding="utf-8"))
PRACTICE = Practice.from_json((EXAMPLES / "superbill" / "practice.json").read_text(encoding="utf-8"))
CLIENT = Client.from_json((EXAMPLES / "superbill" / "client.json").read_text(encoding="utf-8"))
PAID = (Payment(amount=Decimal("100.00"), date=datetime.date(2025, 3, 14), method="card"),)
ISSUED = datetime.date(2025, 3, 20)


@pytest.fixture(scope="module")
def unicode_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TrueType font built here, so no test depends on the fonts a machine has: a box
    for every character of ASCII, Latin-1 and the few the tests use; nothing for CJK."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = sorted(
        {chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x100)]}
        | set("ŁóźễĐđ\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026")
    )
    names = [".notdef"] + [f"uni{ord(char):04X}" for char in chars]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(char): f"uni{ord(char):04X}" for char in chars})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        if name not in (".notdef", "uni0020"):
            pen.moveTo((50, 0))
            pen.lineTo((50, 700))
            pen.lineTo((450, 700))
            pen.lineTo((450, 0))
            pen.closePath()
        glyphs[name] = pen.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics(dict.fromkeys(names, (500, 50)))
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Boxes", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    path = tmp_path_factory.mktemp("font") / "boxes.ttf"
    builder.save(str(path))
    return path


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def claim_with(**changes: Any) -> mc.Claim:
    return mc.Claim.from_dict({**CLAIM.to_dict(), **changes})


def practice_with(**changes: Any) -> Practice:
    return Practice.from_dict({**PRACTICE.to_dict(), **changes})


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- #
# The PDF.                                                                     #
# --------------------------------------------------------------------------- #


def test_pdf_has_every_element_on_one_page() -> None:
    pages, text = pdf_text(render_pdf(CLAIM, PRACTICE, client=CLIENT, payments=PAID, issued=ISSUED))
    assert pages == 1
    for expected in [
        "SUPERBILL",
        # practice and provider: name, address, phone, NPIs, taxonomy, tax id
        "Harbor Street Massage Therapy",
        "1200 Harbor Street, Suite 4",
        "Seattle, WA 98101",
        "(206) 555-0147",
        "Jane Doe, LMT",
        "1234567893",
        "1987654328",
        "91-1234567",
        "225700000X",
        # client
        "Alex Example",
        "42 Elm Avenue",
        "P-1",
        "Acme Health",
        # dates
        "Statement date 2025-03-20",
        "Date of service 2025-03-14",
        # diagnoses with their descriptions (the icd10 extra is installed for the tests)
        "M54.50",
        "Low back pain, unspecified",
        "M62.830",
        "Muscle spasm of back",
        # lines: codes, modifiers, regions, units, fees, line totals
        "97124",
        "GP",
        "Massage, lumbar",
        "97140",
        "59",
        "Manual therapy, cervical",
        "$120.00",
        "$60.00",
        # totals, payments, balance
        "Total charges",
        "$180.00",
        "Payment (2025-03-14, card)",
        "-$100.00",
        "Total paid",
        "Balance due",
        "$80.00",
        # signature and date line
        "Provider signature",
        "Date",
    ]:
        assert expected in text, expected


def test_pdf_lines_read_in_order() -> None:
    _, text = pdf_text(render_pdf(CLAIM, PRACTICE, issued=ISSUED))
    rows = [line for line in text.splitlines() if line.startswith(("1 2025-03-14", "2 2025-03-14"))]
    # 97124 bills no units on the claim: its 30 minutes support 2 (CMS), priced from the claim's charge.
    assert rows == [
        "1 2025-03-14 97124 GP Massage, lumbar A 2 $60.00 $120.00",
        "2 2025-03-14 97140 59 Manual therapy, cervical A B 1 $60.00 $60.00",
    ]


def test_pdf_is_deterministic() -> None:
    first = render_pdf(CLAIM, PRACTICE, client=CLIENT, issued=ISSUED)
    assert render_pdf(CLAIM, PRACTICE, client=CLIENT, issued=ISSUED) == first


def test_pdf_metadata_holds_no_client_data() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(CLAIM, PRACTICE, client=CLIENT, issued=ISSUED)))
    assert reader.metadata is not None
    assert reader.metadata.title == "Superbill, Date of service 2025-03-14"
    assert "Alex" not in json.dumps({key: str(value) for key, value in reader.metadata.items()})


def test_pdf_page_is_drawn() -> None:
    data = render_pdf(CLAIM, PRACTICE, client=CLIENT, payments=PAID, issued=ISSUED)
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    assert image.size == (612, 792)  # US Letter at 72 dpi

    def inked(box: tuple[int, int, int, int]) -> float:
        histogram = image.crop(box).histogram()
        return float(sum(histogram[:200]) / sum(histogram))

    assert 0.02 < inked((0, 0, 612, 792)) < 0.5  # text and rules on a white page
    assert inked((0, 0, 612, 60)) > 0.01  # the header is at the top
    assert inked((0, 0, 36, 792)) == 0  # nothing drawn in the left margin (clipped text would be)
    assert inked((576, 0, 612, 792)) == 0  # nor in the right margin


def test_a_realistic_busy_claim_fits_and_too_many_lines_do_not() -> None:
    diagnoses = ["M54.50", "M62.830", "M79.18", "M54.2", "M25.511", "M25.512", "M99.03", "M53.3", "M54.6", "M62.81"]
    lines = [
        {
            "code": code,
            "units": 2,
            "modifiers": ["GP", "59"],
            "region": {"name": "upper-extremity", "side": "left"},
            "diagnosis_pointers": [1, 2, 3, 4],
            "date": f"2025-03-{10 + index:02d}",
            "charge": "130.00",
        }
        for index, code in enumerate(["97124", "97140", "97112", "97110", "97530", "97124", "97140", "97112"])
    ]
    pages, text = pdf_text(render_pdf(claim_with(diagnoses=diagnoses, lines=lines), PRACTICE, client=CLIENT))
    assert pages == 1
    assert "Dates of service 2025-03-10 to 2025-03-17" in text
    assert "$1,040.00" in text
    with pytest.raises(mc.InputError) as caught:
        render_pdf(claim_with(diagnoses=diagnoses, lines=lines * 4), PRACTICE, client=CLIENT)
    assert caught.value.problems == (
        mc.Problem(
            "source",
            "the superbill does not fit on one page (32 lines, 10 diagnoses);"
            " split it into several superbills, for example one per date of service",
        ),
    )


def test_characters_outside_latin1_need_a_font() -> None:
    practice = practice_with(name="Łódź Massage")
    client = Client(name="Nguyễn Minh")
    with pytest.raises(mc.InputError) as caught:
        render_pdf(CLAIM, practice, client=client)
    assert [str(problem) for problem in caught.value.problems] == [
        "practice.name: contains 'Ł' (U+0141), which the PDF's built-in fonts cannot show"
        " (they cover Latin-1 only); pass font= a TrueType font that has it",
        "client.name: contains a character, which the PDF's built-in fonts cannot show"
        " (they cover Latin-1 only); pass font= a TrueType font that has it",
    ]
    assert "Nguy" not in str(caught.value)  # the client's name is health information
    # Latin-1 itself needs no font.
    pages, text = pdf_text(render_pdf(CLAIM, practice_with(name="Café Thérapie"), client=Client(name="Zoë Muñoz")))
    assert (pages, "Café Thérapie" in text, "Zoë Muñoz" in text) == (1, True, True)


def test_decomposed_accents_are_composed_first() -> None:
    """ "e" followed by a combining acute accent (as macOS often stores names) is the
    Latin-1 "é": printed composed, not refused."""
    name = unicodedata.normalize("NFD", "José Müller")
    assert len(name) == len("José Müller") + 2
    pages, text = pdf_text(render_pdf(CLAIM, practice_with(name="Café Thérapie"), client=Client(name=name)))
    assert (pages, "José Müller" in text) == (1, True)
    # A mark with no composed form is still refused, as before.
    with pytest.raises(mc.InputError, match=r"client\.name: contains a character"):
        render_pdf(CLAIM, PRACTICE, client=Client(name="Jose\u0327\u0301"))


def test_a_truetype_font_shows_unicode(unicode_font: Path) -> None:
    data = render_pdf(CLAIM, practice_with(name="Łódź Massage"), client=Client(name="Nguyễn Minh"), font=unicode_font)
    pages, text = pdf_text(data)
    assert pages == 1
    assert "Łódź Massage" in text
    assert "Nguyễn Minh" in text


def test_a_character_the_font_lacks_is_an_error(unicode_font: Path) -> None:
    with pytest.raises(mc.InputError) as caught:
        render_pdf(CLAIM, practice_with(name="Massage \u4e2d\u6587"), font=unicode_font)
    (problem,) = caught.value.problems
    assert problem.path == "practice.name"
    assert problem.message == f"contains '中' (U+4E2D), which the font {unicode_font} has no glyph for"


def test_bad_font_arguments(tmp_path: Path) -> None:
    with pytest.raises(mc.InputError, match=r"font: cannot read the font file .*nope\.ttf: No such file"):
        render_pdf(CLAIM, PRACTICE, font=tmp_path / "nope.ttf")
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    with pytest.raises(mc.InputError, match=r"font: .*broken\.ttf is not a TrueType or OpenType font file"):
        render_pdf(CLAIM, PRACTICE, font=broken)
    with pytest.raises(mc.InputError, match="font: expected a font file path or None, got 12"):
        render_pdf(CLAIM, PRACTICE, font=12)  # type: ignore[arg-type]


def test_without_the_pdf_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fpdf", None)  # makes "import fpdf" fail
    with pytest.raises(mc.ExtraMissingError, match=r"pip install 'massagecodes\[pdf\]'"):
        render_pdf(CLAIM, PRACTICE)
    assert "<h2>SUPERBILL</h2>" in render_html(CLAIM, PRACTICE)  # HTML needs no extra


def test_without_the_icd10_extra_codes_are_listed_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(code: str) -> str | None:
        raise mc.ExtraMissingError("ICD-10-CM lookups need the icd10 extra: pip install 'massagecodes[icd10]'")

    monkeypatch.setattr(icd10, "description", missing)
    _, text = pdf_text(render_pdf(CLAIM, PRACTICE))
    assert "M54.50" in text
    assert "Low back pain" not in text
    page = render_html(CLAIM, PRACTICE)
    assert "M62.830" in page
    assert "<th>Description</th><" not in page.split("Services")[0]


# --------------------------------------------------------------------------- #
# The numbers.                                                                 #
# --------------------------------------------------------------------------- #


def test_decimal_totals_are_exact() -> None:
    # Fees that binary floating point gets wrong: 0.10 + 0.20, 33.33 x 3.
    claim = claim_with(
        lines=[
            {"code": "97124", "units": 1, "charge": "0.10"},
            {"code": "97010", "units": 1, "charge": "0.20"},
            {"code": "97140", "units": 3},
        ]
    )
    practice = practice_with(fees={"97140": "33.33"})
    page = render_html(claim, practice, payments=[Payment(amount=Decimal("100.30"))])
    assert '<td class="num">$99.99</td>' in page  # 3 x 33.33 from the fee schedule
    assert '<td>Total charges</td><td class="num">$100.29</td>' in page
    assert '<td>Credit to client</td><td class="num">$0.01</td>' in page


def test_unit_fee_is_shown_only_when_exact() -> None:
    claim = claim_with(lines=[{"code": "97124", "units": 3, "charge": "100.00"}])
    _, text = pdf_text(render_pdf(claim, PRACTICE))
    assert "1 2025-03-14 97124 Massage 3 $100.00" in text  # no fee per unit: 100 / 3 is not whole cents


def test_missing_charges_are_never_guessed() -> None:
    claim = claim_with(lines=[{"code": "97124", "units": 2, "charge": "120.00"}, {"code": "97750", "units": 1}])
    page = render_html(claim, PRACTICE, payments=PAID)
    assert '<td class="num">not given</td></tr>' in page
    assert '<td>Total charges</td><td class="num">not given</td>' in page
    assert '<td>Balance due</td><td class="num">not given</td>' in page
    assert '<td>Total paid</td><td class="num">$100.00</td>' in page
    note = (
        "No charge is given for line 2 (97750), and the practice&#x27;s fee schedule has no fee for it:"
        " the total charges and the balance due are not given."
    )
    assert note in page


def test_a_session_is_priced_from_the_fee_schedule() -> None:
    session = mc.Session.from_dict(
        {
            "date": "2025-03-14",
            "provider": {"npi": "1234567893", "license": "LMT"},
            "patient": {"id": "P-9"},
            "treatments": [
                {"code": "97124", "minutes": 40, "region": "lumbar"},
                {"code": "97140", "minutes": 10, "region": "cervical"},
                {"code": "97010", "minutes": 10},
            ],
        }
    )
    pages, text = pdf_text(render_pdf(session, PRACTICE, diagnoses=["M54.50"], issued=ISSUED))
    assert pages == 1
    # 50 timed minutes make 3 units (CMS): 97124 has 2 whole units, and the third goes to it too (its 10
    # leftover minutes tie with 97140's, and more minutes win the tie), so 97140 earns none.
    assert "1 2025-03-14 97124 Massage, lumbar 3 $60.00 $180.00" in text
    assert "2 2025-03-14 97010 Hot or cold packs 1 $15.00 $15.00" in text
    assert "$195.00" in text
    assert "M54.50" in text


def test_diagnoses_argument_is_for_sessions_only() -> None:
    with pytest.raises(mc.InputError, match="a claim carries its own diagnoses"):
        render_html(CLAIM, PRACTICE, diagnoses=["M54.50"])


def test_bad_arguments_are_all_reported() -> None:
    with pytest.raises(mc.InputError) as caught:
        render_html("claim", {"name": "x"}, client="Alex", payments=[Decimal(5)], diagnoses=["m5450"])  # type: ignore[arg-type, list-item]
    assert [problem.path for problem in caught.value.problems] == [
        "source",
        "practice",
        "client",
        "payments[0]",
        "diagnoses[0]",
    ]
    assert "Alex" not in str(caught.value)


# --------------------------------------------------------------------------- #
# The HTML.                                                                    #
# --------------------------------------------------------------------------- #


class _Checker(html.parser.HTMLParser):
    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag


def test_html_is_complete_and_escaped() -> None:
    hostile = "<script>alert('x')</script> & \"Co\""
    practice = practice_with(name=hostile, address=["<b>1 Main</b>", "Seattle & Co"])
    page = render_html(CLAIM, practice, client=Client(name="<img src=x onerror=alert(1)>"), issued=ISSUED)
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.open == []
    assert "script" not in checker.tags
    assert "img" not in checker.tags
    assert "b" not in checker.tags
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;" in page
    assert "Seattle &amp; Co" in page
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page  # inline CSS
    assert "@page" in page  # print-friendly
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched


def test_html_shows_the_same_numbers() -> None:
    page = render_html(CLAIM, PRACTICE, client=CLIENT, payments=PAID, issued=ISSUED)
    for expected in [
        "Harbor Street Massage Therapy",
        "91-1234567",
        "Alex Example",
        "Statement date 2025-03-20",
        "Low back pain, unspecified",
        '<td class="num">$120.00</td>',
        '<td>Total charges</td><td class="num">$180.00</td>',
        '<td>Payment (2025-03-14, card)</td><td class="num">-$100.00</td>',
        '<td>Balance due</td><td class="num">$80.00</td>',
        "Provider signature: Jane Doe, LMT",
    ]:
        assert expected in page, expected


# --------------------------------------------------------------------------- #
# The practice, client and payment values.                                     #
# --------------------------------------------------------------------------- #


def test_practice_round_trip_and_hash() -> None:
    assert Practice.from_dict(PRACTICE.to_dict()) == PRACTICE
    assert PRACTICE.fees["97124"] == Decimal("60.00")
    assert hash(PRACTICE) == hash(Practice.from_dict(PRACTICE.to_dict()))
    assert Practice(
        name="X",
        address=["1 Main St"],
        npi="1234567893",
        tax_id="12-3456789",
        taxonomy="225700000X",
        fees={"97124": "60"},
    ).fees == {"97124": Decimal("60")}


def test_practice_reports_every_problem_with_its_path() -> None:
    data = {
        **PRACTICE.to_dict(),
        "npi": "1987654320",
        "tax_id": "911234567",
        "adress": ["x"],
        "fees": {"9712": "60.00", "97140": 65.5},
        "providers": {"123": "Jane"},
    }
    del data["address"]
    with pytest.raises(mc.InputError) as caught:
        Practice.from_dict(data)
    assert str(caught.value) == "\n".join(
        [
            "invalid practice: 7 problems",
            '  $.adress: unknown key (did you mean "address"?); expected "name", "address", "npi", "tax_id",'
            ' "taxonomy", "phone", "providers" or "fees"',
            "  $.address: required key is missing",
            '  $.npi: expected an NPI whose last digit is its check digit: "1987654320" should end in 8'
            " (Luhn over 80840 and the first nine digits)",
            "  $.tax_id: expected an EIN written as 12-3456789, got a string of 9 characters"
            " (write it with its dash after the second digit)",
            '  $.providers["123"]: expected an NPI of 10 digits, got "123"',
            '  $.fees["9712"]: expected a procedure code: five digits (CPT) or a capital letter and four digits'
            ' (HCPCS), got "9712"',
            '  $.fees["97140"]: expected money as a decimal string such as "120.00" (a JSON number with a fraction'
            " is binary floating point), got 65.5",
        ]
    )


def test_tax_id_is_never_echoed() -> None:
    with pytest.raises(mc.InputError) as caught:
        practice_with(tax_id="219-09-9999")
    assert "9999" not in str(caught.value)
    assert "shaped like a Social Security number" in str(caught.value)


def test_client_values_are_never_echoed() -> None:
    with pytest.raises(mc.InputError) as caught:
        Client.from_dict({"name": "Alex\x07Example", "adress": ["Secret Street 1"]})
    message = str(caught.value)
    for secret in ("Alex", "Secret", "adress"):
        assert secret not in message
    assert caught.value.problems[1] == mc.Problem(
        "$.name", "expected a non-empty string without control characters, got a string of 12 characters"
    )


def test_payments() -> None:
    assert Payment.from_dict({"amount": "80.00", "date": "2025-03-14", "method": "card"}) == Payment(
        amount=Decimal("80.00"), date=datetime.date(2025, 3, 14), method="card"
    )
    with pytest.raises(mc.InputError, match=r"\$.amount: expected an amount > 0"):
        Payment(amount=Decimal("0.00"))
    with pytest.raises(mc.InputError, match="at most 2 decimal places"):
        Payment(amount=Decimal("1.005"))


# --------------------------------------------------------------------------- #
# The command line.                                                            #
# --------------------------------------------------------------------------- #


def test_cli_writes_a_pdf(tmp_path: Path) -> None:
    out = tmp_path / "superbill.pdf"
    code, stdout, err = run(
        "superbill",
        str(EXAMPLES / "claim.json"),
        "--practice",
        str(EXAMPLES / "superbill" / "practice.json"),
        "--client",
        str(EXAMPLES / "superbill" / "client.json"),
        "--payment",
        "100",
        "--payment",
        "30.50",
        "--date",
        "2025-03-20",
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    assert stdout == f"wrote {out}: 2 lines, total charges $180.00, balance due $49.50\n"
    pages, text = pdf_text(out.read_bytes())
    assert pages == 1
    for expected in ("Alex Example", "Statement date 2025-03-20", "$49.50"):
        assert expected in text


def test_cli_writes_html_for_a_session(tmp_path: Path) -> None:
    session = tmp_path / "session.json"
    session.write_text(
        json.dumps(
            {
                "date": "2025-03-14",
                "provider": {"npi": "1234567893", "license": "LMT"},
                "treatments": [{"code": "97124", "minutes": 55, "region": "low back"}],
            }
        )
    )
    out = tmp_path / "superbill.html"
    code, stdout, _ = run(
        "superbill",
        str(session),
        "--practice",
        str(EXAMPLES / "superbill" / "practice.json"),
        "--diagnosis",
        "M54.50",
        "--out",
        str(out),
    )
    assert code == 0
    assert stdout == f"wrote {out}: 1 line, total charges $240.00, balance due $240.00\n"
    assert "Massage, lumbar" in out.read_text(encoding="utf-8")


def test_cli_says_when_totals_are_not_given(tmp_path: Path) -> None:
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps(claim_with(lines=[{"code": "97750", "units": 1}]).to_dict()))
    code, stdout, _ = run(
        "superbill",
        str(claim),
        "--practice",
        str(EXAMPLES / "superbill" / "practice.json"),
        "--out",
        str(tmp_path / "x.html"),
    )
    assert code == 0
    assert stdout.splitlines() == [
        f"wrote {tmp_path / 'x.html'}: 1 line, total charges not given, balance due not given",
        "note: No charge is given for line 1 (97750), and the practice's fee schedule has no fee for it:"
        " the total charges and the balance due are not given.",
    ]


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    code, out, err = run(
        "superbill", str(EXAMPLES / "claim.json"), "--payment", "-5", "--out", str(tmp_path / "x.docx")
    )
    assert (code, out) == (2, "")
    assert err == (
        "massagecodes: invalid arguments: 3 problems\n"
        f"  --out: expected a file name ending in .pdf or .html, got '{tmp_path / 'x.docx'}'\n"
        "  --practice: a superbill needs the practice's name, address, NPI, tax id and taxonomy, which a claim"
        " does not hold: give --practice FILE (docs/superbill.md, examples/superbill/practice.json)\n"
        "  --payment: expected an amount > 0 such as 80.00, got '-5'\n"
    )
    assert not (tmp_path / "x.docx").exists()
    assert run("superbill", str(EXAMPLES / "claim.json"))[0] == 2  # --out is required (argparse)


def test_cli_bad_files_exit_2_with_their_paths(tmp_path: Path) -> None:
    practice = tmp_path / "practice.json"
    practice.write_text(json.dumps({**PRACTICE.to_dict(), "tax_id": "12-345"}))
    code, out, err = run("superbill", str(EXAMPLES / "claim.json"), "--practice", str(practice), "--out", "x.pdf")
    assert (code, out) == (2, "")
    assert err == (
        "massagecodes: invalid practice: 1 problem\n"
        f"  {practice}: $.tax_id: expected an EIN written as 12-3456789, got a string of 6 characters\n"
    )
    code, _, err = run(
        "superbill", str(tmp_path / "nope.json"), "--practice", str(practice), "--out", str(tmp_path / "x.pdf")
    )
    assert code == 2
    assert "cannot read the file: No such file or directory" in err
    assert "Traceback" not in err


def test_cli_without_the_pdf_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fpdf", None)
    out = tmp_path / "x.pdf"
    code, _, err = run(
        "superbill",
        str(EXAMPLES / "claim.json"),
        "--practice",
        str(EXAMPLES / "superbill" / "practice.json"),
        "--out",
        str(out),
    )
    assert code == 2
    assert err == "massagecodes: PDF superbills need the pdf extra: pip install 'massagecodes[pdf]'\n"
    assert not out.exists()


def test_module_surface() -> None:
    assert superbill.__all__ == ["Client", "Payment", "Practice", "render_html", "render_pdf"]


def test_examples_folder_stays_a_corpus_of_claims() -> None:
    # `massagecodes diff ... --claims examples/` reads every JSON file there as a claim,
    # so the practice and client examples live in examples/superbill/.
    for path in EXAMPLES.glob("*.json"):
        mc.Claim.from_json(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- #
# What one page cannot print is refused by name.                               #
# --------------------------------------------------------------------------- #


def test_the_largest_amount_prints_and_a_larger_one_is_refused() -> None:
    line = {
        "code": "97140",
        "units": 1,
        "modifiers": ["GP", "59", "KX", "XS"],
        "diagnosis_pointers": [1, 2],
        "charge": "99999999.99",
    }
    pages, text = pdf_text(render_pdf(claim_with(lines=[line]), PRACTICE, client=CLIENT))
    assert pages == 1
    assert "$99,999,999.99" in text
    with pytest.raises(mc.InputError) as caught:
        render_pdf(claim_with(lines=[{**line, "charge": "9" * 21 + ".00"}]), PRACTICE, client=CLIENT)
    assert [problem.path for problem in caught.value.problems] == ["source.lines[0].charge", "source.lines"]
    with pytest.raises(mc.InputError) as caught:
        render_html(claim_with(lines=[line, line]), PRACTICE)
    assert str(caught.value.problems[0]) == "source.lines: expected at most 99,999,999.99 to print on a superbill"


def test_a_charge_for_minutes_that_support_no_unit_is_refused() -> None:
    lines = [dict(CLAIM.to_dict()["lines"][0], minutes=5)]
    with pytest.raises(mc.InputError) as caught:
        render_html(claim_with(lines=lines), PRACTICE)
    assert [str(problem) for problem in caught.value.problems] == [
        "source.lines[0].minutes: these minutes support no unit: bill the line with units, or leave it out"
    ]


def test_a_text_too_long_for_the_page_is_named_without_echoing_the_client() -> None:
    secret = "Alexandra " * 30
    with pytest.raises(mc.InputError) as caught:
        render_pdf(CLAIM, practice_with(name="X" * 400), client=Client(name=secret))
    assert [str(problem) for problem in caught.value.problems] == [
        "practice.name: expected at most 120 characters to print on one page, got 400",
        "client.name: expected at most 120 characters to print on one page, got 300",
    ]
    assert "Alexandra" not in str(caught.value)
