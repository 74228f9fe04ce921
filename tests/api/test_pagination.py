"""Paged routes: RFC 8288 Link headers on real calls, page and size checked against the contract's facets, the same
in `adapter try`, documented in OpenAPI, and a pagination block that does not fit its route refused by check."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from click.testing import CliRunner

from adapter.cli import main
from adapter.exceptions import MappingErrors
from adapter.mapping.pagination import Page, PagePlan
from adapter.mapping.paths import SourcePath
from adapter.project import load_binding
from tests.api.problem import assert_problem
from tests.conftest import ROOT

MAIN = "DE89370400440532013000"
STATEMENT = f"/v1/accounts/{MAIN}/transactions"
YEAR = "from=2025-01-01&to=2026-12-31"


def links(response: httpx.Response) -> dict[str, str]:
    """rel → target of an RFC 8288 Link header."""
    return {rel: target for target, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers["link"])}


def test_a_middle_page_links_to_first_prev_next_and_last(api: httpx.Client) -> None:
    response = api.get(f"{STATEMENT}?{YEAR}&page=2&pageSize=2&tag=a%20b&tag=c")
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["transactions"]) == 2 and body["hasMore"] is True
    last = -(-body["totalEntries"] // 2)
    found = links(response)
    assert list(found) == ["first", "prev", "next", "last"]
    for rel, page in {"first": 1, "prev": 1, "next": 3, "last": last}.items():
        target = urlsplit(found[rel])
        assert target.path == STATEMENT
        assert parse_qsl(target.query) == [  # every other parameter kept, in the caller's order and spelling
            ("from", "2025-01-01"),
            ("to", "2026-12-31"),
            ("page", str(page)),
            ("pageSize", "2"),
            ("tag", "a b"),
            ("tag", "c"),
        ]
        assert "tag=a%20b" in target.query
    following = api.get(found["next"])
    assert following.status_code == 200 and following.json()["transactions"] != body["transactions"]


def test_defaults_and_the_last_page(api: httpx.Client) -> None:
    first = api.get(f"{STATEMENT}?{YEAR}")
    total = first.json()["totalEntries"]
    assert len(first.json()["transactions"]) == min(total, 25)  # default_size
    assert "prev" not in links(first) and "page=1&pageSize=25" in links(first)["first"]
    last = api.get(links(first)["last"])
    assert last.status_code == 200 and last.json()["hasMore"] is False
    assert "next" not in links(last) and links(last)["last"] == links(first)["last"]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("pageSize=101", [("query.pageSize", "must be between 1 and 100")]),  # xsd:maxInclusive 100 on PageSize
        ("pageSize=0&page=0", [("query.page", "must be at least 1"), ("query.pageSize", "must be between 1 and 100")]),
        ("page=two", [("query.page", "must be an integer")]),
        ("page=1&page=2", [("query.page", "must be given once")]),
    ],
)
def test_a_page_out_of_range_is_a_422_naming_the_parameter(
    api: httpx.Client, query: str, errors: list[tuple[str, str]]
) -> None:
    body = assert_problem(api.get(f"{STATEMENT}?{YEAR}&{query}"), 422, "validation-error")
    assert [(e["field"], e["message"]) for e in body["errors"]] == errors


def test_openapi_documents_the_link_header_and_the_ranges(api: httpx.Client) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/v1/accounts/{iban}/transactions"]["get"]
    assert "Link" in operation["responses"]["200"]["headers"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["pageSize"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1, "default": 1}
    assert not parameters["pageSize"]["required"]


def test_try_checks_and_fills_the_page_as_serve_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    filled = runner.invoke(main, ["try", "mappings/bank.yaml", f"GET {STATEMENT}?{YEAR}"])
    assert filled.exit_code == 0, filled.output
    assert "<ns0:PageNumber>1</ns0:PageNumber>" in filled.output and "<ns0:PageSize>25</ns0:PageSize>" in filled.output
    refused = runner.invoke(main, ["try", "mappings/bank.yaml", f"GET {STATEMENT}?{YEAR}&pageSize=500"])
    assert refused.exit_code == 1
    assert "query.pageSize: must be between 1 and 100" in refused.output


TRANSACTIONS = """\
version: 1
contract: {wsdl: bank/core_banking.wsdl}
backend: {url: "http://127.0.0.1:1/corebanking"}
routes:
  - method: GET
    path: /v1/accounts/{iban}/transactions
    operation: GetStatement
    request:
      IBAN: path.iban
      FromDate: query.from
      ToDate: query.to
      PageNumber: %s
      PageSize: query.size
    response: {total: TotalEntries, more: MoreEntries}
    pagination: %s
"""


@pytest.mark.parametrize(
    ("number", "pagination", "problems"),
    [
        ("query.page", "{page: query.page, size: query.size, total: total}", []),
        (
            "query.page",
            "{page: query.page, size: query.size, total: totl, max_size: 500}",
            [
                "pagination.total: 'totl' is not a field of the route's response; did you mean 'total'?",
                "pagination.max_size: max_size 500 is above PageSize's maximum in the contract (100)",
            ],
        ),
        (
            "query.pageNumber",
            "{page: query.page, size: query.size}",
            [
                "pagination.page: the request template does not read query.page: map the operation's element to it",
                "pagination: give total or has_more: without either, no one can tell whether a next page exists",
            ],
        ),
        (
            "{from: query.page, default: 0}",
            "{page: query.page, size: query.size, has_more: more, first_page: 0, default_size: 101}",
            [
                "pagination.first_page: first_page 0 is below PageNumber's minimum in the contract (1)",
                "pagination.default_size: default_size 101 is outside 1..100",
            ],
        ),
        (
            "{from: query.page, default: 2}",
            "{page: query.page, size: query.size, has_more: more}",
            [
                "pagination.page: the request template's default for PageNumber (2) is not pagination's (1): "
                "leave it out, pagination fills it in"
            ],
        ),
    ],
)
def test_check_refuses_a_pagination_that_does_not_fit(
    tmp_path: Path, number: str, pagination: str, problems: list[str]
) -> None:
    file = tmp_path / "paged.yaml"
    file.write_text(TRANSACTIONS % (number, pagination))
    if not problems:
        assert load_binding(file, ROOT / "wsdl", None).mapping.routes[0].pagination is not None
        return
    with pytest.raises(MappingErrors) as refused:
        load_binding(file, ROOT / "wsdl", None)
    assert [f"{e.field.removeprefix('routes.0.')}: {e.message}" for e in refused.value.errors] == problems


def test_links_at_the_edges() -> None:
    plan = PagePlan("page", "size", 1, 10, 1, 100, total=SourcePath.compile("total"))

    def rels(page: int, total: object) -> dict[str, int]:
        header = plan.links("/x", "", Page(page, 10), {"total": total})
        return {rel: int(n) for n, rel in re.findall(r'page=(\d+)&size=10>; rel="(\w+)"', header)}

    assert rels(1, 0) == {"first": 1, "last": 1}  # an empty list still has one (empty) page
    assert rels(1, Decimal("25")) == {"first": 1, "next": 2, "last": 3}
    assert rels(3, "25") == {"first": 1, "prev": 2, "last": 3}
    assert rels(9, 25) == {"first": 1, "prev": 3, "last": 3}  # past the end: prev leads back into the list
    assert rels(2, None) == {"first": 1, "prev": 1}  # no total, no has_more: nothing said about a next page
    assert plan.links("/a b/<x>", "q=%3E&size=5", Page(1, 10), {"total": 1}).startswith("</a%20b/%3Cx%3E?q=%3E&size=")
