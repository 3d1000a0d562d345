"""Expense claims for accountants (scope `activity:read`): status, dates, totals, lines. Receipts
are not served here (only whether each line has one); they stay behind the checked staff page.

`updated_since` reads a claim's last change, the latest of its submission, its decision (approval
or rejection) and its reimbursement. The model keeps the reimbursement's date, not the moment it
was recorded: that moment is the validation time of the bank entry posted in the same transaction
(`expense-paid:<id>`, immutable)."""

from decimal import Decimal

import django_filters
from django.db.models import CharField, Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from api.keys.models import Scope
from api.rows import Child, ValuesListAPIView, ValuesPlan, ValuesRetrieveAPIView, path_id
from tenants.activity.models import ExpenseClaim, ExpenseLine
from tenants.ledger.models import Entry

from .serializers import ENTREPRENEUR
from .views import updated_since

MONEY = {"max_digits": 12, "decimal_places": 2, "read_only": True}


class ExpenseLineSerializer(serializers.ModelSerializer):
    account = serializers.CharField(read_only=True, help_text="Compte de charge (PCG) où la dépense est "
                                                              "comptabilisée, selon sa catégorie.")
    amount_excl_vat = serializers.DecimalField(**MONEY, help_text="Montant HT : TTC moins la TVA.")
    has_receipt = serializers.BooleanField(read_only=True, help_text="Un justificatif est joint (le fichier "
                                                                     "n'est pas servi par l'API).")

    class Meta:
        model = ExpenseLine
        fields = ["id", "spent_on", "category", "description", "account", "amount_excl_vat", "vat_amount",
                  "amount_incl_vat", "has_receipt"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant de la dépense."},
            "spent_on": {"help_text": "Date de la dépense."},
            "category": {"help_text": "Catégorie (détermine le compte de charge)."},
            "description": {"help_text": "Objet de la dépense."},
            "vat_amount": {"help_text": "TVA déductible en euros."},
            "amount_incl_vat": {"help_text": "Montant TTC en euros."},
        }


class ExpenseClaimSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(read_only=True, help_text=ENTREPRENEUR)
    total_excl_vat = serializers.DecimalField(**MONEY, help_text="Total HT en euros.")
    total_vat = serializers.DecimalField(**MONEY, help_text="Total de la TVA déductible en euros.")
    total_incl_vat = serializers.DecimalField(**MONEY, help_text="Total TTC en euros (ce qui est remboursé).")
    receipt_count = serializers.IntegerField(read_only=True, help_text="Nombre de dépenses avec justificatif.")
    updated_at = serializers.DateTimeField(read_only=True, help_text="Dernier changement : soumission, décision "
                                                                     "ou remboursement (référence de `updated_since`).")
    lines = ExpenseLineSerializer(many=True, read_only=True, help_text="Dépenses, par date.")

    class Meta:
        model = ExpenseClaim
        fields = ["id", "entrepreneur_id", "status", "submitted_at", "decided_at", "rejection_reason",
                  "reimbursed_on", "total_excl_vat", "total_vat", "total_incl_vat", "receipt_count", "updated_at",
                  "lines"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant de la note de frais."},
            "status": {"help_text": "`submitted` : en attente ; `approved` : validée (comptabilisée) ; "
                                    "`rejected` : refusée ; `reimbursed` : remboursée."},
            "submitted_at": {"help_text": "Soumission par l'entrepreneur·e."},
            "decided_at": {"help_text": "Validation ou refus par l'équipe, sinon null."},
            "rejection_reason": {"help_text": "Motif du refus (vide sauf pour une note refusée)."},
            "reimbursed_on": {"help_text": "Date du remboursement, sinon null."},
        }


def _lines_of_claim():
    return ExpenseLine.objects.filter(claim=OuterRef("pk")).order_by().values("claim")


def _line_total(column: str):
    total = _lines_of_claim().annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(total), Value(Decimal("0.00")), output_field=DecimalField(max_digits=12, decimal_places=2))


def claims():
    """Every expense claim of this CAE with its totals and last change, one row each (the totals
    are scalar subqueries, computed for the rows returned only)."""
    receipts = _lines_of_claim().exclude(receipt="").annotate(n=Count("id")).values("n")
    reimbursed = Entry.objects.filter(
        source=Concat(Value("expense-paid:"), Cast(OuterRef("pk"), CharField()))).values("validated_at")[:1]
    return ExpenseClaim.objects.annotate(
        total_incl_vat=_line_total("amount_incl_vat"), total_vat=_line_total("vat_amount"),
        receipt_count=Coalesce(Subquery(receipts), Value(0), output_field=IntegerField()),
        updated_at=Greatest("submitted_at", "decided_at", Subquery(reimbursed)),
    )


EXPENSE_CLAIM_PLAN = ValuesPlan(
    ExpenseClaimSerializer,
    computed={"total_excl_vat": lambda claim: claim["total_incl_vat"] - claim["total_vat"]},
    children={"lines": Child(ExpenseLine.objects.all, "claim_id", ValuesPlan(
        ExpenseLineSerializer, extra=("receipt",), computed={
            "account": lambda line: ExpenseLine.ACCOUNTS[line["category"]],
            "amount_excl_vat": lambda line: line["amount_incl_vat"] - line["vat_amount"],
            "has_receipt": lambda line: bool(line["receipt"]),
        }))},
)


class ExpenseClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ExpenseClaim.Status.choices, help_text="Dans cet état seulement.")
    submitted_from = django_filters.DateFilter(field_name="submitted_at__date", lookup_expr="gte",
                                               help_text="Soumises ce jour ou après (AAAA-MM-JJ).")
    submitted_to = django_filters.DateFilter(field_name="submitted_at__date", lookup_expr="lte",
                                             help_text="Soumises ce jour ou avant (AAAA-MM-JJ).")
    reimbursed_from = django_filters.DateFilter(field_name="reimbursed_on", lookup_expr="gte",
                                                help_text="Remboursées ce jour ou après (AAAA-MM-JJ).")
    reimbursed_to = django_filters.DateFilter(field_name="reimbursed_on", lookup_expr="lte",
                                              help_text="Remboursées ce jour ou avant (AAAA-MM-JJ).")
    entrepreneur = django_filters.NumberFilter(field_name="entrepreneur_id",
                                               help_text="D'une seule activité (identifiant de l'entrepreneur·e).")
    updated_since = updated_since("updated_at")

    class Meta:
        model = ExpenseClaim
        fields = ["status", "submitted_from", "submitted_to", "reimbursed_from", "reimbursed_to", "entrepreneur",
                  "updated_since"]


@extend_schema(summary="Notes de frais", tags=["activité"])
class ExpenseClaimList(ValuesListAPIView):
    required_scopes = (Scope.ACTIVITY_READ,)
    serializer_class = ExpenseClaimSerializer
    filterset_class = ExpenseClaimFilter
    plan = EXPENSE_CLAIM_PLAN

    def get_queryset(self):
        return claims()


@extend_schema(summary="Une note de frais", parameters=[path_id("de la note de frais")], tags=["activité"])
class ExpenseClaimDetail(ValuesRetrieveAPIView):
    required_scopes = (Scope.ACTIVITY_READ,)
    serializer_class = ExpenseClaimSerializer
    plan = EXPENSE_CLAIM_PLAN

    def get_queryset(self):
        return claims()
