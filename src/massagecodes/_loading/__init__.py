"""Stage 4, loading: where rulesets come from.

Text and files (:mod:`._rules`, :mod:`._files`), and rulesets by name and version
from the shipped folder, the caller's folders and installed packages
(:mod:`._registry`), which also resolves the base an ``extends`` names, and the
ruleset for a claim's payer (:mod:`._choice`).
"""

from massagecodes._loading._choice import ruleset_for
from massagecodes._loading._files import read_rules_file
from massagecodes._loading._registry import (
    RulesetInfo,
    available_rulesets,
    default_resolver,
    directory_resolver,
    load_ruleset,
)
from massagecodes._loading._rules import compile_rules, load_rules

__all__ = [
    "RulesetInfo",
    "available_rulesets",
    "compile_rules",
    "default_resolver",
    "directory_resolver",
    "load_ruleset",
    "load_rules",
    "read_rules_file",
    "ruleset_for",
]
