#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seed frames of fuzz_sb into corpus/: southbound frames (12-byte header: version,
# type, flags, length, xid, big endian; then a JSON body) a controller plausibly sends, plus
# a few broken ones. Run from this directory; the output is checked in.
import json
import os
import struct

HELLO, ECHO_REQUEST, TXN, BARRIER_REQUEST, DUMP_REQUEST, STATS_REQUEST, SYNC = 0, 2, 4, 6, 8, 10, 13


def frame(typ, xid, body=None, version=1, flags=0, length=None):
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    n = 12 + len(data) if length is None else length
    return struct.pack("!BBHII", version, typ, flags, n, xid) + data


VPC = {"name": "green", "vni": 300}
SUBNET = {"vpc": "green", "cidr": "192.168.0.0/24", "gateway": "192.168.0.1",
          "gateway_mac": "02:00:00:00:00:03"}
SUBNET6 = {"vpc": "green", "cidr": "fd00:3::/64", "gateway": "fd00:3::1",
           "gateway_mac": "02:00:00:00:00:03"}
PORT = {"name": "vm3", "vpc": "green", "mac": "02:00:00:00:03:01",
        "ips": ["192.168.0.5", "fd00:3::5"], "mode": "server", "queues": 2}
STATE = {"vpcs": [{"name": "blue", "vni": 100}, VPC],
         "subnets": [{"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                      "gateway_mac": "02:00:00:00:00:01"}, SUBNET, SUBNET6],
         "ports": [{"name": "vm1", "vpc": "blue", "mac": "02:00:00:00:01:01",
                    "ips": ["10.0.0.10"], "socket": "/run/vpcsw/vm1.sock"}, PORT]}


def ops(*items):
    return {"ops": [{"op": o, "table": t, "row": r} for o, t, r in items]}


SEEDS = {
    "hello": frame(HELLO, 1, {"versions": [1], "role": "controller", "events": True}),
    "echo_empty": frame(ECHO_REQUEST, 2),
    "barrier": frame(BARRIER_REQUEST, 3, {}),
    "dump": frame(DUMP_REQUEST, 4, {"table": "ports"}),
    "stats": frame(STATS_REQUEST, 5, {"kind": "ports", "port": "vm1"}),
    "txn_insert": frame(TXN, 6, ops(("insert", "vpc", VPC), ("insert", "subnet", SUBNET),
                                    ("insert", "subnet", SUBNET6), ("insert", "port", PORT))),
    "txn_modify": frame(TXN, 7, ops(("modify", "vpc", {"name": "blue", "vni": 101}),
                                    ("modify", "subnet", {"vpc": "blue", "cidr": "10.0.0.0/24",
                                                          "gateway": "10.0.0.254",
                                                          "gateway_mac": "02:00:00:00:00:01"}),
                                    ("modify", "port", {"name": "vm1", "vpc": "blue",
                                                        "mac": "02:00:00:00:01:09",
                                                        "ips": ["10.0.0.11"]}))),
    "txn_delete": frame(TXN, 8, ops(("delete", "port", {"name": "vm1"}),
                                    ("delete", "subnet", {"vpc": "blue", "cidr": "fd00:1::/64"}),
                                    ("delete", "subnet", {"vpc": "blue", "cidr": "10.0.0.0/24"}),
                                    ("delete", "vpc", {"name": "blue"}))),
    "txn_refused": frame(TXN, 9, ops(("insert", "port", {"name": "vmx", "vpc": "blue",
                                                         "mac": "01:00:00:00:00:01",
                                                         "bogus": 1}),
                                     ("delete", "vpc", {"name": "blue"}),
                                     ("upsert", "vpc", VPC))),
    "sync": frame(SYNC, 10, {"state": STATE}),
    "sync_bad_row": frame(SYNC, 11, {"state": {"vpcs": [VPC], "ports": [PORT]}}),
    "two_frames": frame(ECHO_REQUEST, 12, {}) + frame(TXN, 13, ops(("insert", "vpc", VPC))),
    "partial_body": frame(TXN, 14, {"ops": []})[:-3],
    "bad_length": frame(TXN, 15, length=4),
    "bad_json": frame(TXN, 16, b'{"ops": [}'),
    "nul_body": frame(TXN, 17, b'{"a":\x00}'),
    "not_object": frame(TXN, 18, b'[1, 2]'),
    "bad_version": frame(TXN, 19, {}, version=9, flags=1),
}

os.makedirs("corpus", exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join("corpus", name), "wb") as f:
        f.write(data)
