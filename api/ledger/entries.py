"""Journal entries for accountants (scope `ledger:read`), with their lines. Entries are validated
when written and never change (PostgreSQL refuses it), so `updated_since` reads `validated_at`."""

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from api.keys.models import Scope
from api.rows import Child, ValuesListAPIView, ValuesPlan, ValuesRetrieveAPIView, path_id
from tenants.ledger.models import JOURNALS, Entry, EntryLine

ANALYTICAL = ("Axe analytique : l'entrepreneur·e dont l'activité porte l'écriture (`/api/v1/people/<id>`), "
              "ou null pour une écriture de la coopérative.")


class EntryLineSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(read_only=True, allow_null=True,
                                               help_text=ANALYTICAL + " Le même pour toutes les lignes de l'écriture.")

    class Meta:
        model = EntryLine
        fields = ["id", "account", "aux_account", "aux_label", "label", "debit", "credit", "entrepreneur_id"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant de la ligne."},
            "account": {"help_text": "Numéro de compte du plan comptable général (CompteNum du FEC)."},
            "aux_account": {"help_text": "Compte auxiliaire (client `C…`, entrepreneur·e `E…`), ou vide."},
            "aux_label": {"help_text": "Libellé du compte auxiliaire, ou vide."},
            "label": {"help_text": "Libellé de la ligne."},
            "debit": {"help_text": "Débit en euros (0.00 si la ligne est au crédit)."},
            "credit": {"help_text": "Crédit en euros (0.00 si la ligne est au débit)."},
        }


class EntrySerializer(serializers.ModelSerializer):
    journal = serializers.ChoiceField(choices=sorted(JOURNALS.items()), read_only=True,
                                      help_text="Code du journal : " + ", ".join(
                                          f"`{code}` {label.lower()}" for code, label in sorted(JOURNALS.items())) + ".")
    entrepreneur_id = serializers.IntegerField(read_only=True, allow_null=True, help_text=ANALYTICAL)
    lines = EntryLineSerializer(many=True, read_only=True, help_text="Lignes de l'écriture (débits = crédits).")

    class Meta:
        model = Entry
        fields = ["id", "journal", "number", "date", "validated_at", "label", "piece_ref", "piece_date",
                  "entrepreneur_id", "lines"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant de l'écriture."},
            "number": {"help_text": "Numéro d'écriture, continu par exercice dans l'ordre de validation "
                                    "(EcritureNum du FEC)."},
            "date": {"help_text": "Date comptable de l'écriture."},
            "validated_at": {"help_text": "Validation. Une écriture validée ne change plus : c'est la date de "
                                          "référence de `updated_since`."},
            "label": {"help_text": "Libellé de l'écriture."},
            "piece_ref": {"help_text": "Référence de la pièce justificative (n° de facture, de note de frais…)."},
            "piece_date": {"help_text": "Date de la pièce justificative."},
        }


ENTRY_PLAN = ValuesPlan(
    EntrySerializer,
    children={"lines": Child(EntryLine.objects.all, "entry_id", ValuesPlan(
        EntryLineSerializer, sources={"entrepreneur_id": "entry__entrepreneur_id"}))},
)


class EntryFilter(django_filters.FilterSet):
    journal = django_filters.ChoiceFilter(choices=sorted(JOURNALS.items()), help_text="D'un seul journal.")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte",
                                          help_text="Datées de ce jour ou après (AAAA-MM-JJ).")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte",
                                        help_text="Datées de ce jour ou avant (AAAA-MM-JJ).")
    account = django_filters.CharFilter(method="with_account", max_length=10,
                                        help_text="Ayant au moins une ligne sur ce compte (numéro exact, ex. `411`).")
    entrepreneur = django_filters.NumberFilter(field_name="entrepreneur_id",
                                               help_text="D'une seule activité (axe analytique).")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="validated_at", lookup_expr="gte",
        help_text="Seulement ce qui a été validé à partir de cet instant (ISO 8601).")

    class Meta:
        model = Entry
        fields = ["journal", "date_from", "date_to", "account", "entrepreneur", "updated_since"]

    def with_account(self, queryset, name, value):
        # EXISTS, not a join: an entry with two lines on the account is listed once.
        return queryset.filter(Exists(EntryLine.objects.filter(entry=OuterRef("pk"), account=value)))


@extend_schema(summary="Écritures comptables validées", tags=["comptabilité"])
class EntryList(ValuesListAPIView):
    required_scopes = (Scope.LEDGER_READ,)
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    plan = ENTRY_PLAN

    def get_queryset(self):
        return Entry.objects.all()


@extend_schema(summary="Une écriture comptable", parameters=[path_id("de l'écriture")], tags=["comptabilité"])
class EntryDetail(ValuesRetrieveAPIView):
    required_scopes = (Scope.LEDGER_READ,)
    serializer_class = EntrySerializer
    plan = ENTRY_PLAN

    def get_queryset(self):
        return Entry.objects.all()
