#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Seeds of fuzz_ctrl_sb: what a switch sends the controller after the harness's hello reply
# (first byte odd): the replies to the sync (xid 2), a txn (3) and its barrier (4), errors in
# their place, events, an echo reply, requests a controller does not serve, broken frames.
import json
import os
import struct
import sys

HELLO, ERROR, ECHO_REP, TXN_REP, BARRIER_REP, EVENT, SYNC_REP = 0, 1, 3, 5, 7, 12, 14


def frame(t, xid, body=None, version=1, length=None):
    b = b"" if body is None else json.dumps(body).encode()
    n = 12 + len(b) if length is None else length
    return struct.pack("!BBHII", version, t, 0, n, xid) + b


sync_ok = frame(SYNC_REP, 2, {t: {"added": 1, "removed": 0, "unchanged": 0}
                              for t in ("vpc", "subnet", "port", "remote")})
err = lambda xid, m: frame(ERROR, xid, {"code": "invalid", "message": m, "request": "txn"})
seeds = {
    "session": b"\x03" + sync_ok + frame(TXN_REP, 3, {"applied": 1}) + frame(BARRIER_REP, 4),
    "sync_refused": b"\x01" + err(2, "ops[0]: port.socket: outside --vhost-dir"),
    "txn_refused": b"\x03" + sync_ok + err(3, "ops[1]: remote.vtep: bad") + frame(BARRIER_REP, 4)
                   + frame(SYNC_REP, 5, {}),
    "events": b"\x01" + sync_ok + frame(EVENT, 0, {"event": "port_status", "port": "vm1",
                                                   "link": "up"})
              + frame(EVENT, 0, {"event": "lb_backend_status", "vpc": "blue"}),
    "echo": b"\x05" + sync_ok + frame(ECHO_REP, 7, {}),
    "requests": b"\x01" + frame(4, 9, {"ops": []}) * 6,
    "no_hello": b"\x00" + frame(SYNC_REP, 2, {}),
    "hello_other_host": b"\x00" + frame(HELLO, 1, {"version": 1, "role": "vpcswitchd",
                                                   "host": "h2"}) + frame(SYNC_REP, 2, {}),
    "bad_length": b"\x01" + frame(SYNC_REP, 2, {}, length=5),
    "bad_json": b"\x01" + struct.pack("!BBHII", 1, SYNC_REP, 0, 15, 2) + b"{x}",
    "bad_version": b"\x01" + frame(SYNC_REP, 2, {}, version=9),
    "split": b"\x07" + sync_ok * 2,
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus_ctrl_sb")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
