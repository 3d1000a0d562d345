"""The CAE's connection to its approved platform (PA), the flows exchanged through it, their
lifecycle statuses, and the trail of every call (AFNOR XP Z12-013 Flow and Directory services,
version 1.3.0; docs/einvoicing.md).

Files are kept once, by their SHA-256 (`Payload`): a flow, its resubmissions and the exchanges
that carried it all point at the same row, so the trail is complete without duplicating bytes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Syntax(models.TextChoices):
    """XP Z12-013 FlowSyntax."""

    FACTURX = "Factur-X", "Factur-X (PDF/A-3 + CII)"
    CII = "CII", "UN/CEFACT CII"
    UBL = "UBL", "UBL 2.1"
    CDAR = "CDAR", "CDAR (cycle de vie)"
    FRR = "FRR", _("E-reporting (flux 10)")


class PlatformOffer(models.Model):
    """A platform the national network negotiated for its CAEs, installed into this CAE's schema
    from a network template (tenants/einvoicing/install.py, through the catalogue's install): its
    addresses and registration number, never credentials — each CAE signs its own contract and
    receives its own client id and secret. The connection form starts from the latest offer while
    the CAE has no connection."""

    key = models.CharField(max_length=80, unique=True)
    name = models.CharField(_("plateforme agréée"), max_length=120)
    flow_url = models.URLField(_("adresse du service Flow"), max_length=300)
    directory_url = models.URLField(_("adresse du service Annuaire"), max_length=300)
    token_url = models.URLField(_("adresse du jeton OAuth2"), max_length=300)
    platform_number = models.CharField(_("matricule de la plateforme"), max_length=4, blank=True)
    syntax = models.CharField(_("format d'émission"), max_length=10, default=Syntax.FACTURX)
    note = models.CharField(_("conditions négociées"), max_length=300, blank=True)
    offered_by = models.CharField(_("modèle du réseau"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("offre de plateforme du réseau")

    def __str__(self) -> str:
        return self.name


class PlatformConnection(models.Model):
    """One row per CAE schema: which platform, where, and the client credentials it issued (OAuth2
    client credentials, the standard's securityScheme). The secret is sealed (essaim/core/sealing)
    and never shown again; a blank secret in the form keeps the stored one."""

    name = models.CharField(_("plateforme agréée"), max_length=120)
    flow_url = models.URLField(_("adresse du service Flow"), max_length=300)
    directory_url = models.URLField(_("adresse du service Annuaire"), max_length=300)
    token_url = models.URLField(_("adresse du jeton OAuth2"), max_length=300)
    client_id = models.CharField(_("identifiant client"), max_length=200)
    client_secret_sealed = models.TextField(blank=True)
    organization_id = models.CharField(_("identifiant d'organisation (en-tête Organization-Id)"), max_length=100,
                                       blank=True)
    syntax = models.CharField(_("format d'émission"), max_length=10, default=Syntax.FACTURX,
                              choices=[(Syntax.FACTURX, Syntax.FACTURX.label), (Syntax.CII, Syntax.CII.label),
                                       (Syntax.UBL, Syntax.UBL.label)])
    # The platform's registration number (matricule, 4 characters, scheme 0238): the sender of the
    # e-reporting messages it transmits for the CAE (flux 10, rule G6.22).
    platform_number = models.CharField(_("matricule de la plateforme"), max_length=4, blank=True)
    preset = models.CharField(_("offre du réseau"), max_length=60, blank=True)
    enabled = models.BooleanField(_("émission active"), default=True)
    tested_at = models.DateTimeField(null=True, blank=True)
    test_ok = models.BooleanField(null=True, blank=True)
    test_message = models.CharField(max_length=300, blank=True)
    # Where the last search of incoming flows stopped (XP Z12-013 SearchFlowParams: cursor, and
    # updatedAfter as the fallback a platform must honour).
    sync_cursor = models.CharField(max_length=500, blank=True)
    sync_updated_after = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("connexion à la plateforme agréée")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the secret, even sealed
        return f"<PlatformConnection {self.name!r} client_id={self.client_id!r}>"


class Payload(models.Model):
    """A file exactly as exchanged, stored once by its digest."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contenu échangé")

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.size} octets)"


class Flow(models.Model):
    """A file sent to or received from the platform: an invoice, a lifecycle message (CDAR), an
    e-reporting report (FRR). `tracking_id` is ours (XP Z12-013 trackingId), set once when the flow
    is queued: every retry carries it, so a retried submission is never delivered twice."""

    class Direction(models.TextChoices):
        OUT = "Out", _("Envoyé")
        IN = "In", _("Reçu")

    class State(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SUBMITTING = "submitting", _("Envoi en cours")
        SUBMITTED = "submitted", _("Déposé à la plateforme")
        ACCEPTED = "accepted", _("Accepté par la plateforme")
        ERROR = "error", _("Refusé par la plateforme")
        RECEIVED = "received", _("Reçu")

    class Ack(models.TextChoices):
        PENDING = "Pending", _("En cours de contrôle")
        OK = "Ok", _("Contrôles passés")
        ERROR = "Error", _("Contrôles en erreur")

    direction = models.CharField(max_length=3, choices=Direction.choices)
    flow_type = models.CharField(max_length=40)  # XP Z12-013 FlowType
    syntax = models.CharField(max_length=10, choices=Syntax.choices)
    processing_rule = models.CharField(max_length=20, blank=True)  # XP Z12-013 ProcessingRule
    profile = models.CharField(max_length=20, blank=True)  # XP Z12-013 FlowProfile
    name = models.CharField(max_length=255)
    payload = models.ForeignKey(Payload, on_delete=models.PROTECT, related_name="+")
    tracking_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    flow_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices)
    ack_status = models.CharField(max_length=8, choices=Ack.choices, blank=True)
    ack_details = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # What the file is about, for matching statuses and for the app above (activity) to find its
    # document: the business document's number, date and seller, and an opaque key of its own.
    document_key = models.CharField(max_length=80, blank=True, db_index=True)
    document_number = models.CharField(max_length=40, blank=True)
    document_date = models.DateField(null=True, blank=True)
    seller_siren = models.CharField(max_length=9, blank=True)
    about = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="lifecycle_flows")
    last_status = models.CharField(max_length=3, blank=True)  # codes.py: the list is data, not choices
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("flux")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="einv_flow_due"),
                   models.Index(fields=["seller_siren", "document_number"], name="einv_flow_document"),
                   models.Index(fields=["created_at"], name="einv_flow_created")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.flow_type} {self.document_number or self.name}"


class LifecycleEvent(models.Model):
    """One status of a document's life (the codes of XP Z12-012: 200 Déposée … 501 Irrecevable),
    read from a CDAR message (`source`), about the flow of the document it names (`flow`), or sent
    by us (a 212 Encaissée: `source` is then our outgoing CDAR flow)."""

    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    source = models.ForeignKey(Flow, on_delete=models.PROTECT, related_name="carried_events")
    sequence = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(max_length=3)  # codes.py
    reason_code = models.CharField(max_length=40, blank=True)
    reason_text = models.CharField(max_length=500, blank=True)
    issued_at = models.DateTimeField()
    issuer_role = models.CharField(max_length=3, blank=True)  # UNCL 3035: WK platform, BY buyer, SE seller
    amounts = models.JSONField(default=list, blank=True)  # 212: [{"rate": "20.00", "amount": "120.00"}]
    document_number = models.CharField(max_length=40)
    seller_siren = models.CharField(max_length=9, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("statut de cycle de vie")
        constraints = [models.UniqueConstraint(fields=["source", "sequence", "code"], name="einv_event_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.document_number}"


class Exchange(models.Model):
    """One call to the platform, kept as the audit trail: what was asked, what came back, how long
    it took. Bodies are kept by digest (`Payload`); the token call's body is never kept (it holds
    the secret) and its answer is kept without the access token."""

    request_id = models.UUIDField(default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    operation = models.CharField(max_length=30)
    method = models.CharField(max_length=7)
    url = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    request_payload = models.ForeignKey(Payload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    response_payload = models.ForeignKey(Payload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.SET_NULL, related_name="exchanges")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("échange avec la plateforme")

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status_code or self.error}"


class ReportingFrequency(models.Model):
    """How often the CAE's e-reporting is transmitted, from `valid_from` on: it follows its VAT
    regime (periods.py holds the calendars and their sources). Before the first row, monthly."""

    class Frequency(models.TextChoices):
        DECADE = "decade", _("Tous les 10 jours (régime réel normal, déclarations mensuelles)")
        MONTHLY = "monthly", _("Chaque mois")
        BIMONTHLY = "bimonthly", _("Tous les deux mois")

    valid_from = models.DateField(_("à partir du"), unique=True)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("fréquence d'e-reporting")

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} à partir du {self.valid_from:%d/%m/%Y}"


class Report(models.Model):
    """One e-reporting transmission (flux 10) for a period: its kind, what went into it, the flow
    that carried it. A rejected report is resent as a new one that `replaces` it."""

    class Kind(models.TextChoices):
        TRANSACTIONS = "transactions", _("Transactions (10.1 et 10.3)")
        PAYMENTS = "payments", _("Encaissements (10.2 et 10.4)")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    flow = models.OneToOneField(Flow, on_delete=models.PROTECT, related_name="report")
    contents = models.JSONField(default=dict)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "kind", "-created_at"]
        verbose_name = _("rapport d'e-reporting")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"
