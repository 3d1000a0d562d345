from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AuditEntry(models.Model):
    """Who did what: in a CAE's schema, what was done in that CAE; in public, the network's own
    writes. Every row names its actor: a user, or a system actor (a task, a command, an API key…)
    by name."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # DO_NOTHING: an audit trail is never rewritten, not even when the account is deleted.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              related_name="+", db_constraint=False)
    system_actor = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        constraints = [
            models.CheckConstraint(condition=Q(actor__isnull=False) | ~Q(system_actor=""),
                                   name="audit_entry_has_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    @property
    def actor_label(self) -> str:
        """Who acted, as the trail shows it."""
        if self.actor_id is None:
            return self.system_actor
        try:
            return str(self.actor)
        except ObjectDoesNotExist:  # the account was deleted since; its id is all that is left
            return f"compte supprimé n° {self.actor_id}"
