"""The sandbox approved platform through HTTP, as a client of the standard would use it: tokens,
isolation, routing and the platform's statuses (CDAR valid against the official XSD), rejections
with the official reasons, idempotency and faults, pagination, the buyer's and the seller's own
statuses, e-reporting, hostile and oversized input, the directory."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote_plus

import httpx
import pytest
from lxml import etree

from standins.pa_sandbox.process import start

from .conftest import REFS, cdar_facts, e_report, fresh_number, invoice, status_message


def routed(seller, buyer, **kwargs) -> tuple[str, bytes, dict]:
    """An invoice from `seller` to `buyer`, submitted: (number, bytes, FullFlowInfo)."""
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number, **kwargs)
    syntax = kwargs.get("syntax", "CII")
    return number, content, seller.submit(content, syntax=syntax, name=f"{number}.xml")


def codes_of(lifecycle: list[tuple[dict, bytes]]) -> list[str]:
    return [cdar_facts(content)["code"] for _, content in lifecycle]


def deliveries(party, number: str) -> list[dict]:
    return [flow for flow in party.flows({"flowType": ["SupplierInvoice"]})
            if number.encode() in party.original(flow["flowId"])]


# -- the token and authentication --------------------------------------------------------------------
def test_healthchecks_answer(sandbox):
    for service in ("flow-service", "directory-service"):
        assert httpx.get(f"{sandbox.url}/{service}/v1/healthcheck").status_code == 200


def test_token_with_good_and_bad_credentials(sandbox, party):
    seller = party()
    url = f"{sandbox.url}/oauth/token"
    basic = httpx.post(url, data={"grant_type": "client_credentials"}, auth=(seller.client_id, seller.secret))
    assert basic.status_code == 200
    body = basic.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["access_token"]
    assert basic.headers["cache-control"] == "no-store"
    in_body = httpx.post(url, data={"grant_type": "client_credentials", "client_id": seller.client_id,
                                    "client_secret": seller.secret})
    assert in_body.status_code == 200 and in_body.json()["access_token"] != body["access_token"]

    wrong = httpx.post(url, data={"grant_type": "client_credentials"}, auth=(seller.client_id, "wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = httpx.post(url, data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"})
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    grant = httpx.post(url, data={"grant_type": "password"}, auth=(seller.client_id, seller.secret))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    missing = httpx.post(url, data={}, auth=(seller.client_id, seller.secret))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    both = httpx.post(url, data={"grant_type": "client_credentials", "client_id": seller.client_id,
                                 "client_secret": seller.secret}, auth=(seller.client_id, seller.secret))
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"

    # The token opens the Flow Service.
    search = httpx.post(f"{sandbox.url}/flow-service/v1/flows/search", json={"where": {"flowDirection": ["In"]}},
                        headers={"Authorization": f"Bearer {body['access_token']}"})
    assert search.status_code == 200


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/flow-service/v1/flows/search"), ("GET", "/flow-service/v1/flows/some-id"),
    ("POST", "/flow-service/v1/flows"), ("GET", "/directory-service/v1/siren/code-insee:123456789"),
    ("POST", "/directory-service/v1/directory-line/search")])
def test_no_token_no_access(sandbox, method, path):
    missing = httpx.request(method, f"{sandbox.url}{path}", json={"where": {"flowDirection": ["In"]}})
    assert missing.status_code == 401
    assert missing.json()["errorCode"] == "MISSING_TOKEN"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    forged = httpx.request(method, f"{sandbox.url}{path}", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401 and forged.json()["errorCode"] == "INVALID_TOKEN"


def test_admin_api_needs_the_admin_token(sandbox, party):
    seller = party()
    assert httpx.get(f"{sandbox.url}/sandbox/stats").status_code == 401
    client_token = seller.http.headers["Authorization"]
    assert httpx.get(f"{sandbox.url}/sandbox/stats", headers={"Authorization": client_token}).status_code == 401


def test_a_new_secret_ends_the_old_tokens(sandbox, admin, party):
    seller = party()
    admin.client(seller.client_id, "a-new-secret", name=seller.name, siren=seller.siren)
    assert seller.search({"flowDirection": ["In"]}).status_code == 401


# -- isolation -------------------------------------------------------------------------------------
def test_a_client_sees_only_its_own_flows(party):
    seller, buyer, other = party("Vendeur"), party("Acheteur"), party("Autre")
    tracking = secrets.token_hex(8)
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number)
    flow_id = seller.submit(content, tracking_id=tracking)["flowId"]

    assert other.search({"trackingId": tracking}).json()["results"] == []
    assert all(flow["flowId"] != flow_id for flow in other.flows())
    for doc_type in ("Metadata", "Original"):
        response = other.http.get(f"/flow-service/v1/flows/{flow_id}", params={"docType": doc_type})
        assert response.status_code == 404
        assert response.json()["errorCode"] == "MISSING_RESOURCE"
        assert number.encode() not in response.content
    # The buyer sees its own copy, never the seller's flow nor its statuses.
    assert buyer.http.get(f"/flow-service/v1/flows/{flow_id}").status_code == 404
    assert {flow["flowType"] for flow in buyer.flows()} == {"SupplierInvoice"}
    assert [flow["flowId"] for flow in seller.search({"trackingId": tracking}).json()["results"]] == [flow_id]


# -- routing and the platform's statuses ----------------------------------------------------------------
@pytest.mark.parametrize("syntax", ["CII", "UBL"])
def test_invoice_to_a_registered_buyer(party, cdar_schema, syntax):
    seller, buyer = party("Vendeur"), party("Acheteur")
    number, content, info = routed(seller, buyer, syntax=syntax)
    assert info["flowSyntax"] == syntax and info["sha256"] == hashlib.sha256(content).hexdigest()
    assert info["name"] == f"{number}.xml" and info["trackingId"] and info["flowId"] and info["submittedAt"]

    mine = seller.metadata(info["flowId"])
    assert (mine["flowType"], mine["flowDirection"], mine["acknowledgement"]) == ("CustomerInvoice", "Out",
                                                                                 {"status": "Ok"})
    assert mine["processingRule"] == "B2B" and mine["processingRuleSource"] == "Computed"

    received = deliveries(buyer, number)
    assert len(received) == 1
    delivered = received[0]
    assert (delivered["flowType"], delivered["flowDirection"], delivered["flowSyntax"]) == ("SupplierInvoice", "In",
                                                                                           syntax)
    download = buyer.http.get(f"/flow-service/v1/flows/{delivered['flowId']}", params={"docType": "Original"})
    assert download.content == content
    assert download.headers["content-disposition"].startswith("attachment;")
    assert f"{number}.xml" in download.headers["content-disposition"]

    lifecycle = seller.lifecycle(number)
    assert codes_of(lifecycle) == ["200", "202", "203"]
    for flow, message in lifecycle:
        assert (flow["flowType"], flow["flowDirection"], flow["flowSyntax"]) == ("CustomerInvoiceLC", "In", "CDAR")
        assert cdar_schema.validate(etree.fromstring(message)), cdar_schema.error_log
        facts = cdar_facts(message)
        assert (facts["type"], facts["sender_role"], facts["issuer_role"]) == ("305", "WK", "WK")
        assert (facts["number"], facts["date"], facts["date_format"]) == (number, "20250701", "102")
        assert facts["seller_siren"] == seller.siren
        assert "SE" in facts["recipient_roles"]
    assert [cdar_facts(m)["label"] for _, m in lifecycle] == ["Déposée", "Reçue", "Mise_à_disposition"]
    assert "DFH" in cdar_facts(lifecycle[0][1])["recipient_roles"]  # 200 goes to the tax authority too


def test_credit_note_is_routed_like_an_invoice(party):
    seller, buyer = party(), party()
    number, content, _ = routed(seller, buyer, credit_note=True)
    assert codes_of(seller.lifecycle(number)) == ["200", "202", "203"]
    assert buyer.original(deliveries(buyer, number)[0]["flowId"]) == content


def test_factur_x_pdf_is_routed(party):
    facturx = pytest.importorskip("facturx")
    pypdf = pytest.importorskip("pypdf")
    seller, buyer = party(), party()
    number = fresh_number()
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    blank = io.BytesIO()
    writer.write(blank)
    pdf = facturx.generate_from_binary(blank.getvalue(), invoice(seller=seller.siren, buyer_address=buyer.address,
                                                                 number=number), flavor="factur-x", level="en16931")
    info = seller.submit(pdf, syntax="Factur-X", name=f"{number}.pdf")
    assert seller.metadata(info["flowId"])["acknowledgement"]["status"] == "Ok"
    assert codes_of(seller.lifecycle(number)) == ["200", "202", "203"]
    (delivered,) = buyer.flows({"flowType": ["SupplierInvoice"]})  # the PDF's attachment is compressed
    download = buyer.http.get(f"/flow-service/v1/flows/{delivered['flowId']}", params={"docType": "Original"})
    assert download.content == pdf and download.headers["content-type"] == "application/pdf"
    # A Factur-X flow that is not a PDF is refused.
    wrong = seller.submit(invoice(seller=seller.siren, buyer_address=buyer.address, number=fresh_number()),
                          syntax="Factur-X")
    assert seller.metadata(wrong["flowId"])["acknowledgement"]["details"][0]["reasonCode"] == "FlowTypeError"


def test_buyer_absent_from_the_directory_is_rejected(party, cdar_schema):
    seller = party()
    number = fresh_number()
    info = seller.submit(invoice(seller=seller.siren, buyer_address="987654321", number=number))
    assert seller.metadata(info["flowId"])["acknowledgement"]["status"] == "Ok"
    lifecycle = seller.lifecycle(number)
    assert codes_of(lifecycle) == ["213"]  # rejected at issue: never deposited
    message = lifecycle[0][1]
    assert cdar_schema.validate(etree.fromstring(message)), cdar_schema.error_log
    facts = cdar_facts(message)
    assert (facts["reason"], facts["label"], facts["sequence"]) == ("DEST_INC", "Rejetée", "1")
    assert facts["type"] == "305" and facts["seller_siren"] == seller.siren


def test_buyer_line_removed_from_the_directory_is_unknown(admin, party):
    seller, buyer = party(), party()
    admin.delete_directory(buyer.address)
    number, _, _ = routed(seller, buyer)
    assert codes_of(seller.lifecycle(number)) == ["213"]
    assert deliveries(buyer, number) == []


def test_duplicate_invoice_is_rejected(party, cdar_schema):
    seller, buyer = party(), party()
    number, content, _ = routed(seller, buyer)
    again = seller.submit(content, tracking_id=secrets.token_hex(8))
    assert seller.metadata(again["flowId"])["acknowledgement"]["status"] == "Ok"
    lifecycle = seller.lifecycle(number)
    assert codes_of(lifecycle) == ["200", "202", "203", "213"]
    facts = cdar_facts(lifecycle[-1][1])
    assert facts["reason"] == "DOUBLON"
    assert cdar_schema.validate(etree.fromstring(lifecycle[-1][1]))
    assert len(deliveries(buyer, number)) == 1


def test_invalid_invoice_is_refused_and_rejected(party, cdar_schema):
    seller, buyer = party(), party()
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number).replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>380</ram:TypeCode><ram:Unexpected>x</ram:Unexpected>", 1)
    info = seller.submit(content)
    ack = seller.metadata(info["flowId"])["acknowledgement"]
    assert ack["status"] == "Error"
    assert ack["details"][0]["reasonCode"] == "InvalidSchema" and ack["details"][0]["level"] == "Error"
    assert "Unexpected" in ack["details"][0]["reasonMessage"]
    lifecycle = seller.lifecycle(number)
    assert codes_of(lifecycle) == ["213"]
    assert cdar_facts(lifecycle[0][1])["reason"] == "REJ_SEMAN"
    assert cdar_schema.validate(etree.fromstring(lifecycle[0][1]))
    assert deliveries(buyer, number) == []
    assert seller.search({"ackStatus": "Error", "trackingId": info["trackingId"]}).json()["results"][0]["flowId"] == (
        info["flowId"])


def test_xml_not_well_formed_is_refused(party):
    seller = party()
    info = seller.submit(b"<rsm:CrossIndustryInvoice><oops></rsm:CrossIndustryInvoice>")
    flow = seller.metadata(info["flowId"])
    assert flow["acknowledgement"]["status"] == "Error"
    assert flow["acknowledgement"]["details"][0]["reasonCode"] == "InvalidSchema"
    assert flow["flowType"] == "Undefined" and flow["processingRule"] == "Undefined"


def test_checksum_mismatch_and_empty_file(party):
    seller = party()
    info = seller.submit(b"<x/>", sha256="0" * 64)
    assert seller.metadata(info["flowId"])["acknowledgement"]["details"][0]["reasonCode"] == "ChecksumMismatch"
    empty = seller.submit(b"")
    assert seller.metadata(empty["flowId"])["acknowledgement"]["details"][0]["reasonCode"] == "EmptyFlow"


def test_bad_flow_info_is_a_bad_request(party):
    seller = party()
    assert seller.post_flow(b"<x/>", syntax="PDF").status_code == 400
    assert seller.post_flow(b"<x/>", processingRule="B2Z").status_code == 400
    no_info = seller.http.post("/flow-service/v1/flows", files={"file": ("a.xml", b"<x/>", "application/xml")})
    assert no_info.status_code == 400 and no_info.json()["errorCode"] == "MISSING_REQUIRED_FIELD"


# -- idempotency and faults ---------------------------------------------------------------------------------
def test_same_tracking_id_same_flow_one_delivery(party):
    seller, buyer = party(), party()
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number)
    first = seller.submit(content, tracking_id="same-tracking-id")
    second = seller.submit(content, tracking_id="same-tracking-id")
    assert second == first
    assert len(seller.search({"trackingId": "same-tracking-id"}).json()["results"]) == 1
    assert len(deliveries(buyer, number)) == 1
    assert codes_of(seller.lifecycle(number)) == ["200", "202", "203"]


def test_lost_answer_then_retry_delivers_once(party, faults):
    seller, buyer = party(), party()
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number)
    faults.fault("lost_response", 1)
    lost = seller.post_flow(content, tracking_id="retried")
    assert lost.status_code == 503 and lost.json()["errorCode"] == "RESOURCE_ERROR"
    found = seller.search({"trackingId": "retried", "flowDirection": ["Out"]}).json()["results"]
    assert len(found) == 1  # taken although the answer was lost
    retried = seller.submit(content, tracking_id="retried")
    assert retried["flowId"] == found[0]["flowId"]
    assert len(deliveries(buyer, number)) == 1
    assert codes_of(seller.lifecycle(number)) == ["200", "202", "203"]


def test_unavailable_then_back(sandbox, party, faults):
    seller = party()
    faults.fault("unavailable", 3)
    down = [httpx.post(f"{sandbox.url}/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(seller.client_id, seller.secret)),
            seller.search({"flowDirection": ["In"]}),
            seller.http.get(f"/directory-service/v1/siren/code-insee:{seller.siren}")]
    assert [response.status_code for response in down] == [503, 503, 503]
    assert all(response.json()["errorCode"] == "RESOURCE_ERROR" for response in down)
    assert seller.search({"flowDirection": ["In"]}).status_code == 200
    assert faults.stats()["faults"] == {"unavailable": 0, "lost_response": 0, "slow_response": 0}


def test_parallel_submissions_make_one_flow_and_one_deposit(party):
    """Real parallel requests (one connection each): the same trackingId gives one flow; the same
    invoice under different trackingIds is deposited once, the others rejected as duplicates."""
    seller, buyer = party(), party()
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number)
    barrier = threading.Barrier(6)

    def submit(tracking_id: str) -> dict:
        with httpx.Client(base_url=seller.url, headers={"Authorization": seller.http.headers["Authorization"]},
                          timeout=30) as http:
            info = {"name": "f.xml", "flowSyntax": "CII", "trackingId": tracking_id}
            barrier.wait()
            response = http.post("/flow-service/v1/flows", files={
                "flowInfo": (None, json.dumps(info), "application/json"), "file": ("f.xml", content, "application/xml")})
            assert response.status_code == 202, response.text
            return response.json()

    with ThreadPoolExecutor(6) as pool:
        same = list(pool.map(submit, ["one-tracking-id"] * 6))
    assert len({info["flowId"] for info in same}) == 1
    assert codes_of(seller.lifecycle(number)) == ["200", "202", "203"]

    barrier.reset()
    with ThreadPoolExecutor(6) as pool:
        others = list(pool.map(submit, [f"other-{index}" for index in range(6)]))
    assert len({info["flowId"] for info in others}) == 6
    codes = codes_of(seller.lifecycle(number))
    assert codes.count("200") == 1 and codes.count("213") == 6
    assert len(deliveries(buyer, number)) == 1


# -- search and pagination ------------------------------------------------------------------------------------
def test_cursor_pagination_over_more_than_a_hundred_flows(party):
    seller, buyer = party(), party()
    for _ in range(30):  # each: the invoice, 200, 202, 203 for the seller
        routed(seller, buyer)
    every = seller.flows(limit=100)
    assert len(every) == 120
    ids = [flow["flowId"] for flow in every]
    assert len(set(ids)) == 120
    assert [flow["updatedAt"] for flow in every] == sorted(flow["updatedAt"] for flow in every)
    assert [flow["flowId"] for flow in seller.flows(limit=7)] == ids  # same order whatever the page size

    first = seller.search({"flowDirection": ["In", "Out"]}).json()
    assert first["limit"] == 25 and len(first["results"]) == 25 and first["nextCursor"]
    assert first["filters"] == {"flowDirection": ["In", "Out"]}
    # updatedAfter is strict; filters combine with AND, lists with OR.
    after = seller.flows({"updatedAfter": every[9]["updatedAt"], "flowDirection": ["In", "Out"]})
    assert [flow["flowId"] for flow in after] == ids[10:]
    outgoing = seller.flows({"flowType": ["CustomerInvoice"], "ackStatus": "Ok"})
    assert len(outgoing) == 30 and {flow["flowDirection"] for flow in outgoing} == {"Out"}
    before = seller.flows({"updatedBefore": every[5]["updatedAt"]})
    assert [flow["flowId"] for flow in before] == ids[:5]

    assert seller.search({"flowDirection": ["In"]}, limit=101).status_code == 400
    assert seller.search({}).status_code == 400
    assert seller.search({"flowDirection": ["Sideways"]}).status_code == 400
    assert seller.search({"flowDirection": ["In"]}, cursor="not-a-cursor").status_code == 400


# -- statuses posted by the buyer and by the seller ------------------------------------------------------------
def test_buyer_refusal_reaches_the_seller(party):
    seller, buyer, stranger = party("Vendeur"), party("Acheteur"), party("Tiers")
    number, _, _ = routed(seller, buyer)
    refusal = status_message("UC3_F202500005_04-CDV-210_Refusee.xml", number=number, seller=seller.siren,
                             buyer=buyer.siren, sample_number="F202500005")
    info = buyer.submit(refusal, syntax="CDAR", name="refus.xml")
    sent = buyer.metadata(info["flowId"])
    assert (sent["flowType"], sent["flowDirection"], sent["acknowledgement"]) == ("SupplierInvoiceLC", "Out",
                                                                                 {"status": "Ok"})
    lifecycle = seller.lifecycle(number)
    assert codes_of(lifecycle) == ["200", "202", "203", "210"]
    flow, content = lifecycle[-1]
    assert (flow["flowType"], flow["flowDirection"]) == ("CustomerInvoiceLC", "In")
    assert content == refusal and cdar_facts(content)["reason"] == "TX_TVA_ERR"

    # Not the buyer's invoice: refused.
    denied = stranger.submit(refusal, syntax="CDAR")
    assert stranger.metadata(denied["flowId"])["acknowledgement"]["details"][0]["reasonCode"] == (
        "InvoiceLCAccessDenied")
    # A refusal without its reason breaks BR-FR-CDV-15.
    no_reason = etree.fromstring(refusal)
    for status in no_reason.xpath("//*[local-name()='SpecifiedDocumentStatus']"):
        status.getparent().remove(status)
    bare = buyer.submit(etree.tostring(no_reason, xml_declaration=True, encoding="UTF-8"), syntax="CDAR")
    details = buyer.metadata(bare["flowId"])["acknowledgement"]["details"]
    assert details[0]["reasonCode"] == "InvoiceLCRuleError" and "BR-FR-CDV-15" in details[0]["reasonMessage"]
    # A reason that 210 does not allow breaks BR-FR-CDV-CL-09.
    wrong = buyer.submit(refusal.replace(b"TX_TVA_ERR", b"REJ_SEMAN"), syntax="CDAR")
    assert "BR-FR-CDV-CL-09" in buyer.metadata(wrong["flowId"])["acknowledgement"]["details"][0]["reasonMessage"]
    # The seller cannot refuse its own invoice.
    own = seller.submit(refusal, syntax="CDAR")
    assert seller.metadata(own["flowId"])["acknowledgement"]["details"][0]["reasonCode"] == "InvoiceLCStatusError"
    assert codes_of(seller.lifecycle(number)) == ["200", "202", "203", "210"]


@pytest.mark.parametrize(("sample_name", "code"), [("UC1_F202500003_04-CDV-204_Prise_en_charge.xml", "204"),
                                                   ("UC1_F202500003_05-CDV-205_Approuvee.xml", "205"),
                                                   ("UC4_F202500006_04-CDV-207_En_litige.xml", "207")])
def test_buyer_processing_statuses_reach_the_seller(party, sample_name, code):
    seller, buyer = party(), party()
    number, _, _ = routed(seller, buyer)
    sample_number = sample_name.split("_")[1]
    message = status_message(sample_name, number=number, seller=seller.siren, buyer=buyer.siren,
                             sample_number=sample_number)
    info = buyer.submit(message, syntax="CDAR")
    assert buyer.metadata(info["flowId"])["acknowledgement"] == {"status": "Ok"}
    assert codes_of(seller.lifecycle(number))[-1] == code


def test_seller_cashed_status_is_kept_and_reaches_the_buyer(party):
    seller, buyer = party(), party()
    number, _, _ = routed(seller, buyer)
    cashed = status_message("UC1_F202500003_07-CDV-212_Encaissee.xml", number=number, seller=seller.siren,
                            buyer=buyer.siren, sample_number="F202500003")
    info = seller.submit(cashed, syntax="CDAR")
    sent = seller.metadata(info["flowId"])
    assert (sent["flowType"], sent["flowDirection"], sent["acknowledgement"]) == ("CustomerInvoiceLC", "Out",
                                                                                 {"status": "Ok"})
    received = buyer.lifecycle(number)
    assert [(flow["flowType"], content) for flow, content in received] == [("SupplierInvoiceLC", cashed)]


def test_status_about_an_unknown_invoice_is_refused(party):
    seller, buyer = party(), party()
    message = status_message("UC1_F202500003_05-CDV-205_Approuvee.xml", number=fresh_number(), seller=seller.siren,
                             buyer=buyer.siren, sample_number="F202500003")
    info = buyer.submit(message, syntax="CDAR")
    ack = buyer.metadata(info["flowId"])["acknowledgement"]
    assert ack["status"] == "Error" and ack["details"][0]["reasonCode"] == "InvoiceLCRuleError"


# -- e-reporting ------------------------------------------------------------------------------------------
def test_e_reporting_valid_and_invalid(party):
    if not (REFS / "xsd" / "flux10" / "ereporting.xsd").exists():
        pytest.skip(f"flux 10 XSD absent ({REFS / 'xsd' / 'flux10'})")
    declarant = party()
    good = declarant.submit(e_report(declarant.siren), syntax="FRR", name="paiements.xml")
    flow = declarant.metadata(good["flowId"])
    assert flow["acknowledgement"] == {"status": "Ok"}
    assert (flow["flowType"], flow["flowDirection"], flow["flowSyntax"]) == ("AggregatedCustomerPaymentReport",
                                                                            "Out", "FRR")
    declared = declarant.submit(e_report(declarant.siren), syntax="FRR", flowType="MultiFlowReport")
    assert declarant.metadata(declared["flowId"])["flowType"] == "MultiFlowReport"

    bad = declarant.submit(e_report(declarant.siren, valid=False), syntax="FRR", name="paiements.xml")
    ack = declarant.metadata(bad["flowId"])["acknowledgement"]
    assert ack["status"] == "Error"
    assert ack["details"][0]["reasonCode"] == "InvalidSchema" and "ReportPeriod" in ack["details"][0]["reasonMessage"]
    assert ack["details"][0]["item"].startswith("ligne")
    errors = declarant.flows({"ackStatus": "Error", "flowDirection": ["Out"]})
    assert [flow["flowId"] for flow in errors] == [bad["flowId"]]
    not_a_report = declarant.submit(b"<Rapport/>", syntax="FRR")
    assert declarant.metadata(not_a_report["flowId"])["acknowledgement"]["details"][0]["reasonCode"] == "FlowTypeError"


# -- hostile and oversized input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("doctype", "reference"), [
    (b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>', b"&d;"),
    (b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;"),
    (b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">', b"")])
def test_entity_declarations_are_refused(party, doctype, reference):
    seller, buyer = party(), party()
    number = fresh_number()
    content = invoice(seller=seller.siren, buyer_address=buyer.address, number=number)
    start_tag = content.index(b"<rsm:CrossIndustryInvoice")
    hostile = content[:start_tag] + doctype + content[start_tag:].replace(b"VENDEUR SARL", reference, 1)
    info = seller.submit(hostile)
    ack = seller.metadata(info["flowId"])["acknowledgement"]
    assert ack["status"] == "Error" and ack["details"][0]["reasonCode"] == "InvalidSchema"
    assert "DOCTYPE" in ack["details"][0]["reasonMessage"]
    assert seller.lifecycle(number) == [] and deliveries(buyer, number) == []


def test_oversized_file_is_refused_with_413(party):
    seller = party()
    tracking = secrets.token_hex(8)
    response = seller.post_flow(b"<a>" + b"x" * (20 * 1024 * 1024 - 6) + b"</a>", tracking_id=tracking)
    assert response.status_code == 413 and response.json()["errorCode"] == "FILE_SIZE_EXCEEDED"
    assert seller.search({"trackingId": tracking}).json()["results"] == []
    # The connection is still usable, and a file of exactly 20 MB is taken.
    exact = seller.submit(b"<a>" + b"x" * (20 * 1024 * 1024 - 7) + b"</a>", syntax="FRR")
    assert seller.metadata(exact["flowId"])["acknowledgement"]["status"] == "Error"  # taken, then read: not a report


# -- Directory Service ------------------------------------------------------------------------------------------
def test_directory_lookups(admin, party):
    company = party("Coopérative Alpha")
    siret = company.siren + "00012"
    line = admin.directory(siren=company.siren, siret=siret, routing_code="SERVICE-7", name="Coopérative Alpha",
                           client_id=company.client_id)
    assert line["addressingIdentifier"] == f"{company.siren}_{siret}_SERVICE-7"
    http = company.http

    unit = http.get(f"/directory-service/v1/siren/code-insee:{company.siren}").json()
    assert unit == {"siren": company.siren, "businessName": "Coopérative Alpha", "entityType": "PrivateVatRegistered",
                    "administrativeStatus": "A", "instructions": {"isSalesProspectingForbidden": False}}
    facility = http.get(f"/directory-service/v1/siret/code-insee:{siret}", params={"include": "siren"}).json()
    assert facility["siret"] == siret and facility["siren"] == company.siren
    assert facility["legalUnit"]["siren"] == company.siren

    found = http.get(f"/directory-service/v1/directory-line/code:{company.siren}",
                     params={"include": "siren"}).json()
    assert found["addressingIdentifier"] == company.siren and found["platformType"] == "WK"
    assert found["directoryLineStatus"] == "Enabled" and found["legalUnit"]["businessName"] == "Coopérative Alpha"
    detailed = http.get(f"/directory-service/v1/directory-line/code:{line['addressingIdentifier']}",
                        params={"include": "routingCode"}).json()
    assert detailed["routingIdentifier"] == "SERVICE-7" and detailed["routingCode"]["routingIdentifier"] == "SERVICE-7"

    search = http.post("/directory-service/v1/directory-line/search",
                       json={"filters": {"siren": {"op": "strict", "value": company.siren}}}).json()
    assert search["totalNumberOfResults"] == 2
    assert [result["addressingIdentifier"] for result in search["results"]] == sorted(
        [company.siren, line["addressingIdentifier"]])
    by_siret = http.post("/directory-service/v1/directory-line/search",
                         json={"filters": {"siret": {"op": "strict", "value": siret}}}).json()
    assert [result["siret"] for result in by_siret["results"]] == [siret]
    by_code = http.post("/directory-service/v1/directory-line/search", json={"filters": {
        "siren": {"op": "strict", "value": company.siren},
        "routingIdentifier": {"op": "contains", "value": "SERVICE"}}}).json()
    assert [result["addressingIdentifier"] for result in by_code["results"]] == [line["addressingIdentifier"]]

    for path in (f"/directory-service/v1/siren/code-insee:{'9' * 9}", f"/directory-service/v1/siret/code-insee:{'9' * 14}",
                 "/directory-service/v1/directory-line/code:999999999"):
        missing = http.get(path)
        assert missing.status_code == 404 and missing.json()["errorCode"] == "MISSING_RESOURCE"
    assert http.get("/directory-service/v1/siren/code-insee:12345").status_code == 400

    admin.delete_directory(line["addressingIdentifier"])
    assert http.get(f"/directory-service/v1/directory-line/code:{line['addressingIdentifier']}").status_code == 404


def test_admin_views(admin, party):
    seller, buyer = party(), party()
    number, _, info = routed(seller, buyer)
    listed = admin.flows(seller.client_id)
    mine = next(flow for flow in listed if flow["flowId"] == info["flowId"])
    assert mine["trackingId"] == info["trackingId"] and mine["sandbox"]["invoice"]["number"] == number
    assert [status["code"] for status in mine["sandbox"]["statuses"]] == ["200", "202", "203"]
    received = admin.flows(buyer.client_id)
    assert [flow["flowType"] for flow in received] == ["SupplierInvoice"]
    stats = admin.stats()
    assert stats["clients"][seller.client_id]["byType"] == {"CustomerInvoice/Out": 1, "CustomerInvoiceLC/In": 3}
    assert stats["deliveries"] >= 1 and "duplicatesRefused" in stats
    with pytest.raises(httpx.HTTPStatusError):
        admin.flows("nobody-by-that-name")


# -- the process ----------------------------------------------------------------------------------------------
def test_runs_without_the_references_and_stops_cleanly(tmp_path):
    process = start(tmp_path / "bare.sqlite3", refs=tmp_path / "no-refs", admin_token="t")
    try:
        assert httpx.get(f"{process.url}/flow-service/v1/healthcheck").status_code == 200
        assert httpx.get(f"{process.url}/directory-service/v1/healthcheck").status_code == 200
        admin = process.admin()
        admin.client("c", "s", name="C", siren="123456789")
        token = httpx.post(f"{process.url}/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("c", "s")).json()["access_token"]
        # Without xsd/flux10, a well-formed report with a Report root is taken as it is.
        report = e_report("123456789", valid=False)
        response = httpx.post(f"{process.url}/flow-service/v1/flows", headers={"Authorization": f"Bearer {token}"},
                              files={"flowInfo": (None, json.dumps({"name": "r.xml", "flowSyntax": "FRR"}),
                                                  "application/json"), "file": ("r.xml", report, "application/xml")})
        flow_id = response.json()["flowId"]
        meta = httpx.get(f"{process.url}/flow-service/v1/flows/{flow_id}", headers={"Authorization": f"Bearer {token}"})
        assert meta.json()["acknowledgement"] == {"status": "Ok"}
        admin.close()
    finally:
        assert process.stop() == 0
    assert not process.running()


def test_official_examples_pass_the_sandbox_reading_of_the_rules():
    """The schematron subset the sandbox applies accepts every official processing status."""
    from standins.pa_sandbox import cdar, xmlcheck

    folder = REFS / "samples" / "cdar"
    if not folder.exists():
        pytest.skip(f"official samples absent ({folder})")
    for path in sorted(folder.glob("*.xml")):
        message = cdar.read(xmlcheck.parse(path.read_bytes()))
        problems = cdar.problems(message)
        if message.message_type == "305":
            assert {reason for reason, _ in problems} == {"InvoiceLCStatusError"}, path.name
        else:
            assert problems == [], (path.name, problems)


def test_basic_credentials_are_form_decoded(sandbox, admin):
    """RFC 6749 §2.3.1: the client id and secret are form-encoded inside the Basic header."""
    secret = "s3cr:et+/é"
    admin.client("odd-client", secret, name="Odd", siren="123456789")
    raw = base64.b64encode(f"{quote_plus('odd-client')}:{quote_plus(secret)}".encode()).decode()
    response = httpx.post(f"{sandbox.url}/oauth/token", data={"grant_type": "client_credentials"},
                          headers={"Authorization": f"Basic {raw}"})
    assert response.status_code == 200
