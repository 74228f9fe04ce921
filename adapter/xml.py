"""The only place that builds lxml parsers and serialises XML.

Every XML document the adapter reads — backend SOAP replies, inbound SOAP requests — goes through :func:`parse`:
DTDs are refused before the parser starts (SOAP 1.1 §3 and SOAP 1.2 part 1 §5 forbid them; they carry the
billion-laughs and XXE attacks), entities are never expanded, the network is never touched, and the document's
shape is checked event by event while it is parsed, so an attack stops at the first element over a limit instead of
after a whole tree is built.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from adapter.exceptions import PayloadTooLarge, RequestError
from adapter.settings import XmlLimits

Element = Any  # lxml.etree._Element; lxml ships no type information

_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
# One sentence wherever a DTD is refused (CLI, problem detail, SOAP fault): what was found and why it is refused.
DTD_REFUSED = (
    "the document declares a DTD (<!DOCTYPE …>), which is refused: a DTD can expand entities and fetch external "
    "files (XXE)"
)


class XmlError(RequestError):
    """The bytes are not an acceptable XML document."""

    problem_type = "invalid-xml"
    title = "Invalid XML"


def _parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end", "start-ns"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes, limits: XmlLimits) -> Element:
    """Parse ``data`` into an element tree, refusing DTDs and any document over ``limits``.

    Raises :class:`PayloadTooLarge` (413) for the size and :class:`XmlError` (400) for everything else, with a short
    message that names the limit but never echoes the document.
    """
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(f"the XML document exceeds {limits.max_bytes} bytes")
    if data.startswith(_UTF16):
        raise XmlError("the XML document must be UTF-8")  # SOAP messages here are UTF-8; no second decoder to trust
    if has_doctype(data):
        raise XmlError(DTD_REFUSED)
    parser = _parser()
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


def has_doctype(data: bytes) -> bool:
    """Whether the prolog holds a DOCTYPE. The prolog may hold an XML declaration, comments, processing instructions
    and white space, and a DOCTYPE can only stand there (XML 1.0 §2.8); it is looked for in the raw bytes, so the
    parser never reads a DTD at all. One forward scan: linear in the prolog's length whatever the input."""
    pos = len(_BOM) if data.startswith(_BOM) else 0
    while True:
        while pos < len(data) and data[pos] in b" \t\r\n":
            pos += 1
        if data.startswith(b"<?", pos):
            closing = b"?>"
        elif data.startswith(b"<!--", pos):
            closing = b"-->"
        else:
            return data.startswith(b"<!DOCTYPE", pos)
        end = data.find(closing, pos + 2)
        if end < 0:
            return False
        pos = end + len(closing)


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
