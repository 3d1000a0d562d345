"""Quotes for accountants (scope `activity:read`): sent, accepted and refused quotes with their
lines (drafts are not documents yet), as the invoices endpoint serves issued invoices only.

`updated_since` reads a quote's last change: its sending, or the recording of its acceptance or
refusal (`decided_at`); a sent quote is frozen otherwise."""

import django_filters
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from drf_spectacular.utils import extend_schema

from api.keys.models import Scope
from api.rows import Child, ValuesListAPIView, ValuesPlan, ValuesRetrieveAPIView, path_id
from tenants.activity.models import Quote, QuoteLine
from tenants.activity.totals import line_amount

from .serializers import QuoteLineSerializer, QuoteSerializer
from .views import updated_since

SENT_STATUSES = [(value, label) for value, label in Quote.Status.choices if value != Quote.Status.DRAFT]


def sent_quotes():
    """This CAE's quotes once sent, with whether each has expired (today) and its last change."""
    today = timezone.localdate()
    expired = Q(status=Quote.Status.SENT, valid_until__lt=today)
    return (Quote.objects.exclude(status=Quote.Status.DRAFT)
            .annotate(expired=Case(When(expired, then=Value(True)), default=Value(False), output_field=BooleanField()),
                      updated_at=Greatest("sent_at", "decided_at")))


QUOTE_PLAN = ValuesPlan(
    QuoteSerializer,
    children={"lines": Child(QuoteLine.objects.all, "quote_id", ValuesPlan(
        QuoteLineSerializer, computed={"amount": lambda line: line_amount(line["quantity"], line["unit_price"])}))},
)


class QuoteFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SENT_STATUSES, help_text="Dans cet état seulement.")
    expired = django_filters.ChoiceFilter(
        choices=[("true", "expirés"), ("false", "non expirés")], method="filter_expired",
        help_text="`true` : seulement les devis expirés (envoyés, sans réponse, après leur date de validité) ; "
                  "`false` : les autres.")
    issued_from = django_filters.DateFilter(field_name="issued_on", lookup_expr="gte",
                                            help_text="Envoyés ce jour ou après (AAAA-MM-JJ).")
    issued_to = django_filters.DateFilter(field_name="issued_on", lookup_expr="lte",
                                          help_text="Envoyés ce jour ou avant (AAAA-MM-JJ).")
    entrepreneur = django_filters.NumberFilter(field_name="entrepreneur_id",
                                               help_text="D'une seule activité (identifiant de l'entrepreneur·e).")
    updated_since = updated_since("updated_at")

    def filter_expired(self, queryset, name, value):
        return queryset.filter(expired=value == "true")

    class Meta:
        model = Quote
        fields = ["status", "expired", "issued_from", "issued_to", "entrepreneur", "updated_since"]


@extend_schema(summary="Devis envoyés", tags=["activité"])
class QuoteList(ValuesListAPIView):
    required_scopes = (Scope.ACTIVITY_READ,)
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter
    plan = QUOTE_PLAN

    def get_queryset(self):
        return sent_quotes()


@extend_schema(summary="Un devis envoyé", parameters=[path_id("du devis")], tags=["activité"])
class QuoteDetail(ValuesRetrieveAPIView):
    required_scopes = (Scope.ACTIVITY_READ,)
    serializer_class = QuoteSerializer
    plan = QUOTE_PLAN

    def get_queryset(self):
        return sent_quotes()
