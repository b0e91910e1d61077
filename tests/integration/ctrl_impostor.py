#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# A switch that lies: it connects to the controller over TLS with a valid certificate of
# one host and answers hello claiming another. A real vpcswitchd refuses to start that way
# (its certificate must name --host-id), so this is what an attacker on a host would run.
# Prints every message type the controller sent before closing; exits 0 when it was
# disconnected without being sent a sync or txn, 1 if it got one, 2 if never disconnected.
# Usage: ctrl_impostor.py HOST PORT CERT KEY CA CLAIMED_HOST
import json
import socket
import ssl
import struct
import sys

host, port, cert, key, ca, claimed = sys.argv[1:7]
ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.check_hostname = False
s = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=10))
buf, got = b"", []


def frames():
    global buf
    while True:
        while len(buf) >= 12:
            _, t, _, n, xid = struct.unpack("!BBHII", buf[:12])
            if len(buf) < n:
                break
            body, buf = buf[12:n], buf[n:]
            yield t, xid, body
        data = s.recv(65536)
        if not data:
            return
        buf += data


try:
    for t, xid, body in frames():
        got.append(t)
        if t == 0:  # hello: answer as the host we are not
            reply = json.dumps({"version": 1, "versions": [1], "role": "vpcswitchd",
                                "host": claimed}).encode()
            s.sendall(struct.pack("!BBHII", 1, 0, 0, 12 + len(reply), xid) + reply)
except (ConnectionError, ssl.SSLError):
    pass
except socket.timeout:
    print("still connected after 10 s: not refused")
    sys.exit(2)
print("received types:", got)
sys.exit(1 if 13 in got or 4 in got else 0)
