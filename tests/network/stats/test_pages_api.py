"""Screens and API of the published statistics: who reaches what, downloads equal to the page,
nothing unpublished and nothing per CAE or per person reachable."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin

from network.stats.models import CaeContribution, Release, ReleaseStanding
from network.stats.releases import release_create, release_publish
from network.stats.standings import own_standings
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def published(collected, world):
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    release_publish(release=release, acting_user=world.user("network_staff"))
    return release


@pytest.fixture
def draft(collected, world):
    return release_create(period="2026", acting_user=world.user("network_staff"))


def _cells_of_page(html: str) -> dict[str, str]:
    return {key: value.strip() for key, value in re.findall(r'data-cell="([^"]+)"[^>]*>([^<]*)</td>', html)}


def test_dashboard_for_the_network_staff(published, world):
    response = client_for(None, world.user("network_staff")).get("/statistiques/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Statistiques du réseau — 2026" in html and 'class="chart map"' in html and 'class="chart trend"' in html
    assert "Entrepreneur·es accompagné·es" in html and "Par type de CAE" in html and "Par secteur" in html
    key = {c.coords["indicator"]: c for c in published.tables.get(code="key_figures").cells.all()}
    assert f'data-status="published">{int(key["entrepreneurs"].value)}<' in html
    suppressed = [c for c in key.values() if c.value is None]
    if suppressed:
        assert 'data-status="' + suppressed[0].status + '">s<' in html


@pytest.mark.parametrize("who", [None, "director_a", "nobody"])
def test_dashboard_is_for_the_network_staff_only(published, world, who):
    client = client_for(None, world.user(who) if who else None)
    response = client.get("/statistiques/")
    assert response.status_code in (302, 403)
    if who is None:
        assert "/connexion/" in response["Location"]
    assert client.get(f"/statistiques/versions/{published.pk}/entrepreneurs_stage/").status_code in (302, 403)
    assert client.get(f"/statistiques/versions/{published.pk}/entrepreneurs_stage.csv").status_code in (302, 403)


def test_downloads_equal_the_page(published, world):
    client = client_for(None, world.user("network_staff"))
    for code in ("entrepreneurs_region_sector", "entrepreneurs_department", "revenue_kind", "key_figures"):
        page = client.get(f"/statistiques/versions/{published.pk}/{code}/")
        assert page.status_code == 200
        on_page = _cells_of_page(page.content.decode())
        table = published.tables.get(code=code)
        names = [d["name"] for d in table.dimensions]
        rows = list(csv.reader(io.StringIO(
            client.get(f"/statistiques/versions/{published.pk}/{code}.csv").content.decode("utf-8-sig"))))
        assert rows[0] == [*names, "valeur", "statut"]
        from_csv = {"|".join(f"{n}={v}" for n, v in zip(names, row, strict=False)): row[-2] for row in rows[1:]}
        assert len(from_csv) == table.cells.count()
        assert on_page == {k: v for k, v in from_csv.items() if k in on_page}
        assert len(on_page) >= table.cells.count() - 1, code  # the page shows every cell
        assert "s" in from_csv.values() or code == "revenue_kind"
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(client.get(
            f"/statistiques/versions/{published.pk}/{code}.xlsx").content))
        sheet = list(book.active.iter_rows(values_only=True))
        assert list(sheet[0]) == [*names, "valeur", "statut"]
        from_xlsx = {"|".join(f"{n}={v}" for n, v in zip(names, row, strict=False)):
                     (row[-2] if row[-2] == "s" else Decimal(str(row[-2]))) for row in sheet[1:]}
        assert {k: (v if v == "s" else Decimal(v)) for k, v in from_csv.items()} == from_xlsx


def test_publish_through_the_page(draft, world):
    client = client_for(None, world.user("network_staff"))
    assert client.get(f"/statistiques/versions/{draft.pk}/").status_code == 200
    response = client.post(f"/statistiques/versions/{draft.pk}/publier/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    response = client.post("/statistiques/versions/nouvelle/", {"period": "2026"})
    assert response.status_code == 302 and Release.objects.filter(version=2).exists()
    response = client.post("/statistiques/versions/nouvelle/", {"period": "n'importe"}, follow=True)
    assert "Période invalide" in response.content.decode()


def test_api_lists_published_releases_only_and_every_cell(published, draft, world):
    client = client_for(None)
    listing = client.get("/api/v1/network/releases").json()
    assert [r["id"] for r in listing] == [published.pk]
    release = listing[0]
    assert release["audit"]["ok"] and release["parameters"]["labels"] == "kind"
    table_url = next(t["url"] for t in release["tables"] if t["code"] == "entrepreneurs_region_sector")
    body = client.get(table_url).json()
    table = published.tables.get(code="entrepreneurs_region_sector")
    assert len(body["cells"]) == table.cells.count()
    assert [d["name"] for d in body["dimensions"]] == ["region", "sector", "year"]
    margin = next(c for c in body["cells"] if c["dimensions"] == {"region": "*", "sector": "*", "year": "2026"})
    assert margin["status"] == "published" and Decimal(margin["value"]) > 0 and margin["label"] is None
    secret = [c for c in body["cells"] if c["status"] in ("primary", "secondary")]
    assert secret and all(c["value"] is None and c["label"] == "s" for c in secret)
    assert {c["status"] for c in body["cells"]} <= {"published", "empty", "primary", "secondary"}
    # The draft, although built from the same figures, is not reachable.
    assert client.get(f"/api/v1/network/releases/{draft.pk}/tables/entrepreneurs_region_sector").status_code == 404
    assert client.get(f"/api/v1/network/releases/{published.pk}/tables/nothing").status_code == 404
    # Nor as the network staff, nor from a CAE's domain.
    staff = client_for(None, world.user("network_staff"))
    assert staff.get(f"/api/v1/network/releases/{draft.pk}/tables/key_figures").status_code == 404
    assert client_for(world.cae_a).get("/api/v1/network/releases").status_code == 404


def test_unpublished_release_pages(draft, world):
    staff = client_for(None, world.user("network_staff"))
    assert staff.get(f"/statistiques/versions/{draft.pk}/key_figures/").status_code == 200
    assert staff.get("/statistiques/").content.decode().count("Aucune version publiée") == 1


def test_openapi_documents_the_endpoints(published):
    schema = client_for(None).get("/api/schema/?format=json").json()
    assert "/api/v1/network/releases" in schema["paths"]
    assert any(p.startswith("/api/v1/network/releases/{") and p.endswith("/tables/{code}") for p in schema["paths"])
    text = str(schema).lower()
    assert "contribution" not in text and "standing" not in text


def test_no_page_admin_or_api_reads_contributions(published, collected, world):
    # Structure: outside the consolidation code, no module names the sealed tables: the
    # contributions, and each CAE's standing (read for that CAE's own page by standings.py only).
    sealed = {
        ("CaeContribution", "consolidation_rows"): {"network/stats/models.py", "network/stats/collection.py",
                                                    "network/stats/consolidation.py"},
        ("ReleaseStanding", "standing_rows"): {"network/stats/models.py", "network/stats/standings.py"},
    }
    for folder in ("network", "api", "platform", "tenants"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel:
                continue
            text = path.read_text()
            for names, allowed in sealed.items():
                if rel not in allowed:
                    assert not any(name in text for name in names), (rel, names)
    assert CaeContribution not in admin.site._registry and ReleaseStanding not in admin.site._registry
    # Pages and API show no CAE and no person: their names appear nowhere.
    staff = client_for(None, world.user("network_staff"))
    pages = [staff.get("/statistiques/"), staff.get(f"/statistiques/versions/{published.pk}/")]
    for table in published.tables.all():
        pages.append(staff.get(f"/statistiques/versions/{published.pk}/{table.code}/"))
        pages.append(staff.get(f"/statistiques/versions/{published.pk}/{table.code}.csv"))
        pages.append(client_for(None).get(f"/api/v1/network/releases/{published.pk}/tables/{table.code}"))
    content = " ".join(p.content.decode("utf-8", "replace") for p in pages)
    from tenants.people.models import Entrepreneur

    for coop in collected:
        assert coop.name not in content and coop.slug not in content
        with tenant_context(coop):
            for first, last, email in Entrepreneur.objects.values_list("first_name", "last_name", "email")[:20]:
                assert f"{first} {last}" not in content and email not in content


def test_a_cae_sees_itself_beside_the_network_and_no_other_cae(published, collected):
    from essaim.accounts.models import User

    mine, others = collected[1], [c for c in collected if c != collected[1]]
    from demo.logins import DEMO_PASSWORD

    director = User.objects.get(email=f"direction@{mine.slug}.demo")
    own = {s.indicator: s for s in own_standings(cooperative=mine, release=published)}

    client = client_for(mine)
    assert client.post("/connexion/", {"username": director.email, "password": DEMO_PASSWORD}).status_code == 302
    response = client.get("/statistiques/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{own['entrepreneurs'].rank} / {own['entrepreneurs'].out_of}" in html
    assert f">{int(own['entrepreneurs'].value)}<" in html
    for other in others:
        for s in own_standings(cooperative=other, release=published):
            if s.indicator in ("revenue", "fte") and s.value and s.value != own[s.indicator].value:
                shown = f"{s.value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
                assert f">{shown}<" not in html
        assert other.name not in html
    # Other roles of the CAE, and anybody outside it, do not see the page.
    counsellor = User.objects.get(email=f"conseil@{mine.slug}.demo")
    other_client = client_for(mine)
    assert other_client.post("/connexion/", {"username": counsellor.email, "password": DEMO_PASSWORD}).status_code == 302
    assert other_client.get("/statistiques/").status_code == 403
    assert client_for(mine).get("/statistiques/").status_code in (302, 403)
    # Another CAE's director logs in on their own domain and sees their own rank only.
    theirs = others[0]
    their_director = client_for(theirs)
    their_director.post("/connexion/", {"username": f"direction@{theirs.slug}.demo", "password": DEMO_PASSWORD})
    page = their_director.get("/statistiques/").content.decode()
    theirs_rank = next(s for s in own_standings(cooperative=theirs, release=published) if s.indicator == "entrepreneurs")
    assert f"{theirs_rank.rank} / {theirs_rank.out_of}" in page


def test_junk_release_ids_and_table_codes_are_404(published, draft, world):
    staff = client_for(None, world.user("network_staff"))
    huge = "9" * 25
    for query in ("abc", huge, "-1", "1.5"):
        assert staff.get("/statistiques/", {"version": query}).status_code == 404, query
    for url in (f"/statistiques/versions/{huge}/", f"/statistiques/versions/{huge}/key_figures/",
                f"/statistiques/versions/{huge}/key_figures.csv", f"/statistiques/versions/{published.pk}/nothing/",
                f"/statistiques/versions/{published.pk}/nothing.csv",
                f"/statistiques/versions/{published.pk}/nothing.xlsx", "/statistiques/versions/abc/"):
        assert staff.get(url).status_code == 404, url
    anonymous = client_for(None)
    for url in (f"/api/v1/network/releases/{huge}/tables/key_figures", "/api/v1/network/releases/abc/tables/x",
                f"/api/v1/network/releases/{published.pk}/tables/nothing",
                f"/api/v1/network/releases/{draft.pk}/tables/key_figures"):
        assert anonymous.get(url).status_code == 404, url
    # A draft is the network staff's only: a CAE's director on the public domain gets nothing.
    director = client_for(None, world.user("director_a"))
    assert director.get("/statistiques/", {"version": draft.pk}).status_code == 403
    assert director.get(f"/statistiques/versions/{draft.pk}/key_figures.csv").status_code == 403


def test_junk_periods_and_years_are_refused_in_french(collected, world):
    staff = client_for(None, world.user("network_staff"))
    for period in ("2_026", "+2026", "2026-Q01", "２０２６", "2026-Q5", "2101", "1999", ""):
        response = staff.post("/statistiques/versions/nouvelle/", {"period": period}, follow=True)
        assert "Période invalide" in response.content.decode(), period
    assert not Release.objects.exists()
    for year in ("abc", "0", "-5", "99999", "1999", "2999"):
        response = staff.post("/statistiques/collecte/", {"year": year}, follow=True)
        assert "Année de collecte invalide" in response.content.decode(), year
        assert "demandée" not in response.content.decode()


def test_table_pages_and_downloads_read_a_fixed_number_of_queries(published, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = client_for(None, world.user("network_staff"))
    counts = {}
    for code in ("key_figures", "entrepreneurs_department", "entrepreneurs_region_sector"):
        for suffix in ("/", ".csv", ".xlsx"):
            with CaptureQueriesContext(connection) as ctx:
                assert staff.get(f"/statistiques/versions/{published.pk}/{code}{suffix}").status_code == 200
            counts[(code, suffix)] = len(ctx.captured_queries)
    # However many cells a table has: one query for them (no query per cell).
    assert len(set(counts.values())) == 1, counts
    with CaptureQueriesContext(connection) as ctx:
        assert staff.get("/statistiques/").status_code == 200
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    # The drawn tables only, and one query for the earlier periods' published key figures.
    assert sum('FROM "stats_releasecell"' in q for q in selects) == 8, selects
    assert len(selects) <= 12, selects


def test_another_caes_director_gets_nothing_of_this_cae(published, collected):
    from demo.logins import DEMO_PASSWORD
    from tests.conftest import host_of

    mine, theirs = collected[0], collected[1]
    own = next(s for s in own_standings(cooperative=mine, release=published) if s.indicator == "entrepreneurs")
    from django.test import Client

    intruder = Client(HTTP_HOST=host_of(mine))
    intruder.post("/connexion/", {"username": f"direction@{theirs.slug}.demo", "password": DEMO_PASSWORD})
    response = intruder.get("/statistiques/")
    assert response.status_code in (302, 403)
    assert f"{own.rank} / {own.out_of}" not in response.content.decode()
    # Nor with the session of their own domain.
    client = Client(HTTP_HOST=host_of(theirs))
    assert client.post("/connexion/", {"username": f"direction@{theirs.slug}.demo",
                                       "password": DEMO_PASSWORD}).status_code == 302
    response = client.get("/statistiques/", HTTP_HOST=host_of(mine))
    assert response.status_code in (302, 403)
    assert "Votre CAE" not in response.content.decode()


def test_a_superseded_version_is_served_no_more(published, world):
    staff_user = world.user("network_staff")
    newer = release_publish(release=release_create(period="2026", acting_user=staff_user), acting_user=staff_user)
    published.refresh_from_db()
    assert published.status == "superseded"
    anonymous, staff = client_for(None), client_for(None, staff_user)
    assert [r["id"] for r in anonymous.get("/api/v1/network/releases").json()] == [newer.pk]
    for url in (f"/api/v1/network/releases/{published.pk}/tables/key_figures",
                f"/api/v1/network/releases/{published.pk}/tables/entrepreneurs_region_sector"):
        assert anonymous.get(url).status_code == 404 and staff.get(url).status_code == 404, url
    for url in (f"/statistiques/versions/{published.pk}/", f"/statistiques/versions/{published.pk}/key_figures/",
                f"/statistiques/versions/{published.pk}/key_figures.csv",
                f"/statistiques/versions/{published.pk}/key_figures.xlsx", f"/statistiques/?version={published.pk}"):
        assert staff.get(url).status_code == 404, url
    assert staff.post(f"/statistiques/versions/{published.pk}/publier/").status_code == 404
    dashboard = staff.get("/statistiques/")
    assert dashboard.context["release"] == newer
    # Listed for the record, without a link.
    listing = staff.get("/statistiques/versions/").content.decode()
    assert 'data-status="superseded">Remplacée le' in listing
    assert f'href="/statistiques/versions/{published.pk}/"' not in listing
    assert f'href="/statistiques/versions/{newer.pk}/"' in listing


def test_trends_show_earlier_years_as_their_own_release_published_them(collected, world):
    """A release holds its own year; the trend shows each earlier year from that year's
    published release, even when the year was re-collected since with other figures."""
    from network.stats import consolidation
    from network.stats.selectors import shown

    staff_user = world.user("network_staff")
    staff = client_for(None, staff_user)
    only_2026 = release_create(period="2026", acting_user=staff_user)
    points = dict(staff.get(f"/statistiques/?version={only_2026.pk}").context["trends"][0][2])
    assert list(points) == ["2026"]  # 2025 has no published release yet: not shown
    y2025 = release_publish(release=release_create(period="2025", acting_user=staff_user), acting_user=staff_user)
    key_2025 = {c.coords["indicator"]: c for c in y2025.tables.get(code="key_figures").cells.all()}
    assert key_2025["entrepreneurs"].status == "published"
    # 2025 re-collected: one CAE now reports 5 more people (a late correction).
    row = CaeContribution.consolidation_rows.get(cooperative=collected[0], period="2025", source="entrepreneurs")
    row.cells, row.content_hash = [[*row.cells[0][:5], row.cells[0][5] + 5], *row.cells[1:]], "changed"
    row.save(update_fields=["cells", "content_hash"])
    recomputed = next(t for t in consolidation.build("2025", codes=("entrepreneurs_region_sector",)).tables)
    assert recomputed.cells[("*", "*")].value == key_2025["entrepreneurs"].value + 5
    y2026 = release_publish(release=release_create(period="2026", acting_user=staff_user), acting_user=staff_user)
    assert not y2026.tables.get(code="entrepreneurs_region_sector").cells.exclude(coords__year="2026").exists()
    trends = {title: dict(points) for title, _chart, points in staff.get("/statistiques/").context["trends"]}
    assert list(trends["Entrepreneur·es"]) == list(trends["Ateliers tenus"]) == ["2025", "2026"]
    assert trends["Entrepreneur·es"]["2025"] == shown(key_2025["entrepreneurs"].value, "published")
    assert trends["Chiffre d'affaires HT (€)"]["2025"] == shown(key_2025["revenue"].value, key_2025["revenue"].status)
    # A new version of 2025 replaces the old one in the trend too, never both.
    y2025_v2 = release_publish(release=release_create(period="2025", acting_user=staff_user), acting_user=staff_user)
    trends = {title: dict(points) for title, _chart, points in staff.get("/statistiques/").context["trends"]}
    v2 = y2025_v2.tables.get(code="key_figures").cells.get(coords__indicator="entrepreneurs")
    assert v2.value == recomputed.cells[("*", "*")].value
    assert trends["Entrepreneur·es"]["2025"] == shown(v2.value, v2.status)


def test_prepare_uses_the_configured_thresholds(collected, world, settings):
    staff = client_for(None, world.user("network_staff"))
    assert staff.post("/statistiques/versions/nouvelle/", {"period": "2026"}).status_code == 302
    settings.ESSAIM_DISCLOSURE = {**settings.ESSAIM_DISCLOSURE, "count_min_caes": 4}
    assert staff.post("/statistiques/versions/nouvelle/", {"period": "2026"}).status_code == 302
    default, strict = Release.objects.filter(period="2026").order_by("version")
    assert (default.parameters["count_min_caes"], strict.parameters["count_min_caes"]) == ("2", "4")
    page = staff.get(f"/statistiques/versions/{strict.pk}/").content.decode()
    assert "<th>count_min_caes</th><td>4</td>" in page
    # Count cells of two or three CAEs, published by default, are secret with four required.
    from network.stats.models import ReleaseCell

    def primary(release):
        return set(ReleaseCell.objects.filter(table__release=release, table__kind="count", status="primary")
                   .values_list("table__code", "position"))

    assert primary(default) < primary(strict)
    assert strict.audit["sensitive_cells"] > default.audit["sensitive_cells"]
