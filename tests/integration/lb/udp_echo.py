#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A UDP backend of the load-balancer test: answers every datagram with its own name."""
import socket
import sys

NAME, PORT = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', PORT))
while True:
    _, peer = s.recvfrom(2048)
    s.sendto(NAME.encode(), peer)
