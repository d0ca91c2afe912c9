"""massagecodes: billing rules for US massage and manual-therapy insurance claims.

The public API is what this module exports, plus the public modules
:mod:`massagecodes.units` (unit arithmetic) and :mod:`massagecodes.errors`.
Everything else is private. Objects are immutable values: safe to share
between threads and to pickle.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from massagecodes import errors, units
from massagecodes._codes import DEFAULT_CATALOG, CodeCatalog, CodeInfo
from massagecodes._engine import CompiledRule as Rule
from massagecodes._engine import Finding, Result, Ruleset, RuleTestOutcome
from massagecodes._loading import (
    RulesetInfo,
    available_rulesets,
    compile_rules,
    load_rules,
    load_ruleset,
    ruleset_for,
)
from massagecodes._model import (
    Accident,
    AccidentCause,
    Authorization,
    Claim,
    DocElement,
    Documentation,
    License,
    Patient,
    Payer,
    PayerKind,
    Provider,
    Referral,
    ServiceLine,
    Session,
    Sex,
    SoapPart,
    Treatment,
)
from massagecodes._regions import DEFAULT_REGIONS, Region, RegionVocabulary, Side
from massagecodes._syntax import format_rules
from massagecodes.errors import (
    Diagnostic,
    ExtraMissingError,
    InputError,
    MassagecodesError,
    Problem,
    ResourceError,
    RulesError,
    RulesetNotFoundError,
    RulesetResolutionError,
    RulesSemanticError,
    RulesSyntaxError,
    UnknownCodeError,
)

try:
    __version__ = version("massagecodes")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without installing
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_CATALOG",
    "DEFAULT_REGIONS",
    "Accident",
    "AccidentCause",
    "Authorization",
    "Claim",
    "CodeCatalog",
    "CodeInfo",
    "Diagnostic",
    "DocElement",
    "Documentation",
    "ExtraMissingError",
    "Finding",
    "InputError",
    "License",
    "MassagecodesError",
    "Patient",
    "Payer",
    "PayerKind",
    "Problem",
    "Provider",
    "Referral",
    "Region",
    "RegionVocabulary",
    "ResourceError",
    "Result",
    "Rule",
    "RuleTestOutcome",
    "Ruleset",
    "RulesetInfo",
    "RulesetNotFoundError",
    "RulesetResolutionError",
    "RulesError",
    "RulesSemanticError",
    "RulesSyntaxError",
    "ServiceLine",
    "Session",
    "Sex",
    "Side",
    "SoapPart",
    "Treatment",
    "UnknownCodeError",
    "__version__",
    "available_rulesets",
    "compile_rules",
    "errors",
    "format_rules",
    "load_rules",
    "load_ruleset",
    "ruleset_for",
    "units",
]
