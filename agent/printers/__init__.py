"""Printers and MFPs over SNMP: MIB tables, pure parsing, state derivation, polling."""
