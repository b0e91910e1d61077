#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A backend of the load-balancer test: answers every line with its own name and the line,
so a client knows which backend each of its connections landed on."""
import socket
import sys
import threading

NAME, PORT = sys.argv[1], int(sys.argv[2])


def serve(conn):
    with conn:
        try:
            for line in conn.makefile('rb'):
                conn.sendall(f"{NAME} {line.decode().strip()}\n".encode())
        except OSError:
            pass  # a reset (the switch's health checks close that way)


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('0.0.0.0', PORT))
srv.listen(128)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
