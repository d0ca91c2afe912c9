"""Stage 2, the compiler: a syntax tree -> checked, compiled rules.

Every name is resolved against the ruleset's declarations or reported with a
"did you mean" (:mod:`._compile`); the pipeline (:mod:`._pipeline`) runs parse,
``extends``, compile, CMS edit tables and hash, and builds the engine's
:class:`~massagecodes.Ruleset`. The analyst's warnings (``check``) come from
:mod:`._analysis`.
"""

from massagecodes._compiler._analysis import analyse, icd10_warnings
from massagecodes._compiler._pipeline import FileReader, Resolver, compile_text

__all__ = ["FileReader", "Resolver", "analyse", "compile_text", "icd10_warnings"]
