# SPDX-License-Identifier: BSD-3-Clause
# Frame-building pieces the seed generators of the packet fuzzers share (gen_corpus_ct.py,
# gen_corpus_decap.py): addresses as bytes, the Internet checksum, IPv4 and IPv6 headers.
import ipaddress
import struct


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def addr(s):
    return ipaddress.ip_address(s).packed


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, frag=0x4000):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0,
                      addr(src), addr(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64, addr(src),
                       addr(dst)) + payload
