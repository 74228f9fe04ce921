"""What a contract's WS-Policy asks of its clients: a WS-Security UsernameToken, and whether its password is hashed.

zeep ignores WS-Policy, so this reads the assertions from the documents zeep loaded. A policy applies to a port when
its binding attaches it (WS-PolicyAttachment: ``wsp:PolicyReference``, an inline ``wsp:Policy`` or
``wsp:PolicyURIs``, on the binding or inside it). A contract that declares policies but attaches none to any binding
(published that way more often than one would hope) is taken at its word for every port.

Recognised: WS-Policy 1.2 and 1.5; WS-SecurityPolicy 1.1 (2005/07) and 1.2 (200512, 200702). ``sp:HashPassword``
inside the token's policy asks for the PasswordDigest form (WSS UsernameToken Profile 1.1 §3.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from adapter import xml

Parse = Callable[[bytes], "xml.Element | None"]  # the contract loader's parser; None if not well-formed
WSDL11 = "http://schemas.xmlsoap.org/wsdl/"

WSP = ("http://www.w3.org/ns/ws-policy", "http://schemas.xmlsoap.org/ws/2004/09/policy")
SP = (
    "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702",
    "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200512",
    "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy",
)
WSU_ID = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}Id"


@dataclass(frozen=True)
class UsernameTokenPolicy:
    """A ``sp:UsernameToken`` assertion; ``digest`` when it asks for ``sp:HashPassword``."""

    digest: bool = False


def username_token(documents: Iterable[bytes], parse: Parse, binding: str) -> UsernameTokenPolicy | None:
    """The UsernameToken the policies of ``binding`` (a ``wsdl:binding``'s local name) ask for, if any."""
    roots = [root for root in (parse(data) for data in documents if b"olicy" in data) if root is not None]
    named = {name: policy for root in roots for name, policy in _named_policies(root)}
    bindings = [element for root in roots for element in root.iter(f"{{{WSDL11}}}binding")]
    attached = {id(element): list(_attached(element, named)) for element in bindings}
    if any(attached.values()):
        chosen = [policy for element in bindings if element.get("name") == binding for policy in attached[id(element)]]
    else:
        chosen = [policy for root in roots for policy in root.iter(*_tags("Policy", WSP))]
    tokens = [token for policy in chosen for token in policy.iter(*_tags("UsernameToken", SP))]
    if not tokens:
        return None
    return UsernameTokenPolicy(digest=any(next(t.iter(*_tags("HashPassword", SP)), None) is not None for t in tokens))


def _named_policies(root: xml.Element) -> Iterator[tuple[str, xml.Element]]:
    """Policies that can be referred to: by ``wsu:Id`` (``#id``) or by ``Name`` (a URI)."""
    for policy in root.iter(*_tags("Policy", WSP)):
        if policy.get(WSU_ID):
            yield "#" + policy.get(WSU_ID), policy
        if policy.get("Name"):
            yield policy.get("Name"), policy


def _attached(binding: xml.Element, named: dict[str, xml.Element]) -> Iterator[xml.Element]:
    """Policies ``binding`` attaches, at any level inside it (binding, operation, message)."""
    for element in binding.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element)
        if name.namespace in WSP and name.localname == "PolicyReference" and element.get("URI") in named:
            yield named[element.get("URI")]
        elif name.namespace in WSP and name.localname == "Policy":
            yield element
        for namespace in WSP:
            for uri in (element.get(f"{{{namespace}}}PolicyURIs") or "").split():
                if uri in named:
                    yield named[uri]


def _tags(local: str, namespaces: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{{{namespace}}}{local}" for namespace in namespaces)
