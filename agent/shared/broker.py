"""The broker connection both ends share: where it is, how to authenticate, TLS, paho wiring."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
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


def _reason_text(reason: object) -> str:
    """Return a paho reason code as people read it (paho says "Unspecified error" for a lost link)."""
    text = str(reason)
    return "the broker or the network closed it" if text in ("Unspecified error", "") else text


def _error_text(error: BaseException | None) -> str:
    if error is None:
        return "no connection"
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ConnectionLog:
    """Tell the story of a broker connection in a few log lines: each trouble once, the return once.

    paho retries on its own (``reconnect_delay_set``, up to every 60 s): without this, an
    unreachable broker is silent and a refusing one repeats its error at every retry. Both
    programs log through one of these::

        ERROR   broker mqtts://fleet:8883 unreachable (Connection refused); retrying in the background
        ERROR   broker mqtts://fleet:8883 refused the connection: Not authorized (check the username
                and password_file); retrying in the background
        WARNING lost the connection to broker mqtts://fleet:8883 (the broker or the network closed it);
                reconnecting
        WARNING broker mqtts://fleet:8883 still unreachable after 15 min 00 s
        INFO    connected to broker mqtts://fleet:8883 after 42 s without a connection (session 7)

    A trouble that lasts is recalled every ``remind_every`` seconds. Thread-safe (paho's network
    thread calls it; the owner calls :meth:`stopping`).
    """

    def __init__(
        self,
        logger: logging.Logger,
        address: BrokerAddress,
        *,
        remind_every: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Log about ``address`` into ``logger``."""
        self._logger = logger
        self._address = address
        self._remind_every = remind_every
        self._clock = clock
        self._lock = threading.Lock()
        self._connected = False
        self._trouble: str | None = None  # the trouble last logged: "unreachable", "refused: ...", "lost"
        self._since: float | None = None  # when the connection was lost, or first failed
        self._logged_at = 0.0

    def unreachable(self, error: BaseException | None = None) -> None:
        """Record a failed attempt to open the connection (nothing listens, DNS, network, TLS)."""
        self._record(
            "unreachable",
            f"broker {self._address} unreachable ({_error_text(error)}); retrying in the background",
        )

    def refused(self, reason: object) -> None:
        """Record a refusal in the broker's answer (bad credentials, not authorised, ...)."""
        self._record(
            f"refused: {reason}",
            f"broker {self._address} refused the connection: {reason} "
            "(check the username and password_file); retrying in the background",
        )

    def lost(self, reason: object) -> None:
        """Record the loss of an established connection (nothing is logged if it was not up)."""
        with self._lock:
            if not self._connected:
                return
            self._connected = False
            self._trouble, self._since = "lost", self._clock()
            self._logged_at = self._since
        self._logger.warning(
            "lost the connection to broker %s (%s); reconnecting", self._address, _reason_text(reason)
        )

    def connected(self, detail: str = "") -> None:
        """Record a successful connection; ``detail`` ends the line (``"session 7"``)."""
        with self._lock:
            since = self._since
            self._connected, self._trouble, self._since = True, None, None
        suffix = f" ({detail})" if detail else ""
        if since is None:
            self._logger.info("connected to broker %s%s", self._address, suffix)
        else:
            without = _duration(self._clock() - since)
            self._logger.info(
                "connected to broker %s after %s without a connection%s", self._address, without, suffix
            )

    def stopping(self) -> None:
        """Forget the connection before a deliberate disconnect (not a trouble to report)."""
        with self._lock:
            self._connected = False

    def _record(self, trouble: str, message: str) -> None:
        now = self._clock()
        with self._lock:
            self._connected = False
            if self._since is None:
                self._since = now
            repeat = self._trouble == trouble
            remind = repeat and now - self._logged_at >= self._remind_every
            if repeat and not remind:
                return
            self._trouble, self._logged_at = trouble, now
            since = self._since
        if remind:
            what = "still refuses the connection" if trouble.startswith("refused") else "still unreachable"
            self._logger.warning("broker %s %s after %s", self._address, what, _duration(now - since))
        else:
            self._logger.error("%s", message)
