"""ESC Fleet agent: runs on a public PC, reports host health and the site's devices over MQTT."""

__version__ = "0.1.0"
#: The program's name, as its messages and errors give it.
PROG = "esc-agent"
