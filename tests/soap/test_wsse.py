"""Outbound WS-Security set-up: the signing key and certificate are read and tried at start-up, and every problem is
reported at its place in the mapping file without quoting a password or a key."""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import pytest
import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapter.exceptions import MappingErrors
from adapter.project import load_binding
from tests import pki

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

ROOT = Path(__file__).resolve().parents[2]
KEY_PASSWORD = "key-pass-91c2"


def test_xmlsec_and_lxml_share_one_libxml2() -> None:
    # xmlsec refuses to import ("lxml & xmlsec libxml2 library version mismatch") when the libxml2 its wheel bundles
    # differs from lxml's; zeep.wsse imports it, so the whole adapter would fail to start. Upgrade both together.
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION


def mapping(folder: Path, signature: str) -> Path:
    """A bank mapping (no routes) whose ``backend.security.signature`` is ``signature``; it starts on line 7."""
    text = (
        "version: 1\n"
        "contract:\n"
        "  wsdl: bank/core_banking.wsdl\n"
        "backend:\n"
        "  url: http://127.0.0.1:1/corebanking\n"
        "  security:\n"
        "    signature:\n" + "".join(f"      {line}\n" for line in signature.strip().splitlines()) + "routes: []\n"
    )
    file = folder / "m.yaml"
    file.write_text(text)
    return file


def problem(file: Path, env: dict[str, str]) -> str:
    with pytest.raises(MappingErrors) as caught:
        load_binding(file, ROOT / "wsdl", env)
    [error] = caught.value.errors
    return error.detail.replace(str(file), "m.yaml")


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issued:
    return pki.signer(tmp_path_factory.mktemp("keys"), password=KEY_PASSWORD.encode())


def test_a_working_signer_loads(tmp_path: Path, signer: pki.Issued) -> None:
    file = mapping(tmp_path, f"key_file: {signer.key}\ncert_file: {signer.cert}\nkey_password: ${{PASS}}")
    binding = load_binding(file, ROOT / "wsdl", {"PASS": KEY_PASSWORD})
    assert [type(plugin).__name__ for plugin in binding.security.wsse_objects] == ["Timestamp", "Signer"]


def test_missing_key_file_is_located(tmp_path: Path, signer: pki.Issued) -> None:
    file = mapping(tmp_path, f"key_file: ${{KEY}}\ncert_file: {signer.cert}")
    found = problem(file, {"KEY": str(tmp_path / "absent.pem")})
    assert found.startswith("m.yaml:8:17: no such file: ")
    assert found.endswith("(backend.security.signature.key_file)")


def test_wrong_key_password_is_refused_without_quoting_it(tmp_path: Path, signer: pki.Issued) -> None:
    file = mapping(tmp_path, f"key_file: {signer.key}\ncert_file: {signer.cert}\nkey_password: ${{PASS}}")
    found = problem(file, {"PASS": "not-the-" + KEY_PASSWORD})
    assert found.startswith("m.yaml:8:17: cannot load the private key")
    assert KEY_PASSWORD not in found


def test_encrypted_key_without_password_fails_at_once(tmp_path: Path, signer: pki.Issued) -> None:
    # OpenSSL would prompt on the terminal for the password and hang the start-up; we must fail instead.
    found = problem(mapping(tmp_path, f"key_file: {signer.key}\ncert_file: {signer.cert}"), {})
    assert "cannot load the private key" in found


def test_certificate_of_another_key_is_refused(tmp_path: Path, signer: pki.Issued) -> None:
    other = pki.signer(tmp_path, stem="other")
    text = f"key_file: {signer.key}\ncert_file: {other.cert}\nkey_password: ${{PASS}}"
    found = problem(mapping(tmp_path, text), {"PASS": KEY_PASSWORD})
    assert found.startswith("m.yaml:9:18: the certificate is not the one of key_file")


def test_key_that_cannot_sign_rsa_sha256_is_refused(tmp_path: Path, signer: pki.Issued) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "ec.key").write_bytes(pem)
    found = problem(mapping(tmp_path, f"key_file: {tmp_path / 'ec.key'}\ncert_file: {signer.cert}"), {})
    assert "an RSA key is needed" in found


def test_environment_variable_holding_the_key_itself_is_not_quoted(tmp_path: Path, signer: pki.Issued) -> None:
    pem = signer.key.read_text()
    found = problem(mapping(tmp_path, f"key_file: ${{KEY}}\ncert_file: {signer.cert}"), {"KEY": pem})
    assert found.startswith("m.yaml:8:17: holds PEM text, not the path of a PEM file")
    assert pem.splitlines()[1] not in found


def _security(plugins: list[object]) -> lxml.etree._Element:
    envelope = lxml.etree.fromstring(
        b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header/><e:Body/></e:Envelope>'
    )
    for plugin in plugins:
        envelope, _ = plugin.apply(envelope, {})  # type: ignore[attr-defined]
    return envelope


def test_prepared_parts_write_what_zeep_writes() -> None:
    # The PasswordText token is made once and the Timestamp once a second; each envelope still gets its own copy,
    # with its own wsu:Id, and the bytes zeep's own UsernameToken plugin writes.
    from zeep.wsse.username import UsernameToken
    from zeep.wsse.utils import ID_ATTR

    from adapter.soap.wsse import PasswordToken, Timestamp

    stamp = Timestamp(300)
    mine = [_security([stamp, PasswordToken("u<1>", "p&ss", use_digest=False)]) for _ in range(2)]
    zeeps = _security([UsernameToken("u<1>", "p&ss", zulu_timestamp=True)])
    tokens = [lxml.etree.tostring(e.find(".//{*}UsernameToken")) for e in [*mine, zeeps]]
    assert tokens[0] == tokens[1] == tokens[2]
    stamps = [e.find(".//{*}Timestamp") for e in mine]
    assert stamps[0] is not stamps[1] and stamps[0].get(ID_ATTR) != stamps[1].get(ID_ATTR)
    created, expires = (stamps[0].findtext(f"{{*}}{name}") for name in ("Created", "Expires"))
    assert created.endswith("Z") and expires.endswith("Z") and created < expires
    digest = _security([PasswordToken("u", "p", use_digest=True)]).find(".//{*}UsernameToken")
    assert [child.tag.rpartition("}")[2] for child in digest] == ["Username", "Password", "Nonce", "Created"]


@pytest.mark.parametrize("prefix", ["soap-env", "s", None])
@pytest.mark.parametrize(
    "version", ["http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"]
)
def test_header_made_once_a_second_writes_what_the_plugins_write(version: str, prefix: str | None) -> None:
    # Plugins copies a Header made once a second into an envelope without one; the bytes are those the plugins
    # write one by one (zeep's Compose), but for the wsu:Id, fresh in each envelope and of zeep's form.
    import re
    import time
    import uuid

    from zeep.wsse.compose import Compose

    from adapter.soap.wsse import PasswordToken, Plugins, Timestamp

    def envelope() -> lxml.etree._Element:
        root = lxml.etree.Element(f"{{{version}}}Envelope", nsmap={prefix: version, "ns0": "urn:bank"})
        lxml.etree.SubElement(lxml.etree.SubElement(root, f"{{{version}}}Body"), "{urn:bank}Op").text = "a<&>"
        return root

    def plugins() -> list[object]:
        return [Timestamp(300), PasswordToken("u<1>", "p&ss'\"", use_digest=False)]

    fast, slow = Plugins(plugins()), Compose(plugins())
    while True:
        second = int(time.time())
        written = [lxml.etree.tostring(p.apply(envelope(), {})[0]) for p in (fast, fast, slow)]
        if int(time.time()) == second:
            break
    ids = [re.search(rb'wsu:Id="id-([0-9a-f-]{36})"', w) for w in written]
    assert all(ids) and len({i.group(1) for i in ids if i}) == 3
    assert all(uuid.UUID(i.group(1).decode()).version == 4 for i in ids if i)
    same = [re.sub(rb'wsu:Id="id-[0-9a-f-]{36}"', b"ID", w) for w in written]
    assert same[0] == same[1] == same[2]
    assert b"<wsu:Timestamp" in same[0] and b"<wsse:UsernameToken>" in same[0]


@pytest.mark.parametrize("prefix", ["soap-env", "s", None])
@pytest.mark.parametrize(
    "version", ["http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"]
)
@pytest.mark.parametrize(
    "extra",
    [
        {"ns0": "urn:bank"},
        {"ns0": "urn:bank", "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
        # The WS-Security namespaces already declared on the Envelope, under their usual prefixes and others.
        {"wsse": WSSE_NS, "wsu": WSU_NS},
        {"a": WSSE_NS, "b": WSU_NS, "ns0": "urn:bank"},
    ],
)
def test_serialize_splices_the_bytes_apply_then_tostring_write(
    version: str, prefix: str | None, extra: dict[str, str]
) -> None:
    # Plugins.serialize (the backend call's) splices the Header's bytes into the serialised envelope: the bytes must
    # be those of apply() and adapter.xml.tostring, but for the fresh wsu:Id; the Body is untouched.
    import re
    import time

    from adapter import xml
    from adapter.soap.wsse import PasswordToken, Plugins, Timestamp

    def envelope() -> lxml.etree._Element:
        root = lxml.etree.Element(f"{{{version}}}Envelope", nsmap={prefix: version, **extra})
        body = lxml.etree.SubElement(root, f"{{{version}}}Body")
        lxml.etree.SubElement(body, "{urn:bank}Op", {"note": '\t"<Header/>"'}).text = "<soap-env:Header/>&\t"
        return root

    for plugins in (
        [Timestamp(300), PasswordToken("u<1>", "p&ss'\"\t", use_digest=False)],
        [PasswordToken("u", "id-x", use_digest=False)],
        [Timestamp(60)],
    ):
        fast = Plugins(plugins)
        while True:
            second = int(time.time())
            spliced = [fast.serialize(envelope(), {"SOAPAction": '"x"'}) for _ in range(2)]
            applied = fast.apply(envelope(), {"SOAPAction": '"x"'})
            if int(time.time()) == second:
                break
        written = xml.tostring(applied[0], declaration=True)
        assert all(headers == applied[1] for _, headers in spliced)
        same = [re.sub(rb':Id="id-[0-9a-f-]{36}"', b"ID", w) for w in (spliced[0][0], spliced[1][0], written)]
        assert same[0] == same[1] == same[2]
        assert spliced[0][0] != spliced[1][0] or not any(isinstance(p, Timestamp) for p in plugins)
        lxml.etree.fromstring(spliced[0][0])  # well-formed
