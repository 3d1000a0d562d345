"""Lists rendered from `.values()` (api/rows.py) give the very JSON their serializer gives over
model instances; the OpenAPI schema documents every field and filter of these endpoints."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework import serializers

from api.activity.serializers import CustomerSerializer, InvoiceSerializer, PaymentSerializer
from api.activity.views import INVOICE_PLAN, CustomerList, PaymentList, _issued
from api.rows import ValuesPlan
from tenants.activity.models import Customer, Invoice, Payment
from tenants.activity.services import (
    LineInput,
    credit_note_create,
    invoice_create_draft,
    invoice_finalise,
    payment_record,
)
from tests.conftest import tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


def test_plans_match_the_serializers_over_instances(world):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = make_person()
        customer = make_customer(person, "Société Générale d'Ingénierie", siren="", vat_number="")
        invoice = invoice_finalise(invoice=invoice_create_draft(
            entrepreneur=person, customer=customer, purchase_order="BC-7",
            lines=[LineInput("Conseil", "2.5", "333.33"), LineInput("Déplacement", "1", "0.01", vat_rate="10.00"),
                   LineInput("Livre", "3.333", "7.13", vat_rate="5.50")],
                                                                acting_user=accounts_a), on=date(2026, 3, 2),
                                   acting_user=accounts_a)
        note = invoice_finalise(invoice=credit_note_create(invoice=invoice, lines=[LineInput("Remise", "1", "50")],
                                                           acting_user=accounts_a),
                                on=date(2026, 3, 10), acting_user=accounts_a)
        payment_record(invoice=invoice, amount="120.5", received_on=date(2026, 3, 20), reference="VIR 42",
                       acting_user=accounts_a)
        issued = list(_issued().order_by("id"))
        assert [i.pk for i in issued] == [invoice.pk, note.pk]
        expected = InvoiceSerializer(Invoice.objects.filter(pk__in=[invoice.pk, note.pk]).order_by("id"), many=True).data
        assert INVOICE_PLAN.render(INVOICE_PLAN.values(_issued().order_by("id"))) == expected
        assert [line["amount"] for line in expected[0]["lines"]] == ["833.33", "0.01", "23.76"]
        for view, model, serializer in ((CustomerList, Customer, CustomerSerializer),
                                        (PaymentList, Payment, PaymentSerializer)):
            rows = view.plan.render(view.plan.values(model.objects.order_by("id")))
            assert rows == serializer(model.objects.order_by("id"), many=True).data and rows


def test_decimals_off_scale_and_datetimes_go_through_drf():
    class Sample(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=12, decimal_places=2)
        at = serializers.DateTimeField()
        on = serializers.DateField()

    plan = ValuesPlan(Sample)
    row = {"id": 1, "amount": Decimal("1.5"), "at": datetime(2026, 1, 1, 12, tzinfo=UTC), "on": None}
    (rendered,) = plan.render([row])
    assert rendered == Sample({"amount": Decimal("1.5"), "at": row["at"], "on": None}).data
    assert rendered == {"amount": "1.50", "at": "2026-01-01T13:00:00+01:00", "on": None}
    assert plan.render([{**row, "amount": Decimal("-60.00")}])[0]["amount"] == "-60.00"


ENDPOINTS = ["/api/v1/invoices", "/api/v1/invoices/{id}", "/api/v1/customers", "/api/v1/payments",
             "/api/v1/expense-claims", "/api/v1/expense-claims/{id}", "/api/v1/ledger-entries",
             "/api/v1/ledger-entries/{id}", "/api/v1/trial-balance", "/api/v1/fec-exports/{id}",
             "/api/v1/fec-exports/{id}/file"]
# (method, path, status) of the operations that are not a plain GET answering 200
OTHER_OPERATIONS = [("post", "/api/v1/fec-exports", "202")]


def _properties(spec, ref, seen):
    name = ref.rsplit("/", 1)[-1]
    if name in seen:
        return
    seen.add(name)
    component = spec["components"]["schemas"][name]
    for prop_name, prop in component.get("properties", {}).items():
        yield name, prop_name, prop
        for sub in (prop, prop.get("items", {}), *prop.get("allOf", [])):
            if "$ref" in sub and not sub["$ref"].endswith("Enum"):
                yield from _properties(spec, sub["$ref"], seen)


def _item_ref(spec, schema):
    """The component each item of a body is: a page's results, a list's items, or the object
    itself; None for a file."""
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    if ref is None:
        return None
    component = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return component["properties"]["results"]["items"]["$ref"] if "results" in component.get(
        "properties", {}) else ref


def test_schema_documents_every_field_and_filter(world):
    spec = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    undocumented = []
    seen: set[str] = set()
    for method, path, status in [("get", path, "200") for path in ENDPOINTS] + OTHER_OPERATIONS:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"CleApi": []}], path
        for parameter in operation.get("parameters", []):
            if not parameter.get("description"):
                undocumented.append((path, parameter["name"]))
        response = operation["responses"][status]
        bodies = [*response["content"].values(), *operation.get("requestBody", {}).get("content", {}).values()]
        for body in bodies:
            item_ref = _item_ref(spec, body["schema"])
            if item_ref is None:  # a file: the response itself says what it is
                if not response.get("description"):
                    undocumented.append((path, "response"))
                continue
            for component, prop_name, prop in _properties(spec, item_ref, seen):
                if not prop.get("description"):
                    undocumented.append((component, prop_name))
    assert not undocumented
    assert {"ExpenseClaim", "ExpenseLine", "Entry", "EntryLine", "Invoice", "InvoiceLine", "TrialBalanceRow",
            "FecExportOutput", "YearInputRequest"} <= seen
    filters = {p["name"] for p in spec["paths"]["/api/v1/ledger-entries"]["get"]["parameters"]}
    assert {"journal", "date_from", "date_to", "account", "updated_since", "cursor", "page_size"} <= filters
    assert {p["name"] for p in spec["paths"]["/api/v1/trial-balance"]["get"]["parameters"]} == {"year"}
    for path in ("/api/v1/invoices", "/api/v1/customers", "/api/v1/payments", "/api/v1/expense-claims"):
        assert "updated_since" in {p["name"] for p in spec["paths"][path]["get"]["parameters"]}, path


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
