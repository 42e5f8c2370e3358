"""Grafana dashboards as code (grafanalib); built JSON goes to deploy/grafana/dashboards/."""
