"""`adapter fetch`: a multi-file contract from a real HTTP server (loopback, ephemeral port), copied once and then
read offline exactly as the original; and every way a remote contract can go wrong, refused in one line that
names the URL, with nothing written."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from adapter.cli import main
from adapter.testing import free_port, serve_wsgi
from adapter.xml import DTD_REFUSED
from tests.corpus import CORPUS, require

Page = tuple[int, dict[str, str], bytes]


class Site:
    """A WSGI app serving ``folder`` read-only, plus ``pages`` (path → body, or status, headers and body)."""

    def __init__(self, folder: Path | None = None, pages: dict[str, bytes | Page] | None = None) -> None:
        self.folder = folder.resolve() if folder else None
        self.pages = pages or {}
        self.hits: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"] + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        self.hits.append(path)
        status, headers, body = self._page(path)
        start_response(f"{status} X", [("Content-Length", str(len(body))), *headers.items()])
        return [body]

    def _page(self, path: str) -> Page:
        page = self.pages.get(path)
        if isinstance(page, tuple):
            return page
        if page is not None:
            return 200, {"Content-Type": "text/xml"}, page
        file = (self.folder / path.lstrip("/")).resolve() if self.folder else None
        if file is not None and self.folder and file.is_relative_to(self.folder) and file.is_file():
            return 200, {"Content-Type": "text/xml"}, file.read_bytes()
        return 404, {}, b"not found"


@contextmanager
def serving(site: Site) -> Iterator[str]:
    with serve_wsgi(site) as url:
        yield url


def corpus(name: str) -> Path:
    return require(CORPUS / name)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["fetch", *args])


def inspected(wsdl: Path) -> list[str]:
    result = CliRunner().invoke(main, ["inspect", str(wsdl)])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if "(loaded in" not in line]


@pytest.mark.parametrize(
    ("entry", "main_file", "count"),
    [
        ("ups-ship", "Ship.wsdl", 6),  # xsd:import, nested two levels deep
        ("oracle-aia-gldailyrates", "GLDailyRatesOutProvABCSImpl_PSWithLocalXSD.wsdl", 6),  # xsd:include too
        ("netsuite-2023_2", "netsuite.wsdl", 47),  # a folder below, and ".//x.xsd" written for file systems
    ],
)
def test_a_multi_file_contract_is_copied_and_inspects_offline_as_the_original(
    tmp_path: Path, entry: str, main_file: str, count: int
) -> None:
    folder = corpus(entry)
    site = Site(CORPUS)
    with serving(site) as url:
        result = run(f"{url}/{entry}/{main_file}", "-o", str(tmp_path / "copy"))
    assert result.exit_code == 0, result.output  # the server is gone from here on: all that follows is offline
    assert result.stdout.splitlines()[0].startswith(f"fetched {count} document(s), ")
    assert f"next: adapter inspect {tmp_path / 'copy' / main_file}" in result.stderr
    assert inspected(tmp_path / "copy" / main_file) == inspected(folder / main_file)
    manifest = json.loads((tmp_path / "copy" / "fetch-manifest.json").read_text())
    assert (manifest["source"], manifest["main"]) == (f"{url}/{entry}/{main_file}", main_file)
    assert len(manifest["documents"]) == count == len(set(site.hits))  # each document fetched once
    for document in manifest["documents"]:
        original = (CORPUS / document["url"].removeprefix(f"{url}/")).read_bytes()
        written = (tmp_path / "copy" / document["path"]).read_bytes()
        assert document["sha256"] == hashlib.sha256(original).hexdigest() and document["size"] == len(original)
        assert written == original and "written" not in document  # relative imports already name the local copy
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["fetchedAt"])


def test_parents_queries_and_redirects_become_local_files_and_imports_point_at_them(tmp_path: Path) -> None:
    """A layout no file system would give: ``../`` to a parent folder, a ``?xsd=`` query, a redirect."""
    ship = corpus("ups-ship")
    main_wsdl = (ship / "Ship.wsdl").read_bytes()
    main_wsdl = main_wsdl.replace(b'"UPSSecurity.xsd"', b'"../../schemas/UPSSecurity.xsd"')
    main_wsdl = main_wsdl.replace(b'"Error1.1.xsd"', b'"Ship?xsd=error"')
    main_wsdl = main_wsdl.replace(b'"ShipWebServiceSchema.xsd"', b'"moved/ShipWebServiceSchema.xsd"')
    site = Site(
        pages={
            "/ship/v1/Ship": main_wsdl,
            "/schemas/UPSSecurity.xsd": (ship / "UPSSecurity.xsd").read_bytes(),
            "/ship/v1/Ship?xsd=error": (ship / "Error1.1.xsd").read_bytes(),
            "/ship/v1/moved/ShipWebServiceSchema.xsd": (302, {"Location": "/ship/v1/xsd/Ship.xsd"}, b""),
            "/ship/v1/xsd/Ship.xsd": (ship / "ShipWebServiceSchema.xsd").read_bytes(),
            "/ship/v1/xsd/common.xsd": (ship / "common.xsd").read_bytes(),
            "/ship/v1/xsd/IFWS.xsd": (ship / "IFWS.xsd").read_bytes(),
        }
    )
    with serving(site) as url:
        result = run(f"{url}/ship/v1/Ship", "-o", str(tmp_path / "ups"))
    assert result.exit_code == 0, result.output
    copy = tmp_path / "ups"
    manifest = json.loads((copy / "fetch-manifest.json").read_text())
    paths = {d["url"].removeprefix(url): d["path"] for d in manifest["documents"]}
    assert paths == {
        "/ship/v1/Ship": "Ship.wsdl",
        "/schemas/UPSSecurity.xsd": "UPSSecurity.xsd",
        "/ship/v1/Ship?xsd=error": "Ship-xsd-error.xsd",
        "/ship/v1/xsd/Ship.xsd": "xsd/Ship.xsd",  # where the redirect led: the base of its own imports
        "/ship/v1/xsd/common.xsd": "xsd/common.xsd",
        "/ship/v1/xsd/IFWS.xsd": "xsd/IFWS.xsd",
    }
    text = (copy / "Ship.wsdl").read_text()
    for location in ("UPSSecurity.xsd", "Ship-xsd-error.xsd", "xsd/Ship.xsd"):
        assert f'schemaLocation="{location}"' in text
    assert [d["path"] for d in manifest["documents"] if "written" in d] == ["Ship.wsdl"]
    assert inspected(copy / "Ship.wsdl") == inspected(ship / "Ship.wsdl")


def test_another_origin_is_refused_unless_allowed(tmp_path: Path) -> None:
    ship = corpus("ups-ship")
    with serving(Site(ship)) as other:
        remote = f'"{other}/UPSSecurity.xsd"'.encode()
        main_wsdl = (ship / "Ship.wsdl").read_bytes().replace(b'"UPSSecurity.xsd"', remote)
        with serving(Site(ship, {"/Ship.wsdl": main_wsdl})) as url:
            refused = run(f"{url}/Ship.wsdl", "-o", str(tmp_path / "a"))
            allowed = run(f"{url}/Ship.wsdl", "-o", str(tmp_path / "b"), "--allow-origin", other)
    assert refused.exit_code == 1
    assert refused.output == (
        f"error: {url}/Ship.wsdl refers to {other}/UPSSecurity.xsd, another origin: "
        f"pass --allow-origin {other} to fetch from it\n"
    )
    assert not (tmp_path / "a").exists()
    assert allowed.exit_code == 0, allowed.output
    assert 'schemaLocation="UPSSecurity.xsd"' in (tmp_path / "b" / "Ship.wsdl").read_text()


def test_a_redirect_to_another_origin_is_refused(tmp_path: Path) -> None:
    with serving(Site(pages={"/x.xsd": b"<never/>"})) as other:
        with serving(Site(pages={"/svc": (301, {"Location": f"{other}/x.xsd"}, b"")})) as url:
            result = run(f"{url}/svc", "-o", str(tmp_path / "c"))
    assert result.output == (
        f"error: {url}/svc redirects to {other}/x.xsd, another origin: pass --allow-origin {other} to fetch from it\n"
    )


def test_a_dtd_is_refused_and_never_read(tmp_path: Path) -> None:
    ship = corpus("ups-ship")
    listener = Site(pages={"/evil.dtd": b'<!ENTITY x "leaked">'})
    with serving(listener) as elsewhere:
        doctype = f'<?xml version="1.0"?><!DOCTYPE schema SYSTEM "{elsewhere}/evil.dtd">'.encode()
        evil = doctype + (ship / "common.xsd").read_bytes().split(b"?>", 1)[1]
        with serving(Site(ship, {"/common.xsd": evil})) as url:
            result = run(f"{url}/Ship.wsdl", "-o", str(tmp_path / "d"))
    assert result.exit_code == 1
    assert result.output == f"error: {url}/common.xsd: {DTD_REFUSED}\n"
    assert listener.hits == [] and not (tmp_path / "d").exists()


def test_a_location_cannot_place_a_file_outside_the_copy(tmp_path: Path) -> None:
    ship = corpus("ups-ship")
    sneaky = "..%2F..%2F..%2Fescaped.xsd"
    main_wsdl = (ship / "Ship.wsdl").read_bytes().replace(b'"UPSSecurity.xsd"', f'"{sneaky}"'.encode())
    site = Site(ship, {"/Ship.wsdl": main_wsdl, "/../../../escaped.xsd": (ship / "UPSSecurity.xsd").read_bytes()})
    copy = tmp_path / "deep" / "er" / "copy"
    with serving(site) as url:
        result = run(f"{url}/Ship.wsdl", "-o", str(copy))
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert all(path.startswith("deep/er/copy/") for path in written), written
    assert (copy / "escaped.xsd").is_file() and 'schemaLocation="escaped.xsd"' in (copy / "Ship.wsdl").read_text()
    for location in ("file:///etc/passwd", "ftp://example.com/x.xsd"):
        bad = (ship / "Ship.wsdl").read_bytes().replace(b'"UPSSecurity.xsd"', f'"{location}"'.encode())
        with serving(Site(ship, {"/Ship.wsdl": bad})) as url:
            refused = run(f"{url}/Ship.wsdl", "-o", str(tmp_path / "e"))
        assert refused.output == (
            f"error: {url}/Ship.wsdl refers to {location}, which is not an http(s) URL: only those are fetched\n"
        )
        assert not (tmp_path / "e").exists()


def test_a_symlink_in_the_folder_cannot_redirect_a_write(tmp_path: Path) -> None:
    ship = corpus("ups-ship")
    copy, outside = tmp_path / "copy", tmp_path / "outside"
    copy.mkdir()
    outside.mkdir()
    (copy / "common.xsd").symlink_to(outside / "common.xsd")
    with serving(Site(ship)) as url:
        result = run(f"{url}/Ship.wsdl", "-o", str(copy), "--force")
    assert result.exit_code == 1
    assert result.output == f"error: {copy / 'common.xsd'} is outside {copy}\n"
    assert not (outside / "common.xsd").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--max-documents", "5", "/ShipWebServiceSchema.xsd refers to {url}/IFWS.xsd, one document more than 5"),
        ("--max-document-bytes", "20000", "/ShipWebServiceSchema.xsd: the document is larger than 20000 bytes"),
        ("--max-total-bytes", "40000", "brings the documents over 40000 bytes in all"),
    ],
)
def test_limits_stop_the_fetch_and_say_which(tmp_path: Path, option: str, value: str, message: str) -> None:
    with serving(Site(corpus("ups-ship"))) as url:
        result = run(f"{url}/Ship.wsdl", "-o", str(tmp_path / "f"), option, value)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {url}/") and len(result.output.splitlines()) == 1
    assert message.format(url=url) in result.output
    assert not (tmp_path / "f").exists()


def test_limits_are_settings_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAPTER_FETCH__MAX_DOCUMENTS", "2")
    with serving(Site(corpus("ups-ship"))) as url:
        result = run(f"{url}/Ship.wsdl", "-o", str(tmp_path / "g"))
    assert "one document more than 2 (raise --max-documents or ADAPTER_FETCH__MAX_DOCUMENTS)" in result.output


def test_what_is_not_a_contract_is_named(tmp_path: Path) -> None:
    pages: dict[str, bytes | Page] = {
        "/login": b"<html><body>Sign in<br></body></html>",
        "/page": b"<html><body><p>Sign in</p></body></html>",
        "/gone": (404, {}, b"not here"),
        "/schema": b'<schema xmlns="http://www.w3.org/2001/XMLSchema"/>',
    }
    closed = free_port()
    with serving(Site(pages=pages)) as url:
        outcomes = {path: run(f"{url}{path}", "-o", str(tmp_path / "h")).output for path in pages}
    assert outcomes == {
        "/login": f"error: {url}/login: not well-formed XML (line 1)\n",
        "/page": f"error: {url}/page is not a WSDL 1.1 document (its root element is html)\n",
        "/gone": f"error: {url}/gone: the server answered HTTP 404\n",
        "/schema": f"error: {url}/schema is not a WSDL 1.1 document (its root element is schema)\n",
    }
    unreachable = run(f"http://127.0.0.1:{closed}/x.wsdl", "-o", str(tmp_path / "h"))
    assert unreachable.output == f"error: http://127.0.0.1:{closed}/x.wsdl: cannot connect (Connection refused)\n"
    refused = run("ftp://example.com/x.wsdl").output
    assert refused == "error: ftp://example.com/x.wsdl is not an http(s) URL: only those are fetched\n"
    assert not (tmp_path / "h").exists()


def test_an_earlier_copy_is_kept_unless_forced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with serving(Site(corpus("ups-ship"))) as url:
        first = run(f"{url}/Ship.wsdl")  # default folder: wsdl/<name of the WSDL>
        again = run(f"{url}/Ship.wsdl")
        forced = run(f"{url}/Ship.wsdl", "--force")
    assert first.exit_code == 0 and (tmp_path / "wsdl" / "Ship" / "Ship.wsdl").is_file()
    assert again.output.startswith("error: wsdl/Ship/") and "pass --force" in again.output
    assert forced.exit_code == 0, forced.output
