"""The only place that builds lxml parsers and serialises XML.

Every XML document the adapter reads — backend SOAP replies, inbound SOAP requests — goes through :func:`parse`:
DTDs are refused before the parser starts (SOAP 1.1 §3 and SOAP 1.2 part 1 §5 forbid them; they carry the
billion-laughs and XXE attacks), entities are never expanded, the network is never touched, and the document's
shape is checked event by event while it is parsed, so an attack stops at the first element over a limit instead of
after a whole tree is built.

A message's encoding is decided once, before parsing, by :func:`message_encoding`, and the parser is told it: the
XML declaration can then no longer switch libxml2 to another decoder (a body read as UTF-8 by one component and as
UTF-7 by another is how an operation was once smuggled past the SOAPAction check).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from adapter.exceptions import PayloadTooLarge, RequestError
from adapter.settings import XmlLimits

Element = Any  # lxml.etree._Element; lxml ships no type information

_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
# libxml2's name for each encoding → Python's codec for the same bytes (without the byte order mark).
_CODECS = {"UTF-8": "utf-8", "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be"}
# XML 1.0 §2.8, §4.3.3: the declaration comes first, and names the encoding in Latin letters, digits, . _ -
_DECLARED = re.compile(r"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(['\"])[^'\"]*\1"
                       r"[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(['\"])([A-Za-z][A-Za-z0-9._-]*)\2")  # fmt: skip
# One sentence wherever a DTD is refused (CLI, problem detail, SOAP fault): what was found and why it is refused.
DTD_REFUSED = (
    "the document declares a DTD (<!DOCTYPE …>), which is refused: a DTD can expand entities and fetch external "
    "files (XXE)"
)


class XmlError(RequestError):
    """The bytes are not an acceptable XML document."""

    problem_type = "invalid-xml"
    title = "Invalid XML"


def _parser(encoding: str | None) -> etree.XMLPullParser:
    return etree.XMLPullParser(
        encoding=encoding,
        events=("start", "end", "start-ns"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def message_encoding(data: bytes, charset: str | None) -> str:
    """The one encoding a message is read in: UTF-8, or UTF-16 when it starts with a UTF-16 byte order mark.

    Only these two are accepted (libxml2 and every SOAP stack read them alike). The XML declaration, if it names an
    encoding, and ``charset`` (the Content-Type's, lower case; RFC 7303 §3.2: the BOM decides when it is absent) must
    name the same one, else :class:`XmlError`. Returns libxml2's name (``UTF-8``, ``UTF-16LE``, ``UTF-16BE``) for
    :func:`parse`.
    """
    if data.startswith(_UTF32):
        raise XmlError("the XML document must be UTF-8, or UTF-16 with a byte order mark")
    if data.startswith(_UTF16):
        encoding, name = ("UTF-16LE" if data.startswith(b"\xff\xfe") else "UTF-16BE"), "utf-16"
        prolog = data[2:514].decode(_CODECS[encoding], errors="replace")
    else:
        encoding, name = "UTF-8", "utf-8"
        prolog = data[len(_BOM) if data.startswith(_BOM) else 0 :][:256].decode("latin-1")  # ASCII is all we look at
    declared = _DECLARED.match(prolog)
    if declared is not None and declared.group(3).lower() != name:
        raise XmlError(f"the XML declaration's encoding is not the document's ({name.upper()})")
    if charset is not None and charset != name:
        raise XmlError(f"the Content-Type charset is not the document's encoding ({name.upper()})")
    return encoding


def parse(data: bytes, limits: XmlLimits, *, encoding: str | None = None) -> Element:
    """Parse ``data`` into an element tree, refusing DTDs and any document over ``limits``.

    ``encoding`` (from :func:`message_encoding`) is the only one the parser will use; without it the document must
    not be UTF-16 and libxml2 reads its XML declaration. Raises :class:`PayloadTooLarge` (413) for the size and
    :class:`XmlError` (400) for everything else, with a short message that names the limit but never echoes the
    document.
    """
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(f"the XML document exceeds {limits.max_bytes} bytes")
    if encoding is None and data.startswith(_UTF16):
        raise XmlError("the XML document must be UTF-8")  # files and replies: no second decoder to trust
    if has_doctype(data, encoding or "UTF-8"):
        raise XmlError(DTD_REFUSED)
    parser = _parser(encoding)
    guard = _Guard(limits)
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start : start + _CHUNK])
            guard.check(parser.read_events())
        root: Element = parser.close()
        guard.check(parser.read_events())
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():  # libxml2's own nesting cap (256) fired before our check saw the events
            raise XmlError(f"the document nests deeper than {limits.max_depth} elements") from None
        raise XmlError(f"not well-formed XML (line {exc.lineno})") from None
    if root.getroottree().docinfo.doctype:
        raise XmlError(DTD_REFUSED)
    return root


def has_doctype(data: bytes, encoding: str = "UTF-8") -> bool:
    """Whether the prolog holds a DOCTYPE. The prolog may hold an XML declaration, comments, processing instructions
    and white space, and a DOCTYPE can only stand there (XML 1.0 §2.8); it is looked for in the raw bytes, so the
    parser never reads a DTD at all. One forward scan: linear in the prolog's length whatever the input.

    ``encoding`` is libxml2's name (see :func:`message_encoding`); in UTF-16 the markers are matched on whole code
    units only."""
    marks = _Marks.of(encoding)
    pos = len(marks.bom) if data.startswith(marks.bom) else 0
    while True:
        while data[pos : pos + marks.unit] in marks.spaces:
            pos += marks.unit
        if data.startswith(marks.pi, pos):
            opening, closing = marks.pi, marks.pi_end
        elif data.startswith(marks.comment, pos):
            opening, closing = marks.comment, marks.comment_end  # "<!-->" does not close (XML 1.0 §2.5)
        else:
            return data.startswith(marks.doctype, pos)
        end = _aligned_find(data, closing, pos + len(opening), marks.unit)
        if end < 0:
            return False
        pos = end + len(closing)


def _aligned_find(data: bytes, needle: bytes, start: int, unit: int) -> int:
    """``data.find(needle, start)`` at a multiple of ``unit`` (a UTF-16 code unit never starts at an odd byte)."""
    found = data.find(needle, start)
    while found > 0 and found % unit:
        found = data.find(needle, found + 1)
    return found


class _Marks:
    """The prolog's markers, encoded."""

    _cache: dict[str, _Marks] = {}

    def __init__(self, codec: str) -> None:
        self.unit = len(" ".encode(codec))
        self.bom = "\ufeff".encode(codec)
        self.spaces = frozenset(char.encode(codec) for char in " \t\r\n")
        self.pi, self.pi_end = "<?".encode(codec), "?>".encode(codec)
        self.comment, self.comment_end = "<!--".encode(codec), "-->".encode(codec)
        self.doctype = "<!DOCTYPE".encode(codec)

    @classmethod
    def of(cls, encoding: str) -> _Marks:
        if encoding not in cls._cache:
            cls._cache[encoding] = cls(_CODECS[encoding])
        return cls._cache[encoding]


class _Guard:
    """Checks parse events against the limits; raises at the first element over one."""

    def __init__(self, limits: XmlLimits) -> None:
        self.limits = limits
        self.depth = 0
        self.elements = 0
        self.namespaces = 0  # declarations seen since the last start tag: they belong to the next element

    def check(self, events: Any) -> None:
        limits = self.limits
        for event, item in events:
            if event == "start-ns":
                self.namespaces += 1
                if self.namespaces > limits.max_namespaces:
                    raise XmlError(f"an element declares more than {limits.max_namespaces} namespaces")
            elif event == "start":
                self.namespaces = 0
                self.depth += 1
                self.elements += 1
                self._start(item)
            else:
                self.depth -= 1
                self._end(item)

    def _start(self, element: Element) -> None:
        limits = self.limits
        if self.depth > limits.max_depth:
            raise XmlError(f"the document nests deeper than {limits.max_depth} elements")
        if self.elements > limits.max_elements:
            raise XmlError(f"the document has more than {limits.max_elements} elements")
        tag = element.tag
        if len(tag) > limits.max_name_length and len(tag.rpartition("}")[2]) > limits.max_name_length:
            raise XmlError(f"a name is longer than {limits.max_name_length} characters")
        attributes = element.attrib
        if attributes:
            if len(attributes) > limits.max_attributes:
                raise XmlError(f"an element has more than {limits.max_attributes} attributes")
            for name, value in attributes.items():
                if len(name.rpartition("}")[2]) > limits.max_name_length:
                    raise XmlError(f"a name is longer than {limits.max_name_length} characters")
                if len(value) > limits.max_text_length:
                    raise XmlError(f"an attribute value is longer than {limits.max_text_length} characters")

    def _end(self, element: Element) -> None:
        limit = self.limits.max_text_length
        text = element.text
        # The last child's tail is complete now. Earlier tails (mixed content, which SOAP bodies do not use) stay
        # bounded by max_bytes and libxml2's own 10 MB text-node cap.
        tail = element[-1].tail if len(element) else None
        if (text is not None and len(text) > limit) or (tail is not None and len(tail) > limit):
            raise XmlError(f"a text node is longer than {limit} characters")


def tostring(element: Element, *, declaration: bool = False) -> bytes:
    """Serialise ``element`` as UTF-8."""
    return bytes(etree.tostring(element, encoding="utf-8", xml_declaration=declaration))
