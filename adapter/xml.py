"""The only place that builds lxml parsers and serialises XML.

Every XML document the adapter reads — backend SOAP replies, inbound SOAP requests — goes through :func:`parse`:
DTDs are refused before the parser starts (SOAP 1.1 §3 and SOAP 1.2 part 1 §5 forbid them; they carry the
billion-laughs and XXE attacks), entities are never expanded, the network is never touched, and the document's
shape is checked against the limits. When the bytes alone show that the element count, the namespace declarations
and every text are within them (the common case, a few ``<`` and ``xmlns`` counted), the tree is built in one call
and its depth, attributes and names are checked on it in libxml2's XPath; otherwise, or when that check finds
anything, the document is parsed event by event, so an attack stops at the first element over a limit instead of
after a whole tree is built, and the message names that limit.

A message's encoding is decided once, before parsing, by :func:`message_encoding`, and the parser is told it: the
XML declaration can then no longer switch libxml2 to another decoder (a body read as UTF-8 by one component and as
UTF-7 by another is how an operation was once smuggled past the SOAPAction check).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
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
_DECLARED_BYTES = re.compile(_DECLARED.pattern.encode())  # the same, on UTF-8 bytes as they come
# One sentence wherever a DTD is refused (CLI, problem detail, SOAP fault): what was found and why it is refused.
DTD_REFUSED = (
    "the document declares a DTD (<!DOCTYPE …>), which is refused: a DTD can expand entities and fetch external "
    "files (XXE)"
)


class XmlError(RequestError):
    """The bytes are not an acceptable XML document."""

    problem_type = "invalid-xml"
    title = "Invalid XML"


# The hardened settings of every parser built here: the event-by-event one and the one-call fast path read the same
# bytes the same way.
_HARDENED: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def tree_parser(encoding: str | None = None, *, huge_tree: bool = False) -> etree.XMLParser:
    """A parser with the hardened settings that builds the tree in one call; ``huge_tree`` only for the project's own
    files (contracts), never for what callers or backends send."""
    return etree.XMLParser(encoding=encoding, **{**_HARDENED, "huge_tree": huge_tree})


def _parser(encoding: str | None) -> etree.XMLPullParser:
    return etree.XMLPullParser(encoding=encoding, events=("start", "end", "start-ns"), **_HARDENED)


class _FastParsers(threading.local):
    """One tree parser per encoding and thread: lxml parsers must not be shared by threads parsing at once."""

    def __init__(self) -> None:
        self.by_encoding: dict[str | None, etree.XMLParser] = {}

    def get(self, encoding: str | None) -> etree.XMLParser:
        parser = self.by_encoding.get(encoding)
        if parser is None:  # the pull parser's settings, building the tree in one call
            parser = self.by_encoding[encoding] = tree_parser(encoding)
        return parser


_FAST = _FastParsers()


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
    root = _parse_within(data, limits, encoding) if _bounded(data, limits, encoding) else None
    return root if root is not None else _parse_guarded(data, limits, encoding)


def _bounded(data: bytes, limits: XmlLimits, encoding: str | None) -> bool:
    """Whether the bytes alone show the document within the limits on element count, namespace declarations and
    text length, so that the tree can be built in one call and its shape checked afterwards (the bytes are already
    within ``max_bytes``). Every element has its own ``<`` not followed by ``/`` (an end tag's; every ``</`` is
    also a ``<``, so the difference counts the rest), every declaration an ``xmlns``, and in UTF-8 no text has more
    characters than the document has bytes (entities are never expanded). Only for UTF-8, which these byte counts
    assume."""
    if encoding not in (None, "UTF-8"):
        return False
    # An element takes 4 bytes at least ("<a/>"), so a document of fewer than 4 * (max_elements + 1) bytes cannot
    # have too many and nothing is counted (a byte count walks the whole document: 10 µs on a 15 KB reply). Else
    # every "<" at most is an element; the end tags ("</") are counted only when that bound is not enough (a
    # two-byte count costs more than a one-byte one: 14 µs on a 15 KB reply).
    if len(data) >= 4 * (limits.max_elements + 1):
        starts = data.count(b"<")
        if starts > limits.max_elements and starts - data.count(b"</") > limits.max_elements:
            return False
    if encoding is None:
        start = len(_BOM) if data.startswith(_BOM) else 0
        declared = _DECLARED_BYTES.match(data, start, start + 256)
        if declared is not None and declared.group(3).lower() != b"utf-8":
            return False
    return len(data) <= limits.max_text_length and data.count(b"xmlns") <= limits.max_namespaces


def _parse_within(data: bytes, limits: XmlLimits, encoding: str | None) -> Element | None:
    """The tree of a document :func:`_bounded` vouched for, or ``None`` when it is not well-formed or may break a
    limit on depth, attributes or names: the guarded parse then decides, with its own message (the first limit
    broken, in document order), so both paths refuse the same documents with the same words."""
    try:
        root: Element = etree.fromstring(data, _FAST.get(encoding))
    except etree.XMLSyntaxError:
        return None
    if root.getroottree().docinfo.doctype or _shape(limits).breaks(data, root):
        return None
    return root


class _Shape:
    """The checks of depth, attribute count and name length on a built tree, in libxml2's XPath (C, one walk
    each), and one scan of the bytes for long element names. Each may flag more than the limit (a long name in a
    comment): the guarded parse then has the last word."""

    def __init__(self, max_depth: int, max_attributes: int, max_name_length: int) -> None:
        self.max_depth = max_depth
        deep = "/*" + "/*" * max_depth
        # An attribute past the limit's position on its element, or with a long local name: one walk.
        attributes = f"//@*[position() > {max_attributes} or string-length(local-name()) > {max_name_length}]"
        # One evaluation for both (one XPath context, not two); "or" stops at the first that holds.
        self.tree = etree.XPath(f"boolean({deep}) or boolean({attributes})")
        self.long_name = re.compile(rb"<[^\s>/]{%d}" % (max_name_length + 1))  # "<" and the qualified name

    def breaks(self, data: bytes, root: Element) -> bool:
        # The depth walk in C costs less than counting "</" in the bytes to skip it (7 µs against 14 on a 15 KB
        # reply), so it always runs.
        return self.long_name.search(data) is not None or bool(self.tree(root))


def _shape(limits: XmlLimits) -> _Shape:
    return _shape_of(limits.max_depth, limits.max_attributes, limits.max_name_length)


@lru_cache(maxsize=16)
def _shape_of(max_depth: int, max_attributes: int, max_name_length: int) -> _Shape:
    return _Shape(max_depth, max_attributes, max_name_length)


def _parse_guarded(data: bytes, limits: XmlLimits, encoding: str | None) -> Element:
    """Event by event: stops at the first element over a limit."""
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
    if encoding == "UTF-8" and _ELEMENT_FIRST.match(data) is not None:
        return False  # the common prolog: the root element follows the XML declaration, so no DOCTYPE precedes it
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


# A UTF-8 prolog of an optional byte order mark, XML declaration (or other processing instruction; neither holds a
# ">" before its "?>") and white space, then an element's start tag: "<" not followed by "!" or "?" (XML 1.0 §2.8).
_ELEMENT_FIRST = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?[^>]*\?>)?[ \t\r\n]*<[^!?]")


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
