from rest_framework import serializers

from tenants.activity.models import Customer, Invoice, InvoiceLine, Payment


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "entrepreneur_id", "kind", "name", "siren", "siret", "vat_number", "billing_address",
                  "billing_postal_code", "billing_city", "delivery_address", "created_at"]


class InvoiceLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit", "unit_price", "vat_rate", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "invoice_id", "received_on", "amount", "method", "reference"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    corrects = serializers.CharField(source="corrects.number", default=None, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "kind", "number", "issued_on", "due_on", "entrepreneur_id", "customer_id", "corrects",
                  "operation", "exemption_mention", "purchase_order", "total_excl_vat", "total_vat",
                  "total_incl_vat", "finalised_at", "lines"]
