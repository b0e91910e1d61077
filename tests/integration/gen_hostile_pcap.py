#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Write a pcap of hostile underlay input toward one VTEP: one frame per case, each built
# valid and then broken in one place, and print "reason count" lines: what the switch must
# drop each of them as. The valid frames are written at the end and counted on a
# "delivered N" line; over IPv6, frames the switch must leave to the host kernel (not its
# tunnel traffic: no drop, out through the exception tap) are counted on a "kernel N" line.
# The outer family follows the VTEP addresses: IPv4 or IPv6 (UDP checksum over the IPv6
# pseudo-header; the switch takes a zero one over IPv6 too and checks any other).
# Fragments: the tests' af_packet underlay joins a fanout group with
# PACKET_FANOUT_FLAG_DEFRAG, and the kernel reassembles IPv4 fragments (only: its defrag
# hook ignores every other protocol) before delivery, so no IPv4 fragment here
# (test_dp_tunnel.c checks that drop); an IPv6 first fragment reaches the switch as sent.
#   gen_hostile_pcap.py OUT LOCAL_VTEP REMOTE_VTEP VNI INNER_SRC_MAC INNER_DST_MAC [geneve]
import ipaddress
import struct
import sys

PROTO_HOPOPTS, PROTO_TCP, PROTO_UDP, PROTO_FRAGMENT = 0, 6, 17, 44


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


def ip6(s):
    return ipaddress.IPv6Address(s).packed


def is6(s):
    return ":" in s


def inner(src, dst):
    # an IPv4/UDP frame between two VMs, 60 bytes
    payload = b"hostile!" + b"\0" * 10
    udp = struct.pack("!HHHH", 1234, 5678, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     ip4("10.0.0.21"), ip4("10.0.0.11"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac(dst) + mac(src) + b"\x08\x00" + ip + udp


def eth(ethertype):
    return mac("02:00:00:00:00:aa") + mac("02:00:00:00:00:bb") + struct.pack("!H", ethertype)


def outer4(tun, payload, src, dst, dport, frag=0, bad_ip_csum=False, udp_csum=0, ulen=None):
    body = tun + payload
    ulen = 8 + len(body) if ulen is None else ulen
    udp = struct.pack("!HHHH", 50000, dport, ulen, udp_csum) + body
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, frag, 64, 17, 0,
                     ip4(src), ip4(dst))
    c = csum(ip) ^ (0x5555 if bad_ip_csum else 0)
    ip = ip[:10] + struct.pack("!H", c) + ip[12:]
    return eth(0x0800) + ip + udp


def udp6_csum(src, dst, udp):
    # RFC 8200 section 8.1: pseudo-header of addresses, upper-layer length, next header
    c = csum(ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(udp), PROTO_UDP) + udp)
    return c or 0xFFFF


def outer6(tun, payload, src, dst, dport, udp_csum=True, bad_udp_csum=False, ulen=None,
           plen_extra=0, version=6, ext=b"", first_nh=PROTO_UDP, truncate=None):
    """IPv6 + UDP + tunnel header + payload. udp_csum: True computes it (over all the UDP
    bytes built: a frame whose UDP length says less sends zero instead), False sends zero;
    ext: extension headers between IPv6 and UDP (first_nh names the first of them);
    plen_extra: added to the true payload length; truncate: cut the frame there."""
    body = tun + payload
    ulen = 8 + len(body) if ulen is None else ulen
    udp = struct.pack("!HHHH", 50000, dport, ulen, 0) + body
    if udp_csum:
        c = udp6_csum(src, dst, udp)
        if bad_udp_csum:
            c ^= 0x5555
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    pl = ext + udp
    ip = struct.pack("!IHBB16s16s", version << 28 | 0x12345, len(pl) + plen_extra, first_nh,
                     64, ip6(src), ip6(dst))
    fr = eth(0x86DD) + ip + pl
    return fr if truncate is None else fr[:truncate]


def frag6(offset, more, nh=PROTO_UDP):
    return struct.pack("!BBHI", nh, 0, offset << 3 | (1 if more else 0), 0x0BADF00D)


def hopopts(nh=PROTO_UDP):
    # a hop-by-hop options header holding only padding (PadN): 8 bytes
    return struct.pack("!BBBB4x", nh, 0, 1, 4)


def vxlan(vni, flags=0x08):
    return struct.pack("!B3xI", flags, vni << 8)


def geneve(vni, opts=b"", optlen_words=None, oam=False, proto=0x6558, version=0):
    words = len(opts) // 4 if optlen_words is None else optlen_words
    return struct.pack("!BBHI", version << 6 | (words & 0x3F), 0x80 if oam else 0, proto,
                       vni << 8) + opts


def cases4(local, remote, vni, src, dst, geneve_vpc):
    i = inner(src, dst)
    outer = outer4
    if geneve_vpc:
        # the Geneve critical option and option overflow need a Geneve VPC
        opt_crit = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\1\2\3\4"
        return [
            ("geneve_critical_option", outer(geneve(vni, opt_crit), i, remote, local, 6081)),
            ("geneve_malformed",
             outer(geneve(vni, struct.pack("!HBB", 0x0102, 0x01, 5) + b"\0" * 4), i, remote,
                   local, 6081)),
            ("geneve_oam", outer(geneve(vni, oam=True), i, remote, local, 6081)),
            ("wrong_encap", outer(vxlan(vni), i, remote, local, 4789)),
        ], [outer(geneve(vni), i, remote, local, 6081)], []
    return [
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
    ], [outer(vxlan(vni), i, remote, local, 4789)], []


def cases6(local, remote, vni, src, dst, geneve_vpc):
    """The IPv4 list over IPv6, with the checks of check_ip6 in dp_underlay.c: no header
    checksum; payload length and UDP length against each other and the frame; the version
    nibble; a first fragment in front of a tunnel port's UDP header. Both VPC kinds get
    the outer checks, in their own encapsulation."""
    i = inner(src, dst)
    stranger = str(ipaddress.IPv6Address(remote) + 0x77)  # same prefix, not a VTEP
    if geneve_vpc:
        opt_crit = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\1\2\3\4"
        good, port = geneve(vni), 6081
        other, oport = vxlan(vni), 4789
        own = [
            ("geneve_critical_option", outer6(geneve(vni, opt_crit), i, remote, local, 6081)),
            # an option claiming 5 words of data with 1 there
            ("geneve_malformed",
             outer6(geneve(vni, struct.pack("!HBB", 0x0102, 0x01, 5) + b"\0" * 4), i, remote,
                    local, 6081)),
            ("geneve_malformed", outer6(geneve(vni, version=1), i, remote, local, 6081)),
            ("geneve_oam", outer6(geneve(vni, oam=True), i, remote, local, 6081)),
            ("geneve_not_ethernet", outer6(geneve(vni, proto=0x0800), i, remote, local, 6081)),
        ]
    else:
        good, port = vxlan(vni), 4789
        other, oport = geneve(vni), 6081
        own = [
            ("vxlan_no_vni", outer6(vxlan(vni, flags=0), i, remote, local, 4789)),
            # Opt Len 8 words walks into the inner frame's bytes and overflows there
            ("geneve_malformed",
             outer6(geneve(vni, b"", optlen_words=8), i, remote, local, 6081)),
            ("geneve_oam", outer6(geneve(vni, oam=True), i, remote, local, 6081)),
            # UDP length leaves 4 bytes of the 8-byte VXLAN header
            ("outer_malformed",
             outer6(vxlan(vni), b"", remote, local, 4789, ulen=12, udp_csum=False)),
        ]
    drops = own + [
        ("wrong_encap", outer6(other, i, remote, local, oport)),
        ("unknown_vni", outer6(good[:4] + struct.pack("!I", (vni + 1) << 8), i, remote, local,
                               port)),
        ("unknown_vtep", outer6(good, i, stranger, local, port)),
        # a wrong non-zero UDP checksum; and a zero-checksum frame from the stranger is still
        # a stranger's
        ("outer_checksum", outer6(good, i, remote, local, port, bad_udp_csum=True)),
        ("unknown_vtep", outer6(good, i, stranger, local, port, udp_csum=False)),
        # UDP length: below its own header; beyond the IPv6 payload length
        ("outer_malformed", outer6(good, i, remote, local, port, ulen=4)),
        ("outer_malformed", outer6(good, i, remote, local, port, ulen=8 + len(good + i) + 8)),
        # IPv6 payload length beyond the frame; below a UDP header
        ("outer_malformed", outer6(good, i, remote, local, port, plen_extra=16)),
        ("outer_malformed", outer6(good, i, remote, local, port, ulen=4, plen_extra=-(
            8 + len(good + i) - 4))),
        # EtherType IPv6 with another version in the header
        ("outer_malformed", outer6(good, i, remote, local, port, version=4)),
        # the first fragment of a tunnel packet: never reassembled
        ("outer_fragment", outer6(good, i, remote, local, port, ext=frag6(0, True),
                                  first_nh=PROTO_FRAGMENT)),
        # the UDP length leaves no room for an inner Ethernet header; a truncated inner frame
        ("inner_malformed", outer6(good, i[:10], remote, local, port)),
        ("inner_malformed",
         outer6(good, i, remote, local, port, ulen=8 + len(good) + 6, udp_csum=False)),
        # an inner source that is not a VM of the sending VTEP (the local VM itself)
        ("inner_src_spoof", outer6(good, inner(dst, dst), remote, local, port)),
    ]
    # the host kernel's, not the switch's tunnel traffic: no drop
    kernel = [
        # a later fragment (no UDP header in it to say it is tunnel traffic)
        outer6(good, i, remote, local, port, ext=frag6(8, False), first_nh=PROTO_FRAGMENT),
        # a first fragment of something other than UDP
        outer6(good, i, remote, local, port, ext=frag6(0, True, nh=PROTO_TCP),
               first_nh=PROTO_FRAGMENT),
        # an extension header other than a fragment header in front of UDP
        outer6(good, i, remote, local, port, ext=hopopts(), first_nh=PROTO_HOPOPTS),
        # runts: the IPv6 header cut short; the UDP header cut short (the switch's own
        # runt drop, a frame shorter than an Ethernet header, cannot be sent: AF_PACKET
        # refuses to send one with EINVAL)
        outer6(good, i, remote, local, port, truncate=14 + 30),
        outer6(good, i, remote, local, port, truncate=14 + 40 + 4),
        # a tunnel port's UDP header after a fragment header cut short
        outer6(good, i, remote, local, port, ext=frag6(0, True), first_nh=PROTO_FRAGMENT,
               truncate=14 + 40 + 8 + 4),
    ]
    valid = [
        outer6(good, i, remote, local, port),
        outer6(good, i, remote, local, port, udp_csum=False),
        # padded on the wire beyond the payload length: the padding is not the VM's
        outer6(good, i, remote, local, port) + b"\0" * 8,
    ]
    return drops, valid, kernel


def main():
    out, local, remote, vni, src, dst = sys.argv[1:7]
    vni = int(vni)
    geneve_vpc = len(sys.argv) > 7 and sys.argv[7] == "geneve"
    if is6(local) != is6(remote):
        sys.exit("LOCAL_VTEP and REMOTE_VTEP must be of one family")
    gen = cases6 if is6(local) else cases4
    cases, valid, kernel = gen(local, remote, vni, src, dst, geneve_vpc)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for fr in [fr for _, fr in cases] + kernel + valid:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    counts = {}
    for reason, _ in cases:
        counts[reason] = counts.get(reason, 0) + 1
    for reason, n in sorted(counts.items()):
        print(reason, n)
    print("delivered", len(valid))
    if kernel:
        print("kernel", len(kernel))


if __name__ == "__main__":
    main()
