"""The hand-written bridge: what a careful developer writes for two routes in an afternoon.

FastAPI, one pooled HTTP client (aiohttp, or httpx to see what the client costs), envelopes from an f-string, fields
picked with lxml ``find`` into the facade's JSON shape. No contract, no validation, no mapping file, no problem
documents: a SOAP fault is a bare 502. It is the speed the facade should come close to, not a design to follow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any
from xml.sax.saxutils import escape

import orjson
from fastapi import FastAPI, HTTPException, Query, Response
from lxml import etree

TNS = "http://example.com/bank/corebanking/v1"
NS = {"b": TNS, "s": "http://schemas.xmlsoap.org/soap/envelope/"}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
Post = Callable[[str, bytes], Awaitable[bytes]]  # SOAPAction, envelope → reply body


def envelope(user: str, password: str, body: str) -> bytes:
    return (
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:wsse="{WSSE}" xmlns:b="{TNS}"><s:Header><wsse:Security>'
        f"<wsse:UsernameToken><wsse:Username>{escape(user)}</wsse:Username><wsse:Password>{escape(password)}"
        f"</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def money(element: Any) -> dict[str, str]:
    return {"amount": element.text, "currency": element.get("Ccy")}


def entry(e: Any) -> dict[str, Any]:
    party = e.find("b:Counterparty", NS)
    nil = party is None or party.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    iban = None if nil else party.findtext("b:IBAN", namespaces=NS)
    counterparty = (
        None if nil else {"name": party.findtext("b:Name", namespaces=NS), **({"iban": iban} if iban else {})}
    )
    return {
        "entryId": e.findtext("b:EntryId", namespaces=NS),
        "bookingDate": e.findtext("b:BookingDate", namespaces=NS),
        "valueDate": e.findtext("b:ValueDate", namespaces=NS),
        "amount": money(e.find("b:Amount", NS)),
        "creditDebit": "credit" if e.findtext("b:CreditDebit", namespaces=NS) == "CRDT" else "debit",
        "counterparty": counterparty,
        "remittanceInformation": e.findtext("b:RemittanceInfo", namespaces=NS) or None,
    }


def create_app(address: str, user: str, password: str, client: str = "aiohttp") -> FastAPI:
    post: list[Post] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with _client(client, address) as bound:
            post.append(bound)
            yield

    app = FastAPI(lifespan=lifespan)

    async def call(operation: str, body: str) -> Any:
        root = etree.fromstring(await post[0](f'"{TNS}/{operation}"', envelope(user, password, body)), PARSER)
        reply = root.find(f"s:Body/b:{operation}Response", NS)
        if reply is None:
            raise HTTPException(502, "the backend answered a fault")
        return reply

    @app.get("/v1/accounts/{iban}/balance")
    async def balance(iban: str) -> Response:
        r = await call("GetBalance", f"<b:GetBalance><b:IBAN>{escape(iban.upper())}</b:IBAN></b:GetBalance>")
        doc = {"iban": r.findtext("b:IBAN", namespaces=NS), "booked": money(r.find("b:Booked", NS))}
        doc |= {"available": money(r.find("b:Available", NS)), "asOf": r.findtext("b:AsOf", namespaces=NS)}
        return Response(orjson.dumps(doc), media_type="application/json")

    @app.get("/v1/accounts/{iban}/transactions")
    async def statement(
        iban: str,
        start: Annotated[str, Query(alias="from")],
        end: Annotated[str, Query(alias="to")],
        page: int = 1,
        size: Annotated[int, Query(alias="pageSize")] = 25,
    ) -> Response:
        body = (
            f"<b:GetStatement><b:IBAN>{escape(iban.upper())}</b:IBAN><b:FromDate>{escape(start)}</b:FromDate>"
            f"<b:ToDate>{escape(end)}</b:ToDate><b:PageNumber>{page}</b:PageNumber><b:PageSize>{size}</b:PageSize>"
            "</b:GetStatement>"
        )
        r = await call("GetStatement", body)
        doc = {"transactions": [entry(e) for e in r.iterfind("b:Entry", NS)]}
        doc["totalEntries"] = int(r.findtext("b:TotalEntries", namespaces=NS))
        doc["hasMore"] = r.findtext("b:MoreEntries", namespaces=NS) == "true"
        return Response(orjson.dumps(doc), media_type="application/json")

    return app


def _client(kind: str, address: str) -> AbstractAsyncContextManager[Post]:
    return _aiohttp(address) if kind == "aiohttp" else _httpx(address)


@asynccontextmanager
async def _aiohttp(address: str) -> AsyncIterator[Post]:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def post(action: str, data: bytes) -> bytes:
            headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action}
            async with session.post(address, data=data, headers=headers) as reply:
                return await reply.read()

        yield post


@asynccontextmanager
async def _httpx(address: str) -> AsyncIterator[Post]:
    import httpx

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=100), trust_env=False) as session:

        async def post(action: str, data: bytes) -> bytes:
            headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action}
            return (await session.post(address, content=data, headers=headers)).content

        yield post
