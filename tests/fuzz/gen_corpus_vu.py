#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Seeds of fuzz_vu_check: a QEMU-like session (features, a memory table inside its file, a
# log base after LOG_SHMFD was offered and set, vring setup) and the attacks the relay must
# refuse (a region beyond its file, a log offset, inflight messages, descriptors on
# GET_FEATURES). Record: kind, n_fds, 8 file sizes, header (request, flags, size), payload.
import os
import struct
import sys

MIB = 1 << 20


def rec(request, payload=b"", n_fds=0, sizes=(4 * MIB,) * 8, kind=0):
    return (bytes([kind, n_fds]) + struct.pack("<8Q", *sizes)
            + struct.pack("<III", request, 1, len(payload)) + payload)


def mem(n, size, offset=0):
    body = struct.pack("<II", n, 0)
    for i in range(n):
        body += struct.pack("<4Q", i * size, size, 0x7f0000000000 + i * size, offset)
    return body


u64 = lambda v: struct.pack("<Q", v)
state = lambda i, n: struct.pack("<II", i, n)
addr = lambda i: struct.pack("<II4Q", i, 0, 0x1000, 0x3000, 0x2000, 0)
session = (rec(3) + rec(1) + rec(15) + rec(16, u64(0b11), kind=1, sizes=(0x1ffff,) + (MIB,) * 7)
           + rec(2, u64(1 << 32)) + rec(5, mem(1, 4 * MIB), 1)
           + b"".join(rec(8, state(i, 256)) + rec(10, state(i, 0)) + rec(9, addr(i))
                      + rec(12, u64(i), 1) + rec(13, u64(i), 1) + rec(18, state(i, 1))
                      for i in range(2)))
seeds = {
    "session": session,
    "mem_oversize": rec(5, mem(1, 8 * MIB), 1),
    "mem_offset": rec(5, mem(2, 2 * MIB, 3 * MIB), 2),
    "log_offset": rec(16, u64(2), kind=1, sizes=(0xffff,) + (MIB,) * 7)
                  + rec(6, struct.pack("<QQ", 4096, 4096), 1),
    "log_oversize": rec(16, u64(2), kind=1, sizes=(0xffff,) + (4096,) * 7)
                    + rec(6, struct.pack("<QQ", MIB, 0), 1),
    "inflight": rec(31, struct.pack("<QQHH", 0, 0, 512, 65535)),
    "fds_on_get": rec(1, b"", 8),
    "nofd_call": rec(13, u64(0x100)),
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus_vu")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
