"""Fee-schedule tables a ruleset imports: relative value units (RVUs) per code.

A payer's fee schedule is not free to ship, so a ruleset that needs RVUs (New York's
daily physical-medicine cap is counted in them) reads them from a CSV file the user
imports beside it (``import rvu "rvu.csv"``): one row a code, ``code,rvus`` and an
optional description; title and header rows are passed over, any other malformed row
is an error naming the file and line.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal

import attrs

from massagecodes._engine._table_files import table_error, table_rows


@attrs.frozen
class RvuTable:
    """RVUs per unit of each code, from one imported file."""

    file: str
    digest: str
    values: Mapping[str, Decimal] = attrs.field(repr=False)

    @property
    def count(self) -> int:
        return len(self.values)

    def rvus(self, code: str) -> Decimal | None:
        """The RVUs of one unit of ``code``; None when the table does not list it."""
        return self.values.get(code)


def load_rvu(data: bytes, *, file: str, source: str, digest: str) -> RvuTable:
    values: dict[str, Decimal] = {}
    for number, row in table_rows(data, source=source, file=file):
        if len(row) < 2:
            raise table_error(
                source, file, number, "an RVU row has the code and its RVUs (and an optional description)"
            )
        code, text = row[0].strip(), row[1].strip()
        try:
            value = Decimal(text)
        except decimal.InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0 or len(text) > 12:
            raise table_error(source, file, number, f"the RVUs {text[:20]!r} are not a decimal number >= 0")
        if code in values:
            raise table_error(source, file, number, f"{code} is listed twice")
        values[code] = value
    return RvuTable(file, digest, values)
