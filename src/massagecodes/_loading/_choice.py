"""Which ruleset judges a claim: the installed ruleset whose ``payers`` (and ``states``)
match the claim's payer.

A ruleset of language 2 states the payer kinds it is for, and the states where it
is a state's law (``payers auto-pip`` and ``states NY``). :func:`ruleset_for` looks at
the newest version of every available ruleset in force on the claim's date of service
and picks the one whose payers include the claim's; a ruleset that names states is
preferred to one that does not (a state's law over a general policy). A ruleset that
names no payers is never picked: it has not said whom it is for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from massagecodes._engine import Ruleset
from massagecodes._loading._registry import available_rulesets, load_ruleset
from massagecodes._model import Claim
from massagecodes._text import describe
from massagecodes.errors import InputError, Problem, RulesetNotFoundError, RulesetResolutionError

__all__ = ["ruleset_for"]


def ruleset_for(claim: Claim, *, directories: Sequence[str | os.PathLike[str]] = ()) -> Ruleset:
    """The installed ruleset for ``claim``'s payer (see the module docstring).

    Raises :class:`~massagecodes.errors.RulesetNotFoundError` when no ruleset is for
    that payer, and :class:`~massagecodes.errors.RulesetResolutionError` when two are
    equally fit (name one with ``load_ruleset``).
    """
    if not isinstance(claim, Claim):
        raise InputError(
            [Problem("claim", f"expected a Claim, got {describe(claim, sensitive=True)}")], what="argument"
        )
    day = claim.date_of_service
    fit: list[Ruleset] = []
    for name in sorted({info.name for info in available_rulesets(directories=directories)}):
        try:
            ruleset = load_ruleset(name, on=day, directories=directories)
        except RulesetNotFoundError:
            continue  # no version in force on that date
        if ruleset.payers and ruleset.applies_to(claim):
            fit.append(ruleset)
    payer = claim.payer
    where = f" in {payer.state}" if payer.state else ""
    if not fit:
        raise RulesetNotFoundError(
            f"no installed ruleset is for {payer.kind.value} claims{where} on {day}; load one by name with load_ruleset"
        )
    best = [ruleset for ruleset in fit if ruleset.states] or fit
    if len(best) > 1:
        names = ", ".join(f"{ruleset.name} {ruleset.version or ''}".rstrip() for ruleset in best)
        raise RulesetResolutionError(
            f"several rulesets are for {payer.kind.value} claims{where}: {names}; load one by name with load_ruleset"
        )
    return best[0]
