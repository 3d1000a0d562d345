from rest_framework import serializers

from tenants.people.models import Contract, ContractAmendment, Entrepreneur, Site


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "kind", "address", "postal_code", "city", "department", "is_active"]


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractAmendment
        fields = ["effective_on", "weekly_hours", "monthly_gross"]


class ContractSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(source="journey.entrepreneur_id", read_only=True)
    amendments = AmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "entrepreneur_id", "kind", "renewal", "starts_on", "ends_on", "weekly_hours",
                  "monthly_gross", "amendments"]


class ContractDatesSerializer(serializers.ModelSerializer):
    """What an accountant sees of a contract: its kind and dates."""

    class Meta:
        model = Contract
        fields = ["id", "kind", "starts_on", "ends_on"]


class PersonSerializer(serializers.ModelSerializer):
    """Name, stage, site and contract dates: what the `people:read` scope allows."""

    contracts = serializers.SerializerMethodField()

    class Meta:
        model = Entrepreneur
        fields = ["id", "first_name", "last_name", "stage", "site_id", "sector_naf", "created_at", "contracts"]

    def get_contracts(self, person) -> list[dict]:
        contracts = [c for journey in person.journeys.all() for c in journey.contracts.all()]
        return ContractDatesSerializer(contracts, many=True).data


class PersonPersonalSerializer(PersonSerializer):
    """Adds the personal fields, for keys with the `people:personal` scope."""

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "gender", "birth_date", "email", "phone", "address", "postal_code",
                  "city", "entry_situation", "education_level", "referrer", "activity_description"]
