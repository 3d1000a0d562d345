"""The business plan: figures checked by hand, validation, and the CSV/XLSX equal to the page."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from essaim.core.errors import AppError
from network.onboarding.forecast import PlanInputs, YearInputs, break_even, compute, contribution
from network.onboarding.models import Partner
from network.onboarding.selectors import plan_figures
from network.onboarding.services import business_plan_save, partner_save
from tests.conftest import client_for

D = Decimal
TIERS = ((D("0"), D("10")), (D("35000"), D("8")), (D("45000"), D("6")))


def test_tiered_contribution_by_hand():
    # 18 000 € lies in the first band only: 18 000 × 10 % = 1 800
    assert contribution(D("18000"), rate_mode="tiered", flat_rate=D("0"), bands=TIERS) == D("1800.00")
    # 38 000 €: 35 000 × 10 % + 3 000 × 8 % = 3 500 + 240 = 3 740
    assert contribution(D("38000"), rate_mode="tiered", flat_rate=D("0"), bands=TIERS) == D("3740.00")
    # 50 000 €: 3 500 + 10 000 × 8 % + 5 000 × 6 % = 3 500 + 800 + 300 = 4 600
    assert contribution(D("50000"), rate_mode="tiered", flat_rate=D("0"), bands=TIERS) == D("4600.00")
    # exactly on a threshold: 35 000 × 10 % = 3 500, nothing at 8 %
    assert contribution(D("35000"), rate_mode="tiered", flat_rate=D("0"), bands=TIERS) == D("3500.00")


def test_flat_contribution_rounds_half_up():
    # 12 345,65 × 10 % = 1 234,565 → 1 234,57 (half up; banker's rounding would give 1 234,56)
    assert contribution(D("12345.65"), rate_mode="flat", flat_rate=D("10"), bands=()) == D("1234.57")
    # 12 345,67 × 11,5 % = 1 419,75205 → 1 419,75
    assert contribution(D("12345.67"), rate_mode="flat", flat_rate=D("11.5"), bands=()) == D("1419.75")


def test_break_even_by_hand():
    # gap 75 000 − 45 000 = 30 000; 30 000 / 1 800 = 16,67 → 17 entrepreneurs
    assert break_even(per_entrepreneur=D("1800"), subsidies=D("45000"), costs=D("75000")) == 17
    # an exact multiple: 36 000 / 1 800 = 20 → 20 (result 0 is break-even)
    assert break_even(per_entrepreneur=D("1800"), subsidies=D("0"), costs=D("36000")) == 20
    assert break_even(per_entrepreneur=D("1800"), subsidies=D("50000"), costs=D("36000")) == 0
    assert break_even(per_entrepreneur=D("0"), subsidies=D("0"), costs=D("1")) is None


PLAN = {
    "first_year": "2027", "opening_cash": "20 000", "rate_mode": "tiered",
    "band_1_from": "0", "band_1_rate": "10", "band_2_from": "35 000", "band_2_rate": "8",
    "band_3_from": "45000", "band_3_rate": "6",
    "y1_entrepreneurs": "12", "y1_average_revenue": "18 000", "y1_staff_costs": "60000", "y1_other_costs": "15000",
    "y2_entrepreneurs": "25", "y2_average_revenue": "38000", "y2_staff_costs": "85000", "y2_other_costs": "18000",
    "y3_entrepreneurs": "40", "y3_average_revenue": "50000,00", "y3_staff_costs": "110000", "y3_other_costs": "20000",
    "subsidy_other_y1": "5000", "subsidy_other_y3": "10000",
}
# Year 1: income 12 × 1 800 = 21 600; subsidies 40 000 (région) + 5 000 = 45 000; costs 75 000;
#         result 21 600 + 45 000 − 75 000 = −8 400; cash 20 000 − 8 400 = 11 600; break-even 17.
# Year 2: income 25 × 3 740 = 93 500; subsidies 30 000; costs 103 000; result 20 500;
#         cash 11 600 + 20 500 = 32 100; break-even 73 000 / 3 740 = 19,52 → 20.
# Year 3: income 40 × 4 600 = 184 000; subsidies 10 000; costs 130 000; result 64 000;
#         cash 32 100 + 64 000 = 96 100; break-even 120 000 / 4 600 = 26,09 → 27.
EXPECTED = {
    "contribution_income": [D("21600.00"), D("93500.00"), D("184000.00")],
    "subsidies": [D("45000.00"), D("30000.00"), D("10000.00")],
    "result": [D("-8400.00"), D("20500.00"), D("64000.00")],
    "cash_end": [D("11600.00"), D("32100.00"), D("96100.00")],
    "break_even": [17, 20, 27],
    "revenue": [D("216000.00"), D("950000.00"), D("2000000.00")],
}


def _save_plan(project, world, **overrides):
    staff = world.user("network_staff")
    region = partner_save(project=project, acting_user=staff, data={
        "kind": "local_authority", "name": "Région Grand Est", "status": "committed",
        "amount_requested": "80000", "amount_committed": "70000"})
    data = PLAN | {f"subsidy_p{region.pk}_y1": "40000", f"subsidy_p{region.pk}_y2": "30 000"} | overrides
    business_plan_save(project=project, data=data, acting_user=staff)
    return region


def test_plan_figures_by_hand(project, world):
    _save_plan(project, world)
    _plan, figures = plan_figures(project)
    assert [f.year for f in figures] == [2027, 2028, 2029]
    for key, values in EXPECTED.items():
        assert [getattr(f, key) for f in figures] == values, key


def test_compute_flat_without_database():
    years = (YearInputs(10, D("20000"), D("30000"), D("5000"), D("10000")),) * 3
    figures = compute(PlanInputs(years=years, opening_cash=D("1000"), flat_rate=D("12")))
    # 10 × 2 400 = 24 000 + 10 000 − 35 000 = −1 000 a year; cash 1 000 → 0 → −1 000 → −2 000
    assert [f.result for f in figures] == [D("-1000.00")] * 3
    assert [f.cash_end for f in figures] == [D("0.00"), D("-1000.00"), D("-2000.00")]
    assert [f.break_even for f in figures] == [11] * 3  # 25 000 / 2 400 = 10,4 → 11


@pytest.mark.parametrize(("field", "value", "code"), [
    ("y1_average_revenue", "-5", "amount_negative"),
    ("y2_staff_costs", "beaucoup", "amount_invalid"),
    ("y1_entrepreneurs", "2,5", "integer_invalid"),
    ("band_2_rate", "60", "rate_out_of_range"),
    ("band_3_from", "30000", "bands_not_increasing"),
    ("band_1_from", "100", "band_first_zero"),
    ("rate_mode", "progressif", "rate_mode_invalid"),
    ("subsidy_p999999_y1", "100", "subsidy_partner_invalid"),
])
def test_bad_input_changes_nothing(project, world, field, value, code):
    _save_plan(project, world)
    before = [f.result for f in plan_figures(project)[1]]
    with pytest.raises(AppError) as raised:
        business_plan_save(project=project, data=PLAN | {field: value}, acting_user=world.user("network_staff"))
    assert raised.value.code == code
    assert raised.value.field == field
    assert [f.result for f in plan_figures(project)[1]] == before


def test_page_shows_a_french_error(project, world, founder):
    client = client_for(None, founder)
    response = client.post(f"/essaimage/{project.pk}/plan/", PLAN | {"y1_average_revenue": "-5"})
    assert response.status_code == 400
    assert "Année 1 — Chiffre d'affaires moyen : le montant ne peut pas être négatif." in html.unescape(
        response.content.decode())


def _page_values(page: str) -> dict[str, list[str]]:
    rows = {}
    for key, cells in re.findall(r'<tr data-row="(\w+)">(.*?)</tr>', page, flags=re.S):
        rows[key] = re.findall(r'data-value="([^"]*)"', cells)
    return rows


def test_csv_and_xlsx_equal_the_page(project, world, founder):
    _save_plan(project, world)
    client = client_for(None, founder)
    page = _page_values(client.get(f"/essaimage/{project.pk}/plan/").content.decode())
    assert page["result"] == ["-8400.00", "20500.00", "64000.00"]
    assert page["break_even"] == ["17", "20", "27"]

    response = client.get(f"/essaimage/{project.pk}/plan.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Poste", "2027", "2028", "2029"]
    csv_values = [[cell.replace(",", ".") for cell in row[1:]] for row in rows[1:]]

    response = client.get(f"/essaimage/{project.pk}/plan.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    xlsx_rows = list(sheet.iter_rows(min_row=3, values_only=True))

    assert len(csv_values) == len(xlsx_rows) == len(page) == 12
    for (key, page_row), csv_row, xlsx_row in zip(page.items(), csv_values, xlsx_rows, strict=True):
        as_decimal = [D(v) for v in page_row]
        assert [D(v) for v in csv_row] == as_decimal, key
        assert [D(str(v)) for v in xlsx_row[1:]] == as_decimal, key


def test_plan_and_exports_are_the_projects_members_only(project, world):
    _save_plan(project, world)
    for user in (world.user("director_a"), world.user("nobody")):
        client = client_for(None, user)
        for path in ("plan/", "plan.csv", "plan.xlsx"):
            assert client.get(f"/essaimage/{project.pk}/{path}").status_code == 404


def test_partner_subsidies_appear_on_the_form(project, world, founder):
    region = _save_plan(project, world)
    page = client_for(None, founder).get(f"/essaimage/{project.pk}/plan/").content.decode()
    assert f'name="subsidy_p{region.pk}_y1" inputmode="decimal" value="40000.00"' in page
    assert Partner.objects.filter(project=project).count() == 1


def test_the_chart_draws_each_years_figures(project, world, founder):
    """The page's inline SVG: for each year, one bar per series with its value (hand-checked
    figures above); a deficit is drawn below the zero line, a surplus above it."""
    _save_plan(project, world)
    page = client_for(None, founder).get(f"/essaimage/{project.pk}/plan/").content.decode()
    svg = re.search(r'<svg class="chart".*?</svg>', page, flags=re.S).group()
    assert "<script" not in svg  # drawn server-side, no JavaScript
    costs = [D("75000"), D("103000"), D("130000")]
    bars = {}
    for y, height, year, label, value in re.findall(
            r'<rect class="[^"]+" fill="[^"]+" x="[^"]+" y="(\d+)" width="[^"]+" height="(\d+)">'
            r"<title>(\d{4}) — ([^:]+) : ([^<]+)</title></rect>", svg):
        bars[(int(year), label.strip())] = (int(y), int(height), html.unescape(value))
    assert len(bars) == 12
    zero = int(re.search(r'<line x1="\d+" x2="\d+" y1="(\d+)"', svg).group(1))

    def euros(amount):
        return f"{amount:,.0f} €".replace(",", "\u202f")  # narrow no-break space between thousands

    for i, year in enumerate((2027, 2028, 2029)):
        assert f">{year}</text>" in svg
        expected = {"Contribution": EXPECTED["contribution_income"][i], "Subventions": EXPECTED["subsidies"][i],
                    "Charges": costs[i], "Résultat": EXPECTED["result"][i]}
        for label, amount in expected.items():
            y, height, shown = bars[(year, label)]
            assert shown == euros(amount), (year, label)
            if amount >= 0:
                assert y + height == zero, (year, label)  # stands on the zero line
            else:
                assert y == zero, (year, label)  # hangs below it
    # bars are proportional: year 3's contribution (184 000) against year 1's (21 600)
    ratio = bars[(2029, "Contribution")][1] / bars[(2027, "Contribution")][1]
    assert abs(ratio - 184000 / 21600) < 0.2
