"""Attacks on the served SOAP endpoint over real HTTP.

Every attack gets a SOAP Client fault (HTTP 413 for size, 500 otherwise as SOAP 1.1 §6.2 wants), with a clean
message, quickly; the hub behind the endpoint is never called, nothing is fetched, and the next normal request works.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import os
import re
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from lxml import etree

from adapter.server.wsse import PASSWORD_DIGEST, WSU, MemoryNonceStore
from tests.conftest import ROOT, project_settings
from tests.security.test_facade_attacks import Listener
from tests.server.conftest import PASSWORD, USER, Served, served_stack
from tests.server.test_endpoint import GET, SOAP11, SOAP12, TNS, WSSE, envelope, fault_of, post, token

LEAKS = ("Traceback", 'File "', "/work/", "spyne", "lxml", "zeep", "root:", "leaked")


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with served_stack() as running:
        yield running


def soap_attacks(url: str) -> dict[str, tuple[bytes, int, str]]:
    """name → (request body, HTTP status, text the fault reason contains)."""
    entities = b'<!ENTITY a "' + b"x" * 50_000 + b'">'
    return {
        "billion laughs": (
            b'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;">'
            b'<!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;">]>' + envelope(GET.replace("PAY-000001", "&l3;")),
            500,
            "DTD",
        ),
        "quadratic blowup": (
            b"<!DOCTYPE s [" + entities + b"]>" + envelope(GET.replace("PAY-000001", "&a;" * 200)),
            500,
            "DTD",
        ),
        "xxe file": (
            b'<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + envelope(GET.replace("PAY-000001", "&x;")),
            500,
            "DTD",
        ),
        "xxe http": (
            b'<!DOCTYPE s [<!ENTITY x SYSTEM "' + url.encode() + b'">]>' + envelope(GET.replace("PAY-000001", "&x;")),
            500,
            "DTD",
        ),
        "external dtd": (b'<!DOCTYPE s SYSTEM "' + url.encode() + b'">' + envelope(), 500, "DTD"),
        "xinclude": (
            envelope(
                f'<po:GetPaymentOrder xmlns:po="{TNS}" xmlns:xi="http://www.w3.org/2001/XInclude">'
                f'<po:PaymentOrderId><xi:include href="{url}" parse="text"/></po:PaymentOrderId></po:GetPaymentOrder>'
            ),
            500,
            "",
        ),
        "deep nesting": (envelope(GET.replace("PAY-000001", "<a>" * 5_000 + "</a>" * 5_000)), 500, "nests deeper"),
        "100k attributes": (
            envelope(
                GET.replace(
                    "<po:GetPaymentOrder ", "<po:GetPaymentOrder " + " ".join(f'a{i}="1"' for i in range(100_000)) + " "
                )
            ),
            500,
            "more than 100 attributes",
        ),
        "10k namespace declarations": (
            envelope(
                GET.replace(
                    "<po:GetPaymentOrder ",
                    "<po:GetPaymentOrder " + " ".join(f'xmlns:p{i}="urn:{i}"' for i in range(10_000)) + " ",
                )
            ),
            500,
            "more than 50 namespaces",
        ),
        "huge text node": (envelope(GET.replace("PAY-000001", "x" * (2 * 1024 * 1024))), 500, "longer than"),
        "oversized body": (envelope(GET) + b" " * (11 * 1024 * 1024), 413, "exceeds"),
        "missing body": (
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{token()}</s:Header></s:Envelope>'.encode(),
            500,
            "Body",
        ),
        "duplicated body": (
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{token()}</s:Header><s:Body>{GET}</s:Body><s:Body>{GET}</s:Body>'
            "</s:Envelope>".encode(),
            500,
            "Body",
        ),
        "invalid utf-8": (envelope(GET).replace(b"PAY-000001", b"PAY-\xff\xfe01"), 500, "not well-formed"),
    }


@pytest.mark.parametrize("name", list(soap_attacks("http://x/")))
def test_soap_attacks(served: Served, listener: Listener, name: str) -> None:
    body, status, reason = soap_attacks(listener.url)[name]
    calls_before = len(served.hub.payments) if hasattr(served.hub, "payments") else None
    reply = post(served, body)  # the client's own timeout bounds a hang; the reason shows which limit refused it
    assert reply.status_code == status, reply.text[:300]
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client", (code, text)
    assert reason in text, text
    for leak in LEAKS:
        assert leak not in reply.text, f"{leak!r} in {reply.text[:300]}"
    assert listener.hits == 0, "an external reference was fetched"
    if calls_before is not None:
        assert len(served.hub.payments) == calls_before
    assert post(served, envelope()).status_code == 200  # the next normal request works


def test_soapaction_spoofing(served: Served) -> None:
    reply = post(served, envelope(), action="CancelPaymentOrder")  # a GetPaymentOrder body under Cancel's action
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client"
    assert "SOAPAction" in text
    assert post(served, envelope()).status_code == 200


def test_soap12_envelope_on_the_soap11_content_type(served: Served) -> None:
    reply = served.http.post(served.url, content=envelope(version="1.2"), headers={"Content-Type": "text/xml"})
    code, _ = fault_of(reply)
    assert code.endswith("}VersionMismatch")
    assert post(served, envelope()).status_code == 200


def test_soap12_attacks_get_sender_faults(served: Served, listener: Listener) -> None:
    body = b'<!DOCTYPE s [<!ENTITY x SYSTEM "' + listener.url.encode() + b'">]>' + envelope(version="1.2")
    reply = post(served, body, version="1.2")
    assert reply.status_code == 400
    assert fault_of(reply)[0] == f"{{{SOAP12}}}Sender"
    assert listener.hits == 0


def test_flood_of_bad_requests_leaves_the_endpoint_healthy(served: Served) -> None:
    with httpx.Client(timeout=10) as client:
        for _ in range(50):
            client.post(served.url, content=b"<x", headers={"Content-Type": "text/xml"})
    assert post(served, envelope()).status_code == 200


# -- one parse: the charset cannot make a second reader see another request ---------------------------------------

CANCEL_3 = (
    f'<po:CancelPaymentOrder xmlns:po="{TNS}"><po:PaymentOrderId>PAY-000003</po:PaymentOrderId></po:CancelPaymentOrder>'
)
PARSER_TEXT = ("Start tag expected", "<string>", "line 1, column", "XMLSyntaxError", "Document is empty")


def utf7_smuggled(header: str) -> bytes:
    """An envelope that a UTF-8 reader sees as GetPaymentOrder (text, then the GetPaymentOrder element) and a UTF-7
    reader as CancelPaymentOrder of PAY-000003 (the element, then GetPaymentOrder inside a comment)."""
    head = f'<s:Envelope xmlns:s="{SOAP11}"><s:Header>{header}</s:Header><s:Body>'.encode()
    return head + utf7(CANCEL_3 + "<!--") + GET.encode() + utf7("-->") + b"</s:Body></s:Envelope>"


def utf7(text: str) -> bytes:
    """``text`` in UTF-7 with every character but letters, digits and spaces in base64 (RFC 2152 allows it):
    "<" is "+ADw-", text to a UTF-8 reader and markup to a UTF-7 one."""
    runs = re.findall(r"[A-Za-z0-9 ]+|[^A-Za-z0-9 ]+", text)
    return b"".join(
        run.encode()
        if run[0].isalnum() or run[0] == " "
        else b"+" + base64.b64encode(run.encode("utf-16-be")).rstrip(b"=") + b"-"
        for run in runs
    )


def body_entries(root: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in root.find("{*}Body") if isinstance(child.tag, str)]


@pytest.fixture(scope="module")
def open_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The payment-order contract served without a UsernameToken: what an unauthenticated attacker reaches."""
    folder = tmp_path_factory.mktemp("open-mappings")
    mapping = (ROOT / "mappings" / "payment_orders.yaml").read_text()
    mapping = mapping.replace("username_token: true", "username_token: false")
    (folder / "payment_orders.yaml").write_text(mapping)
    with served_stack(project_settings().model_copy(update={"mappings_dir": folder})) as running:
        yield running


def assert_refused_without_parser_text(reply: httpx.Response, reason: str) -> None:
    code, text = fault_of(reply)
    assert code == f"{{{SOAP11}}}Client", (code, text)
    assert reason in text, text
    for leak in (*LEAKS, *PARSER_TEXT):
        assert leak not in reply.text, f"{leak!r} in {reply.text[:300]}"


@pytest.mark.parametrize("with_token", [True, False])
def test_utf7_operation_smuggling_cancels_nothing(
    served: Served, open_served: Served, with_token: bool
) -> None:  # fmt: skip
    target = served if with_token else open_served
    body = utf7_smuggled(token() if with_token else "")
    assert body_entries(etree.fromstring(body, etree.XMLParser(encoding="utf-8"))) == ["GetPaymentOrder"]
    assert body_entries(etree.fromstring(body.decode("utf-7"))) == ["CancelPaymentOrder"]
    reply = post(target, body, **{"Content-Type": "text/xml; charset=utf-7"})
    assert_refused_without_parser_text(reply, "Content-Type charset")
    assert target.hub.payments["PAY-000003"].status == "scheduled"  # the hub never saw a cancel
    declared = b'<?xml version="1.0" encoding="UTF-7"?>' + body  # the same, announced by the declaration only
    reply = post(target, declared, **{"Content-Type": "text/xml"})
    assert_refused_without_parser_text(reply, "XML declaration")
    assert target.hub.payments["PAY-000003"].status == "scheduled"
    assert post(target, envelope(header=token() if with_token else "")).status_code == 200


@pytest.mark.parametrize("with_token", [True, False])
def test_utf16_charset_on_a_utf8_body_is_a_clean_client_fault(
    served: Served, open_served: Served, with_token: bool
) -> None:  # fmt: skip
    target = served if with_token else open_served
    body = envelope(CANCEL_3, header=token() if with_token else "")
    reply = post(target, body, action="CancelPaymentOrder", **{"Content-Type": "text/xml; charset=utf-16"})
    assert_refused_without_parser_text(reply, "Content-Type charset")
    assert target.hub.payments["PAY-000003"].status == "scheduled"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read_as_utf16(served: Served, codec: str) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>' + envelope().decode()
    body = "\ufeff".encode(codec) + text.encode(codec)
    reply = post(served, body, **{"Content-Type": "text/xml; charset=utf-16"})
    assert reply.status_code == 200, reply.text
    assert b"<tns:PaymentOrderId>PAY-000001</tns:PaymentOrderId>" in reply.content
    assert post(served, body, **{"Content-Type": "text/xml"}).status_code == 200  # RFC 7303 §3.2: the BOM decides
    for wrong in ("text/xml; charset=utf-8", "text/xml; charset=utf-16le"):
        assert_refused_without_parser_text(post(served, body, **{"Content-Type": wrong}), "Content-Type charset")
    declared_utf8 = "\ufeff".encode(codec) + text.replace("UTF-16", "UTF-8").encode(codec)
    assert_refused_without_parser_text(post(served, declared_utf8), "XML declaration")
    bomless = text.encode(codec)
    assert_refused_without_parser_text(post(served, bomless, **{"Content-Type": "text/xml"}), "not well-formed")


# -- WS-Security replay and nonce floods --------------------------------------------------------------------------


def digest_token(nonce_text: str, nonce: bytes, *, user: str = USER, password: str = PASSWORD) -> str:
    """A PasswordDigest UsernameToken (profile §3.1) whose digest covers ``nonce``, sent as ``nonce_text``."""
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest}</wsse:Password><wsse:Nonce>{nonce_text}</wsse:Nonce>'
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def test_padding_bits_do_not_replay_a_token(served: Served) -> None:
    nonce = os.urandom(16)
    canonical = base64.b64encode(nonce).decode()  # 16 bytes: "…x==", the last x has 4 unused bits
    assert canonical.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    base = alphabet.index(canonical[-3]) & ~0b1111
    spellings = [canonical[:-3] + alphabet[base + bits] + "==" for bits in range(16)]
    assert all(base64.b64decode(text) == nonce for text in spellings)
    accepted = [post(served, envelope(header=digest_token(text, nonce))).status_code == 200 for text in spellings]
    assert accepted.count(True) == 1  # the canonical one, once: the other 15 spell the same nonce


def test_nonces_over_64_bytes_are_refused(served: Served) -> None:
    for size, status in ((65, 500), (64, 200)):
        nonce = os.urandom(size)
        reply = post(served, envelope(header=digest_token(base64.b64encode(nonce).decode(), nonce)))
        assert reply.status_code == status, reply.text


OTHER_USER, OTHER_PASSWORD = "branch-0043", "other-branch-pass"


@pytest.fixture
def two_users() -> Iterator[Served]:
    share = 40 * (MemoryNonceStore.ENTRY_BYTES + 16)  # 40 nonces of 16 bytes
    settings = project_settings(
        soap_users={USER: PASSWORD, OTHER_USER: OTHER_PASSWORD}, soap_nonce_user_bytes=share
    )  # fmt: skip
    with served_stack(settings) as running:
        yield running


def _call(served: Served, user: str, password: str, nonce: bytes) -> int:
    header = digest_token(base64.b64encode(nonce).decode(), nonce, user=user, password=password)
    return post(served, envelope(header=header)).status_code


def test_a_flood_of_1mb_nonces_pins_no_memory_and_locks_nobody_out(two_users: Served) -> None:
    # Valid digest tokens, each with its own nonce of 760 KB (1 MB of base64, just under the XML text-node limit).
    nonces = [os.urandom(760 * 1024) for _ in range(25)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        codes = [fault_of(post(two_users, envelope(header=digest_token(b64(n), n))))[0] for n in nonces]
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert codes == [f"{{{WSSE}}}FailedAuthentication"] * len(nonces)
    assert kept < 4 * 1024 * 1024, f"{kept} bytes kept after 25 MB of nonces"
    assert _call(two_users, USER, PASSWORD, os.urandom(16)) == 200
    assert _call(two_users, OTHER_USER, OTHER_PASSWORD, os.urandom(16)) == 200


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_user_who_fills_their_nonce_share_is_refused_alone(two_users: Served) -> None:
    statuses = [_call(two_users, USER, PASSWORD, os.urandom(16)) for _ in range(45)]
    assert statuses[:39] == [200] * 39 and statuses[-1] == 500  # their 40 nonces' worth, then refused
    assert _call(two_users, OTHER_USER, OTHER_PASSWORD, os.urandom(16)) == 200  # the others keep working
    assert post(two_users, envelope()).status_code == 200  # PasswordText without a nonce: nothing to remember
