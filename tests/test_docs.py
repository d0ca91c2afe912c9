"""Every example in README.md and docs/ runs: ``>>>`` lines as doctests, ``$ `` lines as commands."""

from __future__ import annotations

import doctest
import io
import re
import shlex
from pathlib import Path

import pytest

import massagecodes as mc
from massagecodes.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
CONSOLE = re.compile(r"```console\n(.*?)```", re.S)
RULES = re.compile(r"```rules\n(.*?)```", re.S)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doctests(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples open examples/claim.json
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(page), module_relative=False, optionflags=flags, encoding="utf-8")
    assert result.failed == 0
    assert result.attempted == page.read_text(encoding="utf-8").count("\n>>> ")


def _commands(page: Path) -> list[tuple[str, str]]:
    commands = []
    for block in CONSOLE.findall(page.read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            commands.append((command, output))
    return commands


CASES = [(page, command, output) for page in PAGES for command, output in _commands(page)]


def test_every_page_is_checked() -> None:
    assert len(PAGES) >= 4
    assert CASES, "no console examples found"


@pytest.mark.parametrize(("page", "command", "output"), CASES, ids=[f"{p.name}:{c}" for p, c, _ in CASES])
def test_console_examples(page: Path, command: str, output: str, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = shlex.split(command)
    if argv[0] != "massagecodes":
        pytest.fail(f"{page.name}: console examples must run massagecodes, got {command!r}")
    monkeypatch.chdir(ROOT)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv[1:], out=out, err=err)
    assert err.getvalue() == ""
    # "..." in an expected line stands for any text (hashes, long messages).
    pattern = "".join(re.escape(part) if part != "..." else ".*" for part in re.split(r"(\.\.\.)", output))
    assert re.fullmatch(pattern, out.getvalue(), flags=re.S), out.getvalue()
    assert code in (0, 1)


RULE_BLOCKS = [
    (page, index, block)
    for page in PAGES
    for index, block in enumerate(RULES.findall(page.read_text(encoding="utf-8")))
]


def test_rule_examples_are_found() -> None:
    assert RULE_BLOCKS, "no ```rules examples found"


@pytest.mark.parametrize(("page", "index", "block"), RULE_BLOCKS, ids=[f"{p.name}#{i}" for p, i, _ in RULE_BLOCKS])
def test_rule_examples_compile_and_pass_their_tests(page: Path, index: int, block: str) -> None:
    ruleset = mc.compile_rules(block, source=f"{page.name}#{index}")
    outcomes = ruleset.run_tests()
    assert [(o.name, o.failures) for o in outcomes if not o.passed] == []


def test_every_diagnostic_code_is_documented() -> None:
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used.update(re.findall(r'"(MC[0-9]{3})"', path.read_text(encoding="utf-8")))
    catalog = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| (MC[0-9]{3}) \|", catalog, flags=re.M))
    assert used, "no diagnostic codes found in src/"
    assert used == documented


@pytest.mark.parametrize(
    "name", [path.name.removesuffix(".md") for path in sorted((ROOT / "docs" / "rulesets").glob("*.md"))]
)
def test_ruleset_pages_name_every_rule_and_parameter(name: str) -> None:
    page = (ROOT / "docs" / "rulesets" / f"{name}.md").read_text(encoding="utf-8")
    ruleset = mc.load_ruleset(name)
    for rule_id in ruleset.rule_ids:
        assert f"`{rule_id}`" in page, f"docs/rulesets/{name}.md does not describe rule {rule_id}"
    for param in ruleset.params:
        assert f"${param.name}" in page, f"docs/rulesets/{name}.md does not describe parameter ${param.name}"


def test_every_shipped_ruleset_has_a_page() -> None:
    pages = {path.name.removesuffix(".md") for path in (ROOT / "docs" / "rulesets").glob("*.md")}
    shipped = {info.name for info in mc.available_rulesets() if info.origin == "shipped"}
    assert pages == shipped


def test_analyst_guide_example_is_the_shipped_example() -> None:
    guide = (ROOT / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    (block,) = RULES.findall(guide)
    assert block == (ROOT / "examples" / "acme-health-2026.1.rules").read_text(encoding="utf-8")
