"""The CDAR D22B lifecycle messages Essaim writes and reads (tenants/einvoicing/cdar.py), against
the official examples and XSD in ../shared/design/refs/einvoicing_fr/ (skipped, saying so, where
that folder is absent): every example reads with the status its name gives, what Essaim writes
passes the XSD and reads back the same, and bad input is refused in French."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tenants.einvoicing.cdar import (
    MAX_BYTES,
    CdarAmount,
    CdarDocument,
    CdarError,
    CdarMessage,
    CdarParty,
    CdarStatus,
    cdar_build,
    cdar_check_xsd,
    cdar_parse,
)

REFS = Path(__file__).resolve().parents[3].parent / "shared" / "design" / "refs" / "einvoicing_fr"
SAMPLES = sorted((REFS / "samples" / "cdar").glob("*.xml"))
XSD = REFS / "xsd" / "cdar" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
needs_refs = pytest.mark.skipif(not XSD.exists(), reason=f"XSD CDAR officiel absent ({XSD})")

SELLER = CdarParty(role="SE", identifier="111111118", scheme="0002", name="CAE Alpha")
BUYER = CdarParty(role="BY", identifier="222222226", scheme="0002", name="CAE Bêta")
WHEN = datetime(2026, 10, 5, 14, 30, tzinfo=UTC)


def message(*statuses: CdarStatus, sender: CdarParty = BUYER, recipients=(SELLER,), type_code="23") -> CdarMessage:
    return CdarMessage(message_id="M-1", issued_at=WHEN, type_code=type_code, sender=sender, recipients=recipients,
                       document=CdarDocument(invoice_number="F2026-00012", issue_date=date(2026, 10, 1),
                                             seller_siren=SELLER.identifier, buyer_siren=BUYER.identifier),
                       statuses=statuses)


@needs_refs
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_official_example_reads_with_its_status_and_rewrites_valid(sample):
    data = sample.read_bytes()
    cdar_check_xsd(data)
    read = cdar_parse(data)
    expected = re.search(r"CDV-(\d{3})_", sample.name).group(1)
    assert [s.code for s in read.statuses] == [expected]
    assert read.document.invoice_number and read.document.issue_date
    if read.recipients:  # an example the writer can say again: same statuses, valid
        again = cdar_parse(cdar_build(read))
        cdar_check_xsd(cdar_build(read))
        assert [(s.code, s.reason_code, s.amounts) for s in again.statuses] == \
               [(s.code, s.reason_code, s.amounts) for s in read.statuses]
        assert again.document.invoice_number == read.document.invoice_number


@needs_refs
def test_a_refusal_with_its_reason_passes_the_xsd_and_reads_back():
    built = cdar_build(message(CdarStatus(code="210", issued_at=WHEN, reason_code="TX_TVA_ERR",
                                          reason_text="Taux de TVA erroné")))
    cdar_check_xsd(built)
    read = cdar_parse(built)
    assert read.statuses[0].code == "210" and read.statuses[0].reason_code == "TX_TVA_ERR"
    assert read.statuses[0].reason_text == "Taux de TVA erroné"
    assert read.sender.identifier == BUYER.identifier and read.issued_at == WHEN


@needs_refs
def test_212_carries_the_amount_received_per_rate():
    amounts = (CdarAmount(rate=Decimal("20.00"), amount=Decimal("600.00")),
               CdarAmount(rate=Decimal("5.50"), amount=Decimal("105.50")))
    built = cdar_build(message(CdarStatus(code="212", issued_at=WHEN, amounts=amounts), sender=SELLER,
                               recipients=(BUYER,)))
    cdar_check_xsd(built)
    assert cdar_parse(built).statuses[0].amounts == amounts


@pytest.mark.parametrize(("build", "code"), [
    (lambda: message(CdarStatus(code="299")), None),  # not in the official list
    (lambda: message(CdarStatus(code="210")), "cdar_reason_required"),
    (lambda: message(CdarStatus(code="210", reason_code="PAS_UN_MOTIF")), "cdar_reason_unknown"),
    (lambda: message(CdarStatus(code="205"), recipients=()), "cdar_no_recipient"),
    (lambda: message(), "cdar_no_status"),
    (lambda: message(CdarStatus(code="205"), type_code="99"), "cdar_type"),
])
def test_what_the_lists_forbid_is_not_written(build, code):
    with pytest.raises(Exception) as error:  # noqa: PT011 - CdarError or the code list's AppError
        cdar_build(build())
    assert getattr(error.value, "code", None) == code or code is None
    assert error.value.message and error.value.message[0].isupper()


def test_a_control_character_never_reaches_the_message():
    with pytest.raises(CdarError) as error:
        cdar_build(message(CdarStatus(code="210", reason_code="TX_TVA_ERR", reason_text="Taux\x0b faux")))
    assert error.value.code == "cdar_control_character"


@pytest.mark.parametrize(("data", "code"), [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "cdar_doctype"),
    (b"<r><unclosed></r>", "cdar_malformed"),
    (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>', "cdar_root"),
    (b"<r>" + b" " * (MAX_BYTES + 1) + b"</r>", "cdar_too_big"),
])
def test_hostile_or_foreign_files_are_refused_before_reading(data, code):
    with pytest.raises(CdarError) as error:
        cdar_parse(data)
    assert error.value.code == code
