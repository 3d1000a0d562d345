"""E-reporting (flux 10): each report kind (10.1 to 10.4, and a month mixing them) passes the
official AIFE XSD; totals equal the sums of their lines and amounts have at most 2 decimals (the
schematron's G1.14 and G1.53), for any data; B2C sales aggregate per day and rate, refunds netted;
the writers stream; bad input is refused with a French message. No database."""

from __future__ import annotations

import gc
import io
import random
import re
import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from essaim.core.errors import AppError
from tenants.einvoicing.flux10 import (
    DEFAULT_XSD_DIR,
    TRANSACTION_CATEGORY_CODES,
    VAT_RATES,
    AggregatedPayment,
    B2CDay,
    B2CSubtotal,
    B2CTransaction,
    Flux10Error,
    Party,
    PaymentSubtotal,
    PrecedingInvoice,
    ReportHeader,
    UnitaryPayment,
    UnitaryTransaction,
    VatBreakdown,
    aggregate_b2c,
    flux10_check_xsd,
    payments_report_bytes,
    transactions_report_bytes,
    write_transactions_report,
)

HAVE_XSD = (DEFAULT_XSD_DIR / "ereporting.xsd").is_file()
needs_xsd = pytest.mark.skipif(not HAVE_XSD, reason=f"the official flux 10 XSD is not here ({DEFAULT_XSD_DIR}): "
                                                    "../shared/design/refs/einvoicing_fr/ is absent")

D = Decimal
MAY = (date(2026, 5, 1), date(2026, 5, 31))
CAE_SIREN, CAE_VAT = "303265045", "FR40303265045"
AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")  # G1.14
SEVERAL = re.compile(r"^\d+(\.\d{1,6})?$")  # G1.16 (payments)


def header(**overrides) -> ReportHeader:
    values = {"report_id": "ER-2026-05-T", "issued_at": datetime(2026, 6, 1, 8, 30, tzinfo=UTC),
              "period_start": MAY[0], "period_end": MAY[1], "declarant_siren": CAE_SIREN,
              "declarant_name": "CAE Alpha SCOP SA", "platform_id": "0042", "platform_name": "PA d'essai"}
    values.update(overrides)
    return ReportHeader(**values)


def cae() -> Party:
    return Party(id=CAE_SIREN, scheme="0002", vat_id=CAE_VAT, country="FR")


GERMAN = Party(id="DE136695976", scheme="0223", vat_id="DE136695976", country="DE")
BELGIAN = Party(id="BE0403170701", scheme="0223", vat_id="BE0403170701", country="BE")
AMERICAN = Party(id="US-EIN-123456789", scheme="0227", country="US")


def cents(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def eu_sales() -> list[UnitaryTransaction]:
    """A month of international B2B: a service to Germany (reverse charge), goods to Belgium
    (intra-EU exempt), an export to the United States in dollars, a credit note to Germany."""
    return [
        UnitaryTransaction(
            invoice_id="F2026-0101", issue_date=date(2026, 5, 4), business_process="S1", seller=cae(), buyer=GERMAN,
            due_date=date(2026, 6, 3),
            vat_lines=(VatBreakdown(category="AE", rate=D(0), taxable_amount=D("1500.00"), tax_amount=D(0),
                                    exemption_reason_code="VATEX-EU-AE", exemption_reason="Autoliquidation"),)),
        UnitaryTransaction(
            invoice_id="F2026-0102", issue_date=date(2026, 5, 12), business_process="B1", seller=cae(), buyer=BELGIAN,
            vat_lines=(VatBreakdown(category="K", rate=D(0), taxable_amount=D("820.40"), tax_amount=D(0),
                                    exemption_reason_code="VATEX-EU-IC"),)),
        UnitaryTransaction(
            invoice_id="F2026-0103", issue_date=date(2026, 5, 20), business_process="M1", seller=cae(),
            buyer=AMERICAN, currency="USD", tax_amount_eur=D("0.00"),
            vat_lines=(VatBreakdown(category="G", rate=D(0), taxable_amount=D("2000.00"), tax_amount=D(0),
                                    exemption_reason="Exportation hors UE, art. 262 I du CGI"),)),
        UnitaryTransaction(
            invoice_id="A2026-0007", issue_date=date(2026, 5, 28), business_process="S1", type_code="381",
            seller=cae(), buyer=GERMAN,
            preceding_invoices=(PrecedingInvoice(invoice_id="F2026-0101", issue_date=date(2026, 5, 4)),),
            vat_lines=(VatBreakdown(category="AE", rate=D(0), taxable_amount=D("300.00"), tax_amount=D(0),
                                    exemption_reason_code="VATEX-EU-AE", exemption_reason="Autoliquidation"),)),
    ]


def b2c_sales() -> list[B2CTransaction]:
    return [
        B2CTransaction(day=date(2026, 5, 2), category="TPS1", rate=D(20), taxable_amount=D("50.00"),
                       tax_amount=D("10.00")),
        B2CTransaction(day=date(2026, 5, 2), category="TPS1", rate=D(20), taxable_amount=D("25.50"),
                       tax_amount=D("5.10")),
        B2CTransaction(day=date(2026, 5, 2), category="TLB1", rate=D("5.5"), taxable_amount=D("18.00"),
                       tax_amount=D("0.99")),
        B2CTransaction(day=date(2026, 5, 3), category="TPS1", rate=D(10), taxable_amount=D("100.00"),
                       tax_amount=D("10.00")),
        # a refund on the 3rd: negative, it lowers the day
        B2CTransaction(day=date(2026, 5, 3), category="TPS1", rate=D(10), taxable_amount=D("-40.00"),
                       tax_amount=D("-4.00")),
        B2CTransaction(day=date(2026, 5, 3), category="TPS1", rate=D(20), taxable_amount=D("12.00"),
                       tax_amount=D("2.40")),
    ]


def payments() -> list[UnitaryPayment]:
    return [UnitaryPayment(invoice_id="F2026-0090", invoice_date=date(2026, 4, 22), payment_date=date(2026, 5, 15),
                           subtotals=(PaymentSubtotal(rate=D(20), amount=D("600.00")),
                                      PaymentSubtotal(rate=D(10), amount=D("55.00"))))]


def aggregated_payments() -> list[AggregatedPayment]:
    return [AggregatedPayment(day=date(2026, 5, 2), subtotals=(PaymentSubtotal(rate=D(20), amount=D("90.60")),)),
            AggregatedPayment(day=date(2026, 5, 3), subtotals=(PaymentSubtotal(rate=D(10), amount=D("66.00")),
                                                               PaymentSubtotal(rate=D(20), amount=D("14.40"))))]


def parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def dec(element, path: str) -> Decimal:
    return D(element.findtext(path))


def assert_flux10_amounts(root) -> None:
    """G1.14 / G1.16 on every amount of the message, G1.53 on every block."""
    for path in ("//TaxExclusiveAmount", "//TaxAmount", "//TaxableAmount", "//TaxTotal"):
        for element in root.xpath(path):
            assert AMOUNT.match(element.text), (path, element.text)
    for element in root.xpath("//PaymentsReport//Amount"):
        assert SEVERAL.match(element.text) and AMOUNT.match(element.text), element.text
    for invoice in root.iterfind("TransactionsReport/Invoice"):
        assert dec(invoice, "MonetaryTotal/TaxExclusiveAmount") == sum(
            (D(x.text) for x in invoice.iterfind("TaxSubTotal/TaxableAmount")), D(0))
        if invoice.findtext("CurrencyCode") == "EUR":
            assert dec(invoice, "MonetaryTotal/TaxAmount") == sum(
                (D(x.text) for x in invoice.iterfind("TaxSubTotal/TaxAmount")), D(0))
    for day in root.iterfind("TransactionsReport/Transactions"):
        assert dec(day, "TaxExclusiveAmount") == sum((D(x.text) for x in day.iterfind("TaxSubtotal/TaxableAmount")),
                                                     D(0))
        assert dec(day, "TaxTotal") == sum((D(x.text) for x in day.iterfind("TaxSubtotal/TaxTotal")), D(0))
        assert re.fullmatch(r"\d{8}", day.findtext("Date"))


# --- Each report kind passes the XSD --------------------------------------------------------

@needs_xsd
def test_10_1_international_b2b_invoices_pass_the_xsd():
    data = transactions_report_bytes(header(), invoices=eu_sales())
    flux10_check_xsd(data)
    root = parse(data)
    assert root.tag == "Report" and root.find("PaymentsReport") is None
    assert root.findtext("ReportDocument/Sender/RoleCode") == "WK"
    assert root.find("ReportDocument/Sender/Id").get("schemeId") == "0238"
    assert root.find("ReportDocument/Issuer/Id").get("schemeId") == "0002"
    assert root.findtext("ReportDocument/Issuer/Id") == CAE_SIREN
    assert root.findtext("ReportDocument/IssueDateTime/DateTimeString") == "20260601103000"  # Paris time
    invoices = root.findall("TransactionsReport/Invoice")
    assert [i.findtext("ID") for i in invoices] == ["F2026-0101", "F2026-0102", "F2026-0103", "A2026-0007"]
    first = invoices[0]
    assert first.findtext("IssueDate") == "20260504" and first.findtext("DueDate") == "20260603"
    assert first.findtext("BusinessProcess/TypeID") == "urn.cpro.gouv.fr:1p0:ereporting"
    assert first.find("Buyer/CompanyId").get("schemeId") == "0223"
    assert first.findtext("Buyer/TaxRegistrationId") == "DE136695976"
    assert first.findtext("MonetaryTotal/TaxExclusiveAmount") == "1500.00"
    assert first.find("MonetaryTotal/TaxAmount").get("CurrencyCode") == "EUR"
    assert first.findtext("TaxSubTotal/TaxCategory/Code") == "AE"
    dollars = invoices[2]
    assert dollars.findtext("CurrencyCode") == "USD" and dollars.find("Buyer/TaxRegistrationId") is None
    credit = invoices[3]
    assert credit.findtext("TypeCode") == "381"
    assert credit.findtext("ReferencedDocument/ID") == "F2026-0101"
    assert credit.findtext("ReferencedDocument/IssueDate") == "20260504"
    assert_flux10_amounts(root)


@needs_xsd
def test_10_3_b2c_days_pass_the_xsd():
    data = transactions_report_bytes(header(), b2c_days=aggregate_b2c(b2c_sales()))
    flux10_check_xsd(data)
    root = parse(data)
    days = root.findall("TransactionsReport/Transactions")
    assert [(d.findtext("Date"), d.findtext("CategoryCode")) for d in days] == [
        ("20260502", "TLB1"), ("20260502", "TPS1"), ("20260503", "TPS1")]
    assert root.find("TransactionsReport/Invoice") is None
    assert_flux10_amounts(root)


@needs_xsd
def test_10_2_unitary_payments_pass_the_xsd():
    data = payments_report_bytes(header(report_id="EP-2026-05-T"), payments=payments())
    flux10_check_xsd(data)
    root = parse(data)
    assert root.find("TransactionsReport") is None
    invoice = root.find("PaymentsReport/Invoice")
    assert invoice.findtext("InvoiceID") == "F2026-0090" and invoice.findtext("IssueDate") == "20260422"
    assert invoice.findtext("Payment/Date") == "20260515"
    assert [(s.findtext("TaxPercent"), s.findtext("CurrencyCode"), s.findtext("Amount"))
            for s in invoice.iterfind("Payment/SubTotals")] == [("10.00", "EUR", "55.00"), ("20.00", "EUR", "600.00")]
    assert_flux10_amounts(root)


@needs_xsd
def test_10_4_aggregated_payments_pass_the_xsd():
    data = payments_report_bytes(header(report_id="EP-2026-05-T"), aggregated=aggregated_payments())
    flux10_check_xsd(data)
    root = parse(data)
    assert [t.findtext("Payment/Date") for t in root.iterfind("PaymentsReport/Transactions")] == [
        "20260502", "20260503"]
    assert_flux10_amounts(root)


@needs_xsd
def test_e_reporting_of_a_month_with_b2c_eu_and_payment_data(tmp_path):
    """The month is two transmissions (G6.29: one report each): transactions (10.1 EU sales and
    10.3 B2C days) and payments (10.2 and 10.4), both written to files and both valid."""
    transactions_file, payments_file = tmp_path / "transactions.xml", tmp_path / "payments.xml"
    with transactions_file.open("wb") as out:
        write_transactions_report(out, header(report_id="ER-2026-05"), invoices=iter(eu_sales()),
                                  b2c_days=aggregate_b2c(iter(b2c_sales())))
    payments_file.write_bytes(payments_report_bytes(header(report_id="EP-2026-05"), payments=iter(payments()),
                                                    aggregated=iter(aggregated_payments())))
    for path in (transactions_file, payments_file):
        data = path.read_bytes()
        flux10_check_xsd(data)
        root = parse(data)
        assert len(root.xpath("/Report/TransactionsReport | /Report/PaymentsReport")) == 1
        assert root.findtext("ReportDocument/TypeCode") == "IN"
        assert (root.xpath("string(//ReportPeriod/StartDate)"), root.xpath("string(//ReportPeriod/EndDate)")) == (
            "20260501", "20260531")
        assert_flux10_amounts(root)
    transactions = parse(transactions_file.read_bytes())
    assert len(transactions.findall("TransactionsReport/Invoice")) == 4
    assert len(transactions.findall("TransactionsReport/Transactions")) == 3
    b2c_base = sum((dec(d, "TaxExclusiveAmount") for d in transactions.iterfind("TransactionsReport/Transactions")),
                   D(0))
    assert b2c_base == sum((t.taxable_amount for t in b2c_sales()), D(0)) == D("165.50")
    paid = parse(payments_file.read_bytes())
    assert len(paid.findall("PaymentsReport/Invoice")) == 1 and len(paid.findall("PaymentsReport/Transactions")) == 2


# --- Aggregation ----------------------------------------------------------------------------

def test_b2c_sales_aggregate_per_day_category_and_rate():
    """Hand-computed: on the 3rd, 100.00 − 40.00 (refund) at 10 % = 60.00 and 6.00 of VAT, plus
    12.00 / 2.40 at 20 %; three sales counted, the refund among them."""
    assert aggregate_b2c(b2c_sales()) == [
        B2CDay(day=date(2026, 5, 2), category="TLB1", count=1,
               subtotals=(B2CSubtotal(rate=D("5.5"), taxable_amount=D("18.00"), tax_amount=D("0.99")),)),
        B2CDay(day=date(2026, 5, 2), category="TPS1", count=2,
               subtotals=(B2CSubtotal(rate=D(20), taxable_amount=D("75.50"), tax_amount=D("15.10")),)),
        B2CDay(day=date(2026, 5, 3), category="TPS1", count=3,
               subtotals=(B2CSubtotal(rate=D(10), taxable_amount=D("60.00"), tax_amount=D("6.00")),
                          B2CSubtotal(rate=D(20), taxable_amount=D("12.00"), tax_amount=D("2.40")))),
    ]
    day = aggregate_b2c(b2c_sales())[2]
    assert (day.tax_exclusive_amount, day.tax_amount) == (D("72.00"), D("8.40"))


def test_aggregation_keeps_currency_and_vat_option_apart_and_counts_till_totals():
    sales = [
        B2CTransaction(day=date(2026, 5, 9), category="TPS1", rate=D(20), taxable_amount=D("10.00"),
                       tax_amount=D("2.00")),
        B2CTransaction(day=date(2026, 5, 9), category="TPS1", rate=D(20), taxable_amount=D("10.00"),
                       tax_amount=D("2.00"), currency="CHF"),
        B2CTransaction(day=date(2026, 5, 9), category="TPS1", rate=D(20), taxable_amount=D("10.00"),
                       tax_amount=D("2.00"), tax_due_date_type_code="72"),
        # a till's Z total for 14 sales, and the second rate of a receipt already counted
        B2CTransaction(day=date(2026, 5, 9), category="TPS1", rate=D(20), taxable_amount=D("300.00"),
                       tax_amount=D("60.00"), count=14),
        B2CTransaction(day=date(2026, 5, 9), category="TPS1", rate=D("5.5"), taxable_amount=D("4.00"),
                       tax_amount=D("0.22"), count=0),
    ]
    days = aggregate_b2c(sales)
    assert [(d.currency, d.tax_due_date_type_code, d.count) for d in days] == [
        ("CHF", None, 1), ("EUR", None, 15), ("EUR", "72", 1)]
    assert days[1].subtotals == (B2CSubtotal(rate=D("5.5"), taxable_amount=D("4.00"), tax_amount=D("0.22")),
                                 B2CSubtotal(rate=D(20), taxable_amount=D("310.00"), tax_amount=D("62.00")))


def test_aggregation_order_does_not_depend_on_the_input_order():
    sales = b2c_sales() * 3
    shuffled = sales[:]
    random.Random(7).shuffle(shuffled)
    assert aggregate_b2c(shuffled) == aggregate_b2c(sales)
    assert transactions_report_bytes(header(), b2c_days=aggregate_b2c(shuffled)) == transactions_report_bytes(
        header(), b2c_days=aggregate_b2c(sales))


def _forgetful(items: Iterator, refs: list) -> Iterator:
    """Yield items, and check that those yielded 10 steps ago are gone: nobody kept them."""
    for i, item in enumerate(items):
        refs.append(weakref.ref(item))
        if i >= 10:
            gc.collect(0)
            assert refs[i - 10]() is None, f"item {i - 10} is still held: the input was materialised"
        yield item


def test_aggregation_streams_over_a_generator():
    refs: list = []
    start = date(2026, 5, 1)
    sales = (B2CTransaction(day=start + timedelta(days=i % 31), category="TPS1", rate=D(20),
                            taxable_amount=D("1.00"), tax_amount=D("0.20")) for i in range(3_000))
    days = aggregate_b2c(_forgetful(sales, refs))
    assert len(refs) == 3_000 and len(days) == 31
    assert sum(d.count or 0 for d in days) == 3_000
    assert sum((d.tax_exclusive_amount for d in days), D(0)) == D("3000.00")


def test_writer_streams_invoices_and_writes_as_it_goes():
    refs: list = []
    out = io.BytesIO()
    written_while_iterating = []

    def invoices() -> Iterator[UnitaryTransaction]:
        for i in range(400):
            if i == 300:
                written_while_iterating.append(out.tell())
            yield UnitaryTransaction(
                invoice_id=f"F2026-{i:05d}", issue_date=date(2026, 5, 1 + i % 31), business_process="S1",
                seller=cae(), buyer=GERMAN,
                vat_lines=(VatBreakdown(category="AE", rate=D(0), taxable_amount=D("10.00"), tax_amount=D(0),
                                        exemption_reason_code="VATEX-EU-AE"),))

    write_transactions_report(out, header(), invoices=_forgetful(invoices(), refs))
    assert written_while_iterating[0] > 0  # bytes reached the file before the input ended
    assert out.getvalue().count(b"<Invoice>") == 400
    if HAVE_XSD:
        flux10_check_xsd(out.getvalue())


# --- Properties: totals, decimals -----------------------------------------------------------

CENTS = st.integers(min_value=-5_000_000, max_value=5_000_000)
RATES = st.sampled_from(sorted(VAT_RATES))


@st.composite
def b2c_transaction(draw) -> B2CTransaction:
    rate = draw(RATES)
    base = D(draw(CENTS)) / 100
    return B2CTransaction(day=MAY[0] + timedelta(days=draw(st.integers(0, 30))),
                          category=draw(st.sampled_from(sorted(TRANSACTION_CATEGORY_CODES))),
                          rate=rate, taxable_amount=base, tax_amount=cents(base * rate / 100),
                          count=draw(st.integers(0, 3)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(b2c_transaction(), max_size=60))
def test_b2c_totals_are_the_sums_of_their_lines(sales):
    days = aggregate_b2c(iter(sales))
    data = transactions_report_bytes(header(), b2c_days=days)
    root = parse(data)
    assert_flux10_amounts(root)
    blocks = root.findall("TransactionsReport/Transactions")
    assert sum((dec(b, "TaxExclusiveAmount") for b in blocks), D(0)) == sum((s.taxable_amount for s in sales), D(0))
    assert sum((dec(b, "TaxTotal") for b in blocks), D(0)) == sum((s.tax_amount for s in sales), D(0))
    assert sum(int(b.findtext("TransactionsCount")) for b in blocks) == sum(s.count for s in sales)
    if HAVE_XSD:
        flux10_check_xsd(data)


@st.composite
def invoice(draw) -> UnitaryTransaction:
    lines = []
    for rate in draw(st.lists(RATES, min_size=1, max_size=4, unique=True)):
        base = D(draw(st.integers(0, 10_000_000))) / 100
        if rate:
            lines.append(VatBreakdown(category="S", rate=rate, taxable_amount=base,
                                      tax_amount=cents(base * rate / 100)))
        else:
            lines.append(VatBreakdown(category="AE", rate=rate, taxable_amount=base, tax_amount=D(0),
                                      exemption_reason_code="VATEX-EU-AE"))
    return UnitaryTransaction(invoice_id=f"F-{draw(st.integers(1, 10**9))}", issue_date=date(2026, 5, 15),
                              business_process=draw(st.sampled_from(["S1", "B1", "M1"])), seller=cae(),
                              buyer=draw(st.sampled_from([GERMAN, BELGIAN, AMERICAN])), vat_lines=tuple(lines))


@settings(max_examples=40, deadline=None)
@given(st.lists(invoice(), min_size=1, max_size=10))
def test_invoice_totals_are_the_sums_of_their_vat_lines(invoices):
    data = transactions_report_bytes(header(), invoices=invoices)
    root = parse(data)
    assert_flux10_amounts(root)
    for element, source in zip(root.iterfind("TransactionsReport/Invoice"), invoices, strict=True):
        assert dec(element, "MonetaryTotal/TaxExclusiveAmount") == sum(
            (line.taxable_amount for line in source.vat_lines), D(0))
        assert dec(element, "MonetaryTotal/TaxAmount") == source.tax_amount
    if HAVE_XSD:
        flux10_check_xsd(data)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=4))
def test_amounts_with_more_than_two_decimals_are_refused_never_rounded(amount):
    if amount == amount.quantize(D("0.01")):
        line = B2CSubtotal(rate=D(20), taxable_amount=amount, tax_amount=D(0))
        assert line.taxable_amount == amount and line.taxable_amount.as_tuple().exponent == -2
    else:
        with pytest.raises(Flux10Error) as error:
            B2CSubtotal(rate=D(20), taxable_amount=amount, tax_amount=D(0))
        assert error.value.code == "flux10_amount_precision" and "décimales" in error.value.message


# --- Bad input ------------------------------------------------------------------------------

def test_flux10_error_is_an_application_error():
    with pytest.raises(Flux10Error) as error:
        header(period_end=MAY[0])
    assert isinstance(error.value, AppError) and error.value.code == "flux10_period"
    assert error.value.as_dict()["field"] == "period_end"


@pytest.mark.parametrize("build, code, words", [
    (lambda: B2CTransaction(day=MAY[0], category="TPS1", rate=D(20), taxable_amount=10.0, tax_amount=D(2)),
     "flux10_amount_float", "virgule flottante"),
    (lambda: B2CTransaction(day=MAY[0], category="TPS1", rate=20.0, taxable_amount=D(10), tax_amount=D(2)),
     "flux10_amount_float", "virgule flottante"),
    (lambda: PaymentSubtotal(rate=D(20), amount=D("10.005")), "flux10_amount_precision", "plus de 2 décimales"),
    (lambda: PaymentSubtotal(rate=D(20), amount="10.00"), "flux10_amount_type", "doit être un Decimal"),
    (lambda: PaymentSubtotal(rate=D(20), amount=D("NaN")), "flux10_amount_type", "nombre fini"),
    (lambda: PaymentSubtotal(rate=D(19), amount=D(1)), "flux10_rate", "n'est pas admis"),
    (lambda: PaymentSubtotal(rate=D(20), amount=D("-5.00")), "flux10_sign", "négatif"),
    (lambda: header(period_end=MAY[0]), "flux10_period", "période est vide"),
    (lambda: header(period_start=MAY[1], period_end=MAY[0]), "flux10_period", "postérieure à la date de début"),
    (lambda: header(period_start=date(1999, 12, 1)), "flux10_date", "comprise entre 2000 et 2099"),
    (lambda: header(declarant_name="CAE\x07Alpha"), "flux10_control_character", "caractère interdit"),
    (lambda: header(report_id="ER\x00"), "flux10_control_character", "U\\+0000"),
    (lambda: header(report_id="ER 2026  05"), "flux10_identifier", "deux de suite"),
    (lambda: header(report_id="é" * 3), "flux10_identifier", "lettres sans accent"),
    (lambda: header(issued_at=datetime(2026, 6, 1, 8, 0)), "flux10_date", "avec fuseau"),  # noqa: DTZ001
    (lambda: header(declarant_siren="303265046"), "flux10_siren", "SIREN valide"),
    (lambda: header(platform_id="PA-0042"), "flux10_identifier", "exactement 4"),
    (lambda: header(type_code="XX"), "flux10_code", "G8.01"),
    (lambda: Party(id="DE136695976", scheme="0223"), "flux10_vat_id", "obligatoire"),
    (lambda: Party(id=CAE_SIREN, scheme="0002", vat_id="FR00303265045"), "flux10_vat_id", "pas valide"),
    (lambda: Party(id="X", scheme="0227", country="usa"), "flux10_country", "ISO 3166"),
    (lambda: VatBreakdown(category="E", rate=D(0), taxable_amount=D(1), tax_amount=D(0)),
     "flux10_exemption", "code ou libellé"),
    (lambda: VatBreakdown(category="S", rate=D(0), taxable_amount=D(1), tax_amount=D(0)), "flux10_rate", "non nul"),
    (lambda: VatBreakdown(category="AE", rate=D(0), taxable_amount=D(1), tax_amount=D(0),
                          exemption_reason="Autoliquidation\x1b"), "flux10_control_character", "U\\+001B"),
    (lambda: UnitaryTransaction(invoice_id="A-1", issue_date=MAY[0], business_process="S1", type_code="381",
                                seller=cae(), buyer=GERMAN, vat_lines=eu_sales()[0].vat_lines),
     "flux10_rule", "G1.32"),
    (lambda: UnitaryTransaction(invoice_id="F-1", issue_date=MAY[0], business_process="S1", seller=cae(),
                                buyer=AMERICAN, currency="USD", vat_lines=eu_sales()[2].vat_lines),
     "flux10_totals", "en euros"),
    (lambda: UnitaryTransaction(invoice_id="F-1", issue_date=MAY[0], business_process="S1", seller=cae(),
                                buyer=GERMAN, vat_lines=()), "flux10_vat_lines", "au moins une"),
    (lambda: B2CTransaction(day=MAY[0], category="TXX1", rate=D(20), taxable_amount=D(1), tax_amount=D("0.2")),
     "flux10_code", "G1.68"),
    (lambda: B2CTransaction(day=MAY[0], category="TPS1", rate=D(20), taxable_amount=D(10), tax_amount=D(-2)),
     "flux10_sign", "signes contraires"),
])
def test_bad_input_is_refused_in_french(build, code, words):
    with pytest.raises(Flux10Error, match=words) as error:
        build()
    assert error.value.code == code


def test_lines_outside_the_period_and_duplicate_days_are_refused():
    june = B2CDay(day=date(2026, 6, 1), category="TPS1",
                  subtotals=(B2CSubtotal(rate=D(20), taxable_amount=D(10), tax_amount=D(2)),))
    with pytest.raises(Flux10Error, match="hors de la période") as error:
        transactions_report_bytes(header(), b2c_days=[june])
    assert error.value.code == "flux10_outside_period"
    day = aggregate_b2c(b2c_sales())[0]
    with pytest.raises(Flux10Error, match="deux fois"):
        transactions_report_bytes(header(), b2c_days=[day, day])
    with pytest.raises(Flux10Error, match="hors de la période"):
        payments_report_bytes(header(), payments=[UnitaryPayment(
            invoice_id="F-9", invoice_date=date(2026, 4, 1), payment_date=date(2026, 4, 30),
            subtotals=(PaymentSubtotal(rate=D(20), amount=D(1)),))])


def test_the_declarant_must_be_the_seller_of_its_invoices():
    foreign_sale = UnitaryTransaction(invoice_id="F-1", issue_date=MAY[0], business_process="S1", seller=BELGIAN,
                                      buyer=GERMAN, vat_lines=eu_sales()[0].vat_lines)
    with pytest.raises(Flux10Error, match="déclarant") as error:
        transactions_report_bytes(header(), invoices=[foreign_sale])
    assert error.value.code == "flux10_declarant"
    # as buyer (an intra-EU purchase), the declarant is the invoice's buyer
    purchase = UnitaryTransaction(invoice_id="DE-77", issue_date=MAY[0], business_process="S1", seller=GERMAN,
                                  buyer=cae(), vat_lines=eu_sales()[0].vat_lines)
    data = transactions_report_bytes(header(declarant_role="BY"), invoices=[purchase])
    if HAVE_XSD:
        flux10_check_xsd(data)


def test_writers_refuse_what_is_not_their_input():
    with pytest.raises(Flux10Error, match="reçu au lieu de"):
        transactions_report_bytes(header(), b2c_days=b2c_sales())  # transactions, not days
    with pytest.raises(Flux10Error, match="B2CTransaction"):
        aggregate_b2c([{"day": MAY[0]}])


# --- XSD check ------------------------------------------------------------------------------

def test_xsd_check_says_clearly_when_the_schema_is_absent(tmp_path):
    with pytest.raises(Flux10Error, match="introuvable") as error:
        flux10_check_xsd(b"<Report/>", refs_dir=tmp_path / "nowhere")
    assert error.value.code == "flux10_xsd_absent"


@needs_xsd
def test_xsd_check_reports_what_is_wrong():
    data = transactions_report_bytes(header(), b2c_days=aggregate_b2c(b2c_sales()))
    broken = data.replace(b"<TaxTotal>", b"<TaxTotal>x", 1)
    with pytest.raises(Flux10Error, match="ligne") as error:
        flux10_check_xsd(broken)
    assert error.value.code == "flux10_xsd_invalid"
    with pytest.raises(Flux10Error) as error:
        flux10_check_xsd(b"<Report>")
    assert error.value.code == "flux10_xml"


@needs_xsd
def test_xsd_check_never_resolves_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak")
    data = (f'<?xml version="1.0"?><!DOCTYPE Report [<!ENTITY x SYSTEM "file://{secret}">]>'
            "<Report><ReportDocument><Id>&x;</Id></ReportDocument></Report>").encode()
    with pytest.raises(Flux10Error, match="DOCTYPE") as error:
        flux10_check_xsd(data)
    assert error.value.code == "flux10_xml" and "do-not-leak" not in error.value.message
