"""The agent's lockdown monitor: run the checks on a schedule, publish on change and periodically."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from agent.contract.messages import LockdownBody
from agent.lockdown.baseline import Baseline
from agent.lockdown.policy import Policy, load_policy
from agent.lockdown.registry import run_checks
from agent.lockdown.run import make_context, to_body
from agent.shared.config import ConfigError

_LOGGER = logging.getLogger(__name__)


class LockdownMonitor(threading.Thread):
    """Background thread: check every ``interval``; publish changes at once, else every ``publish_every``."""

    def __init__(
        self,
        *,
        policy_path: Path,
        baseline_path: Path | None,
        root: Path,
        interval: float,
        publish_every: float,
        deliver: Callable[[LockdownBody], None],
    ) -> None:
        """Load the policy now, so that a broken policy is reported at start-up, not later."""
        super().__init__(name="lockdown", daemon=True)
        self.policy: Policy = load_policy(policy_path)
        self.baseline_path = baseline_path
        self.root = root
        self.interval = interval
        self.publish_every = publish_every
        self.deliver = deliver
        self.stopping = threading.Event()
        self._last: tuple[tuple[str, str, tuple[str, ...]], ...] | None = None
        self._last_intact: bool | None = None
        self._last_sent = 0.0

    def check_once(self) -> LockdownBody | None:
        """Run the checks; return the body to publish, or ``None`` when nothing is due."""
        try:
            ctx = make_context(root=self.root, baseline=self.baseline_path)
        except ConfigError as err:  # the baseline went missing or broken: file_integrity says unknown
            _LOGGER.warning("lockdown baseline unusable: %s", err)
            ctx = make_context(root=self.root)
        results = run_checks(self.policy, ctx)
        signature = tuple((r.id, r.result, r.evidence) for r in results)
        broken = any(r.result == "fail" for r in results)
        now = time.monotonic()
        changed = signature != self._last
        if not changed and now - self._last_sent < self.publish_every:
            return None
        event = broken and self._last_intact is not False
        body = to_body(self.policy, results, security_event=event)
        if event:
            _LOGGER.warning("lockdown broken: %s", ", ".join(r.id for r in results if r.result == "fail"))
        self._last, self._last_intact, self._last_sent = signature, not broken, now
        return body

    def run(self) -> None:
        """Check until stopped."""
        while not self.stopping.is_set():
            try:
                body = self.check_once()
                if body is not None:
                    self.deliver(body)
            except Exception:  # the monitor must survive anything the system throws at it
                _LOGGER.exception("lockdown check round failed")
            self.stopping.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current round."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)


def baseline_or_none(path: Path | None) -> Baseline | None:
    """Load a baseline if one is configured (used by tests and the CLI)."""
    return Baseline.load(path) if path else None
