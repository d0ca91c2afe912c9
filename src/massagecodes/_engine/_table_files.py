"""Reading the rows of an imported table file (CMS edit tables, fee tables): CSV text whose
data rows start with a procedure code; title and header rows are passed over, and a
malformed row is an MC215 error naming the file and line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from massagecodes.errors import Diagnostic, RulesSemanticError

# Rows of the CMS files start with a HCPCS code: CPT Category I (97124), a level II
# code (G0283), or a Category II/III or PLA code (0001F, 0001T, 0001U). Claims only
# carry the first two, but every row is read, so none is dropped unnoticed.
TABLE_CODE = re.compile(r"[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}")
_OTHER_SEPARATOR = re.compile(r"(?:[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})[\t;|]")


def table_rows(data: bytes, *, source: str, file: str) -> Iterator[tuple[int, list[str]]]:
    """The data rows (those that start with a code); title and header lines are skipped.
    A line that starts with a code but is not split by commas is an error, so a table
    saved with tabs or semicolons is refused rather than read as empty."""
    text = data.decode("utf-8-sig", errors="strict")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        first = row[0].strip()
        if TABLE_CODE.fullmatch(first):
            yield number, row
        elif _OTHER_SEPARATOR.match(first):
            raise table_error(
                source,
                file,
                number,
                "the line starts with a code but is not comma-separated; the tables are read as CSV",
            )


def table_error(source: str, file: str, line: int, message: str) -> RulesSemanticError:
    return RulesSemanticError([Diagnostic("MC215", f"{file} line {line}: {message}", source, 1, 1, 2, "")])
