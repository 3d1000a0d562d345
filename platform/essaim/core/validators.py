"""French identifiers validated with python-stdnum, with French messages."""

from __future__ import annotations

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
