"""The broker connection both ends share: where it is, how to authenticate, TLS, paho wiring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec

from agent.shared.config import ConfigError, Section


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker listens: ``mqtt://HOST:PORT`` or ``mqtts://HOST:PORT`` (TLS)."""

    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse a broker URL; raise ``ValueError`` with a readable message."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            msg = f"broker URL must start with mqtt:// or mqtts://, got {url!r}"
            raise ValueError(msg)
        if not parts.hostname:
            msg = f"broker URL has no host: {url!r}"
            raise ValueError(msg)
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            msg = f"broker URL has an invalid port: {url!r}"
            raise ValueError(msg) from None
        if parts.path not in ("", "/") or parts.username or parts.password:
            msg = f"broker URL takes no path or credentials (use the config file): {url!r}"
            raise ValueError(msg)
        return cls(parts.hostname, port, tls)

    def __str__(self) -> str:
        """Return the URL form."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


class BrokerSettings(Section, frozen=True, kw_only=True):
    """The ``[broker]`` section both ends share (each adds its own keys)."""

    url: str = "mqtts://localhost:8883"
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive: Annotated[int, msgspec.Meta(ge=5, le=600)] = 30

    def __post_init__(self) -> None:
        """Refuse an unusable URL at load time, not at connect time."""
        try:
            BrokerAddress.parse(self.url)
        except ValueError as err:
            raise ValueError(f"url: {err}") from None

    @property
    def address(self) -> BrokerAddress:
        """Return the parsed broker address."""
        return BrokerAddress.parse(self.url)

    def apply_to(self, client: Any, *, default_username: str | None) -> None:
        """Set credentials, TLS and reconnect back-off on a paho ``Client``."""
        import ssl  # noqa: PLC0415

        username = self.username or default_username
        if username is not None:
            client.username_pw_set(username, self.read_password())
        if self.address.tls:
            client.tls_set(
                ca_certs=str(self.ca_file) if self.ca_file else None,
                certfile=str(self.cert_file) if self.cert_file else None,
                keyfile=str(self.key_file) if self.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.reconnect_delay_set(1, 60)

    def read_password(self) -> str | None:
        """Return the password from ``password_file`` (never logged), or ``None``.

        Raises:
            ConfigError: when the file cannot be read.
        """
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text(encoding="utf-8").strip()
        except OSError as err:
            msg = f"cannot read the broker password file {self.password_file}: {err.strerror}"
            raise ConfigError(msg) from None


def with_url(settings: BrokerSettings, url: str | None, option: str = "--broker") -> Any:
    """Return a copy of ``settings`` whose URL is ``url`` (a command-line override), if given.

    Raises:
        ConfigError: naming the option when the URL is unusable.
    """
    if url is None:
        return settings
    try:
        BrokerAddress.parse(url)
    except ValueError as err:
        raise ConfigError(f"{option}: {err}") from None
    return msgspec.structs.replace(settings, url=url)
