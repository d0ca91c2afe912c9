"""Claim filing indicator codes (SBR09) against the model's payer kinds, both ways."""

from __future__ import annotations

from massagecodes._model import PayerKind

# SBR09, the claim filing indicator code, against the model's payer kinds. Reading is
# many to one; a code missing here (CH, VA, FI, OF, TV, DS, LM, 11, 17, ZZ, ...) names no
# kind the rules know, and the caller passes ``payer_kind=``.
_FILING_TO_KIND = {
    "CI": PayerKind.COMMERCIAL,  # commercial insurance co.
    "BL": PayerKind.COMMERCIAL,  # Blue Cross / Blue Shield
    "HM": PayerKind.COMMERCIAL,  # health maintenance organisation
    "12": PayerKind.COMMERCIAL,  # PPO
    "13": PayerKind.COMMERCIAL,  # point of service
    "14": PayerKind.COMMERCIAL,  # EPO
    "15": PayerKind.COMMERCIAL,  # indemnity insurance
    "MA": PayerKind.MEDICARE,  # Medicare Part A
    "MB": PayerKind.MEDICARE,  # Medicare Part B
    "16": PayerKind.MEDICARE_ADVANTAGE,  # HMO Medicare risk
    "MC": PayerKind.MEDICAID,
    "AM": PayerKind.AUTO_PIP,  # automobile medical
    "WC": PayerKind.WORKERS_COMP,  # workers' compensation health claim
}
_KIND_TO_FILING = {
    PayerKind.COMMERCIAL: "CI",
    PayerKind.MEDICARE: "MB",
    PayerKind.MEDICARE_ADVANTAGE: "16",
    PayerKind.MEDICAID: "MC",
    PayerKind.AUTO_PIP: "AM",
    PayerKind.WORKERS_COMP: "WC",
    PayerKind.SELF_PAY: "ZZ",  # 005010X222A1 has no self-pay code: "mutually defined", and the kind goes in K3
}
