"""JSON text as the library reads it: strict JSON, every problem an InputError.

NaN and Infinity are refused (they are not JSON); a number too long, text that is not
UTF-8 and nesting too deep are malformed JSON; and a key written twice in one object is
an error naming the key and its JSON path, because ``json.loads`` would keep only the
last value and a line or a minute count would disappear without a word.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from massagecodes.errors import InputError, Problem

__all__ = ["load_json"]


class _NotJsonError(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    raise _NotJsonError(f"{name} is not a JSON value")


class _Object(dict[str, Any]):
    """An object as read: its keys written more than once, in order."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated: list[str] = []
        if len(self) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen and key not in self.repeated:
                    self.repeated.append(key)
                seen.add(key)


def _key_path(path: str, key: str, *, sensitive: bool) -> str:
    if sensitive:
        return path  # a key inside health information may itself be health information
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"


def duplicate_keys(data: object, *, hide_keys_under: Callable[[str], bool] | None = None) -> list[Problem]:
    """A problem for each key written twice, at its JSON path, in document order."""
    problems: list[Problem] = []
    stack: list[tuple[str, object]] = [("$", data)]
    while stack:  # depth first, in order, without recursion
        path, value = stack.pop()
        if isinstance(value, _Object):
            hidden = hide_keys_under is not None and hide_keys_under(path)
            for key in value.repeated:
                where = _key_path(path, key, sensitive=hidden)
                what = "a key" if hidden else f'the key "{key}"'
                problems.append(Problem(where, f"{what} appears twice in one object; remove one of them"))
            stack.extend(reversed([(_key_path(path, key, sensitive=False), item) for key, item in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path}[{index}]", item) for index, item in enumerate(value)]))
    return problems


def load_json(
    text: str | bytes | bytearray,
    *,
    what: str,
    exact: bool = False,
    hide_keys_under: Callable[[str], bool] | None = None,
) -> Any:
    """Parse ``text``: plain dicts and lists; numbers with a fraction as Decimal when
    ``exact``. Raises InputError (``what`` names the document) for malformed JSON or
    keys written twice; ``hide_keys_under(path)`` says where keys are health
    information and are not named."""
    try:
        data = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=Decimal if exact else None,
            object_pairs_hook=_Object,
        )
    except _NotJsonError as error:
        raise InputError([Problem("$", f"malformed JSON: {error}")], what=what) from None
    except json.JSONDecodeError as error:
        problem = Problem(f"line {error.lineno} column {error.colno}", f"malformed JSON: {error.msg}")
        raise InputError([problem], what=what) from None
    except UnicodeDecodeError:
        raise InputError([Problem("$", "malformed JSON: not UTF-8 text")], what=what) from None
    except RecursionError:
        raise InputError([Problem("$", "malformed JSON: nested too deeply")], what=what) from None
    except ValueError:  # a number of more digits than Python converts
        raise InputError([Problem("$", "malformed JSON: a number is too long")], what=what) from None
    problems = duplicate_keys(data, hide_keys_under=hide_keys_under)
    if problems:
        raise InputError(problems, what=what)
    return data
