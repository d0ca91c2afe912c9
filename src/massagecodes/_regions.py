"""Body regions: the CMS vocabulary, its aliases, and an optional side.

The ten regions are those CMS uses for chiropractic manipulation (five spinal:
cervical, thoracic, lumbar, sacral, pelvic; five extraspinal: head, upper and
lower extremities, rib cage, abdomen), and the NCCI chiropractic edits speak of
"the same region" in these terms (DOMAIN.md section 4; CMS NCCI manual ch. XI).
Rulesets may add names and aliases of their own.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping

import attrs

from massagecodes._frozen import FrozenDict
from massagecodes._text import describe, did_you_mean
from massagecodes.errors import InputError, Problem

__all__ = ["DEFAULT_REGIONS", "Region", "RegionVocabulary", "Side"]


class Side(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def region_name_problem(value: object) -> str | None:
    if isinstance(value, str) and _NAME.fullmatch(value):
        return None
    return "expected a region name in lower case, words joined by hyphens (e.g. upper-extremity), got " + describe(
        value
    )


def _to_side(value: object) -> object:
    return Side(value) if isinstance(value, str) and value in Side._value2member_map_ else value


@attrs.frozen(kw_only=True)
class Region:
    """A body region by its canonical name, and optionally a side.

    ``name`` is a canonical name (``lumbar``), not an alias (``low-back``): use
    :meth:`Region.of` to read everyday words.
    """

    name: str
    side: Side | None = attrs.field(default=None, converter=_to_side)

    def __attrs_post_init__(self) -> None:
        problems = []
        problem = region_name_problem(self.name)
        if problem is None and self.name in DEFAULT_ALIASES:
            target = DEFAULT_ALIASES[self.name]
            problem = f'"{self.name}" is an alias: write Region(name="{target}") or Region.of("{self.name}")'
        if problem is not None:
            problems.append(Problem("$.name", problem))
        side: object = self.side
        if side is not None and not isinstance(side, Side):
            problems.append(Problem("$.side", 'expected "left", "right" or "bilateral", got ' + describe(side)))
        if problems:
            raise InputError(problems, what="region")

    @classmethod
    def of(cls, text: str, *, side: Side | str | None = None, vocabulary: RegionVocabulary | None = None) -> Region:
        """The region named by ``text``, a name or an alias (``"low back"`` -> lumbar)."""
        words = DEFAULT_REGIONS if vocabulary is None else vocabulary
        name = words.resolve(text) if isinstance(text, str) else None
        if name is None:
            raise InputError([Problem("$.name", words.unknown_message(text))], what="region")
        return cls(name=name, side=_to_side(side))

    def __str__(self) -> str:
        return self.name if self.side is None else f"{self.name} ({self.side})"


def normalize(text: str) -> str:
    """Lower-case, with runs of spaces and underscores folded to one hyphen."""
    return re.sub(r"[\s_-]+", "-", text.strip().lower())


def _frozen_names(names: Iterable[str]) -> frozenset[str]:
    return frozenset(names)


def _frozen_aliases(aliases: Mapping[str, str]) -> FrozenDict[str, str]:
    return FrozenDict(aliases)


@attrs.frozen
class RegionVocabulary:
    """The region names a claim may use, and the aliases that map onto them."""

    names: frozenset[str] = attrs.field(converter=_frozen_names)
    aliases: Mapping[str, str] = attrs.field(converter=_frozen_aliases)

    def __attrs_post_init__(self) -> None:
        bad = sorted(f"{alias} -> {target}" for alias, target in self.aliases.items() if target not in self.names)
        if bad:
            raise InputError(
                [Problem("aliases", f"alias of an unknown region: {item}") for item in bad], what="region vocabulary"
            )

    def resolve(self, text: str) -> str | None:
        """The canonical name for ``text`` (a name or an alias), or None."""
        key = normalize(text)
        if key in self.names:
            return key
        return self.aliases.get(key)

    def unknown_message(self, text: str) -> str:
        return (
            f"unknown region {describe(text)}{did_you_mean(normalize(text), [*self.names, *self.aliases])}; expected one of: "
            + ", ".join(sorted(self.names))
        )

    def extended(self, *, names: Iterable[str] = (), aliases: Mapping[str, str] | None = None) -> RegionVocabulary:
        """A new vocabulary with extra names and aliases (as a ruleset declares them)."""
        merged = dict(self.aliases)
        merged.update({normalize(alias): normalize(target) for alias, target in (aliases or {}).items()})
        return RegionVocabulary(self.names | {normalize(name) for name in names}, merged)


CMS_REGIONS = (
    "cervical",
    "thoracic",
    "lumbar",
    "sacral",
    "pelvic",
    "head",
    "upper-extremity",
    "lower-extremity",
    "rib-cage",
    "abdomen",
)

# Everyday words for the CMS regions. The extremities include their joints, as in
# the CMS description of the extraspinal regions; the pelvic region is the
# sacro-iliac joint; the head region includes the temporomandibular joint.
DEFAULT_ALIASES = {
    "neck": "cervical",
    "cervical-spine": "cervical",
    "upper-back": "thoracic",
    "mid-back": "thoracic",
    "middle-back": "thoracic",
    "thoracic-spine": "thoracic",
    "low-back": "lumbar",
    "lower-back": "lumbar",
    "lumbar-spine": "lumbar",
    "sacrum": "sacral",
    "sacroiliac": "pelvic",
    "si-joint": "pelvic",
    "pelvis": "pelvic",
    "tmj": "head",
    "jaw": "head",
    "face": "head",
    "scalp": "head",
    "upper-extremities": "upper-extremity",
    "shoulder": "upper-extremity",
    "arm": "upper-extremity",
    "elbow": "upper-extremity",
    "forearm": "upper-extremity",
    "wrist": "upper-extremity",
    "hand": "upper-extremity",
    "lower-extremities": "lower-extremity",
    "hip": "lower-extremity",
    "thigh": "lower-extremity",
    "leg": "lower-extremity",
    "knee": "lower-extremity",
    "calf": "lower-extremity",
    "ankle": "lower-extremity",
    "foot": "lower-extremity",
    "ribs": "rib-cage",
    "chest-wall": "rib-cage",
    "abdominal": "abdomen",
}

DEFAULT_REGIONS = RegionVocabulary(CMS_REGIONS, DEFAULT_ALIASES)
