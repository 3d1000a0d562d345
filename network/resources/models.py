"""The network's library (public schema): resources with their versions, download counts per CAE,
and the working groups that meet across CAEs."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .search import SearchDocument


class Kind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    TEMPLATE = "template", _("Modèle")
    WORKSHOP = "workshop", _("Support d'atelier")
    PRESENTATION = "presentation", _("Présentation")
    REPORT = "report", _("Rapport")
    VIDEO = "video", _("Vidéo")


class Theme(models.TextChoices):
    SUPPORT = "support", _("Accompagnement")
    CONTRACTS = "contracts", _("Contrats et statut")
    GOVERNANCE = "governance", _("Gouvernance coopérative")
    FINANCE = "finance", _("Gestion et comptabilité")
    PARTNERS = "partners", _("Partenariats et territoires")
    SETUP = "setup", _("Essaimage et création de CAE")
    COMMUNICATION = "communication", _("Communication")
    EVALUATION = "evaluation", _("Évaluation et chiffres")


class Sector(models.TextChoices):
    ALL = "all", _("Tous secteurs")
    MULTI = "multi", _("Multi-activités")
    CONSTRUCTION = "construction", _("Bâtiment (BTP)")
    PERSONAL_SERVICES = "personal_services", _("Services à la personne")
    CULTURE = "culture", _("Culture et création")
    DIGITAL = "digital", _("Numérique")
    AGRICULTURE = "agriculture", _("Agriculture et alimentation")


class Audience(models.TextChoices):
    STAFF = "staff", _("Équipes des CAE")
    ENTREPRENEURS = "entrepreneurs", _("Entrepreneur·es")
    FOUNDERS = "founders", _("Porteurs de nouvelles CAE")
    PARTNERS = "partners", _("Partenaires")


class Language(models.TextChoices):
    FR = "fr", _("Français")
    EN = "en", _("Anglais")
    ES = "es", _("Espagnol")


FACETS = {"kind": Kind, "theme": Theme, "sector": Sector, "audience": Audience, "language": Language}


class Resource(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposée")
        PUBLISHED = "published", _("Publiée")
        REJECTED = "rejected", _("Refusée")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Publique")
        NETWORK = "network", _("Membres du réseau")
        NAMED = "named", _("CAE nommées")

    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    theme = models.CharField(_("thème"), max_length=16, choices=Theme.choices)
    sector = models.CharField(_("secteur"), max_length=20, choices=Sector.choices, default=Sector.ALL)
    audience = models.CharField(_("public"), max_length=16, choices=Audience.choices)
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices, default=Language.FR)
    author_cooperative = models.ForeignKey("cooperatives.Cooperative", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="authored_resources",
                                           verbose_name=_("CAE autrice"))  # None: the network itself
    summary = models.TextField(_("résumé"))
    body = models.TextField(_("texte"), blank=True)  # searchable full text (weight C)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PROPOSED)
    rejection_reason = models.CharField(_("motif du refus"), max_length=500, blank=True)
    visibility = models.CharField(_("visibilité"), max_length=8, choices=Visibility.choices,
                                  default=Visibility.NETWORK)
    named_cooperatives = models.ManyToManyField("cooperatives.Cooperative", blank=True, related_name="+",
                                                verbose_name=_("CAE destinataires"))
    working_group = models.ForeignKey("WorkingGroup", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="produced", verbose_name=_("produite par le groupe"))
    # Templates only: what templates_install() writes into a CAE's schema (validated JSON).
    payload = models.JSONField(_("contenu installable"), null=True, blank=True)
    install_at_launch = models.BooleanField(_("installé au lancement d'une CAE"), default=False)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    search = models.GeneratedField(expression=SearchDocument("title", "summary", "body"),
                                   output_field=SearchVectorField(), db_persist=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        indexes = [
            GinIndex(fields=["search"], name="resource_search_gin"),
            # Browsing without words: the newest first, and the facets from an index-only scan.
            models.Index(F("published_at").desc(nulls_last=True), F("id").desc(), name="resource_published_idx",
                         condition=models.Q(state="published")),
            # Browsing without words: facets and total from an index-only scan.
            models.Index(fields=["state", "visibility"], name="resource_state_vis_idx",
                         include=["id", "kind", "theme", "sector", "audience", "language", "published_at",
                                  "author_cooperative"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state="rejected", rejection_reason=""),
                                   name="resource_rejection_has_reason"),
            models.CheckConstraint(condition=models.Q(payload__isnull=True) | models.Q(kind="template"),
                                   name="resource_payload_only_on_templates"),
        ]

    def __str__(self) -> str:
        return self.title


def version_path(instance, filename: str) -> str:
    """Library files live under MEDIA_ROOT (outside the web root) with a random name; the
    original name is kept on the row, for the download."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"resources/{secrets.token_hex(16)}.{suffix[:5]}"


class ResourceVersion(models.Model):
    """One version of a resource: a file or a link. A new version keeps the old ones; the current
    one is the latest published."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("fichier"), upload_to=version_path, blank=True, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    url = models.URLField(_("lien"), blank=True, max_length=500)
    notes = models.TextField(_("notes de version"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["resource", "-number"]
        verbose_name = _("version")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="resource_version_unique"),
            models.CheckConstraint(condition=(models.Q(file="") & ~models.Q(url="")) | (~models.Q(file="") & models.Q(url="")),
                                   name="resource_version_file_xor_url"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


class DownloadCount(models.Model):
    """Downloads of a resource per CAE (None: anonymous visitors and network staff) per month."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="download_counts")
    cooperative = models.ForeignKey("cooperatives.Cooperative", null=True, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # first day of the month
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "cooperative", "month"], nulls_distinct=False,
                                               name="download_count_once")]

    def __str__(self) -> str:
        return f"{self.resource_id} · {self.cooperative_id} · {self.month:%Y-%m} · {self.count}"


class WorkingGroup(models.Model):
    """A working group across CAEs, by theme or by sector."""

    name = models.CharField(_("nom"), max_length=160, unique=True)
    theme = models.CharField(_("thème"), max_length=16, choices=Theme.choices, blank=True)
    sector = models.CharField(_("secteur"), max_length=20, choices=Sector.choices, blank=True)
    description = models.TextField(_("objectifs"), blank=True)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="coordinated_groups", verbose_name=_("coordination"))
    member_cooperatives = models.ManyToManyField("cooperatives.Cooperative", blank=True, related_name="working_groups",
                                                 verbose_name=_("CAE membres"))
    member_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="working_groups",
                                          verbose_name=_("membres"))
    shared_resources = models.ManyToManyField(Resource, blank=True, related_name="shared_in_groups",
                                              verbose_name=_("documents partagés"))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("groupe de travail")
        verbose_name_plural = _("groupes de travail")
        constraints = [models.CheckConstraint(condition=~models.Q(theme="", sector=""),
                                              name="working_group_theme_or_sector")]

    def __str__(self) -> str:
        return self.name


class GroupMeeting(models.Model):
    """A meeting of a working group: agenda beforehand, attendance and minutes (« synthèse de la
    rencontre ») afterwards."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("date"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    visio_url = models.URLField(_("lien de visioconférence"), blank=True)
    agenda = models.TextField(_("ordre du jour"), blank=True)
    minutes = models.TextField(_("synthèse de la rencontre"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        constraints = [models.CheckConstraint(condition=~models.Q(place="", visio_url=""),
                                              name="group_meeting_place_or_visio")]

    def __str__(self) -> str:
        return f"{self.group} · {timezone.localtime(self.starts_at):%d/%m/%Y}"


class MeetingAttendance(models.Model):
    """Who took part: a member user, or a member CAE as such."""

    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cooperative = models.ForeignKey("cooperatives.Cooperative", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(user__isnull=True) ^ models.Q(cooperative__isnull=True),
                                   name="attendance_user_xor_cooperative"),
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_user_once"),
            models.UniqueConstraint(fields=["meeting", "cooperative"], name="attendance_cooperative_once"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.user_id or self.cooperative_id}"
