"""Contract intake: offline loading, bundled W3C schemas, repairs, ports, and errors that name file and thing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from adapter.contract.wsdl import Definitions
from adapter.exceptions import ContractError
from adapter.intake import ContractStore, load_contract, load_definitions

ROOT = Path(__file__).resolve().parents[2]

TYPES = """
  <wsdl:types>
    <xsd:schema targetNamespace="urn:t" elementFormDefault="qualified">{imports}
      <xsd:simpleType name="Colour">
        <xsd:restriction base="xsd:string">
          <xsd:enumeration value="RED"/><xsd:enumeration value="GREEN"/>
        </xsd:restriction>
      </xsd:simpleType>
      <xsd:element name="Paint"><xsd:complexType><xsd:sequence>
        <xsd:element name="ItemId" type="xsd:string"/>
        <xsd:element name="Colour" type="t:Colour" minOccurs="0"/>
      </xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="PaintResponse"><xsd:complexType><xsd:sequence>
        <xsd:element name="Done" type="xsd:boolean"/>
      </xsd:sequence></xsd:complexType></xsd:element>
    </xsd:schema>
  </wsdl:types>"""

WSDL = """<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" xmlns:t="urn:t" targetNamespace="urn:t">{types}
  <wsdl:message name="PaintIn"><wsdl:part name="parameters" element="t:Paint"/></wsdl:message>
  <wsdl:message name="PaintOut"><wsdl:part name="parameters" element="t:PaintResponse"/></wsdl:message>
  <wsdl:portType name="Painter">
    <wsdl:operation name="Paint"><wsdl:input message="t:PaintIn"/><wsdl:output message="t:PaintOut"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="Soap11" type="t:Painter">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Paint"><soap:operation soapAction="urn:paint"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="Soap12" type="t:Painter">
    <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Paint"><soap12:operation soapAction="urn:paint"/>
      <wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="Get" type="t:Painter">
    <http:binding verb="GET"/>
    <wsdl:operation name="Paint"><http:operation location="/paint"/>
      <wsdl:input><http:urlEncoded/></wsdl:input><wsdl:output><http:urlEncoded/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="PaintService">{ports}
  </wsdl:service>
</wsdl:definitions>
"""
PORTS = """
    <wsdl:port name="PaintGet" binding="t:Get"><http:address location="http://x/paint"/></wsdl:port>
    <wsdl:port name="PaintSoap" binding="t:Soap11"><soap:address location="http://x/soap"/></wsdl:port>
    <wsdl:port name="PaintSoap12" binding="t:Soap12"><soap12:address location="http://x/soap12"/></wsdl:port>"""


def write(folder: Path, *, imports: str = "", ports: str = PORTS, types: str | None = None) -> Path:
    path = folder / "paint.wsdl"
    path.write_text(WSDL.format(types=TYPES.format(imports=imports) if types is None else types, ports=ports))
    return path


def load_wsdl(path: Path) -> Definitions:
    return load_definitions(path)[0]


def refusal(path: Path) -> str:
    with pytest.raises(ContractError) as refused:
        load_wsdl(path)
    return refused.value.detail


def test_ports_of_every_kind_are_listed_and_the_first_soap_port_is_the_default(tmp_path: Path) -> None:
    path = write(tmp_path)
    wsdl = load_wsdl(path)
    assert [(p.name, p.kind, p.port_type) for p in wsdl.ports] == [
        ("PaintGet", "HTTP GET", "Painter"),
        ("PaintSoap", "SOAP 1.1", "Painter"),
        ("PaintSoap12", "SOAP 1.2", "Painter"),
    ]
    assert wsdl.operation_count == 1  # per portType, however many bindings
    contract = load_contract(path, definitions=wsdl)
    assert (contract.port, contract.soap_version, contract.address) == ("PaintSoap", "1.1", "http://x/soap")
    assert load_contract(path, port="PaintSoap12", definitions=wsdl).soap_version == "1.2"


def test_enumerations_and_binding_style_come_through(tmp_path: Path) -> None:
    operation = load_contract(write(tmp_path)).operations["Paint"]
    assert operation.binding_style == "document/literal wrapped"
    assert operation.input_shape.fields["Colour"].shape.enumeration == ("RED", "GREEN")  # type: ignore[union-attr]


def test_a_port_that_is_not_soap_or_not_there_is_named(tmp_path: Path) -> None:
    wsdl = load_wsdl(write(tmp_path))
    with pytest.raises(ContractError, match="port 'PaintGet' is an HTTP GET binding, not SOAP; SOAP ports: PaintSoap"):
        wsdl.find_port(None, "PaintGet")
    with pytest.raises(ContractError, match="no port 'PaintSaop'; ports: PaintGet, PaintSoap, PaintSoap12"):
        wsdl.find_port(None, "PaintSaop")
    with pytest.raises(ContractError, match="no service 'Nope'; services: PaintService"):
        wsdl.find_port("Nope", None)


def test_remote_imports_are_refused_naming_the_file_and_the_url(tmp_path: Path) -> None:
    path = write(tmp_path, imports='<xsd:import namespace="urn:x" schemaLocation="https://example.com/x.xsd"/>')
    message = refusal(path)
    assert message.startswith("paint.wsdl refers to https://example.com/x.xsd")
    assert "contracts load offline" in message


def test_imports_leaving_the_contract_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.xsd").write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"/>'
    )
    (tmp_path / "inner").mkdir()
    path = write(tmp_path / "inner", imports='<xsd:import namespace="urn:x" schemaLocation="../x.xsd"/>')
    assert "refers to ../x.xsd, outside the contract's folder" in refusal(path)


def test_a_missing_local_import_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, imports='<xsd:import namespace="urn:x" schemaLocation="types/x.xsd"/>')
    assert "paint.wsdl refers to types/x.xsd: No such file or directory" in refusal(path)


def test_standard_schemas_are_served_from_the_bundle(tmp_path: Path) -> None:
    imports = (
        '<xsd:import namespace="http://schemas.xmlsoap.org/soap/encoding/"'
        ' schemaLocation="http://schemas.xmlsoap.org/soap/encoding/"/>'
        '<xsd:import namespace="http://www.w3.org/XML/1998/namespace"/>'
    )
    assert load_wsdl(write(tmp_path, imports=imports)).operation_count == 1


def test_an_import_directly_under_types_is_repaired(tmp_path: Path) -> None:
    schema = TYPES.split("<wsdl:types>")[1].split("</wsdl:types>")[0].format(imports="")
    (tmp_path / "t.xsd").write_text(
        schema.replace("<xsd:schema ", '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" ')
    )
    stray = '\n  <wsdl:types><xsd:import namespace="urn:t" schemaLocation="t.xsd"/></wsdl:types>'
    assert list(load_contract(write(tmp_path, types=stray)).operations) == ["Paint"]


def test_no_soap_port_or_no_service_is_an_error(tmp_path: Path) -> None:
    only_http = '\n    <wsdl:port name="PaintGet" binding="t:Get"><http:address location="http://x"/></wsdl:port>'
    assert refusal(write(tmp_path, ports=only_http)) == (
        "paint.wsdl has no SOAP port (only HTTP GET); the adapter calls SOAP services"
    )
    assert "binds its portTypes to no wsdl:service port" in refusal(write(tmp_path, ports=""))


def test_wsdl_20_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "v2.wsdl"
    path.write_text('<description xmlns="http://www.w3.org/ns/wsdl" targetNamespace="urn:x"/>')
    assert refusal(path).startswith("v2.wsdl is a WSDL 2.0 document")


def test_not_well_formed_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.wsdl"
    path.write_text("<definitions><oops></definitions>")
    assert refusal(path).startswith("broken.wsdl: not well-formed XML")


def test_the_store_parses_once_and_again_after_an_edit(tmp_path: Path) -> None:
    path = write(tmp_path)
    store = ContractStore()
    first = store.definitions(path)
    assert store.definitions(path) is first
    assert store.contract(path).operations is store.contract(path).operations  # shapes built once per port
    later = time.time() + 5
    os.utime(path, (later, later))
    assert store.definitions(path) is not first


def test_shipped_contracts_keep_their_operations() -> None:
    bank = load_contract(ROOT / "wsdl/bank/core_banking.wsdl")
    assert {"GetAccount", "GetBalance", "TransferFunds"} <= set(bank.operations)
