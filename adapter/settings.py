"""The one typed settings object. Read from ``ADAPTER_*`` environment variables and passed explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class XmlLimits(BaseModel):
    """Limits applied to every XML document while it is parsed, before zeep or Spyne see it (``adapter.xml``).

    Defaults are generous for real SOAP traffic and small for attacks: libxml2 alone stops only depth > 256.
    """

    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Whole document (HTTP 413 above it).")
    max_depth: int = Field(default=100, gt=0, description="Element nesting.")
    max_attributes: int = Field(default=100, gt=0, description="Attributes on one element.")
    max_namespaces: int = Field(default=50, gt=0, description="Namespace declarations on one element.")
    max_name_length: int = Field(default=256, gt=0, description="Characters in an element or attribute name.")
    max_text_length: int = Field(default=1024 * 1024, gt=0, description="Characters in one text or attribute value.")
    max_elements: int = Field(default=50_000, gt=0, description="Elements in the whole document.")


class JsonLimits(BaseModel):
    """Limits applied to every JSON request body of the facade."""

    max_bytes: int = Field(default=1024 * 1024, gt=0, description="Whole body (HTTP 413 above it).")
    max_depth: int = Field(default=32, gt=0, description="Nesting of objects and arrays.")
    max_array_length: int = Field(default=10_000, gt=0)
    max_string_length: int = Field(default=100_000, gt=0)
    max_keys: int = Field(default=1_000, gt=0, description="Members of one object.")
    max_number_digits: int = Field(default=60, gt=0, description="Digits (and exponent size) of one number.")


class ApiKey(BaseModel):
    """One API key, stored as a hash: ``sha256:<hex>`` of the key (``adapter hash-key`` prints it)."""

    name: str
    hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    scopes: list[str] = Field(default_factory=lambda: ["*"], description='Granted scopes; "*" grants all.')


class JwtSettings(BaseModel):
    """OAuth2 bearer tokens (RFC 6750) as JWTs: signature, issuer, audience and expiry are always checked."""

    issuer: str
    audience: str
    jwks_file: Path | None = None
    jwks_url: str | None = None
    secret: SecretStr | None = Field(default=None, description="HS256 shared secret, for tests and simple setups.")
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    leeway: int = Field(default=30, ge=0, description="Seconds of clock skew tolerated on exp/nbf/iat.")


class AuthSettings(BaseModel):
    """Who may call the JSON facade. With ``required`` and nothing configured, the facade refuses to start."""

    required: bool = True
    api_keys: list[ApiKey] = Field(default_factory=list)
    jwt: JwtSettings | None = None
    public_paths: list[str] = Field(
        default_factory=lambda: ["/healthz", "/readyz"],
        description="Paths served without credentials and without scopes (health and readiness checks; add /metrics "
        "to open it). The documentation paths follow ADAPTER_DOCS instead; a mapped route that declares scopes "
        "cannot be public.",
    )


class ClientCertIdentity(BaseModel):
    """Served SOAP contracts: accept only callers whose client certificate, verified by the TLS terminator in front,
    has one of ``subjects``. The terminator must set ``header`` from the verified certificate and drop any copy a
    client sends (nginx ``$ssl_client_s_dn``, HAProxy ``ssl_c_s_dn``)."""

    header: str = "X-Client-Cert-Subject"
    subjects: list[str] = Field(min_length=1, description='Subject DNs, e.g. "CN=branch-0042,O=Example Bank,C=DE".')


class FetchLimits(BaseModel):
    """How much ``adapter fetch`` takes from a remote contract: a WSDL and every document it imports, each parsed by
    :mod:`adapter.xml` with the XML limits above except for size and element count, which these set."""

    max_documents: int = Field(default=200, gt=0, description="Documents: the WSDL and all it imports.")
    max_document_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="One document.")
    max_total_bytes: int = Field(default=50 * 1024 * 1024, gt=0, description="All documents together.")
    max_elements: int = Field(default=500_000, gt=0, description="Elements in one document (contracts are large).")
    timeout: float = Field(default=30.0, gt=0, description="Seconds for one document.")


class Retries(BaseModel):
    """Retries of a failed backend call, only for operations marked safe (GET routes by default; a POST only with
    ``retry: safe``) and only when the call could not connect, timed out or was answered 503."""

    attempts: int = Field(default=3, ge=1, le=10, description="Calls in all, the first one included; 1: no retry.")
    backoff_initial: float = Field(default=0.1, gt=0, description="Seconds before the first retry.")
    backoff_max: float = Field(default=2.0, gt=0, description="Longest wait between two attempts, in seconds.")


class Breaker(BaseModel):
    """A circuit breaker per backend: after ``failures`` failed calls in a row within ``window`` seconds, calls are
    answered 503 without reaching the backend for ``open_for`` seconds; then one probe call decides."""

    failures: int = Field(default=5, ge=1)
    window: float = Field(default=30.0, gt=0)
    open_for: float = Field(default=15.0, gt=0)


class Resilience(BaseModel):
    """Defaults for every backend; a mapping's ``backend.resilience`` overrides them."""

    deadline: float | None = Field(
        default=None, gt=0, description="Seconds for one call, pool wait and retries included; the timeout if unset."
    )
    retries: Retries = Retries()
    breaker: Breaker = Breaker()
    max_concurrent: int = Field(default=100, ge=1, description="Calls in flight per backend; beyond: 503 at once.")


class RateLimits(BaseModel):
    """Rate limits and quotas of the facade (library ``limits``). Mapping files add their own per file and route."""

    # fixed-window: the cheapest (one counter per budget) and its RateLimit reset is exact; sliding-window-counter
    # smooths the burst a fixed window allows at its edges, at twice the cost (bench/ops.py).
    strategy: Literal["fixed-window", "sliding-window-counter", "moving-window"] = "fixed-window"
    default: list[str] = Field(
        default_factory=list, description='Limits of every caller on every route together, e.g. ["1000/minute"].'
    )


class Idempotency(BaseModel):
    """``Idempotency-Key`` on POST and PATCH routes (draft-ietf-httpapi-idempotency-key-header)."""

    expires: float = Field(default=86400.0, gt=0, description="Seconds a key and its stored answer are kept.")
    lease: float = Field(
        default=30.0, gt=0, description="Seconds a request in flight holds its key (at least its backend deadline)."
    )
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Larger answers are not stored.")
    max_keys: int = Field(default=100_000, gt=0, description="In memory (without Redis): keys kept, oldest go first.")


class Cache(BaseModel):
    """The answer cache of GET routes that opt in with ``cache:``."""

    max_entries: int = Field(default=10_000, gt=0, description="In memory (without Redis): entries kept, LRU.")
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Larger answers are not cached.")


class MetricsSettings(BaseModel):
    """Prometheus metrics (docs/operations.md lists them)."""

    enabled: bool = True
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port, without credentials, instead of on the main port behind the API "
        "key (scope 'metrics'). With --workers, the supervising process serves it for every worker.",
    )
    host: str | None = Field(default=None, description="Interface of the metrics port (default: the main host).")


class TracingSettings(BaseModel):
    """OpenTelemetry traces. Off until an OTLP endpoint is set; the caller's traceparent is passed on either way."""

    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces."
    )
    otlp_headers: dict[str, SecretStr] = Field(default_factory=dict, description="Headers for the collector.")
    otlp_timeout: float = Field(default=10.0, gt=0, description="Seconds for one export.")
    service_name: str = "soap-adapter"
    sample_ratio: float = Field(
        default=1.0, ge=0, le=1, description="Share of new traces recorded; a caller's sampling decision is kept."
    )
    trust_incoming: bool = Field(
        default=True,
        description="Continue the caller's trace from its traceparent; off at an edge facing untrusted callers.",
    )


def _no_empty_path(value: object) -> object:
    return None if value == "" else value


class Settings(BaseSettings):
    """Adapter settings. Nested values use ``__``: ``ADAPTER_XML__MAX_DEPTH=50``."""

    model_config = SettingsConfigDict(env_prefix="ADAPTER_", env_nested_delimiter="__", extra="ignore")

    mappings_dir: Path = Path("mappings")
    wsdl_dir: Path = Path("wsdl")
    cache_dir: Path | None = Field(
        default=Path.home() / ".cache" / "soap-adapter",
        description="Compiled contract models, reused while their files are unchanged; empty disables the cache.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    backend_timeout: float = Field(default=10.0, gt=0, description="Seconds; a mapping may lower it.")
    backend_connect_timeout: float = Field(default=3.0, gt=0)
    max_backend_reply_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    xml: XmlLimits = XmlLimits()
    json_limits: JsonLimits = JsonLimits()
    log_level: str = "info"
    auth: AuthSettings = AuthSettings()
    docs: Literal["public", "protected", "off"] = Field(
        default="public",
        description="One rule for every documentation path (/docs, /docs/oauth2-redirect, /docs/assets/*, /redoc, "
        "/openapi.json): served without credentials, only with them, or not at all.",
    )
    # Served SOAP contracts (adapter.server): the WS-Security UsernameToken users of endpoints that require one,
    # e.g. ADAPTER_SOAP_USERS='{"demo": "demo-pass"}', and how their Created/Nonce are checked against replay.
    soap_users: dict[str, SecretStr] = Field(default_factory=dict, description="UsernameToken users: {name: password}.")
    soap_replay_window: float = Field(default=300.0, gt=0, description="Seconds a token's Created stays acceptable.")
    soap_client_cert: ClientCertIdentity | None = None
    soap_nonce_cache_bytes: int = Field(
        default=32 * 1024 * 1024, gt=0, description="Memory for the nonces of accepted tokens, all users together."
    )
    soap_nonce_user_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="One user's share of it: a user who fills theirs is refused until their nonces expire, alone.",
    )
    soap_offload_bytes: int = Field(
        default=256 * 1024,
        ge=0,
        description="Request bodies and backend replies from this size on are parsed and mapped off the event loop.",
    )
    soap_workers: int = Field(default=4, gt=0, description="Threads of their own for that work.")
    soap_queue_timeout: float = Field(
        default=5.0, gt=0, description="Seconds a request waits for one of those threads before a Server fault."
    )
    # Where served contracts say they are (the soap:address of ?wsdl): the public base URL when set, else the
    # request's Host only when it names one of allowed_hosts. A Host header is never reflected otherwise.
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="Base URL the adapter is reached at, e.g. https://soap.example.com (served paths are appended).",
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description='Host names a request\'s Host may carry to be used as the served address; "*.example.com" too.',
    )
    fetch: FetchLimits = FetchLimits()  # adapter fetch, e.g. ADAPTER_FETCH__MAX_DOCUMENTS=500
    # Operations (adapter.ops): one Redis moves rate limits, idempotency records, the cache and the nonce cache out
    # of this process, so that many instances share them; without it all of it lives in memory.
    redis_url: SecretStr | None = Field(default=None, description="redis://[:password@]host:port/db")
    redis_prefix: str = Field(default="adapter:", description="Prefix of every key written to Redis.")
    resilience: Resilience = Resilience()
    rate_limits: RateLimits = RateLimits()
    idempotency: Idempotency = Idempotency()
    cache: Cache = Cache()
    # Running it (adapter serve; docs/operations.md)
    workers: int = Field(default=1, ge=1, description="Worker processes of `adapter serve`.")
    shutdown_timeout: int = Field(
        default=20, ge=1, description="Seconds in-flight requests get to finish after SIGTERM, before they are cut."
    )
    metrics: MetricsSettings = MetricsSettings()
    tracing: TracingSettings = TracingSettings()

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _empty_cache_dir(cls, value: object) -> object:
        return _no_empty_path(value)
