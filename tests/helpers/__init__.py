"""Test support code shared by the test files; ``conftest.py`` only turns some of it into fixtures.

Each module covers one thing the tests drive:

- :mod:`helpers.processes` — paths, our console scripts, ports, waiting, stopping processes;
- :mod:`helpers.broker` — a real Mosquitto;
- :mod:`helpers.collector` — a real ``esc-collector run``;
- :mod:`helpers.agent` — agent configs and a real ``esc-agent run``;
- :mod:`helpers.snmp` — snmpsim serving printer recordings (SNMP v2c and v3);
- :mod:`helpers.recordings` — the real printer recordings and modified copies of them;
- :mod:`helpers.escl` — an eSCL scanner served over HTTP;
- :mod:`helpers.alerting` — Prometheus, Alertmanager, an SMTP sink and fast alert rules;
- :mod:`helpers.chromium` — headless Chromium;
- :mod:`helpers.sites` — a builder for ``sites.toml`` text;
- :mod:`helpers.periods` — the hand-computed month of availability ground truth.

A missing program makes the test fail with the command that installs it; it never skips.
"""
