"""Names for scaffolded routes: JSON member names, URL paths and HTTP methods guessed from SOAP operation names.

The guesses follow the operation's leading verb (``GetAccount`` → ``GET``, ``CreateOrder`` → ``POST``,
``Z_SALESORDER_CANCEL`` → ``POST …/cancel``). They are a starting point that ``adapter check`` accepts; the integrator
renames what reads badly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ID_WORDS = {"id", "key", "code", "number", "no", "nr", "iban", "handle", "ref", "reference"}
_SAP_PREFIXES = {"z", "y", "bapi"}


class Verb(Enum):
    """What an operation does, as far as its name tells."""

    READ = "GET"
    CREATE = "POST"
    UPDATE = "PUT"
    DELETE = "DELETE"
    CANCEL = "cancel"
    ACTION = "action"  # no known verb: an RPC-style action, POSTed


_VERBS = {
    Verb.READ: "get list find search query read fetch retrieve lookup describe check count browse select show view",
    Verb.CREATE: "create submit add insert new register post send place make book issue",
    Verb.UPDATE: "update set modify change edit replace put save amend upsert",
    Verb.DELETE: "delete remove erase purge drop destroy",
    Verb.CANCEL: "cancel void revoke abort terminate withdraw reverse",
}
_BY_WORD = {word: verb for verb, words in _VERBS.items() for word in words.split()}


@dataclass(frozen=True)
class OperationName:
    """An operation name split into its verb and the resource it acts on (kebab-case, possibly empty)."""

    verb: Verb
    resource: str
    word: str = ""  # the verb as written, lower case


def words(name: str) -> list[str]:
    """``GetXMLData`` → ``["get", "xml", "data"]``; ``Z_SALESORDER_GET`` → ``["z", "salesorder", "get"]``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return [word.lower() for word in _WORDS.findall(ascii_name)]


def parse_operation(name: str) -> OperationName:
    parts = words(name)
    while len(parts) > 1 and parts[0] in _SAP_PREFIXES:
        parts = parts[1:]
    for index, word in enumerate(parts):
        verb = _BY_WORD.get(word)
        if verb is not None:
            rest = parts[:index] + parts[index + 1 :]
            return OperationName(verb, "-".join(rest), word)
    return OperationName(Verb.ACTION, "-".join(parts))


def kebab(name: str) -> str:
    return "-".join(words(name)) or "operation"


def camel(name: str) -> str:
    """A JSON member name: ``ORDER_HEADER_IN`` → ``orderHeaderIn``, ``DebtorIBAN`` → ``debtorIban``."""
    parts = words(name)
    if not parts:
        return "value"
    return parts[0] + "".join(part.capitalize() for part in parts[1:])


def is_identifier(name: str) -> bool:
    """Whether ``name`` can be a step of a plain source path (``a.b.c``) as it is."""
    return bool(_IDENTIFIER.match(name))


def looks_like_id(name: str) -> bool:
    """Whether an input element names the resource (``AccountId``, ``IBAN``, ``orderNumber``): its last word."""
    parts = words(name)
    return bool(parts) and parts[-1] in _ID_WORDS


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name2``, ``name3``… when already taken; records the result in ``taken``."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate
