"""French identifiers validated with python-stdnum, with French messages; and the one rule for
every text input of the project: no control character (`validate_no_control_characters`)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum.eu import vat as std_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as std_siren
from stdnum.fr import siret as std_siret


def _check(module, value: str, label: str, code: str) -> str:
    try:
        return module.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"{label} invalide : {value!s} ({_reason(exc)}).", code=code) from exc


def _reason(exc: StdnumError) -> str:
    return {
        "InvalidChecksum": "clé de contrôle incorrecte",
        "InvalidLength": "longueur incorrecte",
        "InvalidFormat": "format incorrect",
        "InvalidComponent": "composant incorrect",
    }.get(type(exc).__name__, "valeur incorrecte")


def validate_siren(value: str) -> str:
    return _check(std_siren, value, "SIREN", "invalid_siren")


def validate_siret(value: str) -> str:
    return _check(std_siret, value, "SIRET", "invalid_siret")


def validate_iban(value: str) -> str:
    return _check(std_iban, value, "IBAN", "invalid_iban")


def validate_bic(value: str) -> str:
    return _check(std_bic, value, "BIC", "invalid_bic")


def validate_vat(value: str) -> str:
    return _check(std_vat, value, "Numéro de TVA intracommunautaire", "invalid_vat")


# A French postal code (metropolitan and overseas): five digits.
postal_code_validator = RegexValidator(r"^\d{5}$", "Code postal à 5 chiffres.", code="invalid_postal_code")


# -- control characters ------------------------------------------------------------------------
#
# Refused: every Unicode control character (category Cc) but tab (U+0009), line feed (U+000A) and
# carriage return (U+000D) — so C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F) — and the
# two noncharacters U+FFFE and U+FFFF. Why DEL and C1 too: nobody types them on purpose (C1 is the
# trace of Windows-1252 text read as Latin-1: U+0092 for ’, U+009C for œ), PDF fonts have no glyph
# for them and XML 1.0 discourages them; U+FFFE/U+FFFF, like C0, cannot be written in XML at all
# (lxml refuses them: the Factur-X of such an invoice could never be produced). Tab and newlines
# are kept: multi-line fields (addresses, notes) need them and XML allows them.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
CONTROL_CHARACTER_MESSAGE = ("%(what)s %(codepoint)s interdit en position %(position)s : retirez-le (seuls la "
                             "tabulation et les retours à la ligne sont acceptés).")


def control_character_error(text: str) -> ValidationError | None:
    """The error for the first forbidden character of `text` (see CONTROL_CHARACTERS), or None."""
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return None
    char = found.group()
    what = "Non-caractère Unicode" if char in "\ufffe\uffff" else "Caractère de contrôle"
    return ValidationError(CONTROL_CHARACTER_MESSAGE, code="control_character",
                           params={"what": what, "codepoint": f"U+{ord(char):04X}", "position": found.start() + 1})


def _strings(value, path: str = ""):
    """(path, string) for every string of `value`: itself, or those inside a JSON-like value
    (dict keys and values, list items), the path naming where (`lignes[2].libellé`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield from _strings(key, inner)
            yield from _strings(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def validate_no_control_characters(value) -> None:
    """No control character (but tab and newlines) in a text, nor in the strings of a JSON value.

    Installed on every text input of the project by `install_control_character_validators`
    (essaim.core's AppConfig.ready). Code `control_character`; the French message names the
    character (U+ code) and its position, and for a JSON value the key that holds it."""
    for path, text in _strings(value):
        error = control_character_error(text)
        if error is not None:
            if path:
                error = ValidationError("« %(path)s » : " + CONTROL_CHARACTER_MESSAGE, code=error.code,
                                        params={**error.params, "path": path})
            raise error


# The project's top-level packages (the layers of docs/architecture.md): their models' text fields
# get the validator. tests/platform/test_control_characters.py checks that every installed app
# outside the virtual environment is in one of them.
PROJECT_PACKAGES = ("essaim", "tenants", "network", "api", "demo")


def _with_subclasses(cls: type) -> list[type]:
    found, stack = [], [cls]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.__subclasses__())
    return found


def install_control_character_validators() -> None:
    """Put `validate_no_control_characters` on every text input of the project, once, at startup
    (essaim.core's AppConfig.ready, which runs before any other app of the project is ready and
    before the admin's autodiscovery, so before any form class is built). Three places, which
    together leave no text input out without a field-by-field list to remember:

    1. Django form fields: `forms.CharField.default_validators`, the documented class attribute
       every form field starts its validators from (`Field.__init__`: default validators first,
       then the field's own). Every `CharField` of every Form and ModelForm — declared, or built
       from a model field — and its subclasses (`EmailField`, `URLField`, `SlugField`,
       `JSONField`, the auth forms' fields…) gets it; the subclasses that redefine the attribute
       get it appended. An error is shown on its field, in French, as for any validator.
    2. DRF serializer fields: `CharField.default_validators` (and `JSONField`'s), the attribute
       DRF's `Field.get_validators()` starts from, for every serializer field declared without
       an explicit `validators=` list. A 400 in the API's error shape (api.errors), code
       `control_character`, field named.
    3. Model fields: every CharField and TextField of the project's models (PROJECT_PACKAGES)
       gets it in its `validators` list. So `full_clean()` refuses it — the services that
       validate raw POST data through `full_clean()` (invoice and quote lines, payments…) and
       the imports' writes —, and ModelSerializer fields, which DRF builds with the model
       field's validators (and then without the defaults of 2.), carry it too. Appending to the
       `validators` list leaves the field's `deconstruct()` (its `_validators`) untouched: no
       migration.

    Nothing else of Django or DRF is replaced: no method is patched, only the lists of
    validators the frameworks themselves read. The test walks every Form, ModelForm and
    Serializer class of the project and of the URLconfs' views, and every model, and fails on a
    text field without the validator (a field given its own `default_validators` per instance,
    or a DRF field declared with `validators=[…]` not including it, would be such a field)."""
    from django import forms
    from django.apps import apps
    from django.db import models
    from rest_framework import fields as drf_fields

    validator = validate_no_control_characters
    for base in (forms.CharField, drf_fields.CharField, drf_fields.JSONField):
        for cls in _with_subclasses(base):
            if (cls is base or "default_validators" in vars(cls)) and validator not in cls.default_validators:
                cls.default_validators = [validator, *cls.default_validators]
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_config.name.split(".")[0] not in PROJECT_PACKAGES:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if isinstance(field, models.CharField | models.TextField) and validator not in field.validators:
                field.validators.append(validator)
