"""Data that ships with the package: the grammar and the rulesets.

In a built wheel, the repository's top-level ``grammar/`` and ``rulesets/``
folders are installed as ``massagecodes/_data/grammar`` and
``massagecodes/_data/rulesets`` (see ``pyproject.toml``) and read with
``importlib.resources``. In a source checkout (an editable install) they are read
from the repository itself; a test builds and installs a real wheel to prove the
installed layout.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from massagecodes.errors import ResourceError

__all__ = ["data_dir", "read_text"]

_FOLDERS = ("grammar", "rulesets")


def data_dir(folder: str) -> Traversable:
    """The shipped folder ``grammar`` or ``rulesets``."""
    if folder not in _FOLDERS:
        raise ResourceError(f"no shipped data folder {folder!r}; expected one of {', '.join(_FOLDERS)}")
    packaged = resources.files("massagecodes") / "_data" / folder
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / folder).is_dir():
        return checkout / folder
    raise ResourceError(f"the package's {folder}/ folder is missing: reinstall massagecodes")


def read_text(folder: str, name: str) -> str:
    """The text of a shipped file, e.g. ``read_text("grammar", "rules.lark")``."""
    item = data_dir(folder) / name
    if not item.is_file():
        raise ResourceError(f"the package's {folder}/{name} is missing: reinstall massagecodes")
    return item.read_text(encoding="utf-8")
