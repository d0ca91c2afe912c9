"""The NUCC taxonomy -> licence table the claim readers use."""

from __future__ import annotations

import pytest

import massagecodes as mc
from massagecodes._taxonomy import licence_for_taxonomy, taxonomy_table


@pytest.mark.parametrize(
    ("code", "licence"),
    [
        ("225700000X", mc.License.LMT),
        ("225100000X", mc.License.PT),
        ("2251C2600X", mc.License.PT),  # a specialization of Physical Therapist
        ("225200000X", mc.License.PTA),
        ("225X00000X", mc.License.OT),
        ("225XH1200X", mc.License.OT),
        ("224Z00000X", mc.License.OTA),
        ("111N00000X", mc.License.DC),
        ("111NI0013X", mc.License.DC),
        # Physicians: the code does not tell an MD from a DO, so it says nothing.
        ("207Q00000X", None),
        ("208D00000X", None),
        ("363L00000X", None),
        ("", None),
        (None, None),
    ],
)
def test_taxonomy_says_the_licence(code: str | None, licence: mc.License | None) -> None:
    assert licence_for_taxonomy(code) == licence


def test_every_row_is_a_known_licence_and_a_plausible_code() -> None:
    for taxonomy, licence, classification in taxonomy_table():
        assert isinstance(licence, mc.License)
        assert classification
        assert (len(taxonomy) == 10 and taxonomy.endswith("X")) or 3 <= len(taxonomy) <= 4
