#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Opens N connections to VIP:PORT and prints (JSON) the backend each landed on; after a line
on stdin, talks on each again and prints [first backend, backend now, or reset, timeout, error, closed]:
whether established connections survived a change."""
import json
import socket
import sys

vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = []
for i in range(n):
    c = socket.create_connection((vip, port), timeout=3)
    c.sendall(b"hello\n")
    f = c.makefile('rb')
    conns.append((c, f.readline().decode().split()[0], f))
print(json.dumps([name for _, name, _ in conns]), flush=True)
sys.stdin.readline()
out = []
for c, name, f in conns:
    try:
        c.sendall(b"again\n")
        line = f.readline().decode().split()
        out.append([name, line[0] if line else "closed"])
    except ConnectionResetError:
        out.append([name, "reset"])
    except socket.timeout:
        out.append([name, "timeout"])
    except OSError:
        out.append([name, "error"])
print(json.dumps(out), flush=True)
