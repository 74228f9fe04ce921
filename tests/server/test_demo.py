"""The call ``adapter demo`` prints for the served contract works as printed, with the demo user."""

from __future__ import annotations

from pydantic import SecretStr

from adapter.demo import runner as demo
from tests.conftest import project_settings
from tests.server.conftest import served_stack


def test_the_printed_soap_call_works() -> None:
    settings = project_settings(soap_users={demo.SOAP_USER: SecretStr(demo.SOAP_PASSWORD)})
    with served_stack(settings) as served:
        assert served.url.endswith(demo.SOAP_PATH)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{demo.SOAP_ACTION}"'}
        reply = served.http.post(served.url, content=demo.SOAP_EXAMPLE.encode(), headers=headers)
        assert reply.status_code == 200
        assert "<tns:PaymentOrderId>PAY-000001</tns:PaymentOrderId>" in reply.text
    banner = demo.banner("http://127.0.0.1:8000", {"BANK_URL": "", "ERP_URL": "", "PAYMENTS_HUB_URL": "http://hub"})
    assert "http://127.0.0.1:8000/soap/payment-orders?wsdl" in banner
    assert demo.SOAP_EXAMPLE in banner and "password demo-pass" in banner
