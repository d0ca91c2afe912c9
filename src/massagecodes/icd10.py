"""ICD-10-CM lookups (extra ``icd10``, built on simple-icd-10-cm).

Only the most specific (leaf) codes are billable (DOMAIN.md section 7): ``M54.50`` is,
its category ``M54`` is not. The code set is large and slow to import (seconds), so it
is loaded on first use, once, and shared (it is read-only). Without the extra, these
functions raise :class:`~massagecodes.errors.ExtraMissingError` naming the
``pip install`` to run; the rest of massagecodes works without it (diagnoses then get
the format check only).

>>> from massagecodes import icd10
>>> icd10.is_billable("M54.50"), icd10.is_billable("M54")
(True, False)
"""

from __future__ import annotations

import functools
import threading
import warnings
from types import ModuleType

from massagecodes._codes import diagnosis_problem
from massagecodes.errors import ExtraMissingError, InputError, Problem

__all__ = ["description", "is_billable", "is_known"]

_lock = threading.Lock()


@functools.cache
def _codes() -> ModuleType:
    with _lock:
        try:
            with warnings.catch_warnings():
                # The package reads its data with APIs that warn of their own deprecation.
                warnings.simplefilter("ignore")
                import simple_icd_10_cm  # type: ignore[import-untyped]
        except ImportError:
            raise ExtraMissingError(
                "ICD-10-CM lookups need the icd10 extra: pip install 'massagecodes[icd10]'"
            ) from None
        module: ModuleType = simple_icd_10_cm
        return module


def _checked(code: object) -> str:
    problem = diagnosis_problem(code)
    if problem is not None:
        raise InputError([Problem("code", problem)], what="argument")
    assert isinstance(code, str)
    return code


def is_known(code: str) -> bool:
    """True when ``code`` (``M54.50`` or a category such as ``M54``) is in ICD-10-CM."""
    return bool(_codes().is_valid_item(_checked(code)))


def is_billable(code: str) -> bool:
    """True when ``code`` is a leaf of ICD-10-CM: the most specific code, the only kind billable."""
    checked = _checked(code)
    codes = _codes()
    return bool(codes.is_valid_item(checked) and codes.is_leaf(checked))


def description(code: str) -> str | None:
    """The code set's description of ``code``, or None when it is not in ICD-10-CM."""
    checked = _checked(code)
    codes = _codes()
    return str(codes.get_description(checked)) if codes.is_valid_item(checked) else None
