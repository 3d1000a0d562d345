"""Control characters (but tab and newlines) are refused at the edge, in French, in every text
input: the validator itself; walks over every Form, ModelForm and Serializer class of the project
and of the URLconfs' views, and every model, failing on a text field without it (so a new field
cannot forget it); end to end on the invoice page, the customer form, the API's error shape and
the people import — each time nothing is written."""

from __future__ import annotations

import importlib
import io
import pkgutil
import sys
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from essaim.core.errors import AppError
from essaim.core.validators import CONTROL_CHARACTERS, PROJECT_PACKAGES, validate_no_control_characters
from tests.architecture.urlconf import PUBLIC, TENANT, routes
from tests.conftest import client_for, tenant_context

FORBIDDEN = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF) if chr(c) not in "\t\n\r"]


# -- the validator ---------------------------------------------------------------------------------

@pytest.mark.parametrize("char", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_each_control_character_is_refused_with_its_code_and_position(char):
    with pytest.raises(ValidationError) as exc:
        validate_no_control_characters(f"Conseil{char}stratégie")
    error = exc.value.error_list[0]
    assert error.code == "control_character"
    message = exc.value.messages[0]
    assert f"U+{ord(char):04X}" in message and "en position 8" in message
    assert message.startswith("Non-caractère Unicode" if ord(char) > 0xFFFD else "Caractère de contrôle")


def test_tab_newlines_and_ordinary_text_pass():
    validate_no_control_characters("1 rue Libergier\r\n51100 Reims\tFrance")
    validate_no_control_characters("Œuvre d’art — 12,50 € « TTC », 日本, emoji 🐝, espace insécable\u00a0")
    validate_no_control_characters("")
    validate_no_control_characters(None)
    validate_no_control_characters(42)


def test_strings_inside_a_json_value_are_checked_and_named():
    validate_no_control_characters({"label": "Barème", "lines": [{"text": "a\tb"}]})
    with pytest.raises(ValidationError) as exc:
        validate_no_control_characters({"label": "Barème", "lines": [{"text": "ok"}, {"text": "a\x1bb"}]})
    assert exc.value.messages[0].startswith("« lines[1].text » : Caractère de contrôle U+001B interdit en position 2")
    with pytest.raises(ValidationError, match=r"U\+0007"):
        validate_no_control_characters({"cl\x07é": 1})


@given(st.text())
def test_refused_exactly_when_a_forbidden_character_is_present(text):
    bad = [i for i, c in enumerate(text) if c in FORBIDDEN]
    try:
        validate_no_control_characters(text)
    except ValidationError as exc:
        assert bad, text
        assert f"en position {bad[0] + 1} " in exc.messages[0]
    else:
        assert not bad, text


@given(st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]) | st.sampled_from("\t\n\r")))
def test_text_without_control_characters_always_passes(text):
    validate_no_control_characters(text)


def test_the_pattern_is_unicode_control_category_but_tab_and_newlines_plus_two_noncharacters():
    import unicodedata

    controls = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"}
    assert set(FORBIDDEN) == (controls - set("\t\n\r")) | {"\ufffe", "\uffff"}
    assert all(CONTROL_CHARACTERS.fullmatch(c) for c in FORBIDDEN)


# -- the walks: every text field of every form, serializer and model carries the validator ---------

SKIPPED_MODULES = (".migrations", "essaim.settings", "essaim.wsgi", "essaim.asgi")

# Form fields that hold no free text: their value is one of a set, a number, a date, a file.
FORM_NON_TEXT = (forms.BooleanField, forms.NullBooleanField, forms.IntegerField, forms.FloatField,
                 forms.DecimalField, forms.DateField, forms.DateTimeField, forms.TimeField, forms.DurationField,
                 forms.ChoiceField, forms.FileField, forms.SplitDateTimeField)
# The same for serializer fields (ChoiceField covers MultipleChoiceField and FilePathField; related
# fields take primary keys; read-only fields take nothing).
SERIALIZER_NON_TEXT = (drf_fields.BooleanField, drf_fields.IntegerField, drf_fields.FloatField,
                       drf_fields.DecimalField, drf_fields.DateField, drf_fields.DateTimeField,
                       drf_fields.TimeField, drf_fields.DurationField, drf_fields.ChoiceField,
                       drf_fields.FileField, drf_fields.UUIDField, drf_fields.HiddenField,
                       relations.RelatedField, relations.ManyRelatedField)


def _project_modules() -> list[str]:
    """Import every module of the project's packages (forms are often imported inside a view
    function, so importing the view modules alone would miss them)."""
    names = []
    for top in PROJECT_PACKAGES:
        package = importlib.import_module(top)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            if not any(part in info.name for part in SKIPPED_MODULES):
                importlib.import_module(info.name)
                names.append(info.name)
    return names


def _subclasses(cls: type) -> set[type]:
    found, stack = set(), [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def _in_project(cls: type) -> bool:
    return cls.__module__.split(".")[0] in PROJECT_PACKAGES


def _routed(attribute: str) -> set[type]:
    """The classes the URLconfs' class-based views name in `attribute` (`form_class`,
    `serializer_class`), the framework's own included (Django's auth forms…)."""
    found = set()
    for urlconf in (TENANT, PUBLIC):
        for route in routes(urlconf):
            value = getattr(route.view_class, attribute, None) if route.view_class else None
            if isinstance(value, type):
                found.add(value)
    return found


def _admin_forms() -> set[type]:
    """The admin's forms (on the network's site): built per request from the ModelAdmins."""
    from django.contrib import admin
    from django.contrib.admin.forms import AdminAuthenticationForm
    from django.test import RequestFactory

    from essaim.accounts.models import User

    request = RequestFactory().get("/admin/")
    request.user = User(email="admin@exemple.fr", is_superuser=True, is_active=True)
    found = {admin.site.login_form or AdminAuthenticationForm}
    for model_admin in admin.site._registry.values():
        found.add(model_admin.get_form(request))
    return found


@pytest.fixture(scope="module")
def project_modules():
    return _project_modules()


def _form_faults(form_class: type) -> list[str]:
    faults = []
    for name, field in form_class.base_fields.items():
        where = f"{form_class.__module__}.{form_class.__qualname__}.{name} ({type(field).__name__})"
        if isinstance(field, forms.CharField):
            if validate_no_control_characters not in field.validators:
                faults.append(f"{where}: text field without validate_no_control_characters")
        elif not isinstance(field, FORM_NON_TEXT):
            faults.append(f"{where}: unknown kind of field — make it a CharField, or list it as non-text here")
    return faults


def test_every_form_text_field_refuses_control_characters(project_modules):
    classes = {cls for cls in _subclasses(forms.BaseForm) if _in_project(cls)} | _routed("form_class")
    classes |= _routed("authentication_form") | _admin_forms()
    classes = {cls for cls in classes if cls.base_fields}
    names = {cls.__name__ for cls in classes}
    # The walk reaches the pages' forms, the auth views' and the admin's.
    assert {"CustomerForm", "InvoiceForm", "QuoteForm", "EntrepreneurForm", "ProposeForm", "LoginForm",
            "SetPasswordForm", "AdminAuthenticationForm"} <= names, names
    assert len(classes) >= 30
    faults = [fault for cls in sorted(classes, key=lambda c: (c.__module__, c.__qualname__))
              for fault in _form_faults(cls)]
    assert faults == []


def _serializer_faults(field, where: str) -> list[str]:
    if getattr(field, "read_only", False):
        return []  # never receives input
    kind = f"{where} ({type(field).__name__})"
    if isinstance(field, drf_serializers.ListSerializer):
        return _serializer_faults(field.child, f"{where}[]")
    if isinstance(field, drf_serializers.BaseSerializer):
        return [fault for name, sub in field.fields.items() for fault in _serializer_faults(sub, f"{where}.{name}")]
    if isinstance(field, drf_fields.ListField | drf_fields.DictField):
        return _serializer_faults(field.child, f"{where}[]")
    if isinstance(field, drf_fields.CharField | drf_fields.JSONField):
        if validate_no_control_characters in field.validators:
            return []
        return [f"{kind}: text field without validate_no_control_characters"]
    if isinstance(field, SERIALIZER_NON_TEXT):
        return []
    return [f"{kind}: unknown kind of field — make it a CharField, or list it as non-text here"]


def test_every_serializer_text_field_refuses_control_characters(project_modules):
    classes = {cls for cls in _subclasses(drf_serializers.BaseSerializer)
               if _in_project(cls) and not issubclass(cls, drf_serializers.ListSerializer)}
    classes |= _routed("serializer_class")
    names = {cls.__name__ for cls in classes}
    assert {"InvoiceLineSerializer", "CustomerSerializer", "YearInput", "PartnerSerializer"} <= names, names
    assert len(classes) >= 15
    faults = []
    for cls in sorted(classes, key=lambda c: (c.__module__, c.__qualname__)):
        serializer = cls()
        faults += [fault for name, field in serializer.fields.items()
                   for fault in _serializer_faults(field, f"{cls.__module__}.{cls.__qualname__}.{name}")]
    assert faults == []


def test_the_walks_would_catch_a_forgotten_field():
    class Forgetful(forms.Form):
        kept = forms.CharField()
        odd = forms.Field()

    Forgetful.base_fields["kept"].validators.remove(validate_no_control_characters)

    class Explicit(drf_serializers.Serializer):
        name = drf_serializers.CharField(validators=[])
        free = drf_serializers.DictField()
        shown = drf_serializers.CharField(read_only=True, validators=[])

    assert [f.split(": ")[1] for f in _form_faults(Forgetful)] == [
        "text field without validate_no_control_characters",
        "unknown kind of field — make it a CharField, or list it as non-text here"]
    faults = [fault for name, field in Explicit().fields.items() for fault in _serializer_faults(field, name)]
    assert faults == ["name (CharField): text field without validate_no_control_characters",
                      "free[] (_UnvalidatedField): unknown kind of field — make it a CharField, or list it as "
                      "non-text here"]


def test_every_project_model_text_field_refuses_control_characters():
    checked, faults = 0, []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_config.name.split(".")[0] not in PROJECT_PACKAGES:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if isinstance(field, models.CharField | models.TextField):
                checked += 1
                if validate_no_control_characters not in field.validators:
                    faults.append(f"{model._meta.label}.{field.name}")
    assert faults == [] and checked >= 150


def test_every_app_of_the_repository_is_in_the_project_packages():
    """PROJECT_PACKAGES names whose models get the validator: an app added under a new top-level
    package of the repository must be added there."""
    root = Path(__file__).resolve().parents[2]
    environments = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    ours = [config.name for config in apps.get_app_configs()
            if Path(config.path).resolve().is_relative_to(root)
            and not any(Path(config.path).resolve().is_relative_to(env) for env in environments)]
    assert "tenants.activity" in ours
    assert [name for name in ours if name.split(".")[0] not in PROJECT_PACKAGES] == []


def test_no_migration_is_needed_for_the_model_validators():
    """The validator is appended to the fields' `validators`, not to what `deconstruct()` reads."""
    from tenants.activity.models import InvoiceLine

    _name, _path, _args, kwargs = InvoiceLine._meta.get_field("description").deconstruct()
    assert "validators" not in kwargs


# -- end to end ------------------------------------------------------------------------------------

MESSAGE = "Caractère de contrôle U+000B interdit en position 8 : retirez-le"


@pytest.fixture
def invoicing(world, db):
    from tests.factories import make_customer, make_person

    with tenant_context(world.cae_a):
        me = make_person(first_name="Léa", last_name="Martin", user=world.user("entrepreneur_a"))
        customer = make_customer(me, "Client de Léa")
    return {"me": me, "customer": customer}


def _counts():
    from tenants.activity.models import Customer, Invoice, InvoiceLine

    return Invoice.objects.count(), InvoiceLine.objects.count(), Customer.objects.count()


def test_an_invoice_line_holding_u000b_is_refused_on_the_invoice_page(world, invoicing):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    with tenant_context(world.cae_a):
        before = _counts()
    page = me.post("/activite/factures/nouvelle/", {
        "customer": invoicing["customer"].pk, "operation": "services",
        "line-0-description": "Conseil\x0bstratégie", "line-0-quantity": "1", "line-0-unit_price": "500",
        "line-0-vat_rate": "20.00"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "Ligne 1 (désignation) : " + MESSAGE in html
    with tenant_context(world.cae_a):
        assert _counts() == before
    # A field of the invoice's own form: the form is shown again with the message on the field.
    page = me.post("/activite/factures/nouvelle/", {
        "customer": invoicing["customer"].pk, "operation": "services", "purchase_order": "BC\x01-12",
        "line-0-description": "Conseil", "line-0-quantity": "1", "line-0-unit_price": "500"})
    html = page.content.decode()
    assert page.status_code == 400 and 'name="purchase_order"' in html
    assert "Caractère de contrôle U+0001 interdit en position 3" in html
    with tenant_context(world.cae_a):
        assert _counts() == before


def test_a_customer_name_holding_u0001_is_refused_on_the_customer_form(world, invoicing):
    staff = client_for(world.cae_a, world.user("accounts_a"))
    with tenant_context(world.cae_a):
        before = _counts()
    page = staff.post("/activite/clients/", {
        "entrepreneur": invoicing["me"].pk, "kind": "company", "name": "Atelier\x01 Dupont", "country": "FR",
        "billing_address": "1 rue Libergier", "billing_postal_code": "51100", "billing_city": "Reims"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "Caractère de contrôle U+0001 interdit en position 8" in html
    with tenant_context(world.cae_a):
        assert _counts() == before


def test_the_model_layer_refuses_what_a_service_would_store(world, invoicing):
    """Services that take raw values validate them with full_clean(): a customer created by the
    service alone is refused too, naming the field."""
    from tenants.activity.services import customer_create
    from tests.factories import TEST_ACTOR

    with tenant_context(world.cae_a):
        before = _counts()
        with pytest.raises(ValidationError) as exc:
            customer_create(entrepreneur=invoicing["me"], name="Atelier\x01 Dupont", billing_address="1 rue",
                            billing_postal_code="51100", billing_city="Reims", acting_user=TEST_ACTOR)
        assert exc.value.error_dict["name"][0].code == "control_character"
        assert _counts() == before


def test_the_api_answers_400_in_its_error_shape(world, invoicing):
    """The CAE API has no endpoint writing text yet: a TenantAPIView taking an invoice line with
    the API's own serializer, behind the real key, scope and error handler, is what one will be."""
    from api.activity.serializers import InvoiceLineSerializer
    from api.keys.models import Scope
    from api.keys.services import apikey_create
    from api.views import TenantAPIView
    from tenants.activity.services import LineInput, invoice_create_draft
    from tests.factories import TEST_ACTOR

    class LineCreate(TenantAPIView):
        required_scopes = (Scope.ACTIVITY_READ,)

        def post(self, request, pk: int):
            from tenants.activity.models import Invoice

            serializer = InvoiceLineSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            serializer.save(invoice=Invoice.objects.filter(pk=pk).first())
            return Response(serializer.data, status=201)

    with tenant_context(world.cae_a):
        draft = invoice_create_draft(entrepreneur=invoicing["me"], customer=invoicing["customer"],
                                     lines=[LineInput("Conseil", "1", "500")], acting_user=TEST_ACTOR)
        _, key = apikey_create(name="Intégration", scopes=[Scope.ACTIVITY_READ], acting_user=world.user("director_a"))
        before = _counts()

    def post(payload):
        request = APIRequestFactory().post(f"/api/v1/invoices/{draft.pk}/lines", payload, format="json",
                                           HTTP_AUTHORIZATION=f"Bearer {key}")
        request.cooperative = request.tenant = world.cae_a
        with tenant_context(world.cae_a):
            response = LineCreate.as_view()(request, pk=draft.pk)
            response.render()
            return response, _counts()

    line = {"position": 2, "description": "Conseil\x0bstratégie", "quantity": "1.000", "unit": "heure",
            "unit_price": "80.00", "vat_rate": "20.00"}
    response, after = post(line)
    assert response.status_code == 400, response.data
    body = response.data
    assert (body["code"], body["field"]) == ("control_character", "description")
    assert body["message"].startswith(MESSAGE)
    assert body["errors"] == [{"code": "control_character", "field": "description", "message": body["message"]}]
    assert after == before
    response, after = post(line | {"unit": "h\x7f"})
    assert [(e["code"], e["field"]) for e in response.data["errors"]] == [
        ("control_character", "description"), ("control_character", "unit")]
    response, after = post(line | {"description": "Conseil\tstratégie\r\nphase 2"})
    assert response.status_code == 201 and after == (before[0], before[1] + 1, before[2])


# -- imports ---------------------------------------------------------------------------------------

@pytest.fixture
def site(in_cae_a):
    from tenants.people.models import Site

    return Site.objects.create(name="Épernay", kind="outreach", city="Épernay", department="51")


def test_an_import_names_the_row_and_column_and_writes_nothing(site):
    from tenants.people.importing import people_import, preview, read_table
    from tenants.people.models import Entrepreneur
    from tests.factories import TEST_ACTOR

    content = ("Prénom;Nom;Genre;Site;Ville\n"
               "Léa;Martin;F;Épernay;Reims\n"
               "Karim;Ben\x0bali;M;Épernay;Reims\n"
               "Zoé;Petit;X;Épernay;A\x1fy\n"
               "Ana;Vidal;F;Épernay;Épernay\n").encode()
    result = preview(read_table("personnes.csv", content))
    errors = {row.line: row.errors for row in result.rows}
    assert errors[2] == [] and errors[5] == []
    assert errors[3] == ["colonne « Nom » (B) : Caractère de contrôle U+000B interdit en position 4 : retirez-le "
                         "(seuls la tabulation et les retours à la ligne sont acceptés)."]
    assert errors[4][0].startswith("colonne « Ville » (E) : Caractère de contrôle U+001F interdit en position 2")
    with pytest.raises(AppError, match="2 ligne"):
        people_import(result=result, acting_user=TEST_ACTOR)
    assert Entrepreneur.objects.count() == 0


def test_an_xlsx_import_is_checked_the_same_way(site):
    from openpyxl import Workbook

    from tenants.people.importing import preview, read_table

    book = Workbook()
    book.active.append(["Prénom", "Nom", "Genre", "Site", "Activité"])
    book.active.append(["Jeanne", "Durand", "F", "Épernay", "Céramique"])
    # XML cannot hold C0 controls, but DEL and C1 pass: U+0092 is a Windows-1252 ’ read as Latin-1.
    book.active.append(["Paul", "Roux", "M", "Épernay", "Menuiserie d\x92art"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = preview(read_table("personnes.xlsx", buffer.getvalue()))
    assert result.rows[0].errors == []
    assert result.rows[1].line == 3
    assert result.rows[1].errors[0].startswith("colonne « Activité » (E) : Caractère de contrôle U+0092 interdit "
                                              "en position 13")


def test_a_windows_1252_file_keeps_its_french_letters(site):
    """Excel's « CSV (séparateur : point-virgule) » is Windows-1252: its œ and ’ are letters, not
    the C1 control characters a Latin-1 reading would make of them."""
    from tenants.people.importing import preview, read_table

    content = "Prénom;Nom;Genre;Site;Activité\nChloé;L’Hôte;F;Épernay;Cœur de métier à 10 €\n".encode("cp1252")
    row = preview(read_table("personnes.csv", content)).rows[0]
    assert row.errors == []
    assert (row.values["last_name"], row.values["activity_description"]) == ("L’Hôte", "Cœur de métier à 10 €")
    undecodable = "Prénom;Nom;Genre;Site\nLéa;Mar\x81tin;F;Épernay\n".encode("latin-1")  # 0x81: no cp1252 letter
    assert "U+0081" in preview(read_table("personnes.csv", undecodable)).rows[0].errors[0]
