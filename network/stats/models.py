"""Public-schema tables of the network statistics.

`CaeContribution` holds what each CAE reported for a period: per-cell counts and sums, with the
two largest single figures of each cell. It is sealed: its default manager refuses every query,
so no page, admin, serializer or API can list it by accident; the consolidation code
(network/stats/collection.py writes, network/stats/consolidation.py reads) goes through the
`consolidation_rows` manager, and a test checks that no other module names it.

`ReleaseStanding` (each CAE's own figures in a release, beside its rank) is sealed the same way:
only network/stats/standings.py names it, through the `standing_rows` manager.

Releases, their tables and cells are what may be shown: protected by the disclosure engine.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContributionsSealed(RuntimeError):
    pass


class _SealedManager(models.Manager):
    def get_queryset(self):
        raise ContributionsSealed("Per-CAE contributions are read only by network/stats/consolidation.py.")


class StandingsSealed(RuntimeError):
    pass


class _SealedStandingManager(models.Manager):
    def get_queryset(self):
        raise StandingsSealed("Each CAE's standing is read only by network/stats/standings.py.")


class CaeContribution(models.Model):
    """One CAE's figures for one period and one source (e.g. "entrepreneurs", "revenue")."""

    cooperative = models.ForeignKey("cooperatives.Cooperative", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=7)
    source = models.CharField(max_length=32)
    cells = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    collected_at = models.DateTimeField(default=timezone.now)

    objects = _SealedManager()
    consolidation_rows = models.Manager()  # noqa: DJ012 - the sealed manager must come first (default)

    class Meta:
        base_manager_name = "consolidation_rows"  # cascades when a CAE is deleted
        default_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["cooperative", "period", "source"],
                                               name="contribution_once_per_period_source")]
        indexes = [models.Index(fields=["period", "source"], name="contribution_period_idx")]

    def __str__(self) -> str:
        return f"contribution {self.period}/{self.source}"


class Release(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")
        # Withdrawn when a newer version of its period was published: kept for the record, no
        # longer served by the pages or the API (two versions side by side would let their
        # differences be read).
        SUPERSEDED = "superseded", _("Remplacée")

    period = models.CharField(_("période"), max_length=7)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    parameters = models.JSONField(_("paramètres"), default=dict)  # the disclosure settings, as used
    audit = models.JSONField(_("audit"), default=dict)
    sources_hash = models.CharField(max_length=64)  # of the contributions it was built from
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "-version"]
        verbose_name = _("version publiée des statistiques")
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="release_version_unique"),
            models.UniqueConstraint(fields=["period"], condition=models.Q(status="published"),
                                    name="release_one_published_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ReleaseTable(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tables")
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)  # count / magnitude / derived
    measure = models.CharField(max_length=40)
    unit = models.CharField(max_length=20, blank=True)
    # [{"name": "region", "label": "Région", "categories": [["84", "Auvergne-Rhône-Alpes"], ...]}]
    dimensions = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["release", "code"], name="release_table_unique")]

    def __str__(self) -> str:
        return self.code


class ReleaseCell(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Publiée")
        EMPTY = "empty", _("Vide")
        PRIMARY = "primary", _("Secret (primaire)")
        SECONDARY = "secondary", _("Secret (secondaire)")

    table = models.ForeignKey(ReleaseTable, on_delete=models.CASCADE, related_name="cells")
    position = models.PositiveIntegerField()
    coords = models.JSONField()  # {"region": "84", "sector": "*", "year": "2026"}
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    rules = models.CharField(max_length=120, blank=True)  # the exact primary rules: network staff only

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["table", "position"], name="release_cell_unique")]

    def __str__(self) -> str:
        return f"{self.coords}"

    @property
    def suppressed(self) -> bool:
        return self.status in (self.Status.PRIMARY, self.Status.SECONDARY)


class ReleaseStanding(models.Model):
    """One CAE beside the network in a release: its own figure and its rank. Shown only to that
    CAE, on its own domain (network/stats/views_cae.py, through network/stats/standings.py);
    never listed for the network staff. Sealed like `CaeContribution`."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    cooperative = models.ForeignKey("cooperatives.Cooperative", on_delete=models.CASCADE, related_name="+")
    indicator = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=18, decimal_places=4)
    rank = models.PositiveIntegerField()  # 1 = the largest
    out_of = models.PositiveIntegerField()

    objects = _SealedStandingManager()
    standing_rows = models.Manager()  # noqa: DJ012 - the sealed manager must come first (default)

    class Meta:
        base_manager_name = "standing_rows"  # cascades when a release or a CAE is deleted
        default_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["release", "cooperative", "indicator"],
                                               name="standing_unique")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.rank}/{self.out_of}"
