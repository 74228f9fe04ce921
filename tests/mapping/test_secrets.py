"""Secrets and keys never live in a mapping file: literal passwords and pasted PEM text are refused, located, and
not quoted back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapter.exceptions import MappingErrors
from adapter.mapping.loader import parse_mapping

MAPPING = """\
version: 1
contract:
  wsdl: bank/core_banking.wsdl
backend:
  url: https://127.0.0.1:1/x
  security:
    username_token:
      username: ${{BANK_USER}}
      password: ${{BANK_PASSWORD}}
      digest: true
    signature:
      key_file: {key_file}
      cert_file: ${{BANK_CERT}}
      key_password: {key_password}
routes: []
"""
ENV = {"BANK_USER": "u", "BANK_PASSWORD": "p", "BANK_CERT": "/c.pem", "BANK_KEY_PASS": "k"}


def details(key_file: str, key_password: str) -> list[str]:
    text = MAPPING.format(key_file=key_file, key_password=key_password)
    with pytest.raises(MappingErrors) as caught:
        parse_mapping(text, "m.yaml", ENV)
    return [error.detail for error in caught.value.errors]


def test_env_references_and_paths_are_accepted() -> None:
    text = MAPPING.format(key_file="/run/secrets/bank.key", key_password="${BANK_KEY_PASS}")
    security = parse_mapping(text, "m.yaml", ENV).model.backend.security
    assert security is not None and security.signature is not None and security.username_token is not None
    assert security.signature.key_password is not None
    assert security.signature.key_password.get_secret_value() == "k"
    assert "k" not in repr(security.signature.key_password)
    assert (security.username_token.timestamp, security.username_token.ttl) == (True, 300)


def test_literal_key_password_is_refused_and_not_quoted() -> None:
    [found] = details("/run/secrets/bank.key", "hunter2")
    assert found.startswith("m.yaml:14:21: key_password must be an environment reference such as ${BANK_KEY_PASSWORD}")
    assert found.endswith("(backend.security.signature.key_password)")
    assert "hunter2" not in found


def test_a_default_in_a_password_reference_is_a_literal_and_refused() -> None:
    [found] = details("/run/secrets/bank.key", "${BANK_KEY_PASS:-hunter2}")
    assert found.startswith("m.yaml:14:21: key_password must be an environment reference without a default")
    assert "hunter2" not in found


def test_pasted_private_key_is_refused_and_not_quoted() -> None:
    pem = '"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----"'
    [found] = details(pem, "${BANK_KEY_PASS}")
    assert found.startswith("m.yaml:12:17: key_file is the path of a PEM file (or a reference to one), never the PEM")
    assert "MIIEvQ" not in found


def test_the_documented_backend_section_is_valid() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "backend-security.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    text = f"version: 1\ncontract:\n  wsdl: bank/core_banking.wsdl\n{example}routes: []\n"
    env = {name: f"/run/secrets/{name.lower()}" for name in re.findall(r"\$\{(\w+)\}", example)}
    backend = parse_mapping(text, "doc.yaml", env).model.backend
    assert backend.tls is not None and backend.tls.verify
    assert backend.security is not None and backend.security.signature is not None
