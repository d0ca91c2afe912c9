"""Stage 3, the engine: how a claim is judged.

Compiled rules (:mod:`._rules`) hold predicate objects (:mod:`._predicates`) that
read a claim's facts (:mod:`._facts`); each rule runs through a fast plan
(:mod:`._plans`, :mod:`._actions`) or the reference solver (:mod:`._reference`);
the :class:`Ruleset` gathers findings into results (:mod:`._results`), explains
them (:mod:`._explain`), runs the tests written beside the rules
(:mod:`._testing`) and applies the CMS edit tables (:mod:`._edit_tables`). The
engine never imports the syntax, the compiler or the loading stage: the compiler
builds engine values, not the reverse.
"""

from massagecodes._engine._edit_tables import ImportedTable, MueTable, PtpTable, load_mue, load_ptp
from massagecodes._engine._fee_tables import RvuTable, load_rvu
from massagecodes._engine._results import OUTCOMES, Finding, LineOutcome, Outcome, Result
from massagecodes._engine._rules import PARAM_TYPES, CompiledRule, Param, ParamType, Requirement, Target, param_value
from massagecodes._engine._ruleset import Ruleset
from massagecodes._engine._testing import Expected, RuleTest, RuleTestOutcome

__all__ = [
    "OUTCOMES",
    "PARAM_TYPES",
    "CompiledRule",
    "ImportedTable",
    "Expected",
    "Finding",
    "LineOutcome",
    "MueTable",
    "Outcome",
    "Param",
    "ParamType",
    "PtpTable",
    "Requirement",
    "Result",
    "RuleTest",
    "RuleTestOutcome",
    "Ruleset",
    "Target",
    "load_mue",
    "load_ptp",
    "load_rvu",
    "RvuTable",
    "param_value",
]
