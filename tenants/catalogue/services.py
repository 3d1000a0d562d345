"""Writes on the CAE's catalogue (its director, through the « Modèles du réseau » pages).

What a network template installed becomes the CAE's own: it is edited and deleted here like
anything the CAE added itself. A template installed again never touches it, because the
installer (`network.resources.templates`) skips every key recorded in `InstalledItem`, which
these writes leave alone: an edit keeps the record, a deletion keeps it too (so the item is not
brought back)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record

from .selectors import Section


def _target(section: Section, item) -> str:
    return f"{section.kind}:{getattr(item, section.key_field)}"


@transaction.atomic
def catalogue_item_create(*, section: Section, values: dict, acting_user: Actor):
    """A new item of the CAE's own. Raises ValidationError (French, by field) on bad input."""
    item = section.model(**values)
    item.full_clean()
    item.save()
    audit_record(action="catalogue_item_create", target=_target(section, item), acting_user=acting_user)
    return item


@transaction.atomic
def catalogue_item_update(*, section: Section, item, values: dict, acting_user: Actor):
    """Change an item (its natural key stays: it is how the templates know it). Raises
    ValidationError before writing anything."""
    if section.key_field in values and values[section.key_field] != getattr(item, section.key_field):
        raise ValidationError({section.key_field: "Le code d'un élément ne change pas : supprimez-le et "
                                                  "créez-en un autre."})
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, values[name])
    item.full_clean()
    if changed:
        item.edited_at = timezone.now()
        item.save(update_fields=[*changed, "edited_at"])
        audit_record(action="catalogue_item_update", target=_target(section, item), acting_user=acting_user,
                     details={"fields": changed})
    return item


@transaction.atomic
def catalogue_item_delete(*, section: Section, item, acting_user: Actor) -> None:
    target = _target(section, item)
    model: type[models.Model] = section.model
    model._default_manager.filter(pk=item.pk).delete()
    audit_record(action="catalogue_item_delete", target=target, acting_user=acting_user)
