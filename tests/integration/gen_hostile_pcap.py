#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Write a pcap of hostile underlay input toward one VTEP: one frame per case, each built
# valid and then broken in one place, and print "reason count" lines: what the switch must
# drop each of them as. The valid frame is also written once at the end ("delivered").
# No IP fragment here: the tests' af_packet underlay joins a fanout group that reassembles
# fragments before delivery, so test_dp_tunnel.c checks the fragment drop instead.
#   gen_hostile_pcap.py OUT LOCAL_VTEP REMOTE_VTEP VNI INNER_SRC_MAC INNER_DST_MAC
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def inner(src, dst):
    # an IPv4/UDP frame between two VMs, 60 bytes
    payload = b"hostile!" + b"\0" * 10
    udp = struct.pack("!HHHH", 1234, 5678, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     ip4("10.0.0.21"), ip4("10.0.0.11"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac(dst) + mac(src) + b"\x08\x00" + ip + udp


def outer(tun, payload, src, dst, dport, frag=0, bad_ip_csum=False, udp_csum=0, ulen=None):
    body = tun + payload
    ulen = 8 + len(body) if ulen is None else ulen
    udp = struct.pack("!HHHH", 50000, dport, ulen, udp_csum) + body
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, frag, 64, 17, 0,
                     ip4(src), ip4(dst))
    c = csum(ip) ^ (0x5555 if bad_ip_csum else 0)
    ip = ip[:10] + struct.pack("!H", c) + ip[12:]
    return mac("02:00:00:00:00:aa") + mac("02:00:00:00:00:bb") + b"\x08\x00" + ip + udp


def vxlan(vni, flags=0x08):
    return struct.pack("!B3xI", flags, vni << 8)


def geneve(vni, opts=b"", optlen_words=None, oam=False):
    words = len(opts) // 4 if optlen_words is None else optlen_words
    return struct.pack("!BBHI", words & 0x3F, 0x80 if oam else 0, 0x6558, vni << 8) + opts


def main():
    out, local, remote, vni, src, dst = sys.argv[1:7]
    vni = int(vni)
    i = inner(src, dst)
    opt_crit = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\1\2\3\4"
    cases = [
        ("vxlan_no_vni", outer(vxlan(vni, flags=0), i, remote, local, 4789)),
        ("outer_checksum", outer(vxlan(vni), i, remote, local, 4789, bad_ip_csum=True)),
        ("outer_checksum", outer(vxlan(vni), i, remote, local, 4789, udp_csum=0x1234)),
        ("outer_malformed", outer(vxlan(vni), i, remote, local, 4789, ulen=4)),
        ("inner_malformed", outer(vxlan(vni), i[:10], remote, local, 4789)),
        ("unknown_vni", outer(vxlan(vni + 1), i, remote, local, 4789)),
        ("unknown_vtep", outer(vxlan(vni), i, "192.0.2.99", local, 4789)),
        ("wrong_encap", outer(geneve(vni), i, remote, local, 6081)),
        ("geneve_malformed", outer(geneve(vni, b"", optlen_words=8), i, remote, local, 6081)),
        ("geneve_oam", outer(geneve(vni, oam=True), i, remote, local, 6081)),
        ("inner_src_spoof", outer(vxlan(vni), inner(dst, dst), remote, local, 4789)),
    ]
    # the Geneve critical option and option overflow need a Geneve VPC: only when asked
    if len(sys.argv) > 7 and sys.argv[7] == "geneve":
        cases = [
            ("geneve_critical_option", outer(geneve(vni, opt_crit), i, remote, local, 6081)),
            ("geneve_malformed",
             outer(geneve(vni, struct.pack("!HBB", 0x0102, 0x01, 5) + b"\0" * 4), i, remote,
                   local, 6081)),
            ("geneve_oam", outer(geneve(vni, oam=True), i, remote, local, 6081)),
            ("wrong_encap", outer(vxlan(vni), i, remote, local, 4789)),
        ]
        valid = outer(geneve(vni), i, remote, local, 6081)
    else:
        valid = outer(vxlan(vni), i, remote, local, 4789)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for _, fr in cases + [("delivered", valid)]:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    counts = {}
    for reason, _ in cases:
        counts[reason] = counts.get(reason, 0) + 1
    for reason, n in sorted(counts.items()):
        print(reason, n)


if __name__ == "__main__":
    main()
