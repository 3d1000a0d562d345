"""Every audit row names its actor: a user, or a system actor by name. Rows written before the
actor was required, without a user, are marked as such (they cannot be attributed afterwards)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

UNKNOWN = "inconnu (avant l'audit obligatoire)"


def mark_unknown(apps, schema_editor):
    apps.get_model("audit", "AuditEntry").objects.filter(actor__isnull=True, system_actor="").update(
        system_actor=UNKNOWN)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["-at"], "verbose_name": "entrée du journal",
                     "verbose_name_plural": "entrées du journal"},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="system_actor",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to=settings.AUTH_USER_MODEL),
        ),
        # Going back keeps the names: the rows stay attributed to « inconnu ».
        migrations.RunPython(mark_unknown, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(condition=models.Q(actor__isnull=False) | ~models.Q(system_actor=""),
                                              name="audit_entry_has_actor"),
        ),
    ]
