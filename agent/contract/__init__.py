"""The contract between agents and collectors: wire messages and the vocabulary both ends share.

* :mod:`agent.contract.messages` — MQTT topics, the envelope, typed bodies, encode/decode, limits
  and the JSON Schema;
* :mod:`agent.contract.reasons` — every reason code a member can be "not ok" for: its severity,
  the functions it affects, its cause family, its French wording and its alert decision;
* :mod:`agent.contract.french` — French wording rules (states, colours, numbers, articles).

Nothing here does I/O; the collector imports this package and :mod:`agent.shared` only.
"""
