"""Running a policy: build the context, run the checks, shape the results for output or the wire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from agent.contract.messages import LockdownBody, LockdownCheck
from agent.lockdown.base import CheckResult, Context
from agent.lockdown.baseline import Baseline
from agent.lockdown.policy import Policy
from agent.lockdown.registry import intact, run_checks
from agent.lockdown.windows import RecordedWindowsSource, WindowsSource, live_source


def make_context(
    *,
    root: Path = Path("/"),
    baseline: Path | None = None,
    windows_recording: Path | None = None,
    platform: str | None = None,
) -> Context:
    """Return the context for a check run (live Windows sources on Windows, or a recording)."""
    source: WindowsSource | None = (
        RecordedWindowsSource.from_folder(windows_recording) if windows_recording else live_source()
    )
    ctx = Context(root=root, baseline=Baseline.load(baseline) if baseline else None, windows=source)
    if platform:
        ctx.platform = platform
    elif windows_recording:
        ctx.platform = "windows"
    return ctx


def to_body(policy: Policy, results: list[CheckResult], *, security_event: bool = False) -> LockdownBody:
    """Return the wire form of a run."""
    return LockdownBody(
        profile=policy.policy.profile,
        intact=intact(results),
        checks=tuple(
            LockdownCheck(id=r.id, label=r.label, severity=r.severity, result=r.result, evidence=r.evidence)
            for r in results
        ),
        security_event=security_event,
    )


def check(policy: Policy, ctx: Context) -> LockdownBody:
    """Run every applicable check."""
    return to_body(policy, run_checks(policy, ctx))


def render_json(body: LockdownBody) -> str:
    """Return the ``--json`` document."""
    data: dict[str, Any] = msgspec.to_builtins(body)
    data.pop("security_event", None)  # the agent's own bookkeeping, not part of the report
    return json.dumps(data, indent=2, ensure_ascii=False)


_MARK = {"pass": "OK   ", "fail": "ÉCHEC", "unknown": "?    "}


def render_text(body: LockdownBody) -> str:
    """Return a readable report."""
    verdict = "verrouillage intact" if body.intact else "VERROUILLAGE ROMPU"
    lines = [f"profil {body.profile} : {verdict}"]
    for item in body.checks:
        lines.append(f"  {_MARK[item.result]} {item.id:<26} {item.label}")
        lines += [f"          - {e}" for e in item.evidence]
    return "\n".join(lines)
