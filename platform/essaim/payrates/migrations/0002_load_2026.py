"""Loads the 2026 rate table shipped with the project (validated like `payroll_rates_load`)."""

from django.db import migrations


def load(apps, schema_editor):
    from essaim.payrates.rateset import DATA_DIR
    from essaim.audit.actors import SystemActor
    from essaim.payrates.services import document_read, rate_table_load

    model = apps.get_model("payrates", "RateTable")
    path = DATA_DIR / "fr-2026.json"
    document = document_read(path)
    if not model.objects.filter(valid_from=document["valid_from"]).exists():
        rate_table_load(document=document, source="platform/essaim/payrates/data/fr-2026.json", model=model,
                        acting_user=SystemActor("migration payrates.0002"))


def unload(apps, schema_editor):
    apps.get_model("payrates", "RateTable").objects.filter(valid_from="2026-01-01").delete()


class Migration(migrations.Migration):

    dependencies = [("payrates", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
