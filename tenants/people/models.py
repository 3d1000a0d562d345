from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Site(models.Model):
    """Where a CAE meets people: head office, branch or outreach point."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Siège")
        BRANCH = "branch", _("Antenne")
        OUTREACH = "outreach", _("Permanence")

    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.BRANCH)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[RegexValidator(r"^\d{5}$", _("Code postal à 5 chiffres."))]
    )
    city = models.CharField(_("ville"), max_length=100)
    department = models.CharField(_("département"), max_length=3)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [models.UniqueConstraint(fields=["name"], name="site_unique_name")]
        indexes = [models.Index(fields=["department"], name="site_department_idx")]

    def __str__(self) -> str:
        return self.name
