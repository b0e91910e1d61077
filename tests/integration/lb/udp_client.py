#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The UDP client of the load-balancer test: N datagrams to ADDR:PORT, each from a socket
of its own (so each is a flow of its own); prints, per answer, who answered and from which
address and port, or "none" when no answer came within 2 s."""
import socket
import sys

ADDR, PORT, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(N):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(f"hello {i}".encode(), (ADDR, PORT))
    try:
        data, peer = s.recvfrom(2048)
        print(data.decode(), peer[0], peer[1])
    except socket.timeout:
        print("none")
    s.close()
