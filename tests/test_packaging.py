"""The built wheel carries grammar/ and rulesets/ and reads them with importlib.resources.

An editable install reads them from the checkout, which would hide a packaging
mistake; so this test builds a real wheel, installs it into a fresh virtual
environment, and reads the data from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import massagecodes
from massagecodes import _resources
from massagecodes.errors import ResourceError

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from pathlib import Path
import massagecodes
from massagecodes import _resources, units
from massagecodes._syntax import _grammar as parse_module
def syntax_error_code():
    try:
        massagecodes.compile_rules("97124 -> deny")
    except massagecodes.RulesSyntaxError as error:
        return error.diagnostics[0].code
grammar = _resources.data_dir("grammar")
rulesets = _resources.data_dir("rulesets")
print(json.dumps({
    "package": str(Path(massagecodes.__file__).parent),
    "grammar": str(grammar),
    "rulesets": str(rulesets),
    "grammar_files": sorted(p.name for p in grammar.iterdir()),
    "rulesets_files": sorted(p.name for p in rulesets.iterdir()),
    "readme": _resources.read_text("grammar", "README.md")[:9],
    "typed": (Path(massagecodes.__file__).parent / "py.typed").is_file(),
    "units": dict(units.allocate({"97112": 24, "97110": 23}).units),
    "rules": massagecodes.compile_rules("97124 AND 97140 SAME region -> DENY unless modifier 59").rule_ids,
    "lark_parser_built": parse_module._parser.cache_info().currsize,
    "syntax_error": syntax_error_code(),
    "lark_parser_built_after_error": parse_module._parser.cache_info().currsize,
    "shipped": {
        info.name: all(o.passed for o in massagecodes.load_ruleset(info.name).run_tests())
        for info in massagecodes.available_rulesets()
    },
    "origin": massagecodes.available_rulesets()[0].location,
}))
"""


def _files(folder: str) -> list[str]:
    return sorted(p.name for p in (ROOT / folder).iterdir() if p.is_file())


@pytest.mark.slow
def test_wheel_ships_grammar_and_rulesets(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("massagecodes-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "massagecodes/py.typed" in names
    for folder in ("grammar", "rulesets"):
        for name in _files(folder):
            assert f"massagecodes/_data/{folder}/{name}" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    # Run from an empty directory, so the checkout cannot be imported by accident.
    clean_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    probe = subprocess.run(
        [str(python), "-c", PROBE], check=True, capture_output=True, text=True, cwd=tmp_path, env=clean_env
    )
    report = json.loads(probe.stdout)
    site = str(env_dir)
    assert report["package"].startswith(site)
    assert report["grammar"].startswith(site)
    assert report["rulesets"].startswith(site)
    assert report["grammar_files"] == _files("grammar")
    assert report["rulesets_files"] == _files("rulesets")
    assert report["readme"] == "# grammar"
    assert report["typed"] is True
    assert report["units"] == {"97112": 2, "97110": 1}
    assert report["rules"] == ["rule-1"]  # the grammar's tables load from the wheel
    assert report["lark_parser_built"] == 0  # the shipped tables match the shipped grammar
    assert report["syntax_error"].startswith("MC1")  # lark's parser, built in strict mode from the wheel
    assert report["lark_parser_built_after_error"] == 1
    assert report["shipped"] == dict.fromkeys(
        ["auto-pip-florida", "cms-therapy", "commercial", "no-fault-new-york", "workers-comp-washington"], True
    )
    assert report["origin"].startswith(site)

    cli = subprocess.run(
        [str(env_dir / "bin" / "massagecodes"), "units", "--claim", str(ROOT / "examples" / "claim.json")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env,
    )
    assert cli.returncode == 0, cli.stderr
    assert "no findings" in cli.stdout


def test_checkout_data_is_found() -> None:
    assert _resources.read_text("grammar", "README.md").startswith("# grammar/")
    assert Path(str(_resources.data_dir("rulesets"))).name == "rulesets"


def test_unknown_data_folder() -> None:
    with pytest.raises(ResourceError, match="no shipped data folder 'docs'"):
        _resources.data_dir("docs")


def test_missing_data_file() -> None:
    with pytest.raises(ResourceError, match=r"the package's grammar/nope.lark is missing"):
        _resources.read_text("grammar", "nope.lark")


def test_version_is_set() -> None:
    assert massagecodes.__version__ != "0+unknown"
