"""What a payslip says: the HTML the PDF is rendered from, row by row, in the order of the
« bulletin clarifié »; and the RGDU printed with the right sign when the year's regularisation
takes some back (a negative RGDU), on the payslip, the line page and the annual summary."""

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from tenants.payroll.engine import Ytd, payslip_compute
from tenants.payroll.models import PayrollLine
from tenants.payroll.payslips import payslip_html
from tenants.payroll.runs import payroll_line_adjust, payroll_run_check, payroll_run_close, payroll_run_create
from tenants.payroll.services import payroll_settings_update, withholding_rate_set
from tenants.payroll.templatetags.payroll_tags import deducted
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR

from .cesa import cesa_person
from .helpers import REFS, rates_2026

pytestmark = pytest.mark.django_db
D = Decimal


def fr(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


class _Rows(HTMLParser):
    """Every table row of a page as the list of its cells' texts."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).replace("\xa0", " ").split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows_of(html: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def row(rows, first: str) -> list[str]:
    found = [r for r in rows if r and r[0].startswith(first)]
    assert len(found) == 1, (first, found)
    return found[0]


def block_row(rows, label: str) -> list[str]:
    """A block's total row (a line may bear the block's name, as « Assurance chômage »: it has a base)."""
    found = [r for r in rows if r and r[0] == label and r[1] == ""]
    assert len(found) == 1, (label, found)
    return found[0]


def close(run):
    payroll_run_check(run=run, acting_user=TEST_ACTOR)
    return payroll_run_close(run=run, render_payslips=False, acting_user=TEST_ACTOR)


@pytest.fixture
def january(world):
    """Léa, full time at the SMIC, under the refs' assumptions (11–49 staff, AT/MP 1 %), PAS 5 %:
    January closed."""
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        payroll_settings_update(headcount_band="11_49", atmp_rate=D("1.00"),
                                acting_user=world.user("director_a"))
        lea = cesa_person(first_name="Léa", revenue=[(date(2026, 1, 5), 20000)])
        withholding_rate_set(entrepreneur=lea, rate="5", effective_from=date(2026, 1, 1),
                             acting_user=accounts_a)
        run = close(payroll_run_create(month="2026-01", acting_user=accounts_a))
        line = PayrollLine.objects.select_related("run", "entrepreneur", "contract").get(run=run)
    return {"lea": lea, "run": run, "line": line}


def test_the_payslip_prints_every_block_and_total(world, january):
    line = january["line"]
    with tenant_context(world.cae_a):
        rows = rows_of(payslip_html(line=line, cooperative=world.cae_a))
    slip = payslip_compute(gross=D("1823.03"), rates=rates_2026(), settings=REFS, pas_rate=D("0.05"))
    # The refs' golden figures, as printed.
    assert (slip.net_before_tax, slip.rgdu, slip.total_cost) == (D("1443.09"), D("725.75"), D("1867.81"))

    assert row(rows, "Salaire brut") == ["Salaire brut", "", "", "1823,03", "", ""]
    blocks = [
        ("Santé", ["sante"]),
        ("Accidents du travail – maladies professionnelles", ["accidents_travail"]),
        ("Retraite", ["retraite"]),
        ("Famille", ["famille"]),
        ("Assurance chômage", ["assurance_chomage"]),
        ("Autres contributions dues par l'employeur", ["autres_patronales"]),
        ("CSG déductible de l'impôt sur le revenu", ["csg_deductible"]),
        ("CSG/CRDS non déductibles de l'impôt sur le revenu", ["csg_non_deductible", "crds"]),
    ]
    positions = [rows.index(block_row(rows, label)) for label, _ in blocks]
    assert positions == sorted(positions), "the blocks in the order of the bulletin clarifié"
    for label, keys in blocks:
        lines = [pl for pl in slip.lines if pl.block in keys or pl.code in keys]
        assert lines, label
        employee = sum((pl.employee_amount for pl in lines), D(0))
        employer = sum((pl.employer_amount for pl in lines), D(0))
        assert block_row(rows, label) == [label, "", "", fr(employee), "", fr(employer)], label
    assert block_row(rows, "Santé")[5] == "236,99"  # 13 % of the gross
    assert block_row(rows, "Accidents du travail – maladies professionnelles")[5] == "18,23"  # the CAE's 1 %
    assert row(rows, "Sécurité sociale plafonnée") == ["Sécurité sociale plafonnée", "1823,03", "6,9 %", "125,79",
                                                       "8,55 %", "155,87"]
    csg = [r for r in rows if r[0] == "CSG déductible de l'impôt sur le revenu" and r[1]]
    assert csg == [["CSG déductible de l'impôt sur le revenu", "1791,13", "6,8 %", "121,80", "", ""]]  # 98.25 %
    assert row(rows, "Allègement de cotisations") == [
        "Allègement de cotisations (réduction générale, coefficient 0,3981)", "", "", "", "", "-725,75"]
    assert row(rows, "Total des cotisations et contributions") == [
        "Total des cotisations et contributions", "", "", fr(slip.employee_contributions), "",
        fr(slip.employer_contributions - D("725.75"))]
    assert row(rows, "Net à payer avant impôt sur le revenu") == [
        "Net à payer avant impôt sur le revenu", "", "", "1443,09", "", ""]
    assert row(rows, "Net imposable")[1] == fr(slip.taxable_net)
    assert row(rows, "Impôt sur le revenu prélevé à la source") == [
        "Impôt sur le revenu prélevé à la source", fr(slip.taxable_net), "5,00 %", fr(slip.pas), "", ""]
    assert slip.pas == (slip.taxable_net * D("0.05")).quantize(D("0.01"))
    assert row(rows, "Net payé") == ["Net payé (virement)", "", "", fr(D("1443.09") - slip.pas), "", ""]
    assert row(rows, "Total versé par l'employeur") == ["Total versé par l'employeur", "", "", "", "", "1867,81"]
    assert row(rows, "Du 01/01 au 31/01/2026") == ["Du 01/01 au 31/01/2026", "1823,03", fr(slip.taxable_net),
                                                   fr(slip.pas)]


def test_a_negative_rgdu_prints_as_a_take_back_not_a_double_minus(world, january):
    """January at the SMIC got the full RGDU; February paid 5,000 € brings the year's ratio down,
    so February's RGDU is negative: the payslip must print it as a positive amount added back."""
    accounts_a = world.user("accounts_a")
    jan = january["line"]
    with tenant_context(world.cae_a):
        february = payroll_run_create(month="2026-02", acting_user=accounts_a)
        line = payroll_line_adjust(line=february.lines.get(), gross="5000", reason="Prime annuelle",
                                   acting_user=accounts_a)
    expected = payslip_compute(gross=D("5000"), rates=rates_2026(), settings=REFS, pas_rate=D("0.05"),
                               ytd=Ytd(jan.gross, jan.smic_reference, jan.rgdu))
    assert expected.rgdu < 0 and line.rgdu == expected.rgdu
    taken_back = fr(-line.rgdu)  # e.g. « 271,16 », printed without a minus: it is added to the cost

    with tenant_context(world.cae_a):
        line = PayrollLine.objects.select_related("run", "entrepreneur", "contract").get(pk=line.pk)
        html = payslip_html(line=line, cooperative=world.cae_a)
    assert "--" not in html.replace("<!--", "").replace("-->", "")
    assert row(rows_of(html), "Allègement de cotisations")[-1] == taken_back

    staff = client_for(world.cae_a, world.user("accounts_a"))
    page = staff.get(f"/paie/lignes/{line.pk}/").content.decode()
    assert row(rows_of(page), "Allègement de cotisations")[-1] == taken_back

    with tenant_context(world.cae_a):
        close(february)
    summary = staff.get(f"/paie/recapitulatif/{january['lea'].pk}/?annee=2026").content.decode()
    rows = rows_of(summary)
    assert row(rows, "février")[7] == fr(line.rgdu), "the month's column: the RGDU as granted, negative"
    year = jan.rgdu + line.rgdu
    assert row(rows, "Allègement de cotisations") == ["Allègement de cotisations", "", fr(-year)]
    assert "--" not in summary


def test_the_deducted_filter():
    assert deducted(D("725.75")) == D("-725.75")
    assert deducted(D("-109.38")) == D("109.38")
    assert str(deducted(D("0.00"))) == "0.00", "never « -0,00 »"
    assert deducted(None) is None
