"""Access points, controllers and routers read over SNMP: interfaces, uptime, Wi-Fi client counts."""
