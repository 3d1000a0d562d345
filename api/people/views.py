import django_filters
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema

from api.keys.models import Scope
from api.views import TenantListAPIView, TenantRetrieveAPIView
from tenants.people.journey import Stage
from tenants.people.models import Contract, Entrepreneur, Journey, Site

from .serializers import ContractSerializer, PersonPersonalSerializer, PersonSerializer, SiteSerializer


class SiteFilter(django_filters.FilterSet):
    department = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(choices=Site.Kind.choices)

    class Meta:
        model = Site
        fields = ["department", "kind", "is_active"]


class PersonFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    site = django_filters.NumberFilter(field_name="site_id")
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Entrepreneur
        fields = ["stage", "site", "created_since"]


class ContractFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Contract.Kind.choices)
    entrepreneur = django_filters.NumberFilter(field_name="journey__entrepreneur_id")
    starts_after = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    active_on = django_filters.DateFilter(method="filter_active_on")

    class Meta:
        model = Contract
        fields = ["kind", "entrepreneur", "starts_after", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=value))


@extend_schema(summary="Sites de la CAE", tags=["personnes"])
class SiteList(TenantListAPIView):
    required_scopes = (Scope.PEOPLE_READ,)
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    queryset = Site.objects.all()


def _people():
    contracts = Prefetch("journeys", queryset=Journey.objects.prefetch_related(
        Prefetch("contracts", queryset=Contract.objects.order_by("starts_on", "id"))))
    return Entrepreneur.objects.filter(anonymised_at__isnull=True).prefetch_related(contracts)


class _PersonSerializerChoice:
    def get_serializer_class(self):
        key = self.request.auth
        if key is not None and Scope.PEOPLE_PERSONAL_READ in key.scopes:
            return PersonPersonalSerializer
        return PersonSerializer


@extend_schema(summary="Personnes accompagnées (données personnelles avec la portée people:personal)",
               tags=["personnes"], responses=PersonPersonalSerializer(many=True))
class PersonList(_PersonSerializerChoice, TenantListAPIView):
    required_scopes = (Scope.PEOPLE_READ,)
    filterset_class = PersonFilter

    def get_queryset(self):
        return _people()


@extend_schema(summary="Une personne", tags=["personnes"], responses=PersonPersonalSerializer)
class PersonDetail(_PersonSerializerChoice, TenantRetrieveAPIView):
    required_scopes = (Scope.PEOPLE_READ,)

    def get_queryset(self):
        return _people()


@extend_schema(summary="Contrats CAPE et CESA, avec leurs avenants", tags=["personnes"])
class ContractList(TenantListAPIView):
    required_scopes = (Scope.PEOPLE_READ,)
    serializer_class = ContractSerializer
    filterset_class = ContractFilter

    def get_queryset(self):
        return Contract.objects.select_related("journey").prefetch_related("amendments")
