"""The HTML superbill: one self-contained page (inline CSS, print-friendly), every value escaped.

It lays out a ``_Bill`` as built; it decides no number and no wording of its own
beyond the page's headings.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from massagecodes.superbill._bill import _Bill
from massagecodes.superbill._wording import (
    _CERTIFY,
    _client_rows,
    _dates_text,
    _line_description,
    _money,
    _provider_rows,
    _total_rows,
)

_CSS = """
@page { size: letter; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 10pt; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 8mm 0; line-height: 1.35; }
header { display: flex; justify-content: space-between; align-items: flex-start;
         border-bottom: 2px solid #1f3a5f; padding-bottom: 4mm; }
header h1 { font-size: 15pt; margin: 0 0 1mm; }
header .title { text-align: right; }
header .title h2 { font-size: 18pt; letter-spacing: 0.08em; margin: 0 0 1mm; color: #1f3a5f; }
.muted { color: #555; }
.parties { display: flex; gap: 6mm; margin: 4mm 0; }
.parties section { flex: 1; border: 1px solid #bbb; border-radius: 2mm; padding: 2mm 3mm; }
h3 { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.06em; color: #1f3a5f; margin: 0 0 1.5mm; }
table { border-collapse: collapse; width: 100%; }
.kv th { text-align: left; font-weight: normal; color: #555; padding: 0.4mm 3mm 0.4mm 0; white-space: nowrap;
         vertical-align: top; width: 1%; }
.kv td { padding: 0.4mm 0; }
.grid { margin: 2mm 0 4mm; }
.grid th { background: #e8edf3; text-align: left; font-size: 9pt; }
.grid th, .grid td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.totals { width: 45%; margin-left: auto; }
.totals td { padding: 0.8mm 1.5mm; }
.totals tr.strong td { font-weight: bold; border-top: 1.5px solid #111; font-size: 11pt; }
.note { border-left: 3px solid #b26b00; padding: 1mm 3mm; margin: 3mm 0; }
.signature { display: flex; gap: 10mm; margin-top: 10mm; }
.signature div { border-top: 1px solid #111; padding-top: 1mm; }
.signature .sign { flex: 3; }
.signature .date { flex: 1; }
@media print { body { padding: 0; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _kv_table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in rows)
    return f'<table class="kv">{cells}</table>'


def _html(bill: _Bill) -> str:
    practice = bill.practice
    contact = [*practice.address, *([] if practice.phone is None else [practice.phone])]
    title_rows = []
    if bill.issued is not None:
        title_rows.append(f"Statement date {bill.issued.isoformat()}")
    title_rows.append(_dates_text(bill.dates))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Superbill, {_e(_dates_text(bill.dates))}</title><style>{_CSS}</style></head>",
        "<body>",
        "<header><div>",
        f"<h1>{_e(practice.name)}</h1>",
        *(f'<div class="muted">{_e(line)}</div>' for line in contact),
        '</div><div class="title"><h2>SUPERBILL</h2>',
        *(f"<div>{_e(row)}</div>" for row in title_rows),
        "</div></header>",
        '<div class="parties">',
        f"<section><h3>Provider</h3>{_kv_table(_provider_rows(bill))}</section>",
        f"<section><h3>Client</h3>{_kv_table(_client_rows(bill))}</section>",
        "</div>",
        "<h3>Diagnoses (ICD-10-CM)</h3>",
    ]
    if bill.diagnoses:
        rows = "".join(
            f'<tr><td class="nowrap">{d.letter}</td><td class="nowrap">{_e(d.code)}</td>'
            + ("" if not bill.descriptions else f"<td>{_e(d.description or '(not in ICD-10-CM)')}</td>")
            + "</tr>"
            for d in bill.diagnoses
        )
        head = "<th>Ptr</th><th>Code</th>" + ("<th>Description</th>" if bill.descriptions else "")
        parts.append(f'<table class="grid"><tr>{head}</tr>{rows}</table>')
    else:
        parts.append('<p class="muted">None given.</p>')
    parts.append("<h3>Services</h3>")
    head = "".join(
        f'<th class="{cls}">{label}</th>' if cls else f"<th>{label}</th>"
        for label, cls in [
            ("#", "num"),
            ("Date", ""),
            ("Code", ""),
            ("Modifiers", ""),
            ("Description", ""),
            ("Dx ptr", ""),
            ("Units", "num"),
            ("Fee/unit", "num"),
            ("Amount", "num"),
        ]
    )
    body = "".join(
        "<tr>"
        f'<td class="num">{number}</td>'
        f'<td class="nowrap">{line.date.isoformat()}</td>'
        f"<td>{_e(line.code)}</td>"
        f"<td>{_e(' '.join(line.modifiers))}</td>"
        f"<td>{_e(_line_description(line))}</td>"
        f"<td>{_e(' '.join(line.pointers))}</td>"
        f'<td class="num">{"" if line.units is None else line.units}</td>'
        f'<td class="num">{"" if line.unit_fee is None else _e(_money(line.unit_fee))}</td>'
        f'<td class="num">{_e(_money(line.amount))}</td>'
        "</tr>"
        for number, line in enumerate(bill.lines, start=1)
    )
    parts.append(f'<table class="grid"><tr>{head}</tr>{body}</table>')
    totals = "".join(
        f'<tr class="{"strong" if strong else "plain"}"><td>{_e(label)}</td><td class="num">{_e(amount)}</td></tr>'
        for label, amount, strong in _total_rows(bill)
    )
    parts.append(f'<table class="totals">{totals}</table>')
    note = bill.note()
    if note is not None:
        parts.append(f'<p class="note">{_e(note)}</p>')
    signer = bill.provider_name or f"NPI {bill.provider.npi}"
    parts += [
        f"<p>{_e(_CERTIFY)}</p>",
        '<div class="signature">',
        f'<div class="sign">Provider signature: {_e(signer)}, {_e(bill.provider.license.value)}</div>',
        '<div class="date">Date</div>',
        "</div>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
