"""The compile pipeline: ``.rules`` text -> a :class:`~massagecodes.Ruleset`.

Parse (see :mod:`massagecodes._syntax`), find the base ruleset an ``extends``
names (through a resolver the caller gives: where rulesets come from is decided by
:mod:`massagecodes._loading`), compile the document against it, read the CMS edit
tables it imports (through a file reader the caller gives), and hash the canonical
text with everything else that decides the rules' meaning.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping

from massagecodes._compiler._compile import compile_document
from massagecodes._engine import ImportedTable, Ruleset, load_mue, load_ptp, load_rvu
from massagecodes._syntax import Document, Extends, ImportDecl, ParamDecl, Word, format_document, parse, source_lines
from massagecodes.errors import (
    Diagnostic,
    InputError,
    RulesetNotFoundError,
    RulesetResolutionError,
    RulesSemanticError,
    RulesSyntaxError,
)

Resolver = Callable[[str, "str | None", "tuple[tuple[str, str | None], ...]", "Mapping[str, object]"], "Ruleset"]
"""Finds and compiles a base ruleset: (name, version constraint, chain so far, params) -> Ruleset."""


FileReader = Callable[[str], bytes]


def compile_text(
    text: str,
    *,
    source: str,
    params: Mapping[str, object],
    resolver: Resolver,
    chain: tuple[tuple[str, str | None], ...],
    lenient_params: bool = False,
    files: FileReader | None = None,
) -> Ruleset:
    """Compile ``text`` (see the module docstring); ``chain`` is the rulesets that
    extend this one, each (name, version), to report a circle of ``extends``."""
    with _no_collection():
        return _compile_collected(
            text,
            source=source,
            params=params,
            resolver=resolver,
            chain=chain,
            lenient_params=lenient_params,
            files=files,
        )


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Compiling builds many small objects and no reference cycles worth collecting:
    the cyclic collector would spend a third of the time walking them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _with_semantic_problems(error: RulesSyntaxError, *, source: str, text: str) -> RulesSyntaxError:
    """Syntax errors, and the semantic problems of the statements that did parse, together."""
    partial = error.partial
    if not isinstance(partial, Document) or any(item.key == "extends" for item in partial.header):
        return error
    # A test that names a rule whose block failed to parse is not a second problem.
    written = re.findall(r"^[ \t]*rule[ \t]+([A-Za-z0-9_.-]+)", text, flags=re.MULTILINE)
    try:
        compile_document(partial, source=source, text=text, unparsed_rule_ids=written)
    except RulesSemanticError as semantic:
        merged = sorted((*error.diagnostics, *semantic.diagnostics), key=lambda d: (d.line, d.column))
        return RulesSyntaxError(merged)
    except InputError:
        return error
    return error


def _compile_collected(
    text: str,
    *,
    source: str,
    params: Mapping[str, object],
    resolver: Resolver,
    chain: tuple[tuple[str, str | None], ...],
    lenient_params: bool,
    files: FileReader | None,
) -> Ruleset:
    try:
        document = parse(text, source=source)
    except RulesSyntaxError as error:
        raise _with_semantic_problems(error, source=source, text=text) from None
    extends = next((item.value for item in document.header if item.key == "extends"), None)
    base: Ruleset | None = None
    if isinstance(extends, Extends):
        spec = str(extends.spec.value) if extends.spec is not None else None
        own = next((item.value for item in document.header if item.key == "ruleset"), None)
        own_version = next((item.value for item in document.header if item.key == "version"), None)
        here = (
            own.text if isinstance(own, Word) else "inline",
            own_version.text if isinstance(own_version, Word) else None,
        )
        try:
            try:
                base = resolver(extends.name.text, spec, (*chain, here), params)
            except InputError as error:  # a malformed version constraint
                raise RulesetResolutionError(
                    "; ".join(f"{problem.path}: {problem.message}" for problem in error.problems)
                ) from None
        except (RulesetNotFoundError, RulesetResolutionError) as error:
            span = extends.span
            line_text = source_lines(text)[span.line - 1] if span.line <= len(text.splitlines()) else ""
            end = span.end_column if span.end_line == span.line else len(line_text) + 1
            diagnostic = Diagnostic("MC214", str(error), source, span.line, span.column, end, line_text)
            raise RulesSemanticError([diagnostic]) from None
    declared = {decl.name.text for decl in document.declarations if isinstance(decl, ParamDecl)}
    inherited = {param.name for param in base.params} if base is not None else set()
    own_params = {name: value for name, value in params.items() if not lenient_params or name in declared | inherited}
    compiled = compile_document(document, source=source, text=text, base=base, params=own_params)
    header = compiled.header
    canonical = format_document(document, memo=compiled.texts)
    digest = hashlib.sha256(b"massagecodes ruleset, language 1\n")
    digest.update(canonical.encode("utf-8"))
    bases: tuple[tuple[str, str | None, str], ...] = ()
    if base is not None:
        bases = ((base.name, base.version, base.hash), *base.bases)
        digest.update(f"\nextends {base.name} {base.version} {base.hash}".encode())
    for param in sorted(compiled.params, key=lambda item: item.name):
        digest.update(f"\nparam {param.name} {param.type} {param.value}".encode())
    tables = _tables(document, source=source, text=text, files=files)
    for table in tables:
        digest.update(f"\ntable {table.file} {table.digest}".encode())
    if base is not None:
        tables = (*base.tables, *tables)
    return Ruleset(
        name=header.name,
        version=header.version,
        language=header.language,
        title=header.title if header.title is not None or base is None else base.title,
        effective=header.effective if header.effective is not None or base is None else base.effective,
        citation=header.source_citation,
        unit_method=compiled.unit_method,
        hash="sha256:" + digest.hexdigest(),
        catalog=compiled.catalog,
        regions=compiled.regions,
        rules=compiled.rules,
        tests=compiled.tests,
        source=source,
        declared_codes=compiled.declared_codes,
        groups=compiled.groups,
        params=compiled.params,
        bases=bases,
        tables=tables,
        payers=header.payers or (base.payers if base is not None else ()),
        states=header.states or (base.states if base is not None else ()),
    )


def _tables(document: Document, *, source: str, text: str, files: FileReader | None) -> tuple[ImportedTable, ...]:
    tables: list[ImportedTable] = []
    for decl in document.declarations:
        if not isinstance(decl, ImportDecl) or decl.kind.text not in ("ptp", "mue", "rvu"):
            continue
        name = str(decl.path.value)
        span = decl.path.span
        line_text = source_lines(text)[span.line - 1]
        try:
            if files is None:
                raise OSError(
                    "a ruleset that imports tables is loaded from a file (load_rules, load_ruleset) or given directory="
                )
            data = files(name)
        except OSError as error:
            message = (
                str(error)
                if files is None or "beside" in str(error)
                else f"cannot read {name!r}: {getattr(error, 'strerror', None) or error}"
            )
            raise RulesSemanticError(
                [Diagnostic("MC215", message, source, span.line, span.column, span.end_column, line_text)]
            ) from None
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        try:
            kind = decl.kind.text
            table: ImportedTable
            if kind == "rvu":
                table = load_rvu(data, file=name, source=source, digest=digest)
            elif kind == "ptp":
                table = load_ptp(data, file=name, source=source, digest=digest)
            else:
                table = load_mue(data, file=name, source=source, digest=digest)
            tables.append(table)
        except UnicodeDecodeError:
            raise RulesSemanticError(
                [
                    Diagnostic(
                        "MC215", f"{name} is not UTF-8 text", source, span.line, span.column, span.end_column, line_text
                    )
                ]
            ) from None
    return tuple(tables)
