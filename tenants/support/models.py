"""Support: weekly info sessions, one-to-one meetings, workshops and their attendance."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.catalogue.models import WorkshopTheme


class Attendance(models.TextChoices):
    REGISTERED = "registered", _("Inscrit·e")
    ATTENDED = "attended", _("Présent·e")
    ABSENT = "absent", _("Absent·e")
    EXCUSED = "excused", _("Excusé·e")


class InfoSession(models.Model):
    """Réunion d'information collective: the usual entry point."""

    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveIntegerField(_("durée (min)"), default=120)
    site = models.ForeignKey("people.Site", on_delete=models.PROTECT, related_name="info_sessions",
                             verbose_name=_("site"))
    capacity = models.PositiveIntegerField(_("places"), default=15, validators=[MinValueValidator(1)])
    host = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_constraint=False, verbose_name=_("animation"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("réunion d'information")
        verbose_name_plural = _("réunions d'information")
        indexes = [models.Index(fields=["starts_at"], name="infosession_starts_idx")]

    def __str__(self) -> str:
        return f"Réunion d'information du {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"


class InfoSessionRegistration(models.Model):
    session = models.ForeignKey(InfoSession, on_delete=models.CASCADE, related_name="registrations")
    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.CASCADE,
                                     related_name="info_session_registrations")
    status = models.CharField(_("présence"), max_length=12, choices=Attendance.choices,
                              default=Attendance.REGISTERED)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "entrepreneur"], name="infosession_once")]

    def __str__(self) -> str:
        return f"{self.entrepreneur} · {self.session}"


class Meeting(models.Model):
    """Entretien individuel: counsellor and entrepreneur, notes, next steps, follow-up date."""

    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.CASCADE, related_name="meetings")
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False, verbose_name=_("conseiller·e"))
    site = models.ForeignKey("people.Site", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="meetings", verbose_name=_("site"))
    held_at = models.DateTimeField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    next_steps = models.TextField(_("prochaines étapes"), blank=True)
    follow_up_on = models.DateField(_("date de suivi"), null=True, blank=True)
    follow_up_done = models.BooleanField(_("suivi fait"), default=False)

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("entretien individuel")
        verbose_name_plural = _("entretiens individuels")
        indexes = [
            models.Index(fields=["counsellor", "follow_up_on"], name="meeting_followup_idx"),
            models.Index(fields=["entrepreneur", "held_at"], name="meeting_person_idx"),
        ]

    def __str__(self) -> str:
        return f"Entretien du {timezone.localtime(self.held_at):%d/%m/%Y}"


class Workshop(models.Model):
    Theme = WorkshopTheme  # the catalogue's list: a workshop is scheduled from a catalogue model

    title = models.CharField(_("intitulé"), max_length=200)
    theme = models.CharField(_("thème"), max_length=16, choices=Theme.choices)
    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveIntegerField(_("durée (min)"), default=180)
    site = models.ForeignKey("people.Site", on_delete=models.PROTECT, related_name="workshops",
                             verbose_name=_("site"))
    capacity = models.PositiveIntegerField(_("places"), default=12, validators=[MinValueValidator(1)])
    facilitator_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+", db_constraint=False,
                                          verbose_name=_("animation (équipe)"))
    facilitator_member = models.ForeignKey("people.Entrepreneur", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="facilitated_workshops",
                                           verbose_name=_("animation (membre)"))
    description = models.TextField(_("description"), blank=True)
    open_to_self_registration = models.BooleanField(_("inscription libre"), default=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        indexes = [models.Index(fields=["starts_at"], name="workshop_starts_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(facilitator_staff__isnull=False) & models.Q(facilitator_member__isnull=False)),
                name="workshop_one_facilitator",
            )
        ]

    def __str__(self) -> str:
        return self.title


class WorkshopRegistration(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.CASCADE,
                                     related_name="workshop_registrations")
    status = models.CharField(_("présence"), max_length=12, choices=Attendance.choices,
                              default=Attendance.REGISTERED)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workshop", "entrepreneur"], name="workshop_once")]

    def __str__(self) -> str:
        return f"{self.entrepreneur} · {self.workshop}"
