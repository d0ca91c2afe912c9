"""Versions, pinning, content hashes, effective dates, composition, and ruleset sources."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import venv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import massagecodes as mc

ROOT = Path(__file__).resolve().parent.parent
CLAIM = {
    "date_of_service": "2026-03-02",
    "payer": {"kind": "commercial"},
    "provider": {"npi": "1234567893", "license": "LMT"},
    "patient": {"id": "T-1"},
    "diagnoses": ["M54.50"],
    "referral": {"npi": "1245319599", "date": "2026-01-05"},
    "lines": [
        {"code": "97124", "minutes": 30, "region": "lumbar", "diagnosis_pointers": [1]},
        {"code": "97140", "minutes": 15, "region": "lumbar", "diagnosis_pointers": [1]},
    ],
}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def versions(folder: Path) -> Path:
    write(
        folder, "demo-2025.1.rules", "ruleset demo\nversion 2025.1\neffective 2025-01-01 to 2025-12-31\n97124 -> WARN\n"
    )
    write(
        folder,
        "demo-2025.2.rules",
        "ruleset demo\nversion 2025.2\neffective 2025-07-01 to 2025-12-31\n97124 -> WARN\n97140 -> WARN\n",
    )
    write(folder, "demo-2026.1.rules", "ruleset demo\nversion 2026.1\neffective from 2026-01-01\n97140 -> DENY\n")
    return folder


# --------------------------------------------------------------------------- #
# Versions and pinning.                                                          #
# --------------------------------------------------------------------------- #


def test_highest_version_by_default(tmp_path: Path) -> None:
    assert mc.load_ruleset("demo", directories=[versions(tmp_path)]).version == "2026.1"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("==2025.2", "2025.2"),
        ("2025.1", "2025.1"),
        ("~=2025.1", "2025.2"),
        (">=2025.1,<2026", "2025.2"),
        ("<2025.2", "2025.1"),
    ],
)
def test_pinning(tmp_path: Path, spec: str, expected: str) -> None:
    assert mc.load_ruleset("demo", spec, directories=[versions(tmp_path)]).version == expected


def test_versions_compare_by_pep_440(tmp_path: Path) -> None:
    write(tmp_path, "a.rules", "ruleset demo\nversion 2025.9\n97124 -> WARN\n")
    write(tmp_path, "b.rules", "ruleset demo\nversion 2025.10\n97124 -> WARN\n")
    assert mc.load_ruleset("demo", directories=[tmp_path]).version == "2025.10"


def test_shipped_ruleset_pinned_to_its_own_version() -> None:
    version = mc.load_ruleset("commercial").version
    assert version is not None
    assert mc.load_ruleset("commercial", f"=={version}").version == version


def test_missing_version_lists_what_exists(tmp_path: Path) -> None:
    with pytest.raises(mc.RulesetNotFoundError) as caught:
        mc.load_ruleset("demo", "==2024.1", directories=[versions(tmp_path)])
    assert str(caught.value) == "no version of ruleset 'demo' matches '==2024.1'; its versions: 2025.1, 2025.2, 2026.1"
    assert isinstance(caught.value, LookupError)


def test_missing_name_lists_what_is_available() -> None:
    with pytest.raises(mc.RulesetNotFoundError) as caught:
        mc.load_ruleset("comercial")
    message = str(caught.value)
    assert message.startswith("no ruleset named 'comercial' (did you mean \"commercial\"?); available: ")
    assert "commercial 2026.1" in message
    assert "cms-therapy 2026.1" in message


def test_bad_version_constraint() -> None:
    with pytest.raises(mc.InputError, match="expected a version or a constraint"):
        mc.load_ruleset("commercial", "latest!")


def test_bad_arguments() -> None:
    with pytest.raises(mc.InputError) as caught:
        mc.load_ruleset("", 2025, on="2025-01-01", params=[1])  # type: ignore[arg-type]
    assert [p.path for p in caught.value.problems] == ["name", "version", "on", "params"]


UNTYPED: Any = mc  # called as untyped code would


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: UNTYPED.load_ruleset("commercial", directories="rulesets"),
            'directories: expected a list of folders, got "rulesets"',
        ),
        (
            lambda: UNTYPED.load_ruleset("commercial", directories=[None]),
            "directories[0]: expected a folder path, got null",
        ),
        (lambda: UNTYPED.available_rulesets(directories=5), "directories: expected a list of folders, got 5"),
        (lambda: UNTYPED.compile_rules("97124 -> WARN", directory=123), "directory: expected a folder path, got 123"),
        (lambda: UNTYPED.load_rules(123), "path: expected a file path, got 123"),
    ],
    ids=["directories-str", "directory-none", "directories-int", "directory-int", "path-int"],
)
def test_bad_paths_are_input_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(mc.InputError) as caught:
        call()
    assert message in str(caught.value)


# --------------------------------------------------------------------------- #
# Effective dates.                                                               #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 3, 1), "2025.1"),
        (datetime.date(2025, 8, 1), "2025.2"),
        (datetime.date(2026, 5, 1), "2026.1"),
    ],
)
def test_version_in_force_on_a_date(tmp_path: Path, day: datetime.date, expected: str) -> None:
    assert mc.load_ruleset("demo", on=day, directories=[versions(tmp_path)]).version == expected


def test_no_version_in_force(tmp_path: Path) -> None:
    with pytest.raises(mc.RulesetNotFoundError) as caught:
        mc.load_ruleset("demo", on=datetime.date(2024, 6, 1), directories=[versions(tmp_path)])
    assert str(caught.value) == (
        "no version of ruleset 'demo' is in force on 2024-06-01; 2025.1: from 2025-01-01 to 2025-12-31; "
        "2025.2: from 2025-07-01 to 2025-12-31; 2026.1: from 2026-01-01"
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [(datetime.date(2025, 3, 1), "2025.1"), (datetime.date(2025, 8, 1), "2025.2")],
)
def test_on_chooses_the_bases_in_force_too(tmp_path: Path, day: datetime.date, expected: str) -> None:
    versions(tmp_path)
    write(
        tmp_path,
        "child-1.rules",
        'ruleset child\nversion 1\nextends demo "~=2025.1"\nrule more\n  97110 -> WARN\nend\n',
    )
    ruleset = mc.load_ruleset("child", on=day, directories=[tmp_path])
    assert [(name, version) for name, version, _ in ruleset.bases] == [("demo", expected)]


def test_on_with_a_base_not_in_force(tmp_path: Path) -> None:
    versions(tmp_path)
    write(
        tmp_path,
        "child-1.rules",
        'ruleset child\nversion 1\nextends demo "~=2025.1"\nrule more\n  97110 -> WARN\nend\n',
    )
    with pytest.raises(mc.RulesSemanticError, match="MC214: no version of ruleset 'demo' is in force on 2026-03-01"):
        mc.load_ruleset("child", on=datetime.date(2026, 3, 1), directories=[tmp_path])
    # Without a date, the highest version that matches the constraint.
    assert [version for _, version, _ in mc.load_ruleset("child", directories=[tmp_path]).bases] == ["2025.2"]


def test_claim_outside_the_range_is_an_error(tmp_path: Path) -> None:
    ruleset = mc.load_ruleset("demo", "2025.1", directories=[versions(tmp_path)])
    with pytest.raises(mc.InputError, match=r"2026-03-02 is outside the effective dates of ruleset demo 2025.1"):
        ruleset.evaluate(mc.Claim.from_dict(CLAIM))


# --------------------------------------------------------------------------- #
# Content hashes.                                                                #
# --------------------------------------------------------------------------- #


def test_hash_ignores_comments_and_layout() -> None:
    plain = mc.compile_rules("ruleset x\nversion 1.0\n97124 AND 97140 SAME region -> DENY unless modifier 59\n")
    noisy = mc.compile_rules(
        "# a comment\nruleset   x\n\nversion 1.0   # trailing\n\n97124   AND 97140 SAME   region->DENY unless modifier 59  # why\n"
    )
    changed = mc.compile_rules("ruleset x\nversion 1.0\n97124 AND 97140 SAME region -> DENY unless modifier XS\n")
    assert plain.hash == noisy.hash
    assert plain.hash != changed.hash
    assert plain.hash.startswith("sha256:")
    assert len(plain.hash) == 7 + 64


def test_result_carries_name_version_and_hash() -> None:
    ruleset = mc.load_ruleset("commercial")
    result = ruleset.evaluate(mc.Claim.from_dict(CLAIM))
    assert (result.ruleset_name, result.ruleset_version, result.ruleset_hash) == (
        "commercial",
        ruleset.version,
        ruleset.hash,
    )
    assert result.to_dict()["ruleset"] == {"name": "commercial", "version": ruleset.version, "hash": ruleset.hash}
    json.dumps(result.to_dict())


# --------------------------------------------------------------------------- #
# Composition.                                                                    #
# --------------------------------------------------------------------------- #

CHILD = """
ruleset acme-health
version 1.0
extends commercial ">=2026.1,<2027"
disable diagnosis-required
rule massage-manual-same-region "Acme denies both lines"
  97124 AND 97140 SAME region -> DENY 97124 unless modifier 59
  carc 97
  message "Acme: not on one region"
  fix "Bill one"
  cite "Acme policy 12"
end
rule acme-no-97530
  97530 -> DENY 97530
  carc 96
end
"""


def test_extends_overrides_and_disables() -> None:
    base = mc.load_ruleset("commercial")
    child = mc.compile_rules(CHILD, source="acme.rules")
    assert child.bases == ((base.name, base.version, base.hash),)
    assert child.unit_method == base.unit_method  # inherited
    assert "diagnosis-required" not in child.rule_ids
    assert child.rule_ids[0] == "massage-manual-same-region"  # replaced in place
    assert child.rule_ids[-1] == "acme-no-97530"
    result = child.evaluate(mc.Claim.from_dict(CLAIM))
    assert [(f.rule_id, f.lines, f.message) for f in result.findings] == [
        ("massage-manual-same-region", (0,), "Acme: not on one region")
    ]
    assert child.hash != base.hash


def test_extends_passes_params_to_the_base() -> None:
    child = mc.compile_rules(CHILD, params={"visit-limit": 10})
    assert child.settings["visit-limit"] == 10
    assert "visit-limit" not in dict(child.skipped)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extends comercial\n", "no ruleset named 'comercial' (did you mean \"commercial\"?)"),
        ('extends commercial ">=2030"\n', "no version of ruleset 'commercial' matches '>=2030'"),
        ('extends commercial "same region"\n', "MC214: version: expected a version or a constraint"),
        ("extends commercial\ndisable no-such-rule\n", 'the base ruleset has no rule "no-such-rule" to disable'),
        ("extends commercial\n97124 -> WARN\n", "a ruleset that extends another gives each rule an id"),
        ("disable visit-limit\n", "disable needs a base ruleset"),
        ("extends commercial\nparam $visit-limit number\n", "$visit-limit is declared by the base ruleset"),
    ],
    ids=[
        "unknown-base",
        "no-matching-version",
        "malformed-version",
        "disable-unknown",
        "bare-rule",
        "disable-without-base",
        "redeclared-param",
    ],
)
def test_composition_errors(text: str, message: str) -> None:
    with pytest.raises(mc.RulesSemanticError) as caught:
        mc.compile_rules(text)
    assert message in str(caught.value)


def test_cycles_and_two_versions_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "a.rules", "ruleset a\nversion 1.0\nextends b\nrule ra\n  97124 -> WARN\nend\n")
    write(tmp_path, "b.rules", "ruleset b\nversion 1.0\nextends a\nrule rb\n  97140 -> WARN\nend\n")
    with pytest.raises(
        mc.RulesSemanticError, match=re.escape("rulesets extend each other in a cycle: a 1.0 -> b 1.0 -> a 1.0")
    ):
        mc.load_ruleset("a", directories=[tmp_path])
    other = tmp_path / "other"
    other.mkdir()
    write(other, "c1.rules", "ruleset c\nversion 1.0\nrule rc\n  97124 -> WARN\nend\n")
    write(other, "c2.rules", 'ruleset c\nversion 2.0\nextends c "==1.0"\nrule rc2\n  97140 -> WARN\nend\n')
    with pytest.raises(mc.RulesSemanticError, match=r"two versions of ruleset c in one resolution \(2.0 and 1.0\)"):
        mc.load_ruleset("c", "2.0", directories=[other])


def test_same_version_twice_with_different_content(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    write(first, "x.rules", "ruleset dup\nversion 1.0\n97124 -> WARN\n")
    write(second, "x.rules", "ruleset dup\nversion 1.0\n97140 -> WARN\n")
    with pytest.raises(
        mc.RulesetResolutionError, match=re.escape("ruleset dup 1.0 is provided twice, with different content")
    ):
        mc.load_ruleset("dup", directories=[first, second])


def test_published_ruleset_needs_name_and_version(tmp_path: Path) -> None:
    write(tmp_path, "anonymous.rules", "97124 -> WARN\n")
    with pytest.raises(mc.InputError, match="a published ruleset names itself"):
        mc.available_rulesets(directories=[tmp_path])


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(mc.InputError, match="is not a folder"):
        mc.available_rulesets(directories=[tmp_path / "missing"])


def test_available_rulesets_lists_directories(tmp_path: Path) -> None:
    infos = [info for info in mc.available_rulesets(directories=[versions(tmp_path)]) if info.name == "demo"]
    assert [(i.version, i.origin, i.effective) for i in infos] == [
        ("2025.1", f"directory {tmp_path}", (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))),
        ("2025.2", f"directory {tmp_path}", (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31))),
        ("2026.1", f"directory {tmp_path}", (datetime.date(2026, 1, 1), None)),
    ]
    assert infos[0].in_effect(datetime.date(2025, 6, 1))
    assert not infos[1].in_effect(datetime.date(2025, 6, 1))


# --------------------------------------------------------------------------- #
# Rulesets shipped by another package, through the entry point.                 #
# --------------------------------------------------------------------------- #

PLUGIN_PYPROJECT = """
[build-system]
requires = ["hatchling>=1.27"]
build-backend = "hatchling.build"

[project]
name = "acme-rules"
version = "1.0.0"
dependencies = []

[project.entry-points."massagecodes.rulesets"]
acme = "acme_rules"

[tool.hatch.build.targets.wheel]
packages = ["acme_rules"]
"""

PLUGIN_PROBE = """
import json
import massagecodes as mc
infos = [i for i in mc.available_rulesets() if i.name == "acme-health"]
ruleset = mc.load_ruleset("acme-health", "==1.0")
print(json.dumps({
    "origins": [i.origin for i in infos],
    "version": ruleset.version,
    "bases": [list(b[:2]) for b in ruleset.bases],
    "tests": [o.passed for o in ruleset.run_tests()],
    "shipped": mc.load_ruleset("cms-therapy").name,
}))
"""


@pytest.mark.slow
def test_rulesets_from_an_installed_package(tmp_path: Path) -> None:
    plugin = tmp_path / "plugin"
    package = plugin / "acme_rules"
    package.mkdir(parents=True)
    write(plugin, "pyproject.toml", PLUGIN_PYPROJECT)
    write(package, "__init__.py", '"""Acme Health payer rules for massagecodes."""\n')
    child = (
        CHILD
        + 'test "acme"\n  claim '
        + json.dumps(CLAIM)
        + "\n  expect DENY massage-manual-same-region on line 0\nend\n"
    )
    write(package, "acme-health-1.0.rules", child)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(ROOT), str(plugin)],
        capture_output=True,
        text=True,
        env=clean,
    )
    assert installed.returncode == 0, installed.stderr
    probe = subprocess.run(
        [str(python), "-c", PLUGIN_PROBE], check=True, capture_output=True, text=True, cwd=tmp_path, env=clean
    )
    report = json.loads(probe.stdout)
    assert report == {
        "origins": ["package acme-rules (entry point acme)"],
        "version": "1.0",
        "bases": [["commercial", "2026.2"]],
        "tests": [True],
        "shipped": "cms-therapy",
    }


def test_entry_point_errors_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    broken = metadata.EntryPoint(name="broken", value="no_such_module_for_massagecodes", group="massagecodes.rulesets")

    def entry_points(**kwargs: object) -> list[metadata.EntryPoint]:
        return [broken] if kwargs.get("group") == "massagecodes.rulesets" else []

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    with pytest.raises(
        mc.ResourceError,
        match=r"entry point broken\): cannot load 'no_such_module_for_massagecodes': ModuleNotFoundError",
    ):
        mc.available_rulesets()


def test_prereleases_only_when_asked_for(tmp_path: Path) -> None:
    write(tmp_path, "demo-2026.1.rules", "ruleset demo\nversion 2026.1\n97124 -> WARN\n")
    write(tmp_path, "demo-2026.2rc1.rules", "ruleset demo\nversion 2026.2rc1\n97124 -> WARN\n")
    assert mc.load_ruleset("demo", directories=[tmp_path]).version == "2026.1"
    assert mc.load_ruleset("demo", ">=2026.1", directories=[tmp_path]).version == "2026.1"
    assert mc.load_ruleset("demo", "2026.2rc1", directories=[tmp_path]).version == "2026.2rc1"
    assert mc.load_ruleset("demo", ">=2026.2rc1", directories=[tmp_path]).version == "2026.2rc1"
    only = tmp_path / "only"
    only.mkdir()
    write(only, "early-1.0b1.rules", "ruleset early\nversion 1.0b1\n97124 -> WARN\n")
    assert mc.load_ruleset("early", directories=[only]).version == "1.0b1"


def test_empty_version_is_an_error() -> None:
    with pytest.raises(mc.InputError, match="got an empty string"):
        mc.load_ruleset("commercial", " ")


def test_a_broken_file_blocks_only_the_ruleset_it_may_be(tmp_path: Path) -> None:
    write(tmp_path, "ok-1.0.rules", "ruleset ok\nversion 1.0\n97124 -> WARN\n")
    write(tmp_path, "bad-1.0.rules", "ruleset bad\nversion 1.0\n97124 -> DENNY\n")
    write(tmp_path, "base-1.0.rules", "ruleset base\nversion 1.0\nrule R1\n  97124 -> DENNY\nend\n")
    write(tmp_path, "child-1.0.rules", 'ruleset child\nversion 1.0\nextends base "1.0"\n')
    assert mc.load_ruleset("ok", directories=[tmp_path]).version == "1.0"
    assert mc.load_ruleset("commercial", directories=[tmp_path]).name == "commercial"
    for name, file in [("bad", "bad-1.0.rules"), ("child", "base-1.0.rules")]:
        with pytest.raises(mc.RulesSyntaxError, match=re.escape(file)):
            mc.load_ruleset(name, directories=[tmp_path])
    # A file whose `ruleset` line cannot be read is suspected by its file name.
    write(tmp_path, "ok-2.0.rules", "rulset ok\nversion 2.0\n")
    with pytest.raises(mc.RulesSyntaxError, match=re.escape("ok-2.0.rules")):
        mc.load_ruleset("ok", directories=[tmp_path])
    with pytest.raises(mc.RulesSyntaxError):
        mc.available_rulesets(directories=[tmp_path])


def test_a_child_keeps_the_regions_of_its_base(tmp_path: Path) -> None:
    write(tmp_path, "base-1.0.rules", "ruleset base\nversion 1.0\nregion gluteal\nalias butt = gluteal\n")
    write(
        tmp_path,
        "child-1.0.rules",
        'ruleset child\nversion 1.0\nextends base "1.0"\nrule R1\n  region of 97124 is butt -> WARN\nend\n',
    )
    child = mc.load_ruleset("child", directories=[tmp_path])
    assert child.regions.resolve("butt") == "gluteal"
