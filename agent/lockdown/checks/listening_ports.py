"""``[listening_ports]``: no unexpected network port listens on a reachable address."""

from __future__ import annotations

from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.registry import register
from agent.shared.config import Section


class ListeningPortsSection(Section, frozen=True):
    """The ``[listening_ports]`` table: ports that may listen on a non-loopback address."""

    allowed: tuple[int, ...] = ()


@register
class ListeningPorts(Check[ListeningPortsSection]):
    """No unexpected network port is open (loopback-only listeners are not reachable and not counted)."""

    id = "listening_ports"
    label = "Aucun port réseau inattendu n'est ouvert"
    severity = "warning"
    section = "listening_ports"

    def run(self, ctx: Context) -> CheckResult:
        """Compare listening sockets with the allowed ports."""
        allowed = set(self.config.allowed)
        try:
            listeners = ctx.listening_ports()
        except Exception as err:  # psutil.AccessDenied and friends
            return CheckResult.of(self, "unknown", [f"sockets illisibles : {type(err).__name__}"])
        unexpected = sorted(
            {
                (ip, port)
                for ip, port in listeners
                if port not in allowed and not ip.startswith(("127.", "::1"))
            },
            key=lambda item: item[1],
        )
        return CheckResult.of(
            self, "fail" if unexpected else "pass", [f"port {p} en écoute sur {ip}" for ip, p in unexpected]
        )
