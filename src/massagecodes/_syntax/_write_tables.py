"""Writes ``grammar/rules.tables.json``, the parser tables the fast driver runs, from
``grammar/rules.lark``. Run it after editing the grammar::

    python -m massagecodes._syntax._write_tables

The tables are plain JSON (never a pickle). Until they are written again, the
package sees that they name another grammar text and builds them from lark at run
time, which is correct but slower; a test fails until they match.
"""

from __future__ import annotations

import json
import pathlib

from massagecodes import _resources
from massagecodes._syntax._grammar import TABLES_FILE, built_tables


def main() -> None:
    target = pathlib.Path(str(_resources.data_dir("grammar"))) / TABLES_FILE
    target.write_text(json.dumps(built_tables(), sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
