"""Alerting generated from the vocabulary: Prometheus rules, the e-mails' time table, Alertmanager routing.

``rules.py`` (rules from the reason table and the metric descriptions) and ``mail.py`` (the
e-mails' Paris time) are written by ``esc-collector alerts build``; ``routing.py`` by
``esc-collector alertmanager config`` from ``sites.toml``. The generated files are committed
under ``alerts/`` and ``deploy/alertmanager/``; tests check they equal a fresh build.
"""
