"""``adapter fetch URL``: a contract and every document it imports, copied once, so that all else stays offline.

The documents are read with the adapter's one HTTP client (:mod:`adapter.outbound.client`: timeouts, a size cap per
document, no cookies, no redirect followed blindly) and parsed with its one XML parser (:mod:`adapter.xml`: no DTD,
no entity, the XML limits). Imports are followed recursively, breadth first, within the main document's origin and
the origins the caller allows; a redirect is followed only within them too. The standard W3C schemas the adapter
bundles are not fetched. Nothing is written until every document has arrived: then the documents, each import
pointing at its local copy (:mod:`adapter.tooling.locations`), and ``fetch-manifest.json`` with each document's URL,
local path, SHA-256, size and time of fetching.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from yarl import URL

from adapter import __version__, xml
from adapter.exceptions import BackendError, BackendTimeout, BackendUnavailable, ContractError, RequestError
from adapter.intake.documents import STANDARD_SCHEMAS
from adapter.outbound.client import HttpClient
from adapter.settings import FetchLimits, XmlLimits
from adapter.tooling.locations import LocalNames, Reference, kind, names_file, references, relative, root_name

MANIFEST = "fetch-manifest.json"
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 5
_ACCEPT = "application/wsdl+xml, application/xml, text/xml;q=0.9, */*;q=0.1"


@dataclass
class Document:
    """One fetched document: where it came from, its bytes as served, its parsed tree and what it imports."""

    url: URL  # the URL it was read from (after redirects): the base of its relative references
    data: bytes
    root: xml.Element
    fetched_at: datetime
    imports: list[tuple[Reference, str]] = field(default_factory=list)  # each reference and the URL it names


@dataclass(frozen=True)
class Copy:
    """A fetched contract as written: the folder, the main document's path in it, and the manifest."""

    folder: Path
    main: Path
    manifest: dict[str, Any]


def fetch(
    url: str,
    folder: Path,
    limits: FetchLimits,
    xml_limits: XmlLimits,
    *,
    allow: Sequence[str] = (),
    force: bool = False,
) -> Copy:
    """Fetch the contract at ``url`` into ``folder``. Raises :class:`ContractError` naming the URL at fault."""
    start = _start(url)
    origins = {start.origin(), *(_origin(text) for text in allow)}
    per_document = {"max_bytes": limits.max_document_bytes, "max_elements": limits.max_elements}
    documents = asyncio.run(_Crawl(origins, limits, xml_limits.model_copy(update=per_document)).run(start))
    return _write(start, documents, folder, force)


def default_folder(url: str, wsdl_dir: Path) -> Path:
    """``wsdl/<the WSDL's name>``: where a fetched contract goes unless told, under the contracts folder."""
    start = _start(url)
    return wsdl_dir / LocalNames(start).name(start, "wsdl").stem


_ONLY_HTTP = "which is not an http(s) URL: only those are fetched"


def _start(text: str) -> URL:
    found = _url(text)
    if found is None:
        raise ContractError(f"{text} is not an http(s) URL: only those are fetched")
    return found


def _url(text: str, base: URL | None = None) -> URL | None:
    """``text`` as an absolute http(s) URL (resolved against ``base``), or ``None`` when it is no such URL."""
    try:
        found = URL(text) if base is None else base.join(URL(text))
    except (ValueError, TypeError):
        return None
    if found.scheme not in ("http", "https") or not found.host:
        return None
    # ".//common.xsd", written for file systems, would otherwise name a new URL at every level of nesting.
    path = re.sub("/{2,}", "/", found.raw_path)
    return found.with_path(path, encoded=True, keep_query=True).with_fragment(None)


def _origin(text: str) -> URL:
    found = _url(text if "://" in text else f"https://{text}")
    if found is None:
        raise ContractError(f"--allow-origin {text} is not an http(s) origin such as https://schemas.example.com")
    return found.origin()


class _Crawl:
    """One fetch: the documents found so far, in the order they were found, and the limits they count against."""

    def __init__(self, origins: set[URL], limits: FetchLimits, xml_limits: XmlLimits) -> None:
        self.origins = origins
        self.limits = limits
        self.xml_limits = xml_limits
        self.found: dict[str, Document | None] = {}
        self.total = 0
        self.start = ""

    async def run(self, start: URL) -> dict[str, Document]:
        client = HttpClient(
            timeout=self.limits.timeout,
            connect_timeout=min(10.0, self.limits.timeout),
            max_reply_bytes=self.limits.max_document_bytes,
            max_connections=4,
            name="fetch",
        )
        self.found[str(start)] = None
        self.start = str(start)
        wave = [start]
        try:
            while wave:
                replies = await self._wave(client, wave)
                wave = [new for url, reply in zip(wave, replies, strict=True) for new in self._read(url, *reply)]
        finally:
            await client.close()
        return {url: document for url, document in self.found.items() if document is not None}

    async def _wave(self, client: HttpClient, wave: list[URL]) -> list[tuple[URL, bytes]]:
        """The documents of one level, read side by side; the first failure cancels the others."""
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._get(client, url)) for url in wave]
        except ExceptionGroup as failed:
            first = failed.exceptions[0]
            if isinstance(first, ContractError):
                raise first from None
            raise
        return [task.result() for task in tasks]

    async def _get(self, client: HttpClient, url: URL) -> tuple[URL, bytes]:
        """The document at ``url``, following redirects within the allowed origins."""
        headers = {"Accept": _ACCEPT, "User-Agent": f"soap-adapter/{__version__} (adapter fetch)"}
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                reply = await client.request("GET", str(url), headers=headers)
            except BackendError as exc:
                raise ContractError(f"{url}: {_failure(exc, self.limits)}") from None
            if reply.status not in _REDIRECTS:
                if reply.status != 200:
                    raise ContractError(f"{url}: the server answered HTTP {reply.status}")
                return url, reply.body
            location = reply.headers.get("location", "")
            target = _url(location, url)
            if target is None:
                raise ContractError(f"{url} redirects to {location or 'nowhere'}, {_ONLY_HTTP}")
            if target.origin() not in self.origins:
                raise ContractError(f"{url} redirects to {target}, another origin: {_allow(target)}")
            url = target
        raise ContractError(f"{url}: more than {_MAX_REDIRECTS} redirects")

    def _read(self, requested: URL, url: URL, data: bytes) -> list[URL]:
        """Parse one document, count it, and return the URLs it names that were not seen before."""
        self.total += len(data)
        if self.total > self.limits.max_total_bytes:
            raise ContractError(
                f"{url} brings the documents over {self.limits.max_total_bytes} bytes in all "
                "(raise --max-total-bytes or ADAPTER_FETCH__MAX_TOTAL_BYTES)"
            )
        root = _parse(url, data, self.xml_limits)
        main = str(requested) == self.start
        if kind(root) is None or (main and kind(root) != "wsdl"):
            what = "a WSDL 1.1 document" if main else "a WSDL or XML Schema document"
            raise ContractError(f"{url} is not {what} (its root element is {root_name(root)})")
        document = Document(url, data, root, datetime.now(UTC))
        self.found[str(requested)] = document
        new: list[URL] = []
        for reference in references(root):
            target = self._target(document, reference)
            if target is None:
                continue
            document.imports.append((reference, str(target)))
            if str(target) not in self.found:
                self._count(url, target)
                self.found[str(target)] = None
                new.append(target)
        return new

    def _target(self, document: Document, reference: Reference) -> URL | None:
        location = reference.location
        if location in STANDARD_SCHEMAS:
            return None  # bundled with the adapter: never fetched (adapter.soap.transport)
        target = _url(location, document.url)
        if target is None:
            raise ContractError(f"{document.url} refers to {location}, {_ONLY_HTTP}")
        if str(target) in STANDARD_SCHEMAS:
            return None
        if target.origin() not in self.origins:
            raise ContractError(f"{document.url} refers to {target}, another origin: {_allow(target)}")
        return target

    def _count(self, referrer: URL, target: URL) -> None:
        if len(self.found) >= self.limits.max_documents:
            raise ContractError(
                f"{referrer} refers to {target}, one document more than {self.limits.max_documents} "
                "(raise --max-documents or ADAPTER_FETCH__MAX_DOCUMENTS)"
            )


def _parse(url: URL, data: bytes, limits: XmlLimits) -> xml.Element:
    try:
        return xml.parse(data, limits)
    except RequestError as exc:  # XmlError (not XML, a DTD, over a limit), or PayloadTooLarge
        raise ContractError(f"{url}: {exc.detail}") from None


def _failure(exc: BackendError, limits: FetchLimits) -> str:
    """What went wrong on the network, in a few words (the HTTP client keeps the reason as the error's context)."""
    if isinstance(exc, BackendTimeout):
        return f"no answer within {limits.timeout:g} s (--timeout, ADAPTER_FETCH__TIMEOUT)"
    if isinstance(exc, BackendUnavailable):
        cause: Any = exc.__context__
        error = getattr(cause, "os_error", None) or cause
        reason = os.strerror(error.errno) if isinstance(error, OSError) and error.errno else ""
        return f"cannot connect ({reason or type(cause).__name__})" if cause is not None else "cannot connect"
    return (
        f"the document is larger than {limits.max_document_bytes} bytes "
        "(raise --max-document-bytes or ADAPTER_FETCH__MAX_DOCUMENT_BYTES)"
    )


def _allow(target: URL) -> str:
    return f"pass --allow-origin {target.origin()} to fetch from it"


# -- the local copy -----------------------------------------------------------------------------------------------


def _write(start: URL, documents: dict[str, Document], folder: Path, force: bool) -> Copy:
    """Name, rewrite and write every document, then the manifest; nothing is written if a file would be lost."""
    names = LocalNames(documents[str(start)].url)
    paths = {url: names.name(document.url, kind(document.root) or "xml") for url, document in documents.items()}
    planned = {folder / path for path in paths.values()} | {folder / MANIFEST}
    clobbered = sorted(str(p) for p in planned if p.exists())
    if clobbered and not force:
        raise ContractError(f"{clobbered[0]} exists ({len(clobbered)} file(s) would be replaced); pass --force")
    entries = []
    for url, document in documents.items():
        path = paths[url]
        data, rewritten = _rewritten(document, path, paths)
        target = folder / path
        if not target.resolve().is_relative_to(folder.resolve()):  # a symlink in an existing folder, say
            raise ContractError(f"{target} is outside {folder}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(_entry(document, path, data, rewritten))
    manifest = {
        "source": str(start),
        "main": str(paths[str(start)]),
        "fetchedAt": _time(datetime.now(UTC)),
        "fetchedBy": f"soap-adapter {__version__}",
        "documents": entries,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Copy(folder=folder, main=folder / paths[str(start)], manifest=manifest)


def _rewritten(document: Document, path: PurePosixPath, paths: dict[str, PurePosixPath]) -> tuple[bytes, bool]:
    """The document as written: the bytes as served when every import already names its local copy, else the tree
    with each import rewritten (comments, dropped by the parser, are lost then)."""
    changed = False
    for reference, url in document.imports:
        if not names_file(reference.location, path, paths[url]):
            changed = reference.point_at(relative(paths[url], path)) or changed
    return (xml.tostring(document.root, declaration=True) if changed else document.data), changed


def _entry(document: Document, path: PurePosixPath, data: bytes, rewritten: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "url": str(document.url),
        "path": str(path),
        "sha256": hashlib.sha256(document.data).hexdigest(),  # of the bytes as served: compare with the origin
        "size": len(document.data),
        "fetchedAt": _time(document.fetched_at),
    }
    if rewritten:  # what is on disk, with the imports pointing at the local copies
        entry["written"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return entry


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
