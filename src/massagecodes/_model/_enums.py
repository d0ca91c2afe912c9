"""The model's vocabularies and limits: the kinds of licence and payer, the SOAP parts,
the documentation elements, a patient's sex, the causes of an accident, and the most
minutes one line may hold.

These are plain enums with no behaviour; every other module of the model reads them.
"""

from __future__ import annotations

import enum

MAX_MINUTES = 24 * 60  # minutes in a day: more on one line of one day is an input error


class License(enum.StrEnum):
    """Kinds of licence that report the 97xxx codes (DOMAIN.md section 1)."""

    LMT = "LMT"  # licensed massage therapist
    PT = "PT"  # physical therapist
    PTA = "PTA"  # physical therapist assistant
    DC = "DC"  # doctor of chiropractic
    OT = "OT"  # occupational therapist
    OTA = "OTA"  # occupational therapy assistant
    MD = "MD"  # doctor of medicine
    DO = "DO"  # doctor of osteopathic medicine


class PayerKind(enum.StrEnum):
    """Kinds of payer whose policies differ (DOMAIN.md section 1)."""

    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICARE_ADVANTAGE = "medicare-advantage"
    MEDICAID = "medicaid"
    AUTO_PIP = "auto-pip"
    WORKERS_COMP = "workers-comp"
    SELF_PAY = "self-pay"


class SoapPart(enum.StrEnum):
    """The four parts of a SOAP note (DOMAIN.md section 6)."""

    SUBJECTIVE = "subjective"
    OBJECTIVE = "objective"
    ASSESSMENT = "assessment"
    PLAN = "plan"


class DocElement(enum.StrEnum):
    """Documentation elements payers ask for (DOMAIN.md sections 1 and 6)."""

    PHYSICIAN_ORDER = "physician-order"  # a referral, prescription or written order
    PLAN_OF_CARE = "plan-of-care"
    MEDICAL_NECESSITY = "medical-necessity"
    FUNCTIONAL_LIMITATIONS = "functional-limitations"
    MEASURABLE_PROGRESS = "measurable-progress"
    PROGRESS_REPORT = "progress-report"
    MINUTES_PER_CODE = "minutes-per-code"
    MINUTES_PER_REGION = "minutes-per-region"
    TREATMENT_JUSTIFICATION = "treatment-justification"  # e.g. a second treatment on one day


class Sex(enum.StrEnum):
    """A patient's administrative sex as claims carry it (X12 DMG03; FHIR gender)."""

    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class AccidentCause(enum.StrEnum):
    """What a claim's condition is related to (X12 CLM11 related-causes codes AA, EM, OA;
    FHIR ``accident.type``): auto and PIP, workers' compensation, and other accidents."""

    AUTO = "auto"  # CLM11 AA: auto accident
    EMPLOYMENT = "employment"  # CLM11 EM: employment
    OTHER = "other"  # CLM11 OA: other accident
