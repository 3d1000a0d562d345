"""Effective-dated contribution rates. An existing CAE gets one rate from 2000-01-01: the one
on its registry row, so its figures do not change. A schema with no CAE yet (a spare being
prepared, a new CAE) gets none: the registry rate applies until a dated rate is added."""

import datetime

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


SEED_FROM = datetime.date(2000, 1, 1)


def seed_from_registry(apps, schema_editor):
    ContributionRate = apps.get_model("activity", "ContributionRate")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.cooperatives_cooperative') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SELECT contribution_rate FROM public.cooperatives_cooperative "
                       "WHERE schema_name = current_schema()")
        row = cursor.fetchone()
    if row is not None and not ContributionRate.objects.exists():
        ContributionRate.objects.create(valid_from=SEED_FROM, rate=row[0],
                                        note="Taux de la coopérative avant les taux datés")


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0006_quotes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ContributionRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_from', models.DateField(unique=True, verbose_name='en vigueur à partir du')),
                ('rate', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('50'))], verbose_name='taux (%)')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'taux de contribution',
                'verbose_name_plural': 'taux de contribution',
                'ordering': ['-valid_from'],
                'constraints': [models.CheckConstraint(condition=models.Q(('rate__gte', 0), ('rate__lte', 50)), name='contribution_rate_between_0_and_50')],
            },
        ),
        migrations.RunPython(seed_from_registry, migrations.RunPython.noop),
    ]
