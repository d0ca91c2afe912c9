"""Reading rule files and the tables beside them: sizes, encodings, and folders.

``read_rules_file`` reads a ``.rules`` file (UTF-8, at most ``MAX_SOURCE_BYTES``);
``folder_reader`` gives the compiler the files a ruleset imports, by plain name
from its own folder only.
"""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable
from pathlib import Path

from massagecodes._compiler import FileReader
from massagecodes._syntax import MAX_SOURCE_BYTES
from massagecodes.errors import InputError, Problem


def folder_reader(folder: Path | Traversable) -> FileReader:
    def read(name: str) -> bytes:
        if not _PLAIN_FILE.fullmatch(name):
            raise OSError(f"{name!r}: an imported table is a file name beside the ruleset (no folders)")
        return (folder / name).read_bytes()

    return read


_PLAIN_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def read_rules_file(location: Path) -> str:
    """The text of a ``.rules`` file: UTF-8, at most ``MAX_SOURCE_BYTES``; InputError otherwise."""
    try:
        with location.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as error:
        raise InputError(
            [Problem(str(location), f"cannot read the file: {error.strerror}")], what="rules file"
        ) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise InputError(
            [Problem(str(location), f"the file is larger than {MAX_SOURCE_BYTES} bytes")], what="rules file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            [Problem(str(location), f"the file is not UTF-8 text (byte {error.start})")], what="rules file"
        ) from None
