"""Alerting generated from the vocabulary: Prometheus rules (``rules.py``) and Alertmanager routing (``routing.py``).

Both are written by commands (``esc-collector alerts build``, ``esc-collector alertmanager config``);
the generated files are committed under ``alerts/`` and a test checks they equal a fresh build.
"""
