#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seeds of fuzz_ct into corpus_ct/: sequences of frames from the two VM ports of
# the snapshot fuzz_ct.c publishes (keep the addresses in step with it), each record a
# control byte, a 2-byte big-endian length and the frame, with the control thread's turns
# (aging, rebuilds, flushing a port) in the control bytes. See fuzz_ct.c for the format.
# Run from this directory; the output is checked in.
import os
import struct

from corpus_frames import addr, ipv4, ipv6, mac

A, B = 0, 1
MAC = {A: "02:00:00:00:00:0a", B: "02:00:00:00:00:14"}
IP4 = {A: "10.0.0.10", B: "10.0.0.20"}
IP6 = {A: "fd00::a", B: "fd00::14"}
GW_MAC = "02:00:00:00:00:01"

# control byte (see fuzz_ct.c)
FIX_SRC, JOIN = 0x02, 0x04
OP_AGE, OP_REBUILD, OP_KEEP = 1 << 3, 2 << 3, 3 << 3
B_STANDARD, B_ALT, B_REVOKED, A_LIMIT = 0, 1, 2, 4

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def eth(src, dst, etype, payload):
    return mac(MAC.get(dst, dst) if isinstance(dst, int) else dst) + mac(MAC[src]) + \
        struct.pack("!H", etype) + payload


def tcp(sport, dport, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 0x50, flags, 1024, 0, 0) + data


def udp(sport, dport, data=b"\0" * 8):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp(typ, code, rest=b"\0" * 4, data=b""):
    return struct.pack("!BBH", typ, code, 0) + rest + data


def echo(typ, ident, seq=1):
    return icmp(typ, 0, struct.pack("!HH", ident, seq), b"\xab" * 8)


def v4(src, dst, proto, l4, frag=0x4000):
    return eth(src, dst, 0x0800, ipv4(IP4[src], IP4[dst], proto, l4, frag))


def v6(src, dst, nh, l4):
    return eth(src, dst, 0x86DD, ipv6(IP6[src], IP6[dst], nh, l4))


def ext(nh, size=8, kind="pad"):
    """One IPv6 options/routing header of size bytes (a multiple of 8) before nh."""
    body = bytes([1, size - 4]) + bytes(size - 4) if kind == "pad" else bytes(size - 2)
    return bytes([nh, size // 8 - 1]) + body[:size - 2]


def frag_hdr(nh, offset=0, more=True):
    return struct.pack("!BBHI", nh, 0, offset << 3 | int(more), 0x1234)


def rec(port, frame, ctl=0):
    return bytes([ctl | port]) + struct.pack("!H", len(frame)) + frame


def op(ctl, port=A):
    """A control-thread turn before a runt frame (dropped as runt, so it changes nothing)."""
    return rec(port, b"", ctl)


def age(seconds):
    """Advance the clock 1-8 s and age: the whole table after an odd number of seconds,
    64 slots after an even one."""
    return op(OP_AGE | (seconds - 1) << 5)


def rebuild(variant, limit=False):
    return op(OP_REBUILD | (variant | (A_LIMIT if limit else 0)) << 5)


def handshake4(sport, dport=80, a=A, b=B):
    return (rec(a, v4(a, b, 6, tcp(sport, dport, SYN))) +
            rec(b, v4(b, a, 6, tcp(dport, sport, SYN | ACK))) +
            rec(a, v4(a, b, 6, tcp(sport, dport, ACK))))


def quote4(src, dst, proto, l4):
    return ipv4(IP4[src], IP4[dst], proto, l4)[:28]


def quote6(src, dst, nh, l4):
    return ipv6(IP6[src], IP6[dst], nh, l4)[:48]


SEEDS = {}

# a whole TCP life, then a reopening on the same tuple after TIME_WAIT
SEEDS["tcp4_life"] = (
    handshake4(1000) +
    rec(A, v4(A, B, 6, tcp(1000, 80, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n"))) +
    rec(B, v4(B, A, 6, tcp(80, 1000, PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\n"))) +
    rec(A, v4(A, B, 6, tcp(1000, 80, FIN | ACK))) +
    rec(B, v4(B, A, 6, tcp(80, 1000, FIN | ACK))) +
    rec(A, v4(A, B, 6, tcp(1000, 80, ACK))) +
    rec(A, v4(A, B, 6, tcp(1000, 80, SYN))) +
    rec(B, v4(B, A, 6, tcp(80, 1000, RST | ACK))) +
    rec(B, v4(B, A, 6, tcp(80, 1000, SYN))) +
    rec(A, v4(A, B, 6, tcp(1000, 80, SYN))))

# invalid in their state, and denied by the groups
SEEDS["tcp4_invalid_and_denied"] = (
    rec(A, v4(A, B, 6, tcp(1001, 80, ACK))) +
    rec(A, v4(A, B, 6, tcp(1001, 80, SYN | FIN))) +
    rec(A, v4(A, B, 6, tcp(1001, 81, SYN))) +
    rec(B, v4(B, A, 6, tcp(1001, 22, SYN))) +
    rec(A, v4(A, B, 6, tcp(1002, 80, SYN))) +
    rec(A, v4(A, B, 6, tcp(1002, 80, ACK))) +
    rec(A, v4(A, B, 6, tcp(1002, 80, SYN | ACK))) +
    rec(B, v4(B, A, 6, tcp(80, 1002, 0))))

# B opens to A's 443 (B's egress, A's ingress), A replies
SEEDS["tcp4_b_to_a_443"] = handshake4(40000, 443, B, A) + rec(
    A, v4(A, B, 6, tcp(443, 40000, FIN | ACK)))

# a connection's packets in one burst, and a burst of SYNs filling the table
SEEDS["tcp4_burst"] = (
    rec(A, v4(A, B, 6, tcp(2000, 80, SYN))) +
    rec(A, v4(A, B, 6, tcp(2000, 80, SYN)), JOIN) +
    rec(A, v4(A, B, 6, tcp(2000, 80, ACK)), JOIN) +
    b"".join(rec(A, v4(A, B, 6, tcp(2001 + i, 80, SYN)), JOIN) for i in range(20)))

SEEDS["table_full_then_aging"] = (
    b"".join(rec(A, v4(A, B, 6, tcp(3000 + i, 80, SYN)), JOIN if i % 8 else 0)
             for i in range(18)) +
    age(1) + rec(A, v4(A, B, 6, tcp(4000, 80, SYN))) +
    age(2) + age(5) + rec(A, v4(A, B, 6, tcp(4001, 80, SYN))))

SEEDS["port_limit"] = (
    rebuild(B_STANDARD, True) +
    b"".join(rec(A, v4(A, B, 17, udp(5000 + i, 53))) for i in range(6)) +
    rec(B, v4(B, A, 17, udp(53, 5000))) +
    rebuild(B_STANDARD))

# revalidation: revoked, restored, another allowing rule, a build keeping the flows
SEEDS["revalidation"] = (
    handshake4(1000) + rec(A, v4(A, B, 17, udp(5353, 53))) +
    op(OP_KEEP) + rec(A, v4(A, B, 6, tcp(1000, 80, ACK))) +
    rebuild(B_ALT) + rec(B, v4(B, A, 6, tcp(80, 1000, ACK))) +
    rec(A, v4(A, B, 6, tcp(1000, 80, ACK))) +
    rebuild(B_REVOKED) + rec(A, v4(A, B, 6, tcp(1000, 80, ACK))) +
    rec(B, v4(B, A, 17, udp(53, 5353))) + rec(B, v4(B, A, 6, tcp(80, 1000, ACK))) +
    rebuild(B_STANDARD) + rec(A, v4(A, B, 6, tcp(1000, 80, ACK))) +
    age(1) + rec(A, v4(A, B, 6, tcp(1000, 80, SYN))))

SEEDS["aging_steps"] = (
    rec(A, v4(A, B, 6, tcp(1000, 80, SYN))) + rec(A, v4(A, B, 17, udp(5000, 53))) +
    rec(A, v4(A, B, 1, echo(8, 7))) + age(2) + age(3) +
    rec(B, v4(B, A, 6, tcp(80, 1000, SYN | ACK))) + age(3) +
    rec(B, v4(B, A, 17, udp(53, 5000))) + rec(B, v4(B, A, 1, echo(0, 7))))

SEEDS["flush_port"] = (
    handshake4(1000) + rec(A, v4(A, B, 17, udp(5000, 53))) +
    op(OP_KEEP | (4 + B) << 5) + rec(A, v4(A, B, 6, tcp(1000, 80, ACK))) +
    handshake4(1001) + op(OP_KEEP | (4 + A) << 5))

# UDP with a reply and the ICMP errors about it: related, forged, untracked
SEEDS["udp_icmp_errors"] = (
    rec(A, v4(A, B, 17, udp(5000, 53))) +
    rec(B, v4(B, A, 1, icmp(3, 3, data=quote4(A, B, 17, udp(5000, 53))))) +
    rec(B, v4(B, A, 1, icmp(3, 3, data=quote4(B, A, 17, udp(53, 5000))))) +
    rec(B, v4(B, A, 1, icmp(11, 0, data=quote4(A, B, 17, udp(5001, 53))))) +
    rec(A, v4(A, B, 1, icmp(3, 1, data=quote4(B, A, 17, udp(53, 6000))))) +
    rec(B, v4(B, A, 17, udp(53, 5000))) +
    rec(B, v4(B, A, 1, icmp(3, 4, struct.pack("!HH", 0, 1400),
                            quote4(A, B, 6, tcp(1000, 80, ACK))))))

# echo both ways, identifier 0 and not, and an error quoting an echo request
SEEDS["icmp_echo"] = (
    rec(A, v4(A, B, 1, echo(8, 0x1234))) + rec(B, v4(B, A, 1, echo(0, 0x1234))) +
    rec(A, v4(A, B, 1, echo(8, 0))) + rec(B, v4(B, A, 1, echo(0, 0))) +
    rec(B, v4(B, A, 1, echo(0, 0x9999))) + rec(B, v4(B, A, 1, echo(8, 1))) +
    rec(B, v4(B, A, 1, icmp(3, 1, data=quote4(A, B, 1, echo(8, 0x1234))))) +
    rec(A, v6(A, B, 58, echo(128, 0x4321))) + rec(B, v6(B, A, 58, echo(129, 0x4321))))

# IPv6: TCP through extension headers, errors, neighbour discovery, fragments
SEEDS["ipv6_ext_headers"] = (
    rec(A, v6(A, B, 6, tcp(1000, 80, SYN))) +
    rec(B, v6(B, A, 6, tcp(80, 1000, SYN | ACK))) +
    rec(A, v6(A, B, 0, ext(6) + tcp(1000, 80, ACK))) +
    rec(A, v6(A, B, 0, ext(60) + ext(43, 16, "rt") + ext(6, 24) + tcp(1000, 80, ACK))) +
    rec(A, v6(A, B, 44, frag_hdr(6) + tcp(1000, 80, ACK))) +
    rec(A, v6(A, B, 0, ext(44) + frag_hdr(6, 0, False) + tcp(1000, 80, ACK))) +
    rec(A, v6(A, B, 0, b"".join(ext(0) for _ in range(8)) + ext(6) + tcp(1000, 80, ACK))) +
    rec(A, v6(A, B, 60, ext(6, 16)[:10])) +
    rec(A, v6(A, B, 17, udp(5000, 53))) +
    rec(B, v6(B, A, 58, icmp(1, 4, data=quote6(A, B, 17, udp(5000, 53))))) +
    rec(B, v6(B, A, 58, icmp(2, 0, struct.pack("!I", 1280),
                             quote6(A, B, 6, tcp(1000, 80, ACK))))) +
    rec(A, v6(A, B, 58, icmp(135, 0, data=addr(IP6[B]) + b"\x01\x01" + mac(MAC[A])))) +
    rec(B, v6(B, A, 58, icmp(136, 0, b"\x60\0\0\0", addr(IP6[B])))))

# IPv4 fragments of a tracked flow, a truncated TCP header, options, other protocols
SEEDS["ipv4_fragments_and_truncation"] = (
    handshake4(1000) +
    rec(A, v4(A, B, 6, tcp(1000, 80, ACK), 0x2000)) +
    rec(A, v4(A, B, 6, tcp(1000, 80, ACK), 0x00b9)) +
    rec(A, v4(A, B, 6, tcp(1000, 80, ACK)[:12])) +
    rec(A, eth(A, B, 0x0800, ipv4(IP4[A], IP4[B], 6, tcp(1000, 80, ACK))[:30])) +
    rec(A, v4(A, B, 47, b"\0\0\x65\x58" + bytes(16))) +
    rec(B, v4(B, A, 47, b"\0\0\x65\x58" + bytes(16))) +
    rec(A, v4(A, B, 17, udp(1000, 80))) +
    rec(A, v4(A, B, 132, tcp(1000, 80, ACK))))

# what the flow stage sees besides: ARP, the gateway, broadcast, another's MAC, sources fixed
SEEDS["arp_gateway_and_fixups"] = (
    rec(A, eth(A, "ff:ff:ff:ff:ff:ff", 0x0806,
               struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac(MAC[A]), addr(IP4[A]),
                           bytes(6), addr(IP4[B])))) +
    rec(A, eth(A, GW_MAC, 0x0800, ipv4(IP4[A], "8.8.8.8", 17, udp(1000, 53)))) +
    rec(A, eth(A, "ff:ff:ff:ff:ff:ff", 0x0800, ipv4(IP4[A], "10.0.0.255", 17, udp(1, 2)))) +
    rec(A, eth(B, B, 0x0800, ipv4(IP4[B], IP4[B], 6, tcp(1, 80, SYN))), FIX_SRC) +
    rec(B, eth(B, A, 0x86DD, ipv6("fd00::99", IP6[A], 6, tcp(443, 1, SYN))), FIX_SRC))

# the load balancer (VIP 10.0.0.100 tcp/80 over A and B at 8080): A opens connections, both
# possible backends answer, then A is taken out (its connections get resets) and aging
VIP = "10.0.0.100"


def to_vip(src, sport, flags):
    return rec(src, eth(src, GW_MAC, 0x0800, ipv4(IP4[src], VIP, 6, tcp(sport, 80, flags))))


def from_backend(b, client, sport, flags):
    return rec(b, v4(b, client, 6, tcp(8080, sport, flags)))


SEEDS["load_balancer"] = (
    to_vip(A, 3000, SYN) + to_vip(A, 3001, SYN) + to_vip(B, 3002, SYN) +
    from_backend(B, A, 3000, SYN | ACK) + from_backend(A, A, 3001, SYN | ACK) +
    to_vip(A, 3000, ACK) + rebuild(B_REVOKED) + to_vip(A, 3000, ACK | PSH) +
    to_vip(A, 3001, ACK) + from_backend(A, B, 3002, ACK) + age(8) + to_vip(A, 3003, SYN))

os.makedirs("corpus_ct", exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join("corpus_ct", name), "wb") as f:
        f.write(data)
