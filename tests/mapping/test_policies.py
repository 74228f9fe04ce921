"""The traffic keys of a mapping (resilience, retry, limits, cache, invalidates, idempotency, error extensions) are
checked like the rest: every mistake with file:line:column, the field, and a "did you mean" for a misspelt key."""

from __future__ import annotations

from pathlib import Path

from adapter.mapping.model import Route
from adapter.mapping.policies import idempotency_mode, retry_safe
from tests.mapping.test_checks import HEADER, problems

BALANCE = """\
  - method: GET
    path: /v1/accounts/{iban}/balance
    operation: GetBalance
    name: getBalance
    request: { IBAN: path.iban }
"""


def test_misplaced_and_misspelt_traffic_keys_are_located(tmp_path: Path) -> None:
    text = (
        HEADER
        + """\
  resilience:
    deadline: 5
    breaker: { failures: 3, open_after: 10 }
limits:
  - { rate: "100/minute", name: shared }
  - { rate: "10 per fortnight", name: shared }
routes:
"""
        + BALANCE
        + """\
    cache: { ttl: 30, vary: [caller, header] }
  - method: POST
    path: /v1/transfers
    operation: TransferFunds
    cache: { ttl: 5 }
    invalidates: [getBalanse]
    idempotency: sometimes
    request: { DebtorIBAN: body.d, CreditorIBAN: body.c, Amount: body.a }
    errors:
      - { fault: DuplicateReference, status: 409, title: Duplicate, extensions: { status: detail.TransferId } }
"""
    )
    found = problems(tmp_path, text)
    expected = [
        "m.yaml:8:29: unknown key 'open_after'; did you mean 'open_for'? (backend.resilience.breaker.open_after)",
        "m.yaml:11:13: a rate is calls per window, e.g. 100/minute or 1000 per 10 minutes (limits.1.rate)",
        "m.yaml:18:38: Input should be 'caller' or 'query' (routes.0.cache.vary.1)",
        "m.yaml:24:18: Input should be 'required', 'optional' or 'off' (routes.1.idempotency)",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in found), (start, found)


def test_traffic_keys_must_fit_the_route(tmp_path: Path) -> None:
    text = (
        HEADER
        + """\
routes:
"""
        + BALANCE
        + """\
    idempotency: required
    cache: { ttl: 30 }
  - method: POST
    path: /v1/transfers
    operation: TransferFunds
    cache: { ttl: 5 }
    invalidates: [getBalanse]
    limits: [{ rate: "5/second", name: burst }, { rate: "50/minute", name: burst }]
    request: { DebtorIBAN: body.d, CreditorIBAN: body.c, Amount: body.a }
    errors:
      - { fault: DuplicateReference, status: 409, title: Duplicate, extensions: { status: detail.TransferId } }
"""
    )
    found = problems(tmp_path, text)
    assert "m.yaml:12:18: Idempotency-Key applies to POST and PATCH, not GET (routes.0.idempotency)" in found
    assert "m.yaml:17:12: only GET answers are cached, not POST (routes.1.cache)" in found
    assert (
        "m.yaml:18:19: 'getBalanse' is not a cached route (cached: TransferFunds, getBalance) (routes.1.invalidates.0)"
        in found
    )
    assert "m.yaml:19:76: two limits are named 'burst' (routes.1.limits.1.name)" in found
    assert any("'status' is a standard problem member" in problem for problem in found), found


def test_what_is_retried_and_what_honours_a_key_by_default() -> None:
    def route(method: str, **keys: str) -> Route:
        return Route.model_validate({"method": method, "path": "/x", "operation": "Op", **keys})

    assert retry_safe(route("GET")) and not retry_safe(route("POST")) and not retry_safe(route("PUT"))
    assert retry_safe(route("POST", retry="safe")) and not retry_safe(route("GET", retry="never"))
    assert idempotency_mode(route("POST")) == "optional" and idempotency_mode(route("PATCH")) == "optional"
    assert idempotency_mode(route("POST", idempotency="required")) == "required"
    assert idempotency_mode(route("GET")) == idempotency_mode(route("DELETE")) == "off"
