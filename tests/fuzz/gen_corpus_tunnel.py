#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seeds of fuzz_tunnel into corpus_tunnel/: what follows the outer UDP header of a
# VXLAN (RFC 7348) or Geneve (RFC 8926) packet, valid ones with and without options plus one
# of each refusal. Run from this directory; the output is checked in.
import os
import struct

ETH = 0x6558
KNOWN = (0x0102, 0x80)  # the one critical option fuzz_tunnel knows
INNER = bytes.fromhex("02000000010102000000020108004500")  # start of an inner frame


def vxlan(vni, flags=0x08, rsvd=b"\0\0\0", rsvd2=0):
    return bytes([flags]) + rsvd + vni.to_bytes(3, "big") + bytes([rsvd2])


def opt(cls, typ, data=b"", rbits=0, words=None):
    n = len(data) // 4 if words is None else words
    return struct.pack("!HBB", cls, typ, rbits << 5 | n) + data


def geneve(vni, opts=b"", version=0, flags=None, proto=ETH, words=None):
    n = len(opts) // 4 if words is None else words
    if flags is None:
        flags = 0x40 if any_critical(opts) else 0
    fixed = struct.pack("!BBH", version << 6 | n, flags, proto) + vni.to_bytes(3, "big") + b"\0"
    return fixed + opts


def any_critical(opts):
    off = 0
    while off + 4 <= len(opts):
        if opts[off + 2] & 0x80:
            return True
        off += 4 + (opts[off + 3] & 0x1f) * 4
    return False


SEEDS = {
    "vxlan_100": vxlan(100) + INNER,
    "vxlan_max_vni": vxlan(0xffffff),
    "vxlan_reserved_set": vxlan(7, flags=0xff, rsvd=b"\xff\xff\xff", rsvd2=0xff) + INNER,
    "vxlan_no_i_flag": vxlan(100, flags=0x00),
    "vxlan_short": vxlan(100)[:7],
    "geneve_bare": geneve(100) + INNER,
    "geneve_opts": geneve(200, opt(0x0001, 0x01, b"\x01\x02\x03\x04") + opt(0xffff, 0x7f))
    + INNER,
    "geneve_known_critical": geneve(300, opt(*KNOWN, b"\xaa" * 8)) + INNER,
    "geneve_unknown_critical": geneve(300, opt(0x0102, 0x81, b"\xaa" * 4)),
    "geneve_critical_c_clear": geneve(300, opt(0x0003, 0xff), flags=0),
    "geneve_max_area": geneve(400, opt(0x0001, 0x01, b"\x11" * 124)
                              + opt(*KNOWN, b"\x22" * 116) + opt(0x0003, 0x03)),
    "geneve_opt_past_area": geneve(500, opt(0x0001, 0x01, words=2) + b"\0" * 4, words=2),
    "geneve_truncated": geneve(600, opt(0x0001, 0x01, b"\0" * 8))[:14],
    "geneve_bad_version": geneve(1, version=1),
    "geneve_oam": geneve(1, flags=0x80),
    "geneve_ipv4": geneve(1, proto=0x0800) + INNER,
}

os.makedirs("corpus_tunnel", exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join("corpus_tunnel", name), "wb") as f:
        f.write(data)
