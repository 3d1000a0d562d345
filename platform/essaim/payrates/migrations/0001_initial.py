import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RateTable',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_from', models.DateField(unique=True, verbose_name='valable à partir du')),
                ('valid_to', models.DateField(blank=True, null=True, verbose_name="valable jusqu'au")),
                ('document', models.JSONField(verbose_name='barème')),
                ('source', models.CharField(blank=True, max_length=300, verbose_name='origine')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='chargé le')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='chargé par')),
            ],
            options={
                'verbose_name': 'barème de paie',
                'verbose_name_plural': 'barèmes de paie',
                'ordering': ['-valid_from'],
                'constraints': [models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='payrates_ratetable_period')],
            },
        ),
    ]
