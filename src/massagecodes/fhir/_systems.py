"""The URLs the FHIR mapping uses: standard code systems, and ours for what FHIR has no element for.

Our extensions are ``BASE_URL/StructureDefinition/<name>`` and our code systems
``BASE_URL/CodeSystem/<name>``; docs/fhir.md documents each one. The public names
here are re-exported by :mod:`massagecodes.fhir`.
"""

from __future__ import annotations

from massagecodes._model import SoapPart

BASE_URL = "https://massagecodes.dev/fhir"
"""Our extensions are ``BASE_URL/StructureDefinition/<name>``, our code systems ``BASE_URL/CodeSystem/<name>``."""

_EXT = BASE_URL + "/StructureDefinition/"
_CS = BASE_URL + "/CodeSystem/"

EXT_DATE_OF_SERVICE = _EXT + "date-of-service"  # Claim: valueDate, the claim's date of service
EXT_DOCUMENTATION = _EXT + "documentation"  # Claim: complex, what the notes contain
EXT_MINUTES = _EXT + "minutes"  # Claim.item: valueDuration in minutes
EXT_OWN_DATE = _EXT + "own-date"  # Claim.item: valueBoolean, servicedDate is the line's own date
EXT_AUTHORIZATION_PERIOD = _EXT + "authorization-period"  # Claim.insurance: valuePeriod
EXT_AUTHORIZATION_VISITS = _EXT + "authorization-visits"  # Claim.insurance: valuePositiveInt
_OUR_EXTENSIONS = frozenset(
    {
        EXT_DATE_OF_SERVICE,
        EXT_DOCUMENTATION,
        EXT_MINUTES,
        EXT_OWN_DATE,
        EXT_AUTHORIZATION_PERIOD,
        EXT_AUTHORIZATION_VISITS,
    }
)

CS_PAYER_KIND = _CS + "payer-kind"  # Coverage.type
CS_LICENSE = _CS + "license"  # Practitioner.qualification.code
CS_BODY_REGION = _CS + "body-region"  # Claim.item.bodySite
CS_SIDE = _CS + "side"  # Claim.item.subSite

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"  # HCPCS Level II codes and modifiers
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"
UCUM = "http://unitsofmeasure.org"
_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types; MR = medical record number
_CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
_CARE_TEAM_ROLE = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
_DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

_PROCEDURE_SYSTEMS = (CPT, HCPCS)
_SOAP_URLS = {part.value: part for part in SoapPart}  # documentation sub-extensions, one boolean each
_DOC_URLS = (*_SOAP_URLS, "pain-scale", "functional-goal", "element")
