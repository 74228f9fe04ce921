"""Outbound WS-Security for a backend, from its mapping's ``backend.security`` (OASIS WSS 1.1).

zeep applies the plugins in order when it builds each envelope (``binding._create(..., client=...)``), so the
wsse:Security header reads: wsu:Timestamp, UsernameToken, BinarySecurityToken, ds:Signature over Body and Timestamp.
Every envelope gets a fresh Timestamp (and wsu:Id), nonce and Created. The parts that only change with the clock's
second, or never (a PasswordText token), are built once and copied into each envelope: a copy of a small lxml tree
costs a fraction of building it again.

Without a signature and without a digest, the whole soap:Header those plugins would add to an envelope that has none
is itself made once a second (:class:`Plugins`) and copied into each envelope with a fresh wsu:Id: one copy and one
insert instead of finding and filling the header twice; :meth:`Plugins.serialize`, which the backend call uses, goes
one step further and splices that Header's bytes into the serialised envelope.
"""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from zeep import ns
from zeep.wsse.compose import Compose
from zeep.wsse.username import UsernameToken
from zeep.wsse.utils import ID_ATTR, WSSE, WSU, ensure_id

from adapter import xml
from adapter.ids import uuid4_hex
from adapter.mapping.model import Backend
from adapter.soap.signature import signer

DEFAULT_TTL = 300  # seconds; a signed request without a UsernameToken still carries a Timestamp
# The wsu:Id the spliced Header is serialised with, then cut at: a tab is written "&#9;" in an attribute value and as
# itself in text (XML 1.0 §3.3.3), so the mark cannot be met in a Username, a Password or a time.
_ID_MARK = "\t"
_ID_MARK_BYTES = b'="&#9;"'
# The namespaces of the Header's elements and attributes besides the envelope's: declared on the Envelope, they would
# change how the copy is written (lxml drops its own declarations of them), so such an envelope is not spliced. A
# namespace URI is written as it is in a declaration (XML Namespaces 1.0 §2.2; no character of these is escaped).
_SECURITY_NAMESPACES = (ns.WSSE.encode(), ns.WSU.encode())


class Timestamp:
    """A zeep WS-Security plugin: a fresh wsu:Timestamp, first in the header (WSS 1.1 §10), with a wsu:Id to sign."""

    def __init__(self, ttl: int) -> None:
        self.ttl = ttl
        self._current: tuple[int, etree._Element] | None = None  # (second, Timestamp of that second, without Id)

    def apply(self, envelope: etree._Element, headers: dict[str, str]) -> tuple[etree._Element, dict[str, str]]:
        stamp = copy.deepcopy(self._of(int(time.time())))
        ensure_id(stamp)  # a fresh wsu:Id in every envelope, as before
        _security_header(envelope).insert(0, stamp)
        return envelope, headers

    def _of(self, second: int) -> etree._Element:
        """The Timestamp of ``second`` (Created to whole seconds, as zeep writes it), made once per second."""
        current = self._current
        if current is None or current[0] != second:
            created = datetime.fromtimestamp(second, UTC)
            expires = created + timedelta(seconds=self.ttl)
            current = self._current = (second, WSU.Timestamp(WSU.Created(_utc(created)), WSU.Expires(_utc(expires))))
        return current[1]

    def verify(self, envelope: etree._Element) -> etree._Element:
        return envelope  # replies are read by adapter.soap.envelope, not by zeep


class PasswordToken(UsernameToken):
    """zeep's UsernameToken plugin; with PasswordText, the token (Username, Password) is made once and copied into
    each envelope. A digest has a fresh nonce and Created per envelope: zeep makes those."""

    def __init__(self, username: str, password: str, *, use_digest: bool) -> None:
        super().__init__(username, password, use_digest=use_digest, zulu_timestamp=True)
        self._token = WSSE.UsernameToken(
            WSSE.Username(username),
            WSSE.Password(password, Type=f"{self.username_token_profile_ns}#PasswordText"),
        )

    def apply(self, envelope: etree._Element, headers: dict[str, str]) -> tuple[etree._Element, dict[str, str]]:
        security = _security_header(envelope)
        if self.use_digest or security.find(f"{{{ns.WSSE}}}UsernameToken") is not None:
            return super().apply(envelope, headers)  # type: ignore[no-any-return]
        security.append(copy.deepcopy(self._token))
        return envelope, headers


class Plugins(Compose):
    """zeep's :class:`Compose` (the plugins applied in order), with the header made once a second when every plugin
    is a :class:`Timestamp` or a PasswordText :class:`PasswordToken` and the envelope has no soap:Header yet: the
    same elements, attributes and values the plugins would add (a fresh wsu:Id on the Timestamp), copied in."""

    def __init__(self, plugins: list[Any]) -> None:
        super().__init__(plugins)
        self._fixed = all(
            isinstance(p, Timestamp) or (isinstance(p, PasswordToken) and not p.use_digest) for p in plugins
        )
        self._stamped = any(isinstance(p, Timestamp) for p in plugins)
        # (envelope namespace, its prefix) → (second, the Header of that second)
        self._headers: dict[tuple[str, str | None], tuple[int, etree._Element]] = {}
        # (envelope namespace, its prefix) → (second, the empty Header's bytes, the Header's bytes around the wsu:Id)
        self._bytes: dict[tuple[str, str | None], tuple[int, bytes, bytes, bytes]] = {}

    def apply(self, envelope: etree._Element, headers: dict[str, str]) -> tuple[etree._Element, dict[str, str]]:
        env = etree.QName(envelope).namespace
        if not self._fixed or next(envelope.iterchildren(f"{{{env}}}Header"), None) is not None:
            return super().apply(envelope, headers)  # type: ignore[no-any-return]
        header = copy.deepcopy(self._header(env, envelope.prefix, int(time.time())))
        envelope.insert(0, header)
        if self._stamped:
            header[0][0].set(ID_ATTR, _unique_id())  # the Timestamp is first (WSS 1.1 §10); ensure_id's form
        return envelope, headers

    def serialize(self, envelope: etree._Element, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        """:meth:`apply`, then :func:`adapter.xml.tostring` with the XML declaration: the bytes to send. Where
        :meth:`apply` would copy the Header made once a second, its bytes are spliced in instead (:meth:`_spliced`)."""
        data = self._spliced(envelope)
        if data is None:
            envelope, headers = self.apply(envelope, headers)
            data = xml.tostring(envelope, declaration=True)
        return data, headers

    def _spliced(self, envelope: etree._Element) -> bytes | None:
        """The envelope written with the Header made once a second, or ``None`` where :meth:`apply` must run: an
        empty soap:Header is serialised in its place and replaced by the Header's bytes (made once a second, as the
        Header would be written there; a test compares them), with a fresh wsu:Id. No tree is copied."""
        env = etree.QName(envelope).namespace
        if not self._fixed or next(envelope.iterchildren(f"{{{env}}}Header"), None) is not None:
            return None
        empty, before, after = self._header_bytes(env, envelope.prefix, int(time.time()))
        envelope.insert(0, etree.Element(f"{{{env}}}Header"))  # written as `empty`, the Envelope's first child
        data = xml.tostring(envelope, declaration=True)
        at = data.index(empty)
        # What precedes is the XML declaration and the Envelope's start tag: declared there, the WS-Security
        # namespaces would change how the copy is written (lxml drops its own declarations of them).
        if any(data.find(uri, 0, at) >= 0 for uri in _SECURITY_NAMESPACES):
            del envelope[0]
            return None
        header = before + _unique_id().encode() + after if self._stamped else before
        return data[:at] + header + data[at + len(empty) :]

    def _header_bytes(self, env: str, prefix: str | None, second: int) -> tuple[bytes, bytes, bytes]:
        """The empty soap:Header as written in an envelope of ``env`` with ``prefix``, and the Header of ``second``
        as written there, cut where its Timestamp's wsu:Id goes (made once a second)."""
        current = self._bytes.get((env, prefix))
        if current is None or current[0] != second:
            probe = etree.Element(f"{{{env}}}Envelope", nsmap={prefix: env})
            probe.insert(0, etree.Element(f"{{{env}}}Header"))
            written = etree.tostring(probe)
            empty = written[written.index(b">") + 1 : written.rindex(b"</")]
            del probe[0]
            header = copy.deepcopy(self._header(env, prefix, second))
            probe.insert(0, header)  # what apply() does
            if self._stamped:
                header[0][0].set(ID_ATTR, _ID_MARK)
            written = etree.tostring(probe)
            before, _, after = written[written.index(b">") + 1 : written.rindex(b"</")].partition(_ID_MARK_BYTES)
            if self._stamped:
                before, after = before + b'="', b'"' + after
            current = self._bytes[env, prefix] = (second, empty, before, after)
        return current[1], current[2], current[3]

    def _header(self, env: str, prefix: str | None, second: int) -> etree._Element:
        """The soap:Header the plugins add in ``second`` to an empty envelope of the same namespace and prefix (so
        that the copy declares nothing the envelope already does), without the Timestamp's wsu:Id."""
        current = self._headers.get((env, prefix))
        if current is None or current[0] != second:
            empty = etree.Element(f"{{{env}}}Envelope", nsmap={prefix: env})
            for plugin in self.wsse_objects:
                plugin.apply(empty, {})
            header = empty[0]
            if self._stamped:
                del header[0][0].attrib[ID_ATTR]
            current = self._headers[env, prefix] = (second, header)
        return current[1]


def _unique_id() -> str:
    """zeep's ``get_unique_id`` (``id-`` and a random UUID, RFC 9562 §5.4), without building a ``uuid.UUID`` and
    with the CSPRNG read ahead (:mod:`adapter.ids`)."""
    h = uuid4_hex()
    return f"id-{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _security_header(envelope: etree._Element) -> etree._Element:
    """zeep's ``get_security_header``: the envelope's first soap:Header (made first if missing) and its first
    wsse:Security (appended if missing), found among the children without an ElementPath."""
    env = etree.QName(envelope).namespace
    header = next(envelope.iterchildren(f"{{{env}}}Header"), None)
    if header is None:
        header = etree.Element(f"{{{env}}}Header")
        envelope.insert(0, header)
    security = next(header.iterchildren(f"{{{ns.WSSE}}}Security"), None)
    if security is None:
        security = WSSE.Security()
        header.append(security)
    return security


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # WSS 1.1 §10: UTC, and "Z" is the form receivers expect


def security(backend: Backend) -> Any:
    """The zeep WS-Security plugin for ``backend`` (a :class:`Compose` of the parts, applied in order), or ``None``.

    Signing keys and certificates are read and tried now. Raises :class:`adapter.exceptions.MappingError` naming
    the field at fault; the caller locates it in the mapping file.
    """
    spec = backend.security
    if spec is None or (spec.username_token is None and spec.signature is None):
        return None
    token = spec.username_token
    timestamp = Timestamp(token.ttl if token is not None else DEFAULT_TTL)
    plugins: list[Any] = []
    if spec.signature is not None or (token is not None and token.timestamp):
        plugins.append(timestamp)  # a signature always covers a Timestamp, against replays
    if token is not None:
        password = token.password.get_secret_value()
        plugins.append(PasswordToken(token.username, password, use_digest=token.digest))
    if spec.signature is not None:
        plugins.append(signer(spec.signature, timestamp))
    # Compose rather than a plain list: zeep's binding accepts a list when building, but not when reading a reply.
    return Plugins(plugins)
