from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_fecexport")]

    operations = [
        migrations.AddIndex(model_name="entry",
                            index=models.Index(fields=["validated_at"], name="entry_validated_idx")),
        migrations.AddIndex(model_name="entryline",
                            index=models.Index(fields=["account", "entry"], name="entryline_account_idx")),
    ]
