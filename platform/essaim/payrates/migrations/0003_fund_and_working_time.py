"""Rate tables gained two keys: `fund` on each contribution line (who collects it: the payroll
journal and the contributions summary used to derive it from the line's code) and the
`working_time` section (the legal weekly hours that prorate the SMIC reference, 35 in code
before). Tables stored before get them here, with the values the code used, so that their
payslips, journal entries and summaries do not change. A fresh database loads the shipped file,
which has them (0002), and this migration then finds nothing to do."""

from django.db import migrations

WORKING_TIME = {
    "legal_weekly_hours": "35",
    "source": "Code du travail, art. L3121-27 (durée légale du travail effectif : 35 heures par semaine)",
}
# tenants/payroll/funds.py before the key existed: these codes to AGIRC-ARRCO, the unemployment
# block to the unemployment fund, the health cover to its insurer, everything else to URSSAF.
_AGIRC_ARRCO = {"agirc_arrco_t1", "agirc_arrco_t2", "ceg_t1", "ceg_t2", "cet"}


def _fund(line: dict) -> str:
    if line.get("code") in _AGIRC_ARRCO:
        return "agirc_arrco"
    if line.get("block") == "assurance_chomage":
        return "unemployment"
    if line.get("code") == "complementaire_sante" or line.get("kind") == "health_cover":
        return "health"
    return "urssaf"


def add_keys(apps, schema_editor):
    model = apps.get_model("payrates", "RateTable")
    for table in model.objects.order_by("valid_from"):
        document, changed = table.document, False
        if not isinstance(document, dict):
            continue
        if "working_time" not in document:
            document["working_time"] = dict(WORKING_TIME)
            changed = True
        for line in document.get("lines") or []:
            if isinstance(line, dict) and "fund" not in line:
                line["fund"] = _fund(line)
                changed = True
        if changed:
            table.save(update_fields=["document"])


def remove_keys(apps, schema_editor):
    """The code before this migration refuses an unknown line key: take both keys out again."""
    model = apps.get_model("payrates", "RateTable")
    for table in model.objects.all():
        document = table.document
        if not isinstance(document, dict):
            continue
        document.pop("working_time", None)
        for line in document.get("lines") or []:
            if isinstance(line, dict):
                line.pop("fund", None)
        table.save(update_fields=["document"])


class Migration(migrations.Migration):

    dependencies = [("payrates", "0002_load_2026")]

    operations = [migrations.RunPython(add_keys, remove_keys)]
