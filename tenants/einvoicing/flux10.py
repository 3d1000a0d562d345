"""The e-reporting message (flux 10) that Essaim hands to its approved platform (PA), streamed.

Norm and versions
    - Structure: the DGFiP/AIFE flux 10 XSD **v1.0, files of 2026-05-17** (`ereporting.xsd`,
      `report.xsd`, `transaction.xsd`, `payment.xsd`, `parametre.xsd`; root `Report`, no namespace),
      published in phax/phive-rules `phive-rules-france/docs/flux10/XSD_Flux10.zip` and kept in
      `../shared/design/refs/einvoicing_fr/xsd/flux10/`.
    - Business rules: the AIFE schematron `AIFE - PPF_Flux10_v1.0.sch` of 2026-07-27 (title "PPF —
      Flux 10 e-reporting — v1.8": its rules cite the *Annexe 7 v1.8* of the PPF external
      specifications, e.g. G1.14, G1.53, G6.25), with its design note and its "annexe limitations"
      (same folder, phive-rules commit 432f0e9). Rule numbers below (Gx.yy, P1.11, S1.12) are its.

What the four flows are (one transmission holds exactly one report, rule G6.29)
    - 10.1 `TransactionsReport/Invoice`: one invoice at a time, for international B2B (a sale to, or
      a purchase from, a taxable person not established in France). The buyer's identifier is
      mandatory (G6.28), so unitary B2C is not expressible here.
    - 10.3 `TransactionsReport/Transactions`: B2C sales aggregated per day, currency, transaction
      category (TLB1…) and VAT option, with one `TaxSubtotal` per rate and the count of sales.
    - 10.2 `PaymentsReport/Invoice`: the amounts received (VAT included) per rate for one invoice.
    - 10.4 `PaymentsReport/Transactions`: the amounts received per day and rate, aggregated.
    10.1 and 10.3 share one `TransactionsReport` file, 10.2 and 10.4 one `PaymentsReport` file: a
    month with B2C, EU sales and payments is two files.

What is modelled
    The header (`ReportDocument`: id, timestamp, IN/RE, the PA as sender — scheme 0238, role WK —,
    the declarant's SIREN — scheme 0002, role SE or BY), the period, and per 10.1 invoice: number,
    date, type, currency, due date, VAT option, billing framework (cadre de facturation), preceding
    invoices, seller, buyer, totals and VAT breakdown. Left out (all optional in the XSD): notes,
    the seller's tax representative, delivery, invoicing period, document allowances and charges,
    invoice lines, the `URIUniversalCommunication` addresses.

Money
    Decimal only: floats are refused (binary rounding), so are NaN and infinities. An amount with
    more than 2 significant decimals is **refused, not rounded**: the report must repeat the
    invoice's and the till's amounts to the cent, and those were already rounded (ROUND_HALF_UP,
    `essaim.core.money.cents`) where they were computed; rounding here would let the report drift
    from the books silently. Trailing zeros are fine (12.300 is 12.30). Sums of cents are cents, so
    no rounding happens in this module, and every total is computed here as the sum of its lines
    (G1.53 holds by construction). At most 19 digits per amount (G1.14).

Streaming
    The writers take iterables and write each `Invoice` / `Transactions` block as soon as it is
    built (`lxml.etree.xmlfile`): memory does not grow with the number of invoices.
    `aggregate_b2c` keeps one accumulator per (day, currency, category, VAT option, rate), never the
    transactions. Inputs are checked when the dataclasses are built and, for what depends on the
    header (dates inside the period, the declarant's place in the invoice), as they are written: an
    error raised mid-stream leaves a partial file behind, which the caller discards.

The PPF's current limitations (annexe limitations of 2026-07-27: invoice numbers of at most 20
characters until December 2026, VAT option codes of at most 2 characters until 2027) are not
applied: this module follows the target rules (35 characters, every code of P1.11).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from lxml import etree  # type: ignore[import-untyped]  # no lxml-stubs in the venv
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren

from essaim.core.errors import AppError
from essaim.core.money import CENT

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_XSD_DIR = REPO_ROOT.parent / "shared" / "design" / "refs" / "einvoicing_fr" / "xsd" / "flux10"
XSD_ROOT_FILE = "ereporting.xsd"

# --- Legal data: code lists (the schematron of 2026-07-27 unless stated) ----------------------

# TT-4, ReportDocument/TypeCode (G8.01).
REPORT_TYPE_CODES: dict[str, str] = {"IN": "transmission initiale", "RE": "transmission rectificative"}

# TT-7 / TT-10: the sender is the approved platform (G6.22: scheme 0238, a 4-character id; G7.51).
SENDER_SCHEME_ID = "0238"
SENDER_ROLE_CODE = "WK"
SENDER_ID_LENGTH = 4
# TT-12 / TT-15: the declarant, by SIREN (G6.26), as seller or buyer (G7.52).
DECLARANT_SCHEME_ID = "0002"
DECLARANT_ROLE_CODES: dict[str, str] = {"SE": "vendeur", "BY": "acheteur"}

# TT-33-1 / TT-37, Seller and Buyer CompanyId/@schemeId (G2.19), with the VAT id they require (G2.33).
SIREN_SCHEME_ID = "0002"
COMPANY_SCHEME_IDS: dict[str, str] = {
    "0002": "SIREN",
    "0223": "entreprise de l'UE hors France",
    "0227": "entreprise hors UE",
    "0228": "RIDET (Nouvelle-Calédonie)",
    "0229": "numéro TAHITI (Polynésie française)",
}
SCHEMES_REQUIRING_VAT_ID = frozenset({"0002", "0223"})
FOREIGN_ID_MAX_LENGTH = 18  # 0223 and 0227 (G2.19)
VAT_QUALIFYING_ID = "VAT"  # TT-34-0 / TT-38-0 (G2.33)

# TT-21, Invoice/TypeCode: UNTDID 1001 codes the PPF accepts (G1.01), and the groups its rules name.
INVOICE_TYPE_CODES = frozenset({"261", "380", "381", "384", "386", "389", "393", "396", "471", "472", "473",
                                "500", "501", "502", "503"})
CREDIT_NOTE_TYPE_CODES = frozenset({"261", "381", "396", "502", "503"})  # G1.32b, G6.21
CORRECTIVE_TYPE_CODES = frozenset({"384", "471", "472", "473"})  # G1.32a: exactly one preceding invoice
PREPAYMENT_TYPE_CODES = frozenset({"386", "500", "503"})  # G1.60: not with a framework B4/S4/M4

# TT-28, BusinessProcess/ID: the billing frameworks (cadres de facturation, G1.02).
BUSINESS_PROCESS_CODES: dict[str, str] = {
    "B1": "dépôt d'une facture de biens", "S1": "dépôt d'une facture de services",
    "M1": "dépôt d'une facture double (biens et services non accessoires)",
    "B2": "facture de biens déjà payée", "S2": "facture de services déjà payée",
    "M2": "facture double déjà payée",
    "B4": "facture définitive après acompte (biens)", "S4": "facture définitive après acompte (services)",
    "M4": "facture définitive double après acompte",
    "S5": "facture de services déposée par un sous-traitant",
    "S6": "facture de services déposée par un cotraitant",
    "B7": "biens, TVA déjà collectée (e-reporting)", "S7": "services, TVA déjà collectée (e-reporting)",
}
FINAL_AFTER_PREPAYMENT_PROCESSES = frozenset({"B4", "S4", "M4"})  # G1.60
# TT-29, BusinessProcess/TypeID (S1.12).
EREPORTING_PROFILE_ID = "urn.cpro.gouv.fr:1p0:ereporting"

# TT-24 / TT-80, TaxDueDateTypeCode, the VAT option (P1.11: UNTDID 2475 5, 29, 72; UNTDID 2005 3, 35, 432).
TAX_DUE_DATE_TYPE_CODES: dict[str, str] = {
    "5": "date de la facture (UNTDID 2475)", "29": "date de livraison (UNTDID 2475)",
    "72": "date de paiement (UNTDID 2475)", "3": "date d'émission de la facture (UNTDID 2005)",
    "35": "date de livraison effective (UNTDID 2005)", "432": "date de paiement (UNTDID 2005)",
}

# TT-56, TaxCategory/Code: UNTDID 5305 codes the PPF accepts (G2.31).
VAT_CATEGORY_CODES: dict[str, str] = {
    "S": "taux normal ou réduit", "E": "exonéré", "AE": "autoliquidation",
    "K": "livraison intracommunautaire exonérée", "G": "exportation hors UE exonérée",
    "O": "hors champ de la TVA", "Z": "taux zéro",
}
STANDARD_VAT_CATEGORY = "S"  # the only category with a rate and VAT above zero (EN 16931 BR-x-05/-09)
# Categories whose exemption must be explained, by a code (TT-59) or a text (TT-58): EN 16931
# BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10 (the flux 10 XSD makes both optional). A French
# exemption is cited by its article in the invoice's own mention, which no VATEX code covers.
EXEMPTION_CODE_OR_TEXT = frozenset({"E", "AE", "K", "G", "O"})
CREDIT_NOTE_ONLY_EXEMPTION = "VATEX-FR-CNWVAT"  # G6.21
VATEX_PATTERN = re.compile(r"^VATEX-[A-Z0-9-]+$")  # the CEF VATEX list's shape (its content evolves)

# TT-57 / TT-86 / TT-93 / TT-97: the VAT rates the PPF accepts, in % (G1.24).
VAT_RATES = frozenset(Decimal(r) for r in (
    "0", "0.9", "1.05", "1.75", "2.1", "5.5", "7", "8.5", "9.2", "9.6", "10", "13", "19.6", "20", "20.6"))

# TT-81, Transactions/CategoryCode: the B2C transaction categories (G1.68).
TRANSACTION_CATEGORY_CODES: dict[str, str] = {
    "TLB1": "livraisons de biens soumises à la TVA",
    "TPS1": "prestations de services soumises à la TVA",
    "TNT1": "opérations non soumises à la TVA en France",
    "TMA1": "opérations relevant d'un régime de marge",
}

# Currencies: MonetaryTotal/TaxAmount is in euros (G6.23), so are the payments (G6.27).
EURO = "EUR"

# Formats (G1.05, G1.104: identifiers; G1.09/G1.36: dates; G7.53: timestamp).
IDENTIFIER_PATTERN = re.compile(r"^[a-zA-Z0-9 \-+_/]+$")
REPORT_ID_MAX_LENGTH = 50
INVOICE_ID_MAX_LENGTH = 35
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_AMOUNT_DIGITS = 19
TIMESTAMP_ZONE = ZoneInfo("Europe/Paris")  # the schematron says AAAAMMJJHHMMSS, no zone: French time
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")  # ISO 4217 shape (G1.10)
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2 shape (G2.01)

# XML 1.0 cannot carry these; the brief of flux 10 forbids control characters anyway.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

FIELD_LABELS: dict[str, str] = {
    "report_id": "identifiant de la transmission", "name": "nom du flux",
    "declarant_siren": "SIREN du déclarant", "declarant_name": "raison sociale du déclarant",
    "platform_id": "matricule de la plateforme", "platform_name": "raison sociale de la plateforme",
    "invoice_id": "numéro de facture", "id": "identifiant", "vat_id": "numéro de TVA",
    "country": "code pays", "currency": "devise", "taxable_amount": "base HT", "tax_amount": "montant de TVA",
    "tax_amount_eur": "montant de TVA en euros", "amount": "montant encaissé", "rate": "taux de TVA",
    "exemption_reason": "motif d'exonération", "exemption_reason_code": "code de motif d'exonération",
}


class Flux10Error(AppError):
    """A flux 10 rule was broken by the data given (stable `code`, French `message`)."""


# --- Checks on plain values -------------------------------------------------------------------

def _label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def _check_texts(obj: Any, where: str) -> None:
    """Every str field of a dataclass: no control character (tab and newlines aside)."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, str):
            found = FORBIDDEN_CHARACTERS.search(value)
            if found:
                raise Flux10Error(
                    "flux10_control_character",
                    f"{where} : « {_label(f.name)} » contient un caractère interdit "
                    f"(U+{ord(found.group()):04X}) ; les caractères de contrôle ne passent pas dans un flux 10.",
                    field=f.name)


def _money(value: object, name: str, where: str) -> Decimal:
    if isinstance(value, float):
        raise Flux10Error("flux10_amount_float",
                          f"{where} : « {_label(name)} » est un nombre à virgule flottante ({value!r}) ; "
                          "les montants se passent en Decimal.", field=name)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise Flux10Error("flux10_amount_type",
                          f"{where} : « {_label(name)} » doit être un Decimal ({type(value).__name__} reçu).",
                          field=name)
    amount = Decimal(value)
    if not amount.is_finite():
        raise Flux10Error("flux10_amount_type", f"{where} : « {_label(name)} » n'est pas un nombre fini.",
                          field=name)
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise Flux10Error("flux10_amount_precision",
                          f"{where} : « {_label(name)} » vaut {amount}, plus de 2 décimales ; arrondir au "
                          "centime (ROUND_HALF_UP) là où il est calculé, avant de le déclarer (règle G1.14).",
                          field=name)
    if len(rounded.as_tuple().digits) > MAX_AMOUNT_DIGITS:
        raise Flux10Error("flux10_amount_too_large",
                          f"{where} : « {_label(name)} » dépasse {MAX_AMOUNT_DIGITS} chiffres (règle G1.14).",
                          field=name)
    return rounded if rounded else abs(rounded)  # no "-0.00"


def _rate(value: object, name: str, where: str) -> Decimal:
    if isinstance(value, float):
        raise Flux10Error("flux10_amount_float",
                          f"{where} : le taux {value!r} est un nombre à virgule flottante ; passer un Decimal.",
                          field=name)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise Flux10Error("flux10_amount_type", f"{where} : le taux de TVA doit être un Decimal.", field=name)
    rate = Decimal(value)
    if not rate.is_finite() or rate not in VAT_RATES:
        allowed = ", ".join(_format_decimal(r) for r in sorted(VAT_RATES))
        raise Flux10Error("flux10_rate", f"{where} : le taux de TVA {value} % n'est pas admis par le PPF "
                                         f"(règle G1.24 : {allowed}).", field=name)
    return rate.quantize(CENT)


def _date(value: object, name: str, where: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise Flux10Error("flux10_date", f"{where} : « {name} » doit être une date (datetime.date).", field=name)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Flux10Error("flux10_date", f"{where} : l'année de « {name} » ({value.year}) doit être comprise "
                                         f"entre {MIN_YEAR} et {MAX_YEAR} (règle G1.36).", field=name)
    return value


def _code(value: object, allowed: Iterable[str], name: str, where: str, rule: str) -> str:
    codes = sorted(allowed)
    if not isinstance(value, str) or value not in codes:
        raise Flux10Error("flux10_code", f"{where} : le code {value!r} n'est pas admis pour « {name} » "
                                         f"(règle {rule} : {', '.join(codes)}).", field=name)
    return value


def _identifier(value: object, name: str, where: str, max_length: int, rule: str) -> str:
    label = _label(name)
    if not isinstance(value, str) or not value:
        raise Flux10Error("flux10_identifier", f"{where} : « {label} » est obligatoire.", field=name)
    if len(value) > max_length:
        raise Flux10Error("flux10_identifier", f"{where} : « {label} » dépasse {max_length} caractères "
                                               f"(règle {rule}).", field=name)
    if value != value.strip(" ") or "  " in value:
        raise Flux10Error("flux10_identifier", f"{where} : « {label} » ne peut ni commencer ni finir par une "
                                               f"espace, ni en contenir deux de suite (règle {rule}).", field=name)
    if not IDENTIFIER_PATTERN.match(value):
        raise Flux10Error("flux10_identifier", f"{where} : « {label} » ({value!r}) ne peut contenir que des "
                                               f"lettres sans accent, chiffres, espaces et - + _ / (règle {rule}).",
                          field=name)
    return value


def _required_text(value: object, name: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Flux10Error("flux10_required", f"{where} : « {_label(name)} » est obligatoire.", field=name)
    return value


def _currency(value: object, name: str, where: str) -> str:
    if not isinstance(value, str) or not CURRENCY_PATTERN.match(value):
        raise Flux10Error("flux10_currency", f"{where} : la devise {value!r} n'a pas la forme ISO 4217 "
                                             "(3 lettres majuscules, règle G1.10).", field=name)
    return value


def _siren(value: object, name: str, where: str) -> str:
    if not isinstance(value, str) or not fr_siren.is_valid(value) or not value.isdigit():
        raise Flux10Error("flux10_siren", f"{where} : « {_label(name)} » ({value!r}) n'est pas un SIREN valide "
                                          "(9 chiffres, clé de Luhn ; règles G6.26, G2.19).", field=name)
    return value


def _set(obj: object, name: str, value: object) -> None:
    """Store a normalised value on a frozen dataclass (in its __post_init__ only)."""
    object.__setattr__(obj, name, value)


def _format_decimal(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def _format_date(value: date) -> str:
    return value.strftime("%Y%m%d")


# --- Inputs -----------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ReportHeader:
    """`ReportDocument` and `ReportPeriod`: who sends (the PA), for whom (the declarant), when."""

    report_id: str
    issued_at: datetime
    period_start: date
    period_end: date
    declarant_siren: str
    declarant_name: str
    platform_id: str
    platform_name: str
    type_code: str = "IN"
    declarant_role: str = "SE"
    name: str | None = None

    def __post_init__(self) -> None:
        where = "En-tête du rapport"
        _check_texts(self, where)
        _identifier(self.report_id, "report_id", where, REPORT_ID_MAX_LENGTH, "G1.104")
        if not isinstance(self.issued_at, datetime) or self.issued_at.tzinfo is None:
            raise Flux10Error("flux10_date", f"{where} : l'horodatage doit être un datetime avec fuseau.",
                              field="issued_at")
        if not MIN_YEAR <= self.issued_at.astimezone(TIMESTAMP_ZONE).year <= MAX_YEAR:
            raise Flux10Error("flux10_date", f"{where} : l'année de l'horodatage doit être comprise entre "
                                             f"{MIN_YEAR} et {MAX_YEAR} (règle G1.36).", field="issued_at")
        _date(self.period_start, "period_start", where)
        _date(self.period_end, "period_end", where)
        if self.period_end <= self.period_start:
            raise Flux10Error("flux10_period",
                              f"{where} : la période est vide ou inversée (du {self.period_start:%d/%m/%Y} au "
                              f"{self.period_end:%d/%m/%Y}) ; la date de fin doit être postérieure à la date "
                              "de début (règle G6.25).", field="period_end")
        _siren(self.declarant_siren, "declarant_siren", where)
        _required_text(self.declarant_name, "declarant_name", where)
        if not isinstance(self.platform_id, str) or len(self.platform_id) != SENDER_ID_LENGTH:
            raise Flux10Error("flux10_identifier",
                              f"{where} : le matricule de la plateforme ({self.platform_id!r}) doit compter "
                              f"exactement {SENDER_ID_LENGTH} caractères (règle G6.22).", field="platform_id")
        _required_text(self.platform_name, "platform_name", where)
        _code(self.type_code, REPORT_TYPE_CODES, "type_code", where, "G8.01")
        _code(self.declarant_role, DECLARANT_ROLE_CODES, "declarant_role", where, "G7.52")
        if self.name is not None:
            _required_text(self.name, "name", where)

    def contains(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end


@dataclass(frozen=True, kw_only=True)
class Party:
    """A seller or buyer of a 10.1 invoice: its identifier and scheme, VAT id and country."""

    id: str
    scheme: str
    vat_id: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        where = f"Partie {self.id!r}"
        _check_texts(self, where)
        _code(self.scheme, COMPANY_SCHEME_IDS, "scheme", where, "G2.19")
        _required_text(self.id, "id", where)
        if self.scheme == SIREN_SCHEME_ID:
            _siren(self.id, "id", where)
        elif self.scheme in ("0223", "0227") and len(self.id) > FOREIGN_ID_MAX_LENGTH:
            raise Flux10Error("flux10_identifier", f"{where} : un identifiant {self.scheme} ne dépasse pas "
                                                   f"{FOREIGN_ID_MAX_LENGTH} caractères (règle G2.19).", field="id")
        elif self.scheme == "0228" and not re.fullmatch(r"\d{9,10}", self.id):
            raise Flux10Error("flux10_identifier", f"{where} : un RIDET compte 9 ou 10 chiffres (règle G2.19).",
                              field="id")
        elif self.scheme == "0229" and not re.fullmatch(r"\d{9}", self.id):
            raise Flux10Error("flux10_identifier", f"{where} : un numéro TAHITI compte 9 chiffres (règle G2.19).",
                              field="id")
        if self.vat_id is None:
            if self.scheme in SCHEMES_REQUIRING_VAT_ID:
                raise Flux10Error("flux10_vat_id", f"{where} : le numéro de TVA est obligatoire pour un "
                                                   f"identifiant {self.scheme} (règle G2.33).", field="vat_id")
        elif self.scheme in SCHEMES_REQUIRING_VAT_ID:
            # Both schemes are European: the number must pass its country's check (python-stdnum).
            if not eu_vat.is_valid(self.vat_id) or (
                    self.scheme == SIREN_SCHEME_ID and not (self.vat_id.startswith("FR")
                                                            and self.vat_id.endswith(self.id))):
                raise Flux10Error("flux10_vat_id", f"{where} : le numéro de TVA {self.vat_id!r} n'est pas valide"
                                                   + (" pour ce SIREN." if self.scheme == SIREN_SCHEME_ID
                                                      else "."), field="vat_id")
        else:
            _required_text(self.vat_id, "vat_id", where)
        if self.country is not None and not COUNTRY_PATTERN.match(self.country):
            raise Flux10Error("flux10_country", f"{where} : le code pays {self.country!r} n'a pas la forme "
                                                "ISO 3166 alpha-2 (règle G2.01).", field="country")


@dataclass(frozen=True, kw_only=True)
class VatBreakdown:
    """One `TaxSubTotal` of a 10.1 invoice: one VAT category at one rate."""

    category: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str | None = None
    exemption_reason_code: str | None = None

    def __post_init__(self) -> None:
        where = f"Ventilation TVA {self.category!r}"
        _check_texts(self, where)
        _code(self.category, VAT_CATEGORY_CODES, "category", where, "G2.31")
        _set(self, "rate", _rate(self.rate, "rate", where))
        _set(self, "taxable_amount", _money(self.taxable_amount, "taxable_amount", where))
        _set(self, "tax_amount", _money(self.tax_amount, "tax_amount", where))
        if self.category == STANDARD_VAT_CATEGORY:
            if not self.rate:
                raise Flux10Error("flux10_rate", f"{where} : la catégorie S demande un taux non nul "
                                                 "(EN 16931 BR-S-05).", field="rate")
        elif self.rate or self.tax_amount:
            raise Flux10Error("flux10_rate", f"{where} : la catégorie {self.category} s'applique à un taux et "
                                             "une TVA nuls (EN 16931).", field="rate")
        if self.exemption_reason is not None:
            _required_text(self.exemption_reason, "exemption_reason", where)
        if self.exemption_reason_code is not None and not VATEX_PATTERN.match(self.exemption_reason_code):
            raise Flux10Error("flux10_code", f"{where} : le code de motif d'exonération "
                                             f"{self.exemption_reason_code!r} n'est pas un code VATEX.",
                              field="exemption_reason_code")
        has_code, has_text = self.exemption_reason_code is not None, self.exemption_reason is not None
        if self.category in EXEMPTION_CODE_OR_TEXT and not (has_code or has_text):
            raise Flux10Error("flux10_exemption", f"{where} : la catégorie {self.category} demande un motif "
                                                  "d'exonération, code ou libellé (EN 16931).",
                              field="exemption_reason")


@dataclass(frozen=True, kw_only=True)
class PrecedingInvoice:
    """`ReferencedDocument`: the invoice a credit note or a corrective invoice refers to."""

    invoice_id: str
    issue_date: date

    def __post_init__(self) -> None:
        where = "Facture antérieure"
        _check_texts(self, where)
        _identifier(self.invoice_id, "invoice_id", where, INVOICE_ID_MAX_LENGTH, "G1.05")
        _date(self.issue_date, "issue_date", where)


@dataclass(frozen=True, kw_only=True)
class UnitaryTransaction:
    """10.1: one invoice of international B2B. Totals are the sums of `vat_lines` (G1.53).

    Amounts are those of the invoice: a credit note (381…) carries positive amounts, its type says it
    is a credit. `tax_amount_eur` is the VAT total in euros (G6.23), needed only for an invoice in
    another currency; in euros it is the sum of the lines."""

    invoice_id: str
    issue_date: date
    business_process: str
    seller: Party
    buyer: Party
    vat_lines: tuple[VatBreakdown, ...]
    type_code: str = "380"
    currency: str = EURO
    due_date: date | None = None
    tax_due_date_type_code: str | None = None
    preceding_invoices: tuple[PrecedingInvoice, ...] = ()
    tax_amount_eur: Decimal | None = None

    def __post_init__(self) -> None:
        where = f"Facture {self.invoice_id!r}"
        _check_texts(self, where)
        _identifier(self.invoice_id, "invoice_id", where, INVOICE_ID_MAX_LENGTH, "G1.05")
        _date(self.issue_date, "issue_date", where)
        _code(self.type_code, INVOICE_TYPE_CODES, "type_code", where, "G1.01")
        _code(self.business_process, BUSINESS_PROCESS_CODES, "business_process", where, "G1.02")
        _currency(self.currency, "currency", where)
        if self.due_date is not None:
            _date(self.due_date, "due_date", where)
        if self.tax_due_date_type_code is not None:
            _code(self.tax_due_date_type_code, TAX_DUE_DATE_TYPE_CODES, "tax_due_date_type_code", where, "P1.11")
        if self.business_process in FINAL_AFTER_PREPAYMENT_PROCESSES and self.type_code in PREPAYMENT_TYPE_CODES:
            raise Flux10Error("flux10_rule", f"{where} : une facture d'acompte ({self.type_code}) ne peut relever "
                                             f"du cadre {self.business_process} (règle G1.60).", field="type_code")
        for name in ("seller", "buyer"):
            if not isinstance(getattr(self, name), Party):
                raise Flux10Error("flux10_type", f"{where} : « {name} » doit être une Party.", field=name)
        _set(self, "vat_lines", tuple(self.vat_lines))
        _set(self, "preceding_invoices", tuple(self.preceding_invoices))
        if not self.vat_lines or not all(isinstance(line, VatBreakdown) for line in self.vat_lines):
            raise Flux10Error("flux10_vat_lines", f"{where} : au moins une ventilation de TVA (VatBreakdown) est "
                                                  "obligatoire.", field="vat_lines")
        keys = [(line.category, line.rate) for line in self.vat_lines]
        if len(set(keys)) != len(keys):
            raise Flux10Error("flux10_vat_lines", f"{where} : une seule ventilation par catégorie et taux.",
                              field="vat_lines")
        if not all(isinstance(ref, PrecedingInvoice) for ref in self.preceding_invoices):
            raise Flux10Error("flux10_type", f"{where} : les factures antérieures sont des PrecedingInvoice.",
                              field="preceding_invoices")
        if self.type_code in CORRECTIVE_TYPE_CODES and len(self.preceding_invoices) != 1:
            raise Flux10Error("flux10_rule", f"{where} : une facture rectificative cite une et une seule facture "
                                             "antérieure, avec sa date (règle G1.32).", field="preceding_invoices")
        if self.type_code in CREDIT_NOTE_TYPE_CODES and not self.preceding_invoices:
            raise Flux10Error("flux10_rule", f"{where} : un avoir cite au moins une facture antérieure, avec sa "
                                             "date (règle G1.32).", field="preceding_invoices")
        if (self.type_code not in CREDIT_NOTE_TYPE_CODES
                and any(line.exemption_reason_code == CREDIT_NOTE_ONLY_EXEMPTION for line in self.vat_lines)):
            raise Flux10Error("flux10_rule", f"{where} : le code {CREDIT_NOTE_ONLY_EXEMPTION} est réservé aux "
                                             "avoirs (règle G6.21).", field="vat_lines")
        if "E" in {line.category for line in self.vat_lines} and self.seller.vat_id is None:
            raise Flux10Error("flux10_vat_id", f"{where} : une ventilation exonérée (E) demande le numéro de TVA "
                                               "du vendeur (règle G1.102).", field="seller")
        if self.currency == EURO:
            given = self.tax_amount_eur
            if given is not None and _money(given, "tax_amount_eur", where) != self.tax_amount:
                raise Flux10Error("flux10_totals", f"{where} : le total de TVA en euros diffère de la somme des "
                                                   "ventilations (règle G1.53).", field="tax_amount_eur")
            _set(self, "tax_amount_eur", self.tax_amount)
        elif self.tax_amount_eur is None:
            raise Flux10Error("flux10_totals", f"{where} : facture en {self.currency} : le total de TVA en euros "
                                               "est obligatoire (règle G6.23).", field="tax_amount_eur")
        else:
            _set(self, "tax_amount_eur", _money(self.tax_amount_eur, "tax_amount_eur", where))

    @property
    def tax_exclusive_amount(self) -> Decimal:
        return sum((line.taxable_amount for line in self.vat_lines), Decimal("0.00"))

    @property
    def tax_amount(self) -> Decimal:
        return sum((line.tax_amount for line in self.vat_lines), Decimal("0.00"))


@dataclass(frozen=True, kw_only=True)
class B2CTransaction:
    """One B2C sale at one rate, before aggregation (10.3). A refund or B2C credit note is a sale with
    negative amounts: it lowers its day's totals. `count` is how many sales the row stands for:
    1 for a receipt, 0 for the other rates of a receipt already counted, n for a till's Z total."""

    day: date
    category: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    currency: str = EURO
    tax_due_date_type_code: str | None = None
    count: int = 1

    def __post_init__(self) -> None:
        where = f"Vente B2C du {self.day}"
        _check_texts(self, where)
        _date(self.day, "day", where)
        _code(self.category, TRANSACTION_CATEGORY_CODES, "category", where, "G1.68")
        _set(self, "rate", _rate(self.rate, "rate", where))
        _set(self, "taxable_amount", _money(self.taxable_amount, "taxable_amount", where))
        _set(self, "tax_amount", _money(self.tax_amount, "tax_amount", where))
        _currency(self.currency, "currency", where)
        if self.tax_due_date_type_code is not None:
            _code(self.tax_due_date_type_code, TAX_DUE_DATE_TYPE_CODES, "tax_due_date_type_code", where, "P1.11")
        if not self.rate and self.tax_amount:
            raise Flux10Error("flux10_rate", f"{where} : une TVA non nulle à un taux nul.", field="tax_amount")
        if self.taxable_amount * self.tax_amount < 0:
            raise Flux10Error("flux10_sign", f"{where} : la base et la TVA sont de signes contraires.",
                              field="tax_amount")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise Flux10Error("flux10_count", f"{where} : le nombre de ventes doit être un entier positif ou nul.",
                              field="count")


@dataclass(frozen=True, kw_only=True)
class B2CSubtotal:
    """One `TaxSubtotal` of a 10.3 day: a rate, its taxable base and its VAT."""

    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal

    def __post_init__(self) -> None:
        where = "Sous-total B2C"
        _set(self, "rate", _rate(self.rate, "rate", where))
        _set(self, "taxable_amount", _money(self.taxable_amount, "taxable_amount", where))
        _set(self, "tax_amount", _money(self.tax_amount, "tax_amount", where))


@dataclass(frozen=True, kw_only=True)
class B2CDay:
    """10.3, one `Transactions` block: a day's B2C sales of one category, currency and VAT option,
    per rate (sorted). Totals are the sums of the subtotals (G1.53)."""

    day: date
    category: str
    subtotals: tuple[B2CSubtotal, ...]
    currency: str = EURO
    tax_due_date_type_code: str | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        where = f"Journée B2C du {self.day}"
        _check_texts(self, where)
        _date(self.day, "day", where)
        _code(self.category, TRANSACTION_CATEGORY_CODES, "category", where, "G1.68")
        _currency(self.currency, "currency", where)
        if self.tax_due_date_type_code is not None:
            _code(self.tax_due_date_type_code, TAX_DUE_DATE_TYPE_CODES, "tax_due_date_type_code", where, "P1.11")
        _set(self, "subtotals", tuple(sorted(self.subtotals, key=lambda s: s.rate)))
        if not self.subtotals or not all(isinstance(s, B2CSubtotal) for s in self.subtotals):
            raise Flux10Error("flux10_subtotals", f"{where} : au moins un sous-total par taux (B2CSubtotal).",
                              field="subtotals")
        if len({s.rate for s in self.subtotals}) != len(self.subtotals):
            raise Flux10Error("flux10_subtotals", f"{where} : un seul sous-total par taux.", field="subtotals")
        if self.count is not None and (isinstance(self.count, bool) or not isinstance(self.count, int)
                                       or self.count < 0):
            raise Flux10Error("flux10_count", f"{where} : le nombre de transactions doit être un entier positif "
                                              "ou nul.", field="count")

    @property
    def key(self) -> tuple[date, str, str, str]:
        return (self.day, self.currency, self.category, self.tax_due_date_type_code or "")

    @property
    def tax_exclusive_amount(self) -> Decimal:
        return sum((s.taxable_amount for s in self.subtotals), Decimal("0.00"))

    @property
    def tax_amount(self) -> Decimal:
        return sum((s.tax_amount for s in self.subtotals), Decimal("0.00"))


@dataclass(frozen=True, kw_only=True)
class PaymentSubtotal:
    """One `SubTotals` of a payment: the amount received at one rate, VAT included, in euros (G6.27);
    never negative (G1.16)."""

    rate: Decimal
    amount: Decimal

    def __post_init__(self) -> None:
        where = "Encaissement"
        _set(self, "rate", _rate(self.rate, "rate", where))
        _set(self, "amount", _money(self.amount, "amount", where))
        if self.amount < 0:
            raise Flux10Error("flux10_sign", f"{where} : un montant encaissé ne peut être négatif (règle G1.16).",
                              field="amount")


def _payment_subtotals(value: Iterable[PaymentSubtotal], where: str) -> tuple[PaymentSubtotal, ...]:
    subtotals = tuple(sorted(value, key=lambda s: s.rate))
    if not subtotals or not all(isinstance(s, PaymentSubtotal) for s in subtotals):
        raise Flux10Error("flux10_subtotals", f"{where} : au moins un montant par taux (PaymentSubtotal).",
                          field="subtotals")
    if len({s.rate for s in subtotals}) != len(subtotals):
        raise Flux10Error("flux10_subtotals", f"{where} : un seul montant par taux.", field="subtotals")
    return subtotals


@dataclass(frozen=True, kw_only=True)
class UnitaryPayment:
    """10.2: what was received for one invoice on one day, per rate."""

    invoice_id: str
    invoice_date: date
    payment_date: date
    subtotals: tuple[PaymentSubtotal, ...]

    def __post_init__(self) -> None:
        where = f"Encaissement de la facture {self.invoice_id!r}"
        _check_texts(self, where)
        _identifier(self.invoice_id, "invoice_id", where, INVOICE_ID_MAX_LENGTH, "G1.05")
        _date(self.invoice_date, "invoice_date", where)
        _date(self.payment_date, "payment_date", where)
        _set(self, "subtotals", _payment_subtotals(self.subtotals, where))


@dataclass(frozen=True, kw_only=True)
class AggregatedPayment:
    """10.4: what was received on one day without an invoice to name, per rate."""

    day: date
    subtotals: tuple[PaymentSubtotal, ...]

    def __post_init__(self) -> None:
        where = f"Encaissements du {self.day}"
        _date(self.day, "day", where)
        _set(self, "subtotals", _payment_subtotals(self.subtotals, where))


# --- Aggregation ------------------------------------------------------------------------------

def aggregate_b2c(transactions: Iterable[B2CTransaction]) -> list[B2CDay]:
    """B2C sales → 10.3 days, in one pass over any iterable (never materialised: one accumulator per
    day, currency, category, VAT option and rate). Sorted by day, currency, category, VAT option;
    subtotals by rate. Refunds (negative amounts) are netted within their day and rate."""
    sums: dict[tuple[date, str, str, str], dict[Decimal, list[Decimal]]] = {}
    counts: dict[tuple[date, str, str, str], int] = {}
    for transaction in transactions:
        if not isinstance(transaction, B2CTransaction):
            raise Flux10Error("flux10_type", f"Agrégation B2C : {type(transaction).__name__} reçu au lieu d'une "
                                             "B2CTransaction.")
        key = (transaction.day, transaction.currency, transaction.category, transaction.tax_due_date_type_code or "")
        per_rate = sums.get(key)
        if per_rate is None:
            per_rate = sums[key] = {}
            counts[key] = 0
        counts[key] += transaction.count
        acc = per_rate.get(transaction.rate)
        if acc is None:
            per_rate[transaction.rate] = [transaction.taxable_amount, transaction.tax_amount]
        else:
            acc[0] += transaction.taxable_amount
            acc[1] += transaction.tax_amount
    days = []
    for key in sorted(sums):
        day, currency, category, due = key
        subtotals = tuple(B2CSubtotal(rate=rate, taxable_amount=base, tax_amount=tax)
                          for rate, (base, tax) in sorted(sums[key].items()))
        days.append(B2CDay(day=day, category=category, currency=currency, tax_due_date_type_code=due or None,
                           subtotals=subtotals, count=counts[key]))
    return days


# --- XML --------------------------------------------------------------------------------------

def _sub(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _report_document(header: ReportHeader) -> Any:
    document = etree.Element("ReportDocument")
    _sub(document, "Id", header.report_id)
    if header.name is not None:
        _sub(document, "Name", header.name)
    _sub(_sub(document, "IssueDateTime"), "DateTimeString",
         header.issued_at.astimezone(TIMESTAMP_ZONE).strftime("%Y%m%d%H%M%S"))
    _sub(document, "TypeCode", header.type_code)
    sender = _sub(document, "Sender")
    _sub(sender, "Id", header.platform_id, schemeId=SENDER_SCHEME_ID)
    _sub(sender, "Name", header.platform_name)
    _sub(sender, "RoleCode", SENDER_ROLE_CODE)
    issuer = _sub(document, "Issuer")
    _sub(issuer, "Id", header.declarant_siren, schemeId=DECLARANT_SCHEME_ID)
    _sub(issuer, "Name", header.declarant_name)
    _sub(issuer, "RoleCode", header.declarant_role)
    return document


def _period(header: ReportHeader) -> Any:
    period = etree.Element("ReportPeriod")
    _sub(period, "StartDate", _format_date(header.period_start))
    _sub(period, "EndDate", _format_date(header.period_end))
    return period


def _party(parent: Any, tag: str, party: Party) -> None:
    element = _sub(parent, tag)
    _sub(element, "CompanyId", party.id, schemeId=party.scheme)
    if party.vat_id is not None:
        _sub(element, "TaxRegistrationId", party.vat_id, qualifyingId=VAT_QUALIFYING_ID)
    if party.country is not None:
        _sub(_sub(element, "PostalAddress"), "CountryId", party.country)


def _check_in_period(header: ReportHeader, day: date, what: str) -> None:
    if not header.contains(day):
        raise Flux10Error("flux10_outside_period",
                          f"{what} : le {day:%d/%m/%Y} est hors de la période du rapport "
                          f"({header.period_start:%d/%m/%Y} – {header.period_end:%d/%m/%Y}).")


def _invoice_element(invoice: UnitaryTransaction, header: ReportHeader) -> Any:
    where = f"Facture {invoice.invoice_id!r}"
    _check_in_period(header, invoice.issue_date, where)
    declarant = invoice.seller if header.declarant_role == "SE" else invoice.buyer
    if declarant.scheme != SIREN_SCHEME_ID or declarant.id != header.declarant_siren:
        role = DECLARANT_ROLE_CODES[header.declarant_role]
        raise Flux10Error("flux10_declarant", f"{where} : le déclarant ({header.declarant_siren}, {role}) doit "
                                              f"être le {role} de la facture, identifié par son SIREN.")
    element = etree.Element("Invoice")
    _sub(element, "ID", invoice.invoice_id)
    _sub(element, "IssueDate", _format_date(invoice.issue_date))
    _sub(element, "TypeCode", invoice.type_code)
    _sub(element, "CurrencyCode", invoice.currency)
    if invoice.due_date is not None:
        _sub(element, "DueDate", _format_date(invoice.due_date))
    if invoice.tax_due_date_type_code is not None:
        _sub(element, "TaxDueDateTypeCode", invoice.tax_due_date_type_code)
    process = _sub(element, "BusinessProcess")
    _sub(process, "ID", invoice.business_process)
    _sub(process, "TypeID", EREPORTING_PROFILE_ID)
    for ref in invoice.preceding_invoices:
        referenced = _sub(element, "ReferencedDocument")
        _sub(referenced, "ID", ref.invoice_id)
        _sub(referenced, "IssueDate", _format_date(ref.issue_date))
    _party(element, "Seller", invoice.seller)
    _party(element, "Buyer", invoice.buyer)
    totals = _sub(element, "MonetaryTotal")
    _sub(totals, "TaxExclusiveAmount", _format_decimal(invoice.tax_exclusive_amount))
    assert invoice.tax_amount_eur is not None  # set by __post_init__
    _sub(totals, "TaxAmount", _format_decimal(invoice.tax_amount_eur), CurrencyCode=EURO)
    for line in invoice.vat_lines:
        subtotal = _sub(element, "TaxSubTotal")
        _sub(subtotal, "TaxableAmount", _format_decimal(line.taxable_amount))
        _sub(subtotal, "TaxAmount", _format_decimal(line.tax_amount))
        category = _sub(subtotal, "TaxCategory")
        _sub(category, "Code", line.category)
        _sub(category, "Percent", _format_decimal(line.rate))
        if line.exemption_reason is not None:
            _sub(category, "TaxExemptionReason", line.exemption_reason)
        if line.exemption_reason_code is not None:
            _sub(category, "TaxExemptionReasonCode", line.exemption_reason_code)
    return element


def _b2c_day_element(day: B2CDay) -> Any:
    element = etree.Element("Transactions")
    _sub(element, "Date", _format_date(day.day))
    _sub(element, "TransactionsCurrency", day.currency)
    if day.tax_due_date_type_code is not None:
        _sub(element, "TaxDueDateTypeCode", day.tax_due_date_type_code)
    _sub(element, "CategoryCode", day.category)
    _sub(element, "TaxExclusiveAmount", _format_decimal(day.tax_exclusive_amount))
    _sub(element, "TaxTotal", _format_decimal(day.tax_amount))
    if day.count is not None:
        _sub(element, "TransactionsCount", str(day.count))
    for subtotal in day.subtotals:
        line = _sub(element, "TaxSubtotal")
        _sub(line, "TaxPercent", _format_decimal(subtotal.rate))
        _sub(line, "TaxableAmount", _format_decimal(subtotal.taxable_amount))
        _sub(line, "TaxTotal", _format_decimal(subtotal.tax_amount))
    return element


def _payment_element(parent: Any, payment_date: date, subtotals: tuple[PaymentSubtotal, ...]) -> None:
    payment = _sub(parent, "Payment")
    _sub(payment, "Date", _format_date(payment_date))
    for subtotal in subtotals:
        line = _sub(payment, "SubTotals")
        _sub(line, "TaxPercent", _format_decimal(subtotal.rate))
        _sub(line, "CurrencyCode", EURO)
        _sub(line, "Amount", _format_decimal(subtotal.amount))


def _checked(items: Iterable[Any], kind: type, what: str) -> Iterator[Any]:
    for item in items:
        if not isinstance(item, kind):
            raise Flux10Error("flux10_type", f"{what} : {type(item).__name__} reçu au lieu de {kind.__name__}.")
        yield item


def _header(header: object) -> ReportHeader:
    if not isinstance(header, ReportHeader):
        raise Flux10Error("flux10_type", "L'en-tête du rapport doit être un ReportHeader.")
    return header


def write_transactions_report(out: BinaryIO, header: ReportHeader, *,
                              invoices: Iterable[UnitaryTransaction] = (),
                              b2c_days: Iterable[B2CDay] = ()) -> None:
    """Stream a `TransactionsReport` (10.1 invoices, then 10.3 days, the XSD's order) into `out`."""
    header = _header(header)
    seen_days: set[tuple[date, str, str, str]] = set()
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("Report"):
            xf.write("\n", _report_document(header), pretty_print=True)
            with xf.element("TransactionsReport"):
                xf.write("\n", _period(header), pretty_print=True)
                for invoice in _checked(invoices, UnitaryTransaction, "Rapport de transactions"):
                    xf.write(_invoice_element(invoice, header), pretty_print=True)
                for day in _checked(b2c_days, B2CDay, "Rapport de transactions"):
                    _check_in_period(header, day.day, f"Journée B2C {day.category}")
                    if day.key in seen_days:
                        raise Flux10Error("flux10_duplicate", f"Journée B2C du {day.day:%d/%m/%Y} ({day.category}, "
                                                              f"{day.currency}) déclarée deux fois.")
                    seen_days.add(day.key)
                    xf.write(_b2c_day_element(day), pretty_print=True)
            xf.write("\n")


def write_payments_report(out: BinaryIO, header: ReportHeader, *,
                          payments: Iterable[UnitaryPayment] = (),
                          aggregated: Iterable[AggregatedPayment] = ()) -> None:
    """Stream a `PaymentsReport` (10.2 per invoice, then 10.4 per day) into `out`."""
    header = _header(header)
    seen_days: set[date] = set()
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("Report"):
            xf.write("\n", _report_document(header), pretty_print=True)
            with xf.element("PaymentsReport"):
                xf.write("\n", _period(header), pretty_print=True)
                for payment in _checked(payments, UnitaryPayment, "Rapport de paiements"):
                    _check_in_period(header, payment.payment_date, f"Encaissement de {payment.invoice_id!r}")
                    element = etree.Element("Invoice")
                    _sub(element, "InvoiceID", payment.invoice_id)
                    _sub(element, "IssueDate", _format_date(payment.invoice_date))
                    _payment_element(element, payment.payment_date, payment.subtotals)
                    xf.write(element, pretty_print=True)
                for day in _checked(aggregated, AggregatedPayment, "Rapport de paiements"):
                    _check_in_period(header, day.day, "Encaissements agrégés")
                    if day.day in seen_days:
                        raise Flux10Error("flux10_duplicate",
                                          f"Encaissements du {day.day:%d/%m/%Y} déclarés deux fois.")
                    seen_days.add(day.day)
                    element = etree.Element("Transactions")
                    _payment_element(element, day.day, day.subtotals)
                    xf.write(element, pretty_print=True)
            xf.write("\n")


def transactions_report_bytes(header: ReportHeader, *, invoices: Iterable[UnitaryTransaction] = (),
                              b2c_days: Iterable[B2CDay] = ()) -> bytes:
    buffer = io.BytesIO()
    write_transactions_report(buffer, header, invoices=invoices, b2c_days=b2c_days)
    return buffer.getvalue()


def payments_report_bytes(header: ReportHeader, *, payments: Iterable[UnitaryPayment] = (),
                          aggregated: Iterable[AggregatedPayment] = ()) -> bytes:
    buffer = io.BytesIO()
    write_payments_report(buffer, header, payments=payments, aggregated=aggregated)
    return buffer.getvalue()


# --- XSD validation ---------------------------------------------------------------------------

def _safe_parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@functools.lru_cache(maxsize=4)
def _schema(folder: str) -> Any:
    root = Path(folder) / XSD_ROOT_FILE
    if not root.is_file():
        raise Flux10Error("flux10_xsd_absent",
                          f"Schéma XSD du flux 10 introuvable ({root}) : ces fichiers officiels (AIFE v1.0) ne sont "
                          "pas livrés avec l'application ; indiquer leur dossier (refs_dir).")
    try:
        return etree.XMLSchema(etree.parse(str(root), _safe_parser()))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise Flux10Error("flux10_xsd_absent", f"Schéma XSD du flux 10 illisible ({root}) : {exc}") from exc


def flux10_check_xsd(data: bytes, refs_dir: Path | str | None = None) -> None:
    """Validate a flux 10 message against the official XSD (compiled once per folder), parsing it
    without entities, DTD or network. Raises Flux10Error: `flux10_xsd_absent` when the folder is
    missing, `flux10_xml` (malformed, or carrying a DOCTYPE), `flux10_xsd_invalid` with the first
    errors and their lines."""
    schema = _schema(str(Path(refs_dir) if refs_dir is not None else DEFAULT_XSD_DIR))
    try:
        document = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise Flux10Error("flux10_xml", f"Message flux 10 mal formé : {exc}") from exc
    if document.getroottree().docinfo.doctype:
        # A flux 10 message has no DTD; its entities are left unresolved, so refuse it outright.
        raise Flux10Error("flux10_xml", "Message flux 10 refusé : il ne doit pas contenir de DOCTYPE.")
    try:
        valid = schema.validate(document)
    except etree.XMLSchemaValidateError as exc:
        raise Flux10Error("flux10_xsd_invalid", f"Message non conforme au XSD du flux 10 : {exc}") from exc
    if not valid:
        errors = [f"ligne {e.line} : {e.message}" for e in list(schema.error_log)[:5]]
        raise Flux10Error("flux10_xsd_invalid", "Message non conforme au XSD du flux 10 : " + " ; ".join(errors))


__all__ = [
    "AggregatedPayment", "B2CDay", "B2CSubtotal", "B2CTransaction", "Flux10Error", "Party", "PaymentSubtotal",
    "PrecedingInvoice", "ReportHeader", "UnitaryPayment", "UnitaryTransaction", "VatBreakdown", "aggregate_b2c",
    "flux10_check_xsd", "payments_report_bytes", "transactions_report_bytes", "write_payments_report",
    "write_transactions_report",
]
