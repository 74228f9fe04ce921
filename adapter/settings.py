"""The one typed settings object. Read from ``ADAPTER_*`` environment variables and passed explicitly."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class XmlLimits(BaseModel):
    """Limits applied to every XML document before anything else reads it (see ``adapter.xml``)."""

    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_depth: int = Field(default=100, gt=0)
    max_attributes: int = Field(default=100, gt=0)


class JsonLimits(BaseModel):
    """Limits applied to every JSON request body of the facade."""

    max_bytes: int = Field(default=1024 * 1024, gt=0)
    max_depth: int = Field(default=32, gt=0)


class Settings(BaseSettings):
    """Adapter settings. Nested values use ``__``: ``ADAPTER_XML__MAX_DEPTH=50``."""

    model_config = SettingsConfigDict(env_prefix="ADAPTER_", env_nested_delimiter="__", extra="ignore")

    mappings_dir: Path = Path("mappings")
    wsdl_dir: Path = Path("wsdl")
    host: str = "127.0.0.1"
    port: int = 8000
    backend_timeout: float = Field(default=10.0, gt=0, description="Seconds; a mapping may lower it.")
    backend_connect_timeout: float = Field(default=3.0, gt=0)
    max_backend_reply_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    xml: XmlLimits = XmlLimits()
    json_limits: JsonLimits = JsonLimits()
    log_level: str = "info"
