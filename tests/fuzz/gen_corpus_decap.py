#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seeds of fuzz_decap into corpus_decap/: whole frames as the underlay NIC hands
# them over, for the snapshot fuzz_decap.c publishes (keep the addresses in step with it).
# Each seed starts with fuzz_decap's two control bytes (checksum status, fix-ups, split).
# Run from this directory; the output is checked in.
import os
import struct

from corpus_frames import addr, csum, ipv4, ipv6, mac

UL_MAC = "02:00:00:00:aa:01"
NH_MAC = "02:00:00:00:bb:02"
VTEP4, VTEP6 = "192.0.2.1", "2001:db8::1"
VXLAN_PORT, GENEVE_PORT = 4789, 6081
VM = {"a1": "02:00:00:00:00:11", "a2": "02:00:00:00:00:13", "b1": "02:00:00:00:00:12",
      "c1": "02:00:00:00:00:11"}
GW = "02:00:00:00:00:01"  # every VPC's gateway MAC: the sending host routed the frame
REM = {1: "02:00:00:00:00:21", 2: "02:00:00:00:00:22", 6: "02:00:00:00:00:26",
       7: "02:00:00:00:00:27"}

# control byte 0 (see fuzz_decap.c)
IP_GOOD, L4_GOOD = 0x01, 0x04
FIX_IP4, FIX_UDP, SPLIT = 0x10, 0x20, 0x40


def eth(dst, src, etype, payload):
    return mac(dst) + mac(src) + struct.pack("!H", etype) + payload


def udp(src, dst, sport, dport, payload, checksum=True):
    """UDP with its checksum over the pseudo-header of src and dst (IPv4 or IPv6 text)."""
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    if not checksum:
        return hdr + payload
    if ":" in src:
        pseudo = addr(src) + addr(dst) + struct.pack("!IxxxB", length, 17)
    else:
        pseudo = addr(src) + addr(dst) + struct.pack("!xBH", 17, length)
    c = csum(pseudo + hdr + payload) or 0xffff
    return hdr[:6] + struct.pack("!H", c) + payload


def vxlan(vni):
    return struct.pack("!B3xI", 0x08, vni << 8)


def geneve_opt(cls, typ, data=b""):
    return struct.pack("!HBB", cls, typ, len(data) // 4) + data


def geneve(vni, opts=b""):
    return struct.pack("!BBHI", len(opts) // 4, 0, 0x6558, vni << 8) + opts


def inner(src_mac, dst_mac, payload=16):
    """An IPv4/UDP frame between two VMs (10.0.0.0/24)."""
    body = udp("10.0.0.21", "10.0.0.11", 1000, 2000, bytes(i & 0xff for i in range(payload)))
    return eth(dst_mac, src_mac, 0x0800, ipv4("10.0.0.21", "10.0.0.11", 17, body))


def tunnel4(src, port, hdr, frame, checksum=False):
    return eth(UL_MAC, NH_MAC, 0x0800,
               ipv4(src, VTEP4, 17, udp(src, VTEP4, 50000, port, hdr + frame, checksum)))


def tunnel6(src, port, hdr, frame):
    return eth(UL_MAC, NH_MAC, 0x86DD,
               ipv6(src, VTEP6, 17, udp(src, VTEP6, 50000, port, hdr + frame)))


def seed(frame, ctl=0, split=0):
    return bytes([ctl, split]) + frame


def arp_request():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac(NH_MAC), addr("192.0.2.254"),
                      bytes(6), addr(VTEP4))
    return eth("ff:ff:ff:ff:ff:ff", NH_MAC, 0x0806, arp + bytes(18))


def nd_solicit():
    """ICMPv6 neighbour solicitation for our IPv6 VTEP, to its solicited-node group."""
    src, dst = "2001:db8::fe", "ff02::1:ff00:1"
    body = struct.pack("!BBHI16s", 135, 0, 0, 0, addr(VTEP6)) + b"\x01\x01" + mac(NH_MAC)
    pseudo = addr(src) + addr(dst) + struct.pack("!IxxxB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
    return eth("33:33:ff:00:00:01", NH_MAC, 0x86DD, ipv6(src, dst, 58, body))


def ipv6_first_fragment():
    payload = udp("2001:db8::2", VTEP6, 50000, VXLAN_PORT, vxlan(100) + inner(REM[6], VM["a1"]))
    frag = struct.pack("!BxHI", 17, 0x0001, 0x1234)  # offset 0, more fragments
    return eth(UL_MAC, NH_MAC, 0x86DD, ipv6("2001:db8::2", VTEP6, 44, frag + payload))


def padded():
    frame = tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100), inner(REM[1], VM["a1"], 0))
    return frame + bytes(20)


def bad_checksums():
    frame = bytearray(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100), inner(REM[1], VM["a1"]), True))
    frame[24] ^= 0x55  # outer IPv4 header checksum
    frame[40] ^= 0x55  # outer UDP checksum
    return bytes(frame)


def zero_checksums():
    frame = bytearray(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100), inner(REM[1], VM["a2"])))
    frame[24:26] = b"\0\0"
    return bytes(frame)


OPTS = geneve_opt(0x0001, 0x01, b"\x01\x02\x03\x04") + geneve_opt(0xffff, 0x7f)
SEEDS = {
    "vxlan4_a1": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100), inner(REM[1], VM["a1"]))),
    "vxlan4_a1_udp_checksum": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100),
                                           inner(REM[1], VM["a1"]), True)),
    "geneve4_b1": seed(tunnel4("192.0.2.3", GENEVE_PORT, geneve(200), inner(REM[2], VM["b1"]),
                               True)),
    "vxlan4_c1_other_vni_same_macs": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(300),
                                                  inner(REM[1], VM["c1"]))),
    "vxlan6_a2": seed(tunnel6("2001:db8::2", VXLAN_PORT, vxlan(100), inner(REM[6], VM["a2"]))),
    "geneve6_opts_b1": seed(tunnel6("2001:db8::3", GENEVE_PORT, geneve(200, OPTS),
                                    inner(REM[7], VM["b1"]))),
    "geneve4_critical_option": seed(tunnel4("192.0.2.3", GENEVE_PORT,
                                            geneve(200, geneve_opt(0x0102, 0x81, bytes(4))),
                                            inner(REM[2], VM["b1"]))),
    "vxlan4_routed_from_gateway": seed(tunnel4("192.0.2.4", VXLAN_PORT, vxlan(100),
                                               inner(GW, VM["a1"]))),
    # a VTEP route of the sending host: its VM's frame as it was, routed here to a1
    "vxlan4_routed_here": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100), inner(REM[1], GW))),
    "vxlan4_padded": seed(padded()),
    "vxlan4_two_segments": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100),
                                        inner(REM[1], VM["a1"], 200)), SPLIT, 64 // 8),
    # 100 bytes after the datagram, the frame split 48 bytes before its end
    "vxlan4_padding_past_last_segment": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100),
                                                     inner(REM[1], VM["a1"])) + bytes(100),
                                             SPLIT, 160 // 8),
    # 3001 bytes, a full second segment: it starts 919 bytes (odd) into the UDP datagram
    "vxlan4_odd_segment_checksum": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100),
                                                inner(REM[1], VM["a1"], 2909), True),
                                        SPLIT, 1),
    "vxlan4_jumbo": seed(tunnel4("192.0.2.2", VXLAN_PORT, vxlan(100),
                                 inner(REM[1], VM["a1"], 2500), True)),
    "vxlan4_nic_vouches": seed(bad_checksums(), IP_GOOD | L4_GOOD),
    "vxlan4_harness_fixes": seed(zero_checksums(), FIX_IP4 | FIX_UDP),
    "vxlan6_first_fragment": seed(ipv6_first_fragment()),
    "arp_request": seed(arp_request()),
    "nd_solicit": seed(nd_solicit()),
}

os.makedirs("corpus_decap", exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join("corpus_decap", name), "wb") as f:
        f.write(data)
