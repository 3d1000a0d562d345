"""The JSON of the activity endpoints. These serializers declare it (and the OpenAPI schema); lists
and details are rendered from `.values()` rows by plans derived from them (api/rows.py)."""

from rest_framework import serializers

from tenants.activity.models import (
    Customer,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceLine,
    Payment,
    Quote,
    QuoteLine,
)

ENTREPRENEUR = "Identifiant de l'entrepreneur·e dont c'est l'activité (`/api/v1/people/<id>`)."
MONEY = {"max_digits": 12, "decimal_places": 2, "read_only": True}


class CustomerSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(read_only=True, help_text=ENTREPRENEUR)

    class Meta:
        model = Customer
        fields = ["id", "entrepreneur_id", "kind", "name", "siren", "siret", "vat_number", "billing_address",
                  "billing_postal_code", "billing_city", "country", "delivery_address", "created_at"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant du client dans la CAE."},
            "kind": {"help_text": "Entreprise (ou organisation) ou particulier."},
            "name": {"help_text": "Nom ou raison sociale."},
            "siren": {"help_text": "SIREN (9 chiffres), vide pour un particulier."},
            "siret": {"help_text": "SIRET de l'établissement facturé (14 chiffres), ou vide."},
            "vat_number": {"help_text": "Numéro de TVA intracommunautaire, ou vide."},
            "billing_address": {"help_text": "Adresse de facturation (voie)."},
            "billing_postal_code": {"help_text": "Code postal de facturation."},
            "billing_city": {"help_text": "Ville de facturation."},
            "country": {"help_text": "Pays de facturation (code ISO 3166-1 à deux lettres) : la France ou un autre "
                                     "État membre de l'Union européenne."},
            "delivery_address": {"help_text": "Adresse de livraison si elle diffère, sinon vide."},
            "created_at": {"help_text": "Création de la fiche. Un client ne se modifie pas : c'est aussi la date "
                                        "de référence de `updated_since`."},
        }


LINE_FIELDS = ["position", "description", "quantity", "unit", "unit_price", "vat_rate", "amount"]
LINE_HELP = {
    "position": {"help_text": "Rang de la ligne sur la facture."},
    "description": {"help_text": "Désignation du produit ou du service."},
    "quantity": {"help_text": "Quantité (3 décimales)."},
    "unit": {"help_text": "Unité (heure, jour, unité…)."},
    "unit_price": {"help_text": "Prix unitaire HT en euros."},
    "vat_rate": {"help_text": "Taux de TVA de la ligne, en pourcentage (`0.00` : exonérée, autoliquidée ou "
                              "livraison intracommunautaire)."},
}


class InvoiceLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, help_text="Montant net HT de la ligne (EN 16931 BT-131) : quantité × "
                                                         "prix unitaire, arrondi au centime (au demi-centime "
                                                         "supérieur), moins la remise de la ligne, plus ses frais.")

    class Meta:
        model = InvoiceLine
        fields = [*LINE_FIELDS, "allowance_amount", "allowance_reason", "allowance_reason_code", "charge_amount",
                  "charge_reason", "charge_reason_code"]
        extra_kwargs = LINE_HELP | {
            "allowance_amount": {"help_text": "Remise HT propre à la ligne (BT-136), 0.00 s'il n'y en a pas."},
            "allowance_reason": {"help_text": "Motif de la remise de la ligne (BT-139), ou vide."},
            "allowance_reason_code": {"help_text": "Code du motif de la remise (BT-140, UNTDID 5189), ou vide."},
            "charge_amount": {"help_text": "Frais HT propres à la ligne (BT-141), 0.00 s'il n'y en a pas."},
            "charge_reason": {"help_text": "Motif des frais de la ligne (BT-144), ou vide."},
            "charge_reason_code": {"help_text": "Code du motif des frais (BT-145, UNTDID 7161), ou vide."},
        }


class AllowanceChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceAllowanceCharge
        fields = ["position", "is_charge", "amount", "reason", "reason_code", "vat_rate"]
        extra_kwargs = {
            "position": {"help_text": "Rang sur la facture."},
            "is_charge": {"help_text": "true : frais (EN 16931 BG-21) ; false : remise (BG-20)."},
            "amount": {"help_text": "Montant HT en euros (BT-92 ou BT-99)."},
            "reason": {"help_text": "Motif (BT-97 ou BT-104), ou vide si un code est donné."},
            "reason_code": {"help_text": "Code du motif (BT-98 : UNTDID 5189 ; BT-105 : UNTDID 7161), ou vide."},
            "vat_rate": {"help_text": "Taux de TVA de la base qu'elle diminue ou augmente (BT-96 ou BT-103)."},
        }


class PaymentSerializer(serializers.ModelSerializer):
    invoice_id = serializers.IntegerField(read_only=True, help_text="Facture réglée (`/api/v1/invoices/<id>`).")

    class Meta:
        model = Payment
        fields = ["id", "invoice_id", "received_on", "amount", "method", "reference", "recorded_at"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant du règlement."},
            "received_on": {"help_text": "Date de réception des fonds."},
            "amount": {"help_text": "Montant reçu en euros (TTC)."},
            "method": {"help_text": "Moyen de paiement."},
            "reference": {"help_text": "Référence du virement, n° de chèque…, ou vide."},
            "recorded_at": {"help_text": "Enregistrement dans Essaim. Un règlement ne se modifie pas : c'est la "
                                         "date de référence de `updated_since`."},
        }


class InvoiceSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(read_only=True, help_text=ENTREPRENEUR)
    customer_id = serializers.IntegerField(read_only=True, help_text="Client facturé (`/api/v1/customers`).")
    lines = InvoiceLineSerializer(many=True, read_only=True, help_text="Lignes, dans l'ordre de la facture.")
    corrects = serializers.CharField(source="corrects.number", default=None, read_only=True, allow_null=True,
                                     help_text="Pour un avoir : numéro de la facture qu'il corrige ; sinon null.")
    currency = serializers.CharField(read_only=True, help_text="Devise (BT-5) : toujours `EUR`, Essaim facture en "
                                                               "euros uniquement.")
    # Plain text, not the enum of the customer's country (one choice set, one schema name).
    delivery_country = serializers.CharField(read_only=True, help_text="Pays de livraison (ISO 3166-1), ou vide.")
    allowances_charges = AllowanceChargeSerializer(many=True, read_only=True,
                                                   help_text="Remises et frais sur l'ensemble du document.")
    einvoicing_state = serializers.CharField(
        read_only=True, allow_null=True, default=None,
        help_text="Transmission par la plateforme agréée : `pending` (à transmettre), `buyer_unknown` (client absent "
                  "de l'annuaire), `queued` (transmise), `rejected`, `error` ; null si le document n'est pas "
                  "transmis (vente e-reportée, ou aucune plateforme configurée).")
    einvoicing_status = serializers.CharField(
        read_only=True, allow_null=True, default=None,
        help_text="Dernier statut de cycle de vie reçu (XP Z12-012 : 200 Déposée … 212 Encaissée, 213 Rejetée…), "
                  "ou null.")

    class Meta:
        model = Invoice
        fields = ["id", "kind", "number", "issued_on", "due_on", "entrepreneur_id", "customer_id", "corrects",
                  "operation", "exemption_mention", "purchase_order", "total_excl_vat", "total_vat",
                  "total_incl_vat", "finalised_at", "einvoicing_state", "einvoicing_status", "currency",
                  "total_allowances", "total_charges", "delivery_date", "period_start", "period_end",
                  "delivery_street", "delivery_postal_code", "delivery_city", "delivery_country",
                  "place_of_supply_france", "allowances_charges", "lines"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant de la facture ou de l'avoir."},
            "kind": {"help_text": "Facture ou avoir."},
            "number": {"help_text": "Numéro définitif, attribué à l'émission (série continue, sans trou)."},
            "issued_on": {"help_text": "Date d'émission."},
            "due_on": {"help_text": "Date d'échéance du paiement."},
            "operation": {"help_text": "Nature des opérations (prestations, biens ou mixte)."},
            "exemption_mention": {"help_text": "Mention d'exonération de TVA portée sur la facture, ou vide."},
            "purchase_order": {"help_text": "Numéro de bon de commande du client, ou vide."},
            "total_excl_vat": {"help_text": "Total HT en euros (négatif pour un avoir)."},
            "total_vat": {"help_text": "Total de la TVA en euros (négatif pour un avoir)."},
            "total_incl_vat": {"help_text": "Total TTC en euros (négatif pour un avoir)."},
            "total_allowances": {"help_text": "Somme des remises sur l'ensemble du document (BT-107), en euros "
                                              "(négative pour un avoir)."},
            "total_charges": {"help_text": "Somme des frais sur l'ensemble du document (BT-108), en euros "
                                           "(négative pour un avoir)."},
            "delivery_date": {"help_text": "Date de livraison ou d'exécution si elle diffère de la date d'émission "
                                           "(BT-72), sinon null."},
            "period_start": {"help_text": "Début de la période facturée (BT-73), ou null."},
            "period_end": {"help_text": "Fin de la période facturée (BT-74), ou null."},
            "delivery_street": {"help_text": "Adresse de livraison (BG-15), si elle diffère de celle du client ; "
                                             "sinon vide."},
            "delivery_postal_code": {"help_text": "Code postal de livraison, ou vide."},
            "delivery_city": {"help_text": "Ville de livraison, ou vide."},
            "place_of_supply_france": {"help_text": "Prestation à un client d'un autre État membre dont le lieu est en "
                                                    "France par exception (art. 259 A du CGI) : TVA française."},
            "finalised_at": {"help_text": "Émission. Une facture émise ne se modifie plus : c'est la date de "
                                          "référence de `updated_since`."},
        }


class QuoteLineSerializer(InvoiceLineSerializer):
    """A quote's line: an invoice's fields, without allowances and charges."""

    amount = serializers.DecimalField(**MONEY, help_text="Montant HT de la ligne : quantité × prix unitaire, "
                                                         "arrondi au centime (au demi-centime supérieur).")

    class Meta(InvoiceLineSerializer.Meta):
        model = QuoteLine
        fields = LINE_FIELDS
        extra_kwargs = LINE_HELP | {"position": {"help_text": "Rang de la ligne sur le devis."}}


class QuoteSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(read_only=True, help_text=ENTREPRENEUR)
    customer_id = serializers.IntegerField(read_only=True, help_text="Client du devis (`/api/v1/customers`).")
    expired = serializers.BooleanField(read_only=True, help_text="Envoyé et sans réponse après sa date de validité "
                                                                 "(calculé au jour de la requête).")
    updated_at = serializers.DateTimeField(read_only=True, help_text="Dernier changement : envoi, ou acceptation ou "
                                                                     "refus (référence de `updated_since`).")
    lines = QuoteLineSerializer(many=True, read_only=True, help_text="Lignes, dans l'ordre du devis.")

    class Meta:
        model = Quote
        fields = ["id", "number", "status", "expired", "issued_on", "valid_until", "decided_on", "entrepreneur_id",
                  "customer_id", "subject", "operation", "exemption_mention", "total_excl_vat", "total_vat",
                  "total_incl_vat", "sent_at", "decided_at", "updated_at", "lines"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant du devis."},
            "number": {"help_text": "Numéro définitif, attribué à l'envoi (série sans trou)."},
            "status": {"help_text": "`sent` : envoyé, en attente de réponse ; `accepted` : accepté ; "
                                    "`refused` : refusé. Les brouillons ne sont pas servis."},
            "issued_on": {"help_text": "Date d'envoi."},
            "valid_until": {"help_text": "Date de fin de validité."},
            "decided_on": {"help_text": "Date de l'acceptation ou du refus, sinon null."},
            "subject": {"help_text": "Objet du devis, ou vide."},
            "operation": {"help_text": "Nature des opérations (prestations, biens ou mixte)."},
            "exemption_mention": {"help_text": "Mention d'exonération de TVA portée sur le devis, ou vide."},
            "total_excl_vat": {"help_text": "Total HT en euros."},
            "total_vat": {"help_text": "Total de la TVA en euros."},
            "total_incl_vat": {"help_text": "Total TTC en euros."},
            "sent_at": {"help_text": "Envoi (enregistrement dans Essaim)."},
            "decided_at": {"help_text": "Enregistrement de l'acceptation ou du refus, sinon null."},
        }
