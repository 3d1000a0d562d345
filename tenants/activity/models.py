"""Customers and invoices of the entrepreneurs' activities, issued by the CAE under its SIRET.

An invoice is a draft until finalised; finalising gives it the next number of its series, freezes
its content and totals for good. A finalised invoice is corrected only by a credit note
(`Invoice` with kind credit_note) that references it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.core.validators import validate_siren, validate_siret, validate_vat
from tenants.people.models import postal_code_validator


class ActivitySettings(models.Model):
    """This CAE's invoicing policy (one row per schema)."""

    class Numbering(models.TextChoices):
        CONTINUOUS = "continuous", _("Une seule série continue")
        YEARLY = "yearly", _("Une série par année")
        PER_ENTREPRENEUR = "per_entrepreneur", _("Une série par entrepreneur·e")

    numbering = models.CharField(_("numérotation des factures"), max_length=20, choices=Numbering.choices,
                                 default=Numbering.YEARLY)
    late_penalty_rate = models.DecimalField(_("taux des pénalités de retard (%)"), max_digits=5, decimal_places=2,
                                            default=Decimal("12.00"))
    payment_days = models.PositiveSmallIntegerField(_("délai de paiement (jours)"), default=30)

    class ContributionBasis(models.TextChoices):
        INVOICED = "invoiced", _("Sur le chiffre d'affaires facturé")
        COLLECTED = "collected", _("Sur le chiffre d'affaires encaissé")

    contribution_basis = models.CharField(_("assiette de la contribution"), max_length=10,
                                          choices=ContributionBasis.choices, default=ContributionBasis.INVOICED)

    class Meta:
        verbose_name = _("réglages de facturation")

    def __str__(self) -> str:
        return "Réglages de facturation"

    @classmethod
    def current(cls) -> ActivitySettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class NumberingChange(models.Model):
    """A change of the numbering policy, in force from `valid_from` (always a 1 January) on.
    `ActivitySettings.numbering` is the policy before the first change. A change never applies
    to a year in which a document was already numbered (settings.py), so each calendar year is
    numbered under one policy and no series is cut short or restarted."""

    valid_from = models.DateField(_("en vigueur à partir du"), unique=True)
    numbering = models.CharField(_("numérotation des factures"), max_length=20,
                                 choices=ActivitySettings.Numbering.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("changement de numérotation")
        constraints = [models.CheckConstraint(
            condition=models.Q(valid_from__month=1, valid_from__day=1), name="numbering_change_on_1_january")]

    def __str__(self) -> str:
        return f"{self.get_numbering_display()} à partir du {self.valid_from:%d/%m/%Y}"


class VatOnDebitsChange(models.Model):
    """The CAE's option for paying the VAT on its services on debits (CGI art. 269-2-c: VAT due
    when invoiced, not when paid), on or off from `valid_from` on. Without any row, and before the
    first, the option is off: VAT on services is due on payment (the legal rule). A change never
    applies to a day already invoiced (policy.vat_on_debits_set), so what an issued invoice says
    ("Option pour le paiement de la taxe d'après les débits") stays true of its date."""

    valid_from = models.DateField(_("en vigueur à partir du"), unique=True)
    on = models.BooleanField(_("option pour le paiement de la TVA d'après les débits"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("option pour la TVA d'après les débits")

    def __str__(self) -> str:
        return f"{'Option' if self.on else 'Sans option'} à partir du {self.valid_from:%d/%m/%Y}"


class Country(models.TextChoices):
    """Where a customer is billed: France or another member state of the European Union (ISO
    3166-1 alpha-2; Greece's VAT numbers start with EL, not GR)."""

    FR = "FR", _("France")
    DE = "DE", _("Allemagne")
    AT = "AT", _("Autriche")
    BE = "BE", _("Belgique")
    BG = "BG", _("Bulgarie")
    CY = "CY", _("Chypre")
    HR = "HR", _("Croatie")
    DK = "DK", _("Danemark")
    ES = "ES", _("Espagne")
    EE = "EE", _("Estonie")
    FI = "FI", _("Finlande")
    GR = "GR", _("Grèce")
    HU = "HU", _("Hongrie")
    IE = "IE", _("Irlande")
    IT = "IT", _("Italie")
    LV = "LV", _("Lettonie")
    LT = "LT", _("Lituanie")
    LU = "LU", _("Luxembourg")
    MT = "MT", _("Malte")
    NL = "NL", _("Pays-Bas")
    PL = "PL", _("Pologne")
    PT = "PT", _("Portugal")
    CZ = "CZ", _("Tchéquie")
    RO = "RO", _("Roumanie")
    SK = "SK", _("Slovaquie")
    SI = "SI", _("Slovénie")
    SE = "SE", _("Suède")


def vat_prefix(country: str) -> str:
    """The prefix of a VAT number issued in `country`."""
    return "EL" if country == Country.GR else country


class Customer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Entreprise ou organisation")
        INDIVIDUAL = "individual", _("Particulier")

    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.PROTECT, related_name="customers",
                                     verbose_name=_("activité de"))
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("nom ou raison sociale"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True,
                                  validators=[validate_vat])
    email = models.EmailField(_("e-mail"), blank=True)
    billing_address = models.CharField(_("adresse de facturation"), max_length=200)
    # Checked against the country in clean(): five digits in France, free elsewhere in the EU.
    billing_postal_code = models.CharField(_("code postal"), max_length=10)
    billing_city = models.CharField(_("ville"), max_length=100)
    country = models.CharField(_("pays"), max_length=2, choices=Country.choices, default=Country.FR)
    delivery_address = models.CharField(_("adresse de livraison (si différente)"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The rules that depend on the country (the identifiers' own checks are their validators)."""
        errors = {}
        if self.country == Country.FR:
            try:
                postal_code_validator(self.billing_postal_code)
            except ValidationError as exc:
                errors["billing_postal_code"] = exc.messages
        if self.vat_number and self.country and not self.vat_number.upper().startswith(vat_prefix(self.country)):
            errors["vat_number"] = [_("Le numéro de TVA intracommunautaire d'un client établi en %(pays)s commence "
                                      "par %(prefixe)s.") % {"pays": self.get_country_display(),
                                                             "prefixe": vat_prefix(self.country)}]
        if self.country and self.country != Country.FR and self.kind == self.Kind.COMPANY and not self.vat_number:
            errors["vat_number"] = [_("Le numéro de TVA intracommunautaire d'une entreprise établie dans un autre "
                                      "pays de l'Union européenne est une mention obligatoire de la facture.")]
        if errors:
            raise ValidationError(errors)


class VatRate(models.TextChoices):
    STANDARD = "20.00", _("20 %")
    INTERMEDIATE = "10.00", _("10 %")
    REDUCED = "5.50", _("5,5 %")
    SUPER_REDUCED = "2.10", _("2,1 %")
    EXEMPT = "0.00", _("Exonéré")


class NumberSeries(models.Model):
    """The next number of one series. Finalising locks its row: numbers are gapless and unique
    even when many invoices are finalised at once."""

    key = models.CharField(max_length=40, unique=True)
    next_value = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.key}: {self.next_value}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        FINALISED = "finalised", _("Émise")

    class Operation(models.TextChoices):
        SERVICES = "services", _("Prestations de services")
        GOODS = "goods", _("Livraison de biens")
        MIXED = "mixed", _("Mixte")

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("client"))
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="credit_notes", verbose_name=_("facture corrigée"))
    number = models.CharField(_("numéro"), max_length=35, null=True, blank=True, unique=True)
    issued_on = models.DateField(_("date d'émission"), null=True, blank=True)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    operation = models.CharField(_("nature des opérations"), max_length=10, choices=Operation.choices,
                                 default=Operation.SERVICES)
    exemption_mention = models.CharField(_("mention d'exonération de TVA"), max_length=200, blank=True)
    purchase_order = models.CharField(_("n° de bon de commande"), max_length=60, blank=True)
    total_excl_vat = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_vat = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_incl_vat = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    finalised_at = models.DateTimeField(null=True, blank=True)
    # Seller, buyer and terms as printed, frozen when the document is issued (parties.py).
    issued_as = models.JSONField(_("parties et conditions à l'émission"), null=True, blank=True, editable=False)
    # Where the goods are delivered or the service performed, when not at the buyer's address
    # (EN 16931 BG-13/BG-15; a mandatory mention when it differs, CGI ann. II art. 242 nonies A).
    # Empty: the customer's delivery address (free text), else none.
    delivery_street = models.CharField(_("adresse de livraison"), max_length=200, blank=True)
    delivery_postal_code = models.CharField(_("code postal de livraison"), max_length=10, blank=True)
    delivery_city = models.CharField(_("ville de livraison"), max_length=100, blank=True)
    delivery_country = models.CharField(_("pays de livraison"), max_length=2, choices=Country.choices, blank=True)
    # The date of the supply (BT-72) or the period invoiced (BG-14: BT-73, BT-74) when they differ
    # from the issue date (CGI ann. II art. 242 nonies A); empty, the supply is dated the issue date.
    delivery_date = models.DateField(_("date de livraison ou d'exécution"), null=True, blank=True)
    period_start = models.DateField(_("période facturée : début"), null=True, blank=True)
    period_end = models.DateField(_("période facturée : fin"), null=True, blank=True)
    # Services to a business of another member state taxed in France by exception (CGI art. 259 A).
    place_of_supply_france = models.BooleanField(_("lieu de la prestation en France (art. 259 A du CGI)"),
                                                 default=False)
    # Document-level allowances (BT-107) and charges (BT-108), signed like the totals.
    total_allowances = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_charges = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        indexes = [models.Index(fields=["entrepreneur", "issued_on"], name="invoice_activity_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | models.Q(status="finalised", number__isnull=False, issued_on__isnull=False),
                name="invoice_number_iff_finalised",
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True) | models.Q(period_end__isnull=True)
                | models.Q(period_start__lte=models.F("period_end")),
                name="invoice_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", corrects__isnull=True)
                | models.Q(kind="credit_note", corrects__isnull=False),
                name="credit_note_references_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} (brouillon {self.pk})"

    @property
    def currency(self) -> str:
        """BT-5: always euros (en16931.CURRENCY, docs/activity.md)."""
        from .en16931 import CURRENCY

        return CURRENCY


class DocumentLine(models.Model):
    """The fields of a line of an invoice or a quote (validated by `services.lines_build`)."""

    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("désignation"), max_length=300)
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3,
                                   validators=[MinValueValidator(Decimal("0.001"))])
    unit = models.CharField(_("unité"), max_length=20, default="unité")
    unit_price = models.DecimalField(_("prix unitaire HT"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    vat_rate = models.CharField(_("TVA"), max_length=5, choices=VatRate.choices, default=VatRate.STANDARD)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        from .totals import line_amount

        return line_amount(self.quantity, self.unit_price)


class InvoiceLine(DocumentLine):
    """An invoice's line, with at most one allowance (BG-27) and one charge (BG-28) of its own:
    its net amount (BT-131) is quantity × unit price, to the cent, − allowance + charge."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    allowance_amount = models.DecimalField(_("remise HT"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                           validators=[MinValueValidator(Decimal("0"))])
    allowance_reason = models.CharField(_("motif de la remise"), max_length=200, blank=True)
    allowance_reason_code = models.CharField(_("code du motif de la remise"), max_length=3, blank=True)  # UNTDID 5189
    charge_amount = models.DecimalField(_("frais HT"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                        validators=[MinValueValidator(Decimal("0"))])
    charge_reason = models.CharField(_("motif des frais"), max_length=200, blank=True)
    charge_reason_code = models.CharField(_("code du motif des frais"), max_length=3, blank=True)  # UNTDID 7161

    class Meta(DocumentLine.Meta):
        pass

    @property
    def gross_amount(self) -> Decimal:
        from .totals import line_amount

        return line_amount(self.quantity, self.unit_price)

    @property
    def amount(self) -> Decimal:
        from .totals import line_net

        return line_net(self.quantity, self.unit_price, self.allowance_amount, self.charge_amount)

    @property
    def has_adjustments(self) -> bool:
        return bool(self.allowance_amount or self.charge_amount)

    @property
    def allowance_label(self) -> str:
        from .en16931 import ALLOWANCE_REASONS

        return self.allowance_reason or ALLOWANCE_REASONS.get(self.allowance_reason_code, "")

    @property
    def charge_label(self) -> str:
        from .en16931 import CHARGE_REASONS

        return self.charge_reason or CHARGE_REASONS.get(self.charge_reason_code, "")


class InvoiceAllowanceCharge(models.Model):
    """A document-level allowance (EN 16931 BG-20, a discount on the whole invoice) or charge
    (BG-21: transport, packing…), excl. VAT, at one VAT rate: it lowers or raises that rate's
    base. Frozen with its invoice (migration activity.0011's trigger)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allowances_charges")
    position = models.PositiveSmallIntegerField(default=0)
    is_charge = models.BooleanField(_("frais (sinon remise)"), default=False)
    amount = models.DecimalField(_("montant HT"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    # UNTDID 5189 for an allowance, 7161 for a charge (en16931.py)
    reason_code = models.CharField(_("code du motif"), max_length=3, blank=True)
    vat_rate = models.CharField(_("TVA"), max_length=5, choices=VatRate.choices, default=VatRate.STANDARD)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("remise ou frais")
        verbose_name_plural = _("remises et frais")

    def __str__(self) -> str:
        return f"{'Frais' if self.is_charge else 'Remise'} {self.amount} €"

    @property
    def reason_label(self) -> str:
        """The reason as printed: the text typed, else the code's label."""
        from .en16931 import ALLOWANCE_REASONS, CHARGE_REASONS

        table = CHARGE_REASONS if self.is_charge else ALLOWANCE_REASONS
        return self.reason or table.get(self.reason_code, "")


class Payment(models.Model):
    """Money received for an issued invoice (full or partial)."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Virement")
        CHEQUE = "cheque", _("Chèque")
        CARD = "card", _("Carte")
        CASH = "cash", _("Espèces")
        DIRECT_DEBIT = "direct_debit", _("Prélèvement")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField(_("date de réception"))
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("moyen"), max_length=14, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_constraint=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")

    def __str__(self) -> str:
        return f"{self.amount} € le {self.received_on:%d/%m/%Y}"


def receipt_path(instance, filename: str) -> str:
    """Receipts live under MEDIA_ROOT (outside the web root), per schema, with a random name."""
    import secrets

    from django.db import connection

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"receipts/{connection.schema_name}/{secrets.token_hex(16)}.{suffix}"


class ExpenseClaim(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Soumise")
        APPROVED = "approved", _("Validée")
        REJECTED = "rejected", _("Refusée")
        REIMBURSED = "reimbursed", _("Remboursée")

    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.PROTECT, related_name="expense_claims")
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    reimbursed_on = models.DateField(_("remboursée le"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("note de frais")
        verbose_name_plural = _("notes de frais")

    def __str__(self) -> str:
        return f"Note de frais {self.pk}"


class ExpenseLine(models.Model):
    class Category(models.TextChoices):
        TRAVEL = "travel", _("Déplacements")
        MEALS = "meals", _("Repas")
        SUPPLIES = "supplies", _("Fournitures")
        SOFTWARE = "software", _("Logiciels et abonnements")
        TRAINING = "training", _("Formation")
        OTHER = "other", _("Autres")

    ACCOUNTS = {"travel": "6251", "meals": "6256", "supplies": "6064", "software": "6512", "training": "6333",
                "other": "6288"}

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="lines")
    spent_on = models.DateField(_("date"))
    category = models.CharField(_("catégorie"), max_length=10, choices=Category.choices)
    description = models.CharField(_("objet"), max_length=200)
    amount_incl_vat = models.DecimalField(_("montant TTC"), max_digits=10, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0.01"))])
    vat_amount = models.DecimalField(_("dont TVA"), max_digits=10, decimal_places=2, default=Decimal("0.00"),
                                     validators=[MinValueValidator(Decimal("0"))])
    receipt = models.FileField(_("justificatif"), upload_to=receipt_path, blank=True)

    class Meta:
        ordering = ["spent_on", "id"]

    def __str__(self) -> str:
        return self.description


QUOTE_VALIDITY_DAYS = 30  # a quote sent without a validity date is valid this many days


class Quote(models.Model):
    """A devis: drafted and edited freely, then sent (numbered in its own series, frozen), then
    accepted or refused by the customer. Past its validity date a sent quote is expired
    (computed, not stored). An accepted quote becomes an invoice draft once (`invoice`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SENT = "sent", _("Envoyé")
        ACCEPTED = "accepted", _("Accepté")
        REFUSED = "refused", _("Refusé")

    EXPIRED = "expired"  # a state shown and filtered on, never stored

    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.PROTECT, related_name="quotes")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("client"))
    number = models.CharField(_("numéro"), max_length=35, null=True, blank=True, unique=True)
    subject = models.CharField(_("objet"), max_length=200, blank=True)
    issued_on = models.DateField(_("date d'envoi"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    operation = models.CharField(_("nature des opérations"), max_length=10, choices=Invoice.Operation.choices,
                                 default=Invoice.Operation.SERVICES)
    exemption_mention = models.CharField(_("mention d'exonération de TVA"), max_length=200, blank=True)
    total_excl_vat = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_vat = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_incl_vat = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    invoice = models.OneToOneField(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="quote",
                                   verbose_name=_("facture issue du devis"))
    decided_on = models.DateField(_("accepté ou refusé le"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)  # when the acceptance or refusal was recorded

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("devis")
        verbose_name_plural = _("devis")
        indexes = [models.Index(fields=["entrepreneur", "issued_on"], name="quote_activity_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | (~models.Q(status="draft") & models.Q(number__isnull=False, issued_on__isnull=False,
                                                        valid_until__isnull=False)),
                name="quote_number_iff_sent",
            ),
            models.CheckConstraint(condition=models.Q(invoice__isnull=True) | models.Q(status="accepted"),
                                   name="quote_invoiced_only_if_accepted"),
        ]

    def __str__(self) -> str:
        return self.number or f"Devis (brouillon {self.pk})"

    def state(self, today=None) -> str:
        """The stored status, or `expired` for a sent quote past its validity date."""
        today = today or timezone.localdate()
        if self.status == self.Status.SENT and self.valid_until and self.valid_until < today:
            return self.EXPIRED
        return self.status

    @property
    def state_label(self) -> str:
        state = self.state()
        return str(_("Expiré")) if state == self.EXPIRED else self.get_status_display()


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass


class ContributionRate(models.Model):
    """The CAE's cooperative contribution rate from `valid_from` on (effective-dated). Before the
    first row, the rate given when the CAE was created (its registry row) applies."""

    valid_from = models.DateField(_("en vigueur à partir du"), unique=True)
    rate = models.DecimalField(_("taux (%)"), max_digits=5, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))])
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("taux de contribution")
        verbose_name_plural = _("taux de contribution")
        constraints = [models.CheckConstraint(condition=models.Q(rate__gte=0, rate__lte=50),
                                              name="contribution_rate_between_0_and_50")]

    def __str__(self) -> str:
        return f"{self.rate} % à partir du {self.valid_from:%d/%m/%Y}"


# E-invoicing: the directory entry of a customer, the transmission of an issued document, the
# 212 status of a payment (emission_models.py).
from .emission_models import CustomerDirectoryEntry, InvoiceEmission, PaymentStatus  # noqa: E402, F401
