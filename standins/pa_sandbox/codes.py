"""The official code lists the sandbox applies, with where each comes from.

- Flow Service enumerations (syntaxes, profiles, flow types, processing rules, acknowledgement
  reason codes): the XP Z12-013 1.3.0 OpenAPI (`xp_z12_013.yaml`, components/schemas).
- Lifecycle status codes, which reasons each status allows and which statuses need one: the
  FNFE-MPE schematron `FNFE_RFE_INVOICE/CDAR/schematron/BR-FR-CDV-Schematron-CDAR.sch` (V1.4.0) of
  fnfempe/France_RFE, rules BR-FR-CDV-CL-06 (status codes), BR-FR-CDV-CL-09 (reasons per status)
  and BR-FR-CDV-15 (statuses that need a reason).
- Status labels (MDT-106), document status codes (MDT-88) and message types (MDT-77): the official
  lifecycle examples of XP Z12-012/Z12-014 annex B (`samples/cdar/`), checked against
  BR-FR-CDV-CL-05 (MDT-88 per message type).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """A code list written as the schematron writes it, space-separated."""
    return frozenset(text.split())


FLOW_SYNTAXES = frozenset({"CII", "UBL", "Factur-X", "CDAR", "FRR"})
FLOW_PROFILES = frozenset({"Basic", "CIUS", "Extended-CTC-FR", "Undefined"})
PROCESSING_RULES = frozenset({"B2B", "B2BInt", "B2C", "B2G", "B2GInt", "OutOfScope", "B2GOutOfScope",
                              "ArchiveOnly", "NotApplicable", "Undefined"})
FLOW_TYPES = frozenset({
    "CustomerInvoice", "SupplierInvoice", "CustomerInvoiceLC", "SupplierInvoiceLC", "StateCustomerInvoiceLC",
    "StateSupplierInvoiceLC", "AggregatedCustomerTransactionReport", "UnitaryCustomerTransactionReport",
    "AggregatedCustomerPaymentReport", "UnitaryCustomerPaymentReport", "UnitarySupplierTransactionReport",
    "MultiFlowReport", "StateCustomerInvoice", "StateSupplierInvoice", "StateTransactionReport",
    "StateTransactionReportLC", "StatePaymentReport", "StatePaymentReportLC", "Undefined"})
REPORT_FLOW_TYPES = frozenset({
    "AggregatedCustomerTransactionReport", "UnitaryCustomerTransactionReport", "AggregatedCustomerPaymentReport",
    "UnitaryCustomerPaymentReport", "UnitarySupplierTransactionReport", "MultiFlowReport"})
FLOW_DIRECTIONS = frozenset({"In", "Out"})
ACK_STATUSES = frozenset({"Pending", "Ok", "Error"})

# Acknowledgement reason codes (ReasonCodeEnum of the Flow Service).
EMPTY_FLOW = "EmptyFlow"
INVALID_SCHEMA = "InvalidSchema"  # "ie IRR_SYNTAX"
FLOW_TYPE_ERROR = "FlowTypeError"
CHECKSUM_MISMATCH = "ChecksumMismatch"
LC_STATUS_ERROR = "InvoiceLCStatusError"
LC_RULE_ERROR = "InvoiceLCRuleError"
LC_ACCESS_DENIED = "InvoiceLCAccessDenied"

# BR-FR-CDV-CL-06: the status codes a lifecycle message may carry.
STATUS_CODES = _words("200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 220 221 224 225 226 227 228 "
                      "250 251 300 301 400 401 500 501 601")

# Code -> (MDT-106 label as the official examples write it, MDT-88 document status code).
STATUS_LABELS: dict[str, tuple[str, str | None]] = {
    "200": ("Déposée", "10"),
    "202": ("Reçue", "43"),
    "203": ("Mise_à_disposition", "48"),
    "204": ("Prise_en_charge", "45"),
    "205": ("Approuvée", "1"),
    "207": ("En_litige", "46"),
    "210": ("Refusée", "50"),
    "211": ("Paiement_transmis", "47"),
    "212": ("Encaissée", "47"),
    "213": ("Rejetée", "8"),
    "220": ("Annulée", None),
}

# Who may post which status through the Flow Service. Transmission statuses (message type 305,
# role WK) are the platforms' own; processing statuses (type 23) come from the buyer's side
# (204..211, as in the examples UC1, UC3, UC4) or the seller's (209, 212, 220: UC1 212, UC4b 220).
PLATFORM_STATUSES = frozenset({"200", "201", "202", "203", "213", "221", "501"})
BUYER_STATUSES = frozenset({"204", "205", "206", "207", "208", "210", "211"})
SELLER_STATUSES = frozenset({"209", "212", "220"})

# BR-FR-CDV-15: these statuses carry a reason (MDT-113).
REASON_REQUIRED = frozenset({"206", "207", "208", "210", "213", "501"})

# BR-FR-CDV-CL-09: every allowed reason, then the closed list for each status that has one.
REASON_CODES = _words(
    "RETRAIT_MAN_SERV ST_CT_NON_DECLAR SUPPR_COMP_AVOIR TRANSF_PMNT_REGIE CONTACT_ACHTR NON_TRANSMISE JUSTIF_ABS "
    "ROUTAGE_ERR AUTRE COORD_BANC_ERR TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_INC DEST_ERR "
    "TRANSAC_INC EMMET_INC CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR "
    "PU_ERR REM_ERR QTE_ERR ART_ERR MODPAI_ERR QUALITE_ERR LIVR_INCOMP REJ_SEMAN REJ_UNI REJ_COH REJ_ADR REJ_CONT_B2G "
    "REJ_REF_PJ REJ_ASS_PJ IRR_VIDE_F IRR_TYPE_F IRR_SYNTAX IRR_TAILLE_PJ IRR_NOM_PJ IRR_VID_PJ IRR_EXT_DOC "
    "IRR_TAILLE_F IRR_ANTIVIRUS IRR_NOM_F")
REASONS_BY_STATUS: dict[str, frozenset[str]] = {
    "200": frozenset({"NON_TRANSMISE"}),
    "213": _words("MONTANTTOTAL_ERR CALCUL_ERR DOUBLON DEST_INC ADR_ERR REJ_SEMAN REJ_UNI REJ_COH REJ_ADR "
                  "REJ_CONT_B2G REJ_REF_PJ REJ_ASS_PJ"),
    "210": _words("TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_ERR TRANSAC_INC EMMET_INC "
                  "CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR REF_CT_ABSENT"),
    "207": _words("AUTRE COORD_BANC_ERR TX_TVA_ERR MONTANTTOTAL_ERR CALCUL_ERR NON_CONFORME DOUBLON DEST_INC "
                  "DEST_ERR TRANSAC_INC EMMET_INC CONTRAT_TERM DOUBLE_FACT CMD_ERR ADR_ERR SIRET_ERR "
                  "CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR MODPAI_ERR QUALITE_ERR "
                  "LIVR_INCOMP"),
    "206": _words("AUTRE CMD_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR PU_ERR REM_ERR QTE_ERR ART_ERR "
                  "MODPAI_ERR QUALITE_ERR LIVR_INCOMP"),
    "208": _words("JUSTIF_ABS COORD_BANC_ERR CMD_ERR SIRET_ERR CODE_ROUTAGE_ERR REF_CT_ABSENT REF_ERR"),
    "221": frozenset({"ROUTAGE_ERR"}),
    "501": _words("IRR_VIDE_F IRR_TYPE_F IRR_SYNTAX IRR_TAILLE_PJ IRR_NOM_PJ IRR_VID_PJ IRR_EXT_DOC IRR_TAILLE_F "
                  "IRR_ANTIVIRUS IRR_NOM_F"),
}

# The reasons the sandbox itself emits with 213 Rejetée (all in the 213 list above). The DOUBLON
# wording is the official example's (UC2, 213 Rejetée); the others are short French wordings of
# the reason's meaning.
DUPLICATE = "DOUBLON"
UNKNOWN_RECIPIENT = "DEST_INC"
BAD_ADDRESS = "ADR_ERR"
SEMANTIC_ERROR = "REJ_SEMAN"
REASON_TEXTS = {
    DUPLICATE: "Facture en doublon (déjà émise / réçue)",
    UNKNOWN_RECIPIENT: "Destinataire inconnu",
    BAD_ADDRESS: "Adresse de facturation électronique erronée",
    SEMANTIC_ERROR: "Rejet pour erreur sémantique",
}


def reason_problem(status: str, reasons: list[str]) -> str | None:
    """What is wrong with the reasons of one status detail, per BR-FR-CDV-15 and -CL-09 (None if
    nothing)."""
    if status in REASON_REQUIRED and not reasons:
        return f"le statut {status} exige un motif (BR-FR-CDV-15)"
    allowed = REASONS_BY_STATUS.get(status)
    for reason in reasons:
        if reason not in REASON_CODES:
            return f"motif {reason!r} hors de la liste des motifs (BR-FR-CDV-CL-09)"
        if allowed is not None and reason not in allowed:
            return f"motif {reason!r} non autorisé pour le statut {status} (BR-FR-CDV-CL-09)"
    return None
