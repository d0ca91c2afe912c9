"""FHIR R4 Claim resources in and out (extra ``fhir``, built on fhir.resources).

:func:`read_claim` turns a FHIR R4 ``Claim`` (a dict or JSON text) into a
:class:`~massagecodes.Claim`; :func:`write_claim` turns a claim into a FHIR R4
``Claim`` dict. ``read_claim(write_claim(claim)) == claim`` for every claim.

fhir.resources 8 defaults to FHIR R5; this module uses its R4B models
(``fhir.resources.R4B``), whose Claim has the R4 structure. fhir.resources is
imported on first use: without the extra, both functions raise
:class:`~massagecodes.errors.ExtraMissingError` naming the ``pip install`` to run,
and the rest of massagecodes works without it.

Layout: ``_systems`` (constants: code systems, our extensions), ``_json`` (JSON
text, paths and values), ``_validation`` (fhir.resources, imported on first use),
``_arguments``; reading (parse, validate with fhir.resources, map to the model's
JSON shape, let the model validate) is ``_read``, with ``_reader`` (the state of
one read), ``_read_items`` (diagnoses and lines) and ``_read_parties`` (payer,
provider, patient, referral, authorization); writing is ``_write``.
The mapping is documented element by element in docs/fhir.md.
"""

from __future__ import annotations

from massagecodes.fhir._read import read_claim
from massagecodes.fhir._systems import (
    BASE_URL,
    CPT,
    CS_BODY_REGION,
    CS_LICENSE,
    CS_PAYER_KIND,
    CS_SIDE,
    EXT_AUTHORIZATION_PERIOD,
    EXT_AUTHORIZATION_VISITS,
    EXT_DATE_OF_SERVICE,
    EXT_DOCUMENTATION,
    EXT_MINUTES,
    EXT_OWN_DATE,
    HCPCS,
    ICD10CM,
    NPI,
    NUCC,
)
from massagecodes.fhir._systems import UCUM as UCUM
from massagecodes.fhir._write import write_claim

__all__ = [
    "BASE_URL",
    "CPT",
    "CS_BODY_REGION",
    "CS_LICENSE",
    "CS_PAYER_KIND",
    "CS_SIDE",
    "EXT_AUTHORIZATION_PERIOD",
    "EXT_AUTHORIZATION_VISITS",
    "EXT_DATE_OF_SERVICE",
    "EXT_DOCUMENTATION",
    "EXT_MINUTES",
    "EXT_OWN_DATE",
    "HCPCS",
    "ICD10CM",
    "NPI",
    "NUCC",
    "read_claim",
    "write_claim",
]
