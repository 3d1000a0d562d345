"""The sandbox platform as a real process, started once per session on a free loopback port with
its own database; each test registers its own clients (fresh SIRENs, fresh invoice numbers), so
that no test depends on another. No Django database is used here."""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from standins.pa_sandbox.process import SandboxAdmin, start

REFS = Path(__file__).resolve().parents[2].parent / "shared" / "design" / "refs" / "einvoicing_fr"
INVOICES = REFS / "samples" / "invoices"
CDAR_SAMPLES = REFS / "samples" / "cdar"
CDAR_XSD = REFS / "xsd" / "cdar" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
# The SIRENs and the number of the official examples, replaced in each test by fresh ones.
SAMPLE_SELLER, SAMPLE_BUYER = "100000009", "200000008"
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
      "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}

_sirens = itertools.count(310_000_000 + secrets.randbelow(100_000) * 1000)
_numbers = itertools.count(1)


def fresh_siren() -> str:
    return f"{next(_sirens):09d}"


def fresh_number() -> str:
    return f"T{next(_numbers):05d}-{secrets.token_hex(2).upper()}"


def sample(folder: Path, name: str) -> str:
    path = folder / name
    if not path.exists():
        pytest.skip(f"official samples absent ({path})")
    return path.read_text(encoding="utf-8-sig")


def invoice(*, seller: str, buyer_address: str, number: str, syntax: str = "CII", credit_note: bool = False) -> bytes:
    """An official example invoice (XP Z12-014 annex B, UC1; UC5b for a credit note), re-addressed:
    `seller` as the seller's SIREN, `buyer_address` as the buyer's electronic address (BT-49)."""
    name = {("CII", False): "UC1_F202500003_00-INV_20250701_CII.xml",
            ("UBL", False): "UC1_F202500003_00-INV_20250701_UBL.xml",
            ("CII", True): "UC5b_F202500011_00-CN_20250703_CII.xml",
            ("UBL", True): "UC5b_F202500011_00-CN_20250703_UBL.xml"}[(syntax, credit_note)]
    text = sample(INVOICES, name)
    buyer_uri = f'schemeID="0225">{SAMPLE_BUYER}</'
    assert buyer_uri in text
    text = text.replace(buyer_uri, f'schemeID="0225">{buyer_address}</')
    return (text.replace(SAMPLE_SELLER, seller).replace("F202500003", number).replace("F202500011", number)
            .encode("utf-8"))


def status_message(sample_name: str, *, number: str, seller: str, buyer: str, sample_number: str) -> bytes:
    """An official lifecycle example (samples/cdar/) about our invoice."""
    text = sample(CDAR_SAMPLES, sample_name)
    return (text.replace(sample_number, number).replace(SAMPLE_SELLER, seller).replace(SAMPLE_BUYER, buyer)
            .encode("utf-8"))


def e_report(siren: str, *, valid: bool = True) -> bytes:
    """A flux 10.4 report (payments aggregated per day) for `siren`; without its period if not `valid`."""
    period = "<ReportPeriod><StartDate>20260101</StartDate><EndDate>20260131</EndDate></ReportPeriod>" if valid else ""
    return (
        "<?xml version='1.0' encoding='UTF-8'?><Report><ReportDocument><Id>RPT-" + secrets.token_hex(4) + "</Id>"
        "<IssueDateTime><DateTimeString>20260201120000</DateTimeString></IssueDateTime><TypeCode>IN</TypeCode>"
        "<Sender><Id schemeId=\"0238\">9999</Id><Name>PA</Name><RoleCode>WK</RoleCode></Sender>"
        f"<Issuer><Id schemeId=\"0002\">{siren}</Id><Name>CAE</Name><RoleCode>SE</RoleCode></Issuer>"
        f"</ReportDocument><PaymentsReport>{period}<Transactions><Payment><Date>20260115</Date><SubTotals>"
        "<TaxPercent>20.00</TaxPercent><CurrencyCode>EUR</CurrencyCode><Amount>120.00</Amount></SubTotals>"
        "</Payment></Transactions></PaymentsReport></Report>").encode()


@pytest.fixture(scope="session")
def cdar_schema() -> etree.XMLSchema:
    if not CDAR_XSD.exists():
        pytest.skip(f"CDAR XSD absent ({CDAR_XSD})")
    return etree.XMLSchema(etree.parse(str(CDAR_XSD)))


def cdar_facts(content: bytes) -> dict[str, Any]:
    root = etree.fromstring(content)

    def text(path: str) -> str | None:
        found = root.xpath(path, namespaces=NS)
        return (found[0] if isinstance(found[0], str) else found[0].text) if found else None

    reference = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"
    return {
        "type": text("rsm:AcknowledgementDocument/ram:TypeCode"),
        "sender_role": text("rsm:ExchangedDocument/ram:SenderTradeParty/ram:RoleCode"),
        "issuer_role": text("rsm:ExchangedDocument/ram:IssuerTradeParty/ram:RoleCode"),
        "recipient_roles": root.xpath("rsm:ExchangedDocument/ram:RecipientTradeParty/ram:RoleCode/text()",
                                      namespaces=NS),
        "number": text(f"{reference}/ram:IssuerAssignedID"),
        "date": text(f"{reference}/ram:FormattedIssueDateTime/qdt:DateTimeString"),
        "date_format": text(f"{reference}/ram:FormattedIssueDateTime/qdt:DateTimeString/@format"),
        "seller_siren": text(f"{reference}/ram:IssuerTradeParty/ram:GlobalID[@schemeID='0002']"),
        "code": text(f"{reference}/ram:ProcessConditionCode"),
        "label": text(f"{reference}/ram:ProcessCondition"),
        "reason": text(f"{reference}/ram:SpecifiedDocumentStatus/ram:ReasonCode"),
        "sequence": text(f"{reference}/ram:SpecifiedDocumentStatus/ram:SequenceNumeric"),
    }


@dataclass
class Party:
    """One platform client (a company), with a token and its own HTTP connection."""

    client_id: str
    secret: str
    siren: str
    name: str
    url: str
    http: httpx.Client = field(repr=False)

    @property
    def address(self) -> str:
        return self.siren

    def post_flow(self, content: bytes, *, syntax: str = "CII", tracking_id: str | None = None,
                  name: str = "flow.xml", **extra: Any) -> httpx.Response:
        info: dict[str, Any] = {"name": name, "flowSyntax": syntax, **extra}
        info["trackingId"] = tracking_id or secrets.token_hex(12)
        content_type = "application/pdf" if content[:5] == b"%PDF-" else "application/xml"
        return self.http.post("/flow-service/v1/flows", files={
            "flowInfo": (None, json.dumps(info), "application/json"), "file": (name, content, content_type)})

    def submit(self, content: bytes, **kwargs: Any) -> dict:
        response = self.post_flow(content, **kwargs)
        assert response.status_code == 202, response.text
        return response.json()

    def search(self, where: dict, **body: Any) -> httpx.Response:
        return self.http.post("/flow-service/v1/flows/search", json={"where": where, **body})

    def flows(self, where: dict | None = None, *, limit: int = 100) -> list[dict]:
        """Every flow matching `where`, page after page."""
        where = where or {"flowDirection": ["In", "Out"]}
        found, cursor = [], None
        while True:
            body: dict[str, Any] = {"limit": limit}
            if cursor:
                body["cursor"] = cursor
            response = self.search(where, **body)
            assert response.status_code == 200, response.text
            page = response.json()
            found += page["results"]
            cursor = page.get("nextCursor")
            if not cursor:
                return found

    def metadata(self, flow_id: str) -> dict:
        response = self.http.get(f"/flow-service/v1/flows/{flow_id}", params={"docType": "Metadata"})
        assert response.status_code == 200, response.text
        return response.json()

    def original(self, flow_id: str) -> bytes:
        response = self.http.get(f"/flow-service/v1/flows/{flow_id}", params={"docType": "Original"})
        assert response.status_code == 200, response.text
        return response.content

    def lifecycle(self, number: str) -> list[tuple[dict, bytes]]:
        """The CDAR flows made available to this client about invoice `number`, oldest first."""
        found = []
        for flow in self.flows({"flowDirection": ["In"],
                                "flowType": ["CustomerInvoiceLC", "SupplierInvoiceLC"]}):
            content = self.original(flow["flowId"])
            if cdar_facts(content)["number"] == number:
                found.append((flow, content))
        return found


def token_for(url: str, client_id: str, secret: str) -> str:
    response = httpx.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    process = start(tmp_path_factory.mktemp("pa_sandbox") / "sandbox.sqlite3", admin_token=secrets.token_urlsafe(16))
    try:
        yield process
    finally:
        assert process.stop() == 0


@pytest.fixture(scope="session")
def admin(sandbox):
    with SandboxAdmin(sandbox.url, sandbox.admin_token) as client:
        yield client


@pytest.fixture
def party(sandbox, admin):
    """A factory of registered clients, listed in the directory under their SIREN unless told not."""
    made: list[Party] = []

    def make(name: str = "Entreprise", *, directory: bool = True) -> Party:
        siren, client_id, secret = fresh_siren(), f"client-{secrets.token_hex(6)}", secrets.token_urlsafe(12)
        admin.client(client_id, secret, name=name, siren=siren)
        if directory:
            admin.directory(siren=siren, name=name, client_id=client_id)
        http = httpx.Client(base_url=sandbox.url, timeout=30,
                            headers={"Authorization": f"Bearer {token_for(sandbox.url, client_id, secret)}"})
        made.append(Party(client_id=client_id, secret=secret, siren=siren, name=name, url=sandbox.url, http=http))
        return made[-1]

    yield make
    for one in made:
        one.http.close()


@pytest.fixture
def faults(admin):
    """Faults set by a test never outlive it."""
    yield admin
    for mode in ("unavailable", "lost_response"):
        admin.fault(mode, 0)
