"""The one XML parser: DTDs refused before parsing, limits checked while parsing, in linear time."""

from __future__ import annotations

import time

import pytest

from adapter import xml
from adapter.settings import XmlLimits
from adapter.xml import XmlError, has_doctype, message_encoding, parse


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<a/>", False),
        (b'<?xml version="1.0"?><!DOCTYPE a><a/>', True),
        (b"\xef\xbb\xbf <!-- c --> <?pi x?>\n<!DOCTYPE a [ ]><a/>", True),
        (b"<!-- <!DOCTYPE a> --><a/>", False),
        (b"<?xml version='1.0'?><a><!DOCTYPE inside text is not a prolog></a>", False),
        (b"<!-- never closed", False),
    ],
)
def test_doctype_is_found_only_in_the_prolog(data: bytes, expected: bool) -> None:
    assert has_doctype(data) is expected


def test_the_prolog_scan_is_linear() -> None:
    # A declaration followed by a large body full of '?>' and '-->' look-alikes: a backtracking pattern takes
    # quadratic time (48 KB took 10 s with the first version, so these 340 KB would take minutes); one scan takes
    # milliseconds. The margin is generous both ways, so a loaded machine cannot fail it.
    body = b"<a>" + b"?> --> <? <!-- x " * 20_000 + b"</a>"
    started = time.perf_counter()
    assert has_doctype(b'<?xml version="1.0"?>' + body) is False
    assert time.perf_counter() - started < 20
    with pytest.raises(XmlError):
        parse(b'<?xml version="1.0"?>' + body, XmlLimits())  # not well-formed: '<?' inside an element


def test_a_large_valid_document_parses_quickly() -> None:
    data = b'<?xml version="1.0"?><r>' + b"<e a='1'>text</e>" * 40_000 + b"</r>"
    started = time.perf_counter()
    root = parse(data, XmlLimits())
    assert len(root) == 40_000
    # Tens of milliseconds when each limit check is constant time; a check that rescans the document (quadratic
    # in 40,000 elements) would take many minutes: a margin that no machine's load can reach.
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<" + b"a" * 300 + b"/>", "a name is longer than 256 characters"),
        (b"<a " + b"b" * 300 + b'="1"/>', "a name is longer than 256 characters"),
        (b"<a>" * 101 + b"</a>" * 101, "nests deeper than 100"),
        (b"<a " + b" ".join(b'x%d="1"' % i for i in range(101)) + b"/>", "more than 100 attributes"),
        (b"<a " + b" ".join(b'xmlns:p%d="urn:%d"' % (i, i) for i in range(51)) + b"/>", "more than 50 namespaces"),
        (b"<a>" + b"x" * (1024 * 1024 + 1) + b"</a>", "a text node is longer"),
        (b'<a b="' + b"x" * (1024 * 1024 + 1) + b'"/>', "an attribute value is longer"),
        (b"<r>" + b"<e/>" * 50_000 + b"</r>", "more than 50000 elements"),
        (b"\xff\xfe<\x00a\x00/\x00>\x00", "must be UTF-8"),
    ],
)
def test_each_limit_is_enforced_with_its_own_message(data: bytes, message: str) -> None:
    with pytest.raises(XmlError, match=message):
        parse(data, XmlLimits())


def test_limits_are_configurable() -> None:
    assert len(parse(b"<a>" * 150 + b"</a>" * 150, XmlLimits(max_depth=200)).tag) == 1


# At each limit exactly (accepted), and documents with what the byte counts of the one-call path must see through:
# comments, processing instructions, CDATA, prefixes, default values of xmlns, text with "<" and "=" escaped.
AT_THE_LIMITS = [
    b"<" + b"a" * 256 + b"/>",
    b"<p:" + b"a" * 256 + b' xmlns:p="urn:p"/>',
    b"<a " + b"b" * 256 + b'="1"/>',
    b"<a>" * 100 + b"</a>" * 100,
    b"<a " + b" ".join(b'x%d="1"' % i for i in range(100)) + b"/>",
    b"<a " + b" ".join(b'xmlns:p%d="urn:%d"' % (i, i) for i in range(50)) + b"/>",
    b"<r>" + b"<e/>" * 49_999 + b"</r>",
    b"<r>" + b"<e>t</e>" * 49_999 + b"</r>",  # end tags are no elements: within the limit, in one call
    b'<?xml version="1.0" encoding="UTF-8"?><!-- c --><?pi x?><r xmlns="urn:r"><![CDATA[<x a="1">]]>'
    b'&lt;y b=&quot;2&quot;&gt;<s:e xmlns:s="urn:s" s:a="1">t</s:e>tail<!-- <z/> --></r>',
    "<r é='ü'>Grüße ✓ 𝄞</r>".encode(),
]


@pytest.mark.parametrize("data", AT_THE_LIMITS)
def test_the_one_call_parse_builds_the_guarded_parse_s_tree(data: bytes) -> None:
    # parse() builds the tree in one call when the bytes show it within the limits, and checks its shape after;
    # the event-by-event parse is the reference.
    limits = XmlLimits()
    assert xml.tostring(parse(data, limits)) == xml.tostring(xml._parse_guarded(data, limits, None))


def test_end_tags_are_not_counted_as_elements() -> None:
    assert xml._bounded(b"<r>" + b"<e>t</e>" * 49_999 + b"</r>", XmlLimits(), None)


def test_documents_over_a_limit_only_in_their_shape_take_the_guarded_parse() -> None:
    limits = XmlLimits(max_depth=3, max_attributes=2, max_name_length=4)
    assert xml._bounded(b"<aaaaa/>", limits, None)  # the bytes are within every byte-counted limit ...
    with pytest.raises(XmlError, match="a name is longer than 4"):  # ... the shape is not, and the message says so
        parse(b"<aaaaa/>", limits)
    with pytest.raises(XmlError, match="a name is longer than 4"):
        parse(b'<a bbbbb="1"/>', limits)
    with pytest.raises(XmlError, match="more than 2 attributes"):
        parse(b'<a><b x="1" y="2" z="3"/></a>', limits)
    with pytest.raises(XmlError, match="nests deeper than 3"):
        parse(b"<a><b><c><d/></c></b></a>", limits)
    assert parse(b'<a><b x="1" y="2"><c/></b><!-- <eeeee/> --></a>', limits).tag == "a"  # a comment is no element


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"<r>" + b"<e/>" * 50_000 + b"</r>", None),  # more "<" (not "</") than elements allowed
        (b"<r>" + b"<![CDATA[</>]]>" * 50_000 + b"</r>", None),  # a "<" in CDATA counts, and its "</" is no end tag
        (b"<a " + b" ".join(b'xmlns:p%d="urn:%d"' % (i, i) for i in range(51)) + b"/>", None),  # more "xmlns"
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>', None),  # not UTF-8: the counts assume it
        ("\ufeff<a>é</a>".encode("utf-16-le"), "UTF-16LE"),
    ],
)
def test_the_bytes_alone_decide_which_parse_runs(data: bytes, encoding: str | None) -> None:
    assert not xml._bounded(data, XmlLimits(), encoding)


# -- a message's encoding is decided once -------------------------------------------------------------------------

ENVELOPE = '<?xml version="1.0" encoding="{}"?><e:Envelope xmlns:e="urn:e"><e:Body>Grüße ✓ 𝄞</e:Body></e:Envelope>'


@pytest.mark.parametrize(
    ("data", "charset", "encoding"),
    [
        (b"<a/>", None, "UTF-8"),
        (b"<a/>", "utf-8", "UTF-8"),
        (b"\xef\xbb\xbf<a/>", "utf-8", "UTF-8"),
        (ENVELOPE.format("utf-8").encode(), "utf-8", "UTF-8"),
        (b"\xff\xfe" + ENVELOPE.format("UTF-16").encode("utf-16-le"), "utf-16", "UTF-16LE"),
        (b"\xfe\xff" + ENVELOPE.format("UTF-16").encode("utf-16-be"), None, "UTF-16BE"),
        ("\ufeff<a/>".encode("utf-16-le"), None, "UTF-16LE"),
    ],
)
def test_the_message_encoding(data: bytes, charset: str | None, encoding: str) -> None:
    assert message_encoding(data, charset) == encoding
    root = parse(data, XmlLimits(), encoding=encoding)
    assert root.text in (None, "Grüße ✓ 𝄞") or root.find("{urn:e}Body").text == "Grüße ✓ 𝄞"


@pytest.mark.parametrize(
    ("data", "charset", "message"),
    [
        (b"<a/>", "utf-7", "Content-Type charset"),
        (b"<a/>", "iso-8859-1", "Content-Type charset"),
        (b"<a/>", "utf-16", "Content-Type charset"),
        (b'<?xml version="1.0" encoding="UTF-7"?><a/>', None, "XML declaration"),
        (b"<?xml version='1.0' encoding='ISO-8859-1' ?><a/>", "iso-8859-1", "XML declaration"),
        (b'<?xml version="1.0"  encoding = "utf-16"?><a/>', None, "XML declaration"),
        ("\ufeff<a/>".encode("utf-16-le"), "utf-8", "Content-Type charset"),
        ('\ufeff<?xml version="1.0" encoding="UTF-8"?><a/>'.encode("utf-16-be"), None, "XML declaration"),
        ("\ufeff<a/>".encode("utf-32-le"), None, "UTF-8, or UTF-16"),
    ],
)
def test_encodings_that_disagree_are_refused(data: bytes, charset: str | None, message: str) -> None:
    with pytest.raises(XmlError, match=message):
        message_encoding(data, charset)


def test_the_declaration_cannot_switch_the_decoder() -> None:
    # libxml2 left to itself reads "+ADw-b+AD4-" as <b> under this declaration; told the encoding, it stays text.
    data = b'<?xml version="1.0" encoding="UTF-7"?><a>+ADw-b+AD4-x+ADw-/b+AD4-</a>'
    root = parse(data, XmlLimits(), encoding="UTF-8")
    assert (len(root), root.text) == (0, "+ADw-b+AD4-x+ADw-/b+AD4-")


def test_utf16_without_a_byte_order_mark_is_not_well_formed_utf8() -> None:
    data = "<a/>".encode("utf-16-le")
    with pytest.raises(XmlError, match="not well-formed"):
        parse(data, XmlLimits(), encoding=message_encoding(data, None))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_doctype_is_found_in_utf16(codec: str) -> None:
    encoding = "UTF-16LE" if codec.endswith("le") else "UTF-16BE"
    with_dtd = '\ufeff<?xml version="1.0"?> <!-- c --><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode(codec)
    assert has_doctype(with_dtd, encoding)
    with pytest.raises(XmlError, match="DTD"):
        parse(with_dtd, XmlLimits(), encoding=encoding)
    # "?>" spelt by the bytes of two other characters (U+3F00 U+3E00 or U+003F U+003E shifted) is no end of the PI
    shifted = "\ufeff<?pi \u3f00\u3e00 ?><a/>".encode(codec)
    assert not has_doctype(shifted, encoding)


def test_a_comment_does_not_end_at_its_own_opening() -> None:
    # "<!-->" opens a comment that "x-->" closes (XML 1.0 §2.5): the DOCTYPE after it is in the prolog.
    assert has_doctype(b"<!-->x--><!DOCTYPE a><a/>")
