"""The SNMP objects read from access points and routers (IF-MIB and the vendors' client counts).

Client counts, per vendor, in the order they are preferred (the first one a device answers is
used; the recordings named are in ``tests/data/network/``):

======================  ===========================================  ==============================
vendor                  object (MIB)                                 recording
======================  ===========================================  ==============================
Ubiquiti UniFi          unifiVapNumStations (UBNT-UniFi-MIB), per    unifi_nanohd (4+0+14+0 = 18)
                        VAP, summed
Cisco WLC / CBW         bsnDot11EssNumberOfMobileStations, per WLAN  ciscowlc_cbw240ac (23)
                        (AIRESPACE-WIRELESS-MIB); else
                        bsnApIfNoOfUsers per AP radio, summed
Aruba Instant           aiSSIDClientNum per SSID (AI-AP-MIB); else   aruba-instant (0)
                        aiRadioClientNum per radio, summed
Fortinet FortiAP        fapStationCount (FORTINET-FORTIAP-MIB); else fortiap_fap231g (0)
                        fapVapStaInfoCount per VAP, summed
Fortinet FortiGate/Wi   fgWcWtpSessionWtpStationCount per managed    fortigate_fwf60d (0)
                        AP; else fgWcWtpSessionVapStationCount
Ruckus Unleashed        none in the recorded R850 (no NumSta)        ruckuswireless-unleashed_...
TP-Link (TD-W9970)      none: no enterprise MIB at all               tplink_td-w9970
======================  ===========================================  ==============================

Only counts are read: the station tables of these MIBs (addresses, names) are never walked.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from agent.contract.messages import IfAdminStatus, IfOperStatus

SYS_DESCR: Final = "1.3.6.1.2.1.1.1"
SYS_OBJECT_ID: Final = "1.3.6.1.2.1.1.2"
SYS_UPTIME: Final = "1.3.6.1.2.1.1.3"  # TimeTicks of the SNMP agent
HR_SYSTEM_UPTIME: Final = "1.3.6.1.2.1.25.1.1"  # TimeTicks of the host (HOST-RESOURCES-MIB)
SNMP_ENGINE_TIME: Final = "1.3.6.1.6.3.10.2.1.3"  # seconds since the SNMP engine last booted

IF_ENTRY: Final = "1.3.6.1.2.1.2.2.1"
IF_DESCR: Final = f"{IF_ENTRY}.2"
IF_TYPE: Final = f"{IF_ENTRY}.3"
IF_SPEED: Final = f"{IF_ENTRY}.5"  # bit/s, Gauge32 (4294967295: see ifHighSpeed)
IF_ADMIN_STATUS: Final = f"{IF_ENTRY}.7"
IF_OPER_STATUS: Final = f"{IF_ENTRY}.8"
IF_IN_ERRORS: Final = f"{IF_ENTRY}.14"
IF_OUT_ERRORS: Final = f"{IF_ENTRY}.20"
IFX_ENTRY: Final = "1.3.6.1.2.1.31.1.1.1"
IF_NAME: Final = f"{IFX_ENTRY}.1"
IF_HIGH_SPEED: Final = f"{IFX_ENTRY}.15"  # Mbit/s

ADMIN_STATUS: Final[dict[int, IfAdminStatus]] = {1: "up", 2: "down", 3: "testing"}
OPER_STATUS: Final[dict[int, IfOperStatus]] = {
    1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "not_present", 7: "lower_layer_down",
}  # fmt: skip


class ClientSource(NamedTuple):
    """A vendor object that counts associated Wi-Fi stations (a column summed, or a scalar)."""

    name: str
    oid: str
    scalar: bool = False


#: Preferred first; the first one with a value is the device's count.
CLIENT_SOURCES: Final = (
    ClientSource("unifiVapNumStations", "1.3.6.1.4.1.41112.1.6.1.2.1.8"),
    ClientSource("bsnDot11EssNumberOfMobileStations", "1.3.6.1.4.1.14179.2.1.1.1.38"),
    ClientSource("bsnApIfNoOfUsers", "1.3.6.1.4.1.14179.2.2.2.1.15"),
    ClientSource("aiSSIDClientNum", "1.3.6.1.4.1.14823.2.3.3.1.1.7.1.4"),
    ClientSource("aiRadioClientNum", "1.3.6.1.4.1.14823.2.3.3.1.2.2.1.21"),
    ClientSource("fapStationCount", "1.3.6.1.4.1.12356.120.3.43", scalar=True),
    ClientSource("fapVapStaInfoCount", "1.3.6.1.4.1.12356.120.7.1.1.45"),
    ClientSource("fgWcWtpSessionWtpStationCount", "1.3.6.1.4.1.12356.101.14.4.4.1.17"),
    ClientSource("fgWcWtpSessionVapStationCount", "1.3.6.1.4.1.12356.101.14.4.6.1.4"),
)

#: What one poll reads: scalars (without ``.0``) and table columns.
POLL_SCALARS: Final = (
    SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, HR_SYSTEM_UPTIME, SNMP_ENGINE_TIME,
    *(s.oid for s in CLIENT_SOURCES if s.scalar),
)  # fmt: skip
POLL_COLUMNS: Final = (
    IF_DESCR, IF_TYPE, IF_SPEED, IF_ADMIN_STATUS, IF_OPER_STATUS, IF_IN_ERRORS, IF_OUT_ERRORS,
    IF_NAME, IF_HIGH_SPEED,
    *(s.oid for s in CLIENT_SOURCES if not s.scalar),
)  # fmt: skip
