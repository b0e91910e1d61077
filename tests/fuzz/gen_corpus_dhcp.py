#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seeds of fuzz_dhcp into corpus_dhcp/: a selector byte (0: DHCPv4, 1: DHCPv6) and
# a client message as a VM sends it. dhclient 4.4's messages are the ones it sent this server
# in a live exchange; systemd-networkd's and udhcpc's are built the way they build theirs;
# plus one of each refusal. The port's MAC and the gateway's match fuzz_dhcp.c's leases. Run
# from this directory; the output is checked in.
import os
import struct

PORT_MAC = bytes.fromhex("020000000105")
GW_MAC = bytes.fromhex("0200000001fe")
LEASE4 = bytes([10, 1, 0, 5])
ROUTER4 = bytes([10, 1, 0, 1])
COOKIE = bytes([99, 130, 83, 99])
DHCLIENT_PRL = bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42])


def opt4(code, data):
    return bytes([code, len(data)]) + data


def bootp(opts, xid=0xEEF66035, flags=0, ciaddr=b"\0" * 4, giaddr=b"\0" * 4, chaddr=PORT_MAC,
          op=1, htype=1, hlen=6, cookie=COOKIE, pad_to=300, file=b""):
    hdr = struct.pack("!BBBBIHH", op, htype, hlen, 0, xid, 0, flags)
    hdr += ciaddr + b"\0" * 8 + giaddr + chaddr.ljust(16, b"\0") + b"\0" * 64
    hdr += file.ljust(128, b"\0") + cookie
    msg = hdr + opts
    return msg.ljust(pad_to, b"\0")


def dhclient(mtype, *opts, **kw):
    body = opt4(53, bytes([mtype])) + b"".join(opts)
    body += opt4(12, b"vm") + opt4(55, DHCLIENT_PRL) + b"\xff"
    return bootp(body, **kw)


NETWORKD_CID = bytes.fromhex("ff5a3b0c2100020000ab119d521f416b2c18e7")


def networkd(mtype, *opts):
    body = opt4(53, bytes([mtype])) + opt4(61, NETWORKD_CID) + b"".join(opts)
    body += opt4(57, b"\x05\xdc") + opt4(12, b"web-1")
    body += opt4(55, bytes([1, 3, 6, 12, 15, 26, 28, 42, 119, 121])) + b"\xff"
    return bootp(body, xid=0x1A2B3C4D, pad_to=0)


def udhcpc(mtype, *opts):
    body = opt4(53, bytes([mtype])) + opt4(61, b"\x01" + PORT_MAC) + b"".join(opts)
    body += opt4(57, b"\x02\x40") + opt4(55, bytes([1, 3, 6, 12, 15, 28, 42]))
    body += opt4(60, b"udhcp 1.36.1") + opt4(12, b"db") + b"\xff"
    return bootp(body, xid=0x6B8B4567, flags=0x8000)


V4 = {
    "v4_dhclient_discover": dhclient(1),
    "v4_dhclient_request_selecting": dhclient(3, opt4(54, ROUTER4), opt4(50, LEASE4)),
    "v4_dhclient_request_init_reboot": dhclient(3, opt4(50, LEASE4), xid=0x4CAC404D),
    "v4_dhclient_request_renewing": dhclient(3, ciaddr=LEASE4),
    "v4_dhclient_release": bootp(opt4(53, b"\x07") + opt4(54, ROUTER4) + opt4(12, b"vm")
                                 + b"\xff", xid=0xFF6E2E7E, ciaddr=LEASE4),
    "v4_dhclient_inform": dhclient(8, ciaddr=LEASE4),
    "v4_dhclient_decline": dhclient(4, opt4(50, LEASE4), opt4(54, ROUTER4)),
    "v4_networkd_discover": networkd(1),
    "v4_networkd_request_nak": networkd(3, opt4(50, bytes([10, 9, 0, 5]))),
    "v4_udhcpc_discover": udhcpc(1),
    "v4_udhcpc_request": udhcpc(3, opt4(50, LEASE4), opt4(54, ROUTER4)),
    "v4_request_other_server": dhclient(3, opt4(54, bytes([10, 1, 0, 2])), opt4(50, LEASE4)),
    "v4_overload_file": bootp(opt4(52, b"\x01") + b"\xff", file=opt4(53, b"\x01") + b"\xff"),
    "v4_relayed": dhclient(1, giaddr=bytes([10, 2, 0, 1])),
    "v4_not_mine": dhclient(1, chaddr=bytes.fromhex("020000000106")),
    "v4_bad_cookie": dhclient(1, cookie=b"\x63\x82\x53\x64"),
    "v4_bootreply": dhclient(1, op=2),
    "v4_no_type": bootp(opt4(12, b"vm") + b"\xff"),
    "v4_no_end": bootp(opt4(53, b"\x01") + opt4(12, b"vm"), pad_to=0),
    "v4_option_past_end": bootp(opt4(53, b"\x01") + b"\x0c\x10vm", pad_to=0),
}


def opt6(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data


def msg6(mtype, xid, *opts):
    return bytes([mtype]) + xid.to_bytes(3, "big") + b"".join(opts)


def duid_llt(time):
    return opt6(1, bytes.fromhex("00010001") + time.to_bytes(4, "big") + PORT_MAC)


# dhclient's DUID-LLT; each of its runs captured here made a new one (the time differs).
CLIENT_ID = duid_llt(0x32946B72)
SERVER_ID = opt6(2, bytes.fromhex("00030001") + GW_MAC)
ORO = opt6(6, bytes.fromhex("001700180027001f"))
ORO_SHORT = opt6(6, bytes.fromhex("00170018"))
ELAPSED = opt6(8, b"\0\0")
LEASE6 = bytes.fromhex("fd000001000000000000000000000005")


def iaaddr(addr, preferred=7200, valid=7500):
    return opt6(5, addr + struct.pack("!II", preferred, valid))


def ia_na(iaid=0x105, t1=3600, t2=5400, *addrs):
    return opt6(3, struct.pack("!III", iaid, t1, t2) + b"".join(addrs))


V6 = {
    "v6_dhclient_solicit": msg6(1, 0x04FD47, CLIENT_ID, ORO, ELAPSED, ia_na()),
    "v6_dhclient_solicit_rapid": msg6(1, 0xDCFCAF, duid_llt(0x32946B8B), ORO_SHORT, ELAPSED,
                                      opt6(14), ia_na()),
    "v6_dhclient_request": msg6(3, 0x142469, CLIENT_ID, SERVER_ID, ORO, ELAPSED,
                                ia_na(0x105, 3600, 5400, iaaddr(LEASE6))),
    "v6_dhclient_confirm": msg6(4, 0x5147B8, CLIENT_ID, ORO, ELAPSED,
                                ia_na(0x105, 0, 0, iaaddr(LEASE6, 0, 0))),
    "v6_dhclient_renew": msg6(5, 0x04D7B5, duid_llt(0x32946B8B), SERVER_ID, ORO_SHORT, ELAPSED,
                              ia_na(0x105, 3600, 5400, iaaddr(LEASE6))),
    "v6_dhclient_rebind": msg6(6, 0xF584EE, duid_llt(0x32946B9E), ORO, ELAPSED,
                               ia_na(0x105, 3600, 5400, iaaddr(LEASE6))),
    "v6_dhclient_release": msg6(8, 0x63052F, CLIENT_ID, SERVER_ID, ORO, ELAPSED,
                                ia_na(0x105, 0, 0, iaaddr(LEASE6, 0, 0))),
    "v6_dhclient_info_request": msg6(11, 0x7B23C6, opt6(1, bytes.fromhex("00030001") + PORT_MAC),
                                     ORO, ELAPSED),
    "v6_decline": msg6(9, 0x010203, CLIENT_ID, SERVER_ID, ia_na(0x105, 0, 0, iaaddr(LEASE6))),
    "v6_renew_stale": msg6(5, 0x010204, CLIENT_ID, SERVER_ID,
                           ia_na(0x105, 0, 0, iaaddr(LEASE6[:15] + b"\x09"), iaaddr(LEASE6),
                                 iaaddr(LEASE6[:15] + b"\x07"))),
    "v6_confirm_not_on_link": msg6(4, 0x010205, CLIENT_ID,
                                   ia_na(1, 0, 0, iaaddr(LEASE6[:15] + b"\x06"))),
    "v6_solicit_many_ias": msg6(1, 0x010206, CLIENT_ID, opt6(25, struct.pack("!III", 0xAA, 0, 0)),
                                ia_na(0x105), ia_na(0x106), opt6(4, struct.pack("!I", 0xBB))),
    "v6_solicit_no_ia": msg6(1, 0x010207, CLIENT_ID, ORO),
    "v6_request_other_server": msg6(3, 0x010208, CLIENT_ID,
                                    opt6(2, bytes.fromhex("00030001") + PORT_MAC), ia_na()),
    "v6_solicit_with_server_id": msg6(1, 0x010209, CLIENT_ID, SERVER_ID, ia_na()),
    "v6_solicit_no_client_id": msg6(1, 0x01020A, ORO, ia_na()),
    "v6_relay_forw": bytes([12, 0]) + b"\0" * 32 + opt6(9, msg6(1, 0x01020B, CLIENT_ID)),
    "v6_iaaddr_past_ia": msg6(1, 0x01020C, CLIENT_ID,
                              opt6(3, struct.pack("!III", 1, 0, 0) + bytes.fromhex("00050018"))),
    "v6_truncated": msg6(3, 0x01020D, CLIENT_ID, SERVER_ID, ia_na())[:-3],
}

os.makedirs("corpus_dhcp", exist_ok=True)
for name, data in V4.items():
    with open(os.path.join("corpus_dhcp", name), "wb") as f:
        f.write(b"\x00" + data)
for name, data in V6.items():
    with open(os.path.join("corpus_dhcp", name), "wb") as f:
        f.write(b"\x01" + data)
