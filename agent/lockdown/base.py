"""What every lockdown check shares: its result, the context it reads from, its base class.

Checks never read personal data: no user files, no browsing history, no names of documents.
Their evidence states configuration facts only ("URLBlocklist ne contient pas *", "port 5900
en écoute"), short and bounded.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, get_args, get_origin

from agent.shared.config import Section

if TYPE_CHECKING:
    from agent.lockdown.baseline import Baseline
    from agent.lockdown.policy import Policy
    from agent.lockdown.windows import WindowsSource

Outcome = Literal["pass", "fail", "unknown"]
Severity = Literal["critical", "warning"]
MAX_EVIDENCE = 8
C = TypeVar("C", bound=Section)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check."""

    id: str
    label: str
    severity: Severity
    result: Outcome
    evidence: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, check: Check[Any], result: Outcome, evidence: list[str] | tuple[str, ...] = ()
    ) -> CheckResult:
        """Build a result for ``check``, with bounded evidence."""
        items = [e[:200] for e in evidence]
        if len(items) > MAX_EVIDENCE:
            items = [*items[: MAX_EVIDENCE - 1], f"… et {len(items) - MAX_EVIDENCE + 1} autre(s)"]
        return cls(check.id, check.label, check.severity, result, tuple(items))


def _live_process_names() -> list[str]:
    import psutil  # noqa: PLC0415

    names = []
    for proc in psutil.process_iter(["name"]):
        name = proc.info.get("name")
        if name:
            names.append(str(name))
    return names


def _live_listening_ports() -> list[tuple[str, int]]:
    import psutil  # noqa: PLC0415

    ports = set()
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            ports.add((str(conn.laddr.ip), int(conn.laddr.port)))
    return sorted(ports)


@dataclass
class Context:
    """Where checks read from: a root for files, live process and socket tables, Windows sources.

    ``root`` lets every file-based check run against a mounted disk image or a test tree.
    Process and port checks always read the running system.
    """

    root: Path = Path("/")
    baseline: Baseline | None = None
    platform: str = field(default_factory=lambda: "windows" if sys.platform == "win32" else "linux")
    process_names: Callable[[], list[str]] = _live_process_names
    listening_ports: Callable[[], list[tuple[str, int]]] = _live_listening_ports
    windows: WindowsSource | None = None

    def path(self, absolute: str) -> Path:
        """Return ``absolute`` (a path of the checked system) under the context's root."""
        return self.root / absolute.lstrip("/")

    def read_text(self, absolute: str) -> str | None:
        """Return a text file of the checked system, or ``None`` when it is absent or unreadable."""
        try:
            return self.path(absolute).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None


class Check(Generic[C]):
    """A lockdown check: an id, a French label, a severity, the policy table it reads.

    A check is declared in its own module of :mod:`agent.lockdown.checks`, next to the frozen
    struct of its table, and parametrised with it: ``UsbStorageBlocked(Check[UsbStorageSection])``
    reads ``[usb_storage]`` into ``UsbStorageSection`` (its ``Config``), then ``self.config``.
    """

    id: ClassVar[str]
    label: ClassVar[str]
    severity: ClassVar[Severity] = "critical"
    #: The policy table the check reads, e.g. ``"usb_storage"``; absent table, check not run.
    section: ClassVar[str]
    #: The struct of that table, taken from the ``Check[...]`` parameter.
    Config: ClassVar[type[Section]]
    platforms: ClassVar[frozenset[str]] = frozenset({"linux", "windows"})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Take ``Config`` from the ``Check[Config]`` base of the new check class."""
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Check:
                (cls.Config,) = get_args(base)

    def __init__(self, policy: Policy) -> None:
        """Bind the check to the policy."""
        self.policy = policy
        self._config: C | None = getattr(policy, self.section, None)

    @property
    def config(self) -> C:
        """Return the check's policy table (there whenever :meth:`applies` said yes)."""
        if self._config is None:
            msg = f"the policy has no [{self.section}] table"
            raise LookupError(msg)
        return self._config

    def applies(self, ctx: Context) -> bool:
        """Return whether this check runs for this policy on this platform."""
        return ctx.platform in self.platforms and self._config is not None

    def run(self, ctx: Context) -> CheckResult:
        """Run the check; implementations never raise for a broken system, they fail or say unknown."""
        raise NotImplementedError
