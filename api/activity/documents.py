"""Downloads for accountants (scope `activity:read`): an issued invoice or credit note as its
Factur-X PDF/A-3, or as the Factur-X XML alone. Drafts are not accounting documents: 404."""

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer

from api.keys.models import Scope
from api.views import TenantAPIView
from tenants.activity.facturx import invoice_facturx_pdf, invoice_facturx_xml
from tenants.activity.models import Invoice


class _DocumentRenderer(BaseRenderer):
    """Lets a client ask for the document's media type (`Accept: application/pdf`) without a 406;
    the views answer with the bytes themselves, and errors are rendered as JSON (see below)."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class _PdfRenderer(_DocumentRenderer):
    media_type = "application/pdf"
    format = "pdf"


class _XmlRenderer(_DocumentRenderer):
    media_type = "application/xml"
    format = "xml"


class _InvoiceDocument(TenantAPIView):
    required_scopes = (Scope.ACTIVITY_READ,)

    def handle_exception(self, exc):
        # the error body is the API's usual JSON, whatever media type the client accepted
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def _issued(self, pk: int) -> Invoice:
        invoice = Invoice.objects.select_related("customer", "entrepreneur", "corrects").filter(
            pk=pk, status=Invoice.Status.FINALISED).first()
        if invoice is None:
            raise Http404
        return invoice


_NOT_FOUND = OpenApiResponse(description="Pas de document émis avec cet identifiant dans cette CAE.")


class InvoicePdf(_InvoiceDocument):
    """The PDF/A-3b of an issued invoice or credit note, with its Factur-X XML (EN 16931 profile)
    embedded as `factur-x.xml`. 404 for a draft or an unknown id."""

    renderer_classes = (_PdfRenderer, JSONRenderer)

    @extend_schema(summary="Une facture ou un avoir émis, en PDF Factur-X (PDF/A-3, XML EN 16931 joint)",
                   description="PDF/A-3b avec le XML Factur-X (profil EN 16931) joint sous le nom factur-x.xml. "
                               "404 pour un brouillon ou un identifiant inconnu.", tags=["activité"], responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, pk: int):
        invoice = self._issued(pk)
        response = HttpResponse(invoice_facturx_pdf(invoice=invoice, cooperative=request.tenant),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response


class InvoiceXml(_InvoiceDocument):
    """The Factur-X XML (UN/CEFACT CII, EN 16931 profile) of an issued invoice or credit note, valid
    against the profile's XSD. 404 for a draft or an unknown id."""

    renderer_classes = (_XmlRenderer, JSONRenderer)

    @extend_schema(summary="Une facture ou un avoir émis, en XML Factur-X (CII, profil EN 16931)",
                   description="XML CII (UN/CEFACT) du profil EN 16931, valide selon le XSD du profil. "
                               "404 pour un brouillon ou un identifiant inconnu.", tags=["activité"], responses={(200, "application/xml"): OpenApiTypes.BINARY, 404: _NOT_FOUND})
    def get(self, request, pk: int):
        invoice = self._issued(pk)
        response = HttpResponse(invoice_facturx_xml(invoice=invoice, cooperative=request.tenant),
                                content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}-factur-x.xml"'
        return response
