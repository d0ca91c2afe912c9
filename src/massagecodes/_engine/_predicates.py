"""Every compiled predicate, in one namespace for the compiler that builds them.

The classes live by what they look at: :mod:`._line_predicates` (code terms,
relations, AND/OR/NOT, modifiers and measures of lines) and
:mod:`._claim_predicates` (tests of the claim as a whole); what a predicate is,
and its fast forms, in :mod:`._predicate`.
"""

from massagecodes._engine._claim_predicates import (
    BillablePred,
    BilledByOtherPred,
    ChargesPred,
    ConstPred,
    DiagnosisPred,
    DocumentedPred,
    DxPattern,
    FieldPred,
    PresentPred,
    TotalPred,
    VisitsPred,
)
from massagecodes._engine._facts import Context, Env, Facts, TraceStep
from massagecodes._engine._line_predicates import (
    AllOf,
    AnyOf,
    CodeTermPred,
    DayUnitsPred,
    MeasurePred,
    ModifierPred,
    Negation,
    Relation,
    all_of,
    any_of,
    cheap_first,
)
from massagecodes._engine._predicate import OPS, LineSelector, Predicate

__all__ = [
    "OPS",
    "AllOf",
    "AnyOf",
    "BillablePred",
    "BilledByOtherPred",
    "ChargesPred",
    "CodeTermPred",
    "ConstPred",
    "Context",
    "DayUnitsPred",
    "DiagnosisPred",
    "DocumentedPred",
    "DxPattern",
    "Env",
    "Facts",
    "FieldPred",
    "LineSelector",
    "MeasurePred",
    "ModifierPred",
    "Negation",
    "Predicate",
    "PresentPred",
    "Relation",
    "TotalPred",
    "TraceStep",
    "VisitsPred",
    "all_of",
    "any_of",
    "cheap_first",
]
