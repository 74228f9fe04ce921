"""Optional client-certificate identity on a served contract, when TLS is terminated in front of the adapter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapter.settings import ClientCertIdentity
from tests.conftest import project_settings
from tests.server.conftest import PASSWORD, USER, Served, served_stack
from tests.server.test_endpoint import SOAP11, WSSE, envelope, fault_of, post

BRANCH = "CN=branch-0042,O=Example Bank,C=DE"


@pytest.fixture(scope="module")
def gated() -> Iterator[Served]:
    identity = ClientCertIdentity(header="X-Client-Cert-Subject", subjects=[BRANCH])
    with served_stack(project_settings(soap_users={USER: PASSWORD}, soap_client_cert=identity)) as running:
        yield running


@pytest.mark.parametrize(
    "subject",
    [BRANCH, "cn=branch-0042, o=Example Bank, c=DE", "/CN=branch-0042/O=Example Bank/C=DE"],
)
def test_an_allowed_certificate_subject_passes(gated: Served, subject: str) -> None:
    assert post(gated, envelope(), **{"X-Client-Cert-Subject": subject}).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-Client-Cert-Subject": "CN=someone-else,O=Example Bank,C=DE"}])
def test_no_or_another_certificate_is_failed_authentication(gated: Served, headers: dict[str, str]) -> None:
    reply = post(gated, envelope(), **headers)
    assert fault_of(reply)[0] == f"{{{WSSE}}}FailedAuthentication"
    assert "someone-else" not in reply.text


def test_the_username_token_is_still_required(gated: Served) -> None:
    reply = post(gated, envelope(header=""), **{"X-Client-Cert-Subject": BRANCH})
    assert fault_of(reply)[0] == f"{{{WSSE}}}FailedAuthentication"
    assert SOAP11 in reply.text
