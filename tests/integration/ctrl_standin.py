#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# A controller stand-in for controller_client.sh: listens on TCP, accepts the switch (which
# connects out, as to vpc-controller) and, playing the controller's part of the southbound
# protocol, sends hello, then a sync, a txn, a barrier and a capture_start probe as told,
# or a frame of impossible length. With --tls-*, it is a TLS server that requires the
# switch's certificate, signed by its CA. Everything it sees is written to stdout as one
# JSON object per line ({"what": ..., ...}) for the test to check with jq.
import argparse
import json
import socket
import ssl
import struct
import sys
import time

HELLO, ERROR, ECHO_REQ, TXN, BARRIER_REQ, DUMP_REQ = 0, 1, 2, 4, 6, 8
EVENT, SYNC, CAPTURE_START = 12, 13, 17


def out(what, **kw):
    kw["what"] = what
    kw["t"] = round(time.time(), 3)
    print(json.dumps(kw), flush=True)


def frame(mtype, xid, body=None, length=None):
    data = json.dumps(body).encode() if body is not None else b""
    n = 12 + len(data) if length is None else length
    return struct.pack("!BBHII", 1, mtype, 0, n, xid) + data


class Peer:
    def __init__(self, sock):
        self.s = sock
        self.s.settimeout(20)
        self.buf = b""

    def recv(self):
        """One frame as (type, xid, body), or None once the switch closed."""
        while True:
            if len(self.buf) >= 12:
                _, mtype, _, n, xid = struct.unpack("!BBHII", self.buf[:12])
                if len(self.buf) >= n:
                    body = self.buf[12:n]
                    self.buf = self.buf[n:]
                    return mtype, xid, json.loads(body) if body else {}
            try:
                chunk = self.s.recv(65536)
            except (ConnectionResetError, socket.timeout, ssl.SSLError):
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk

    def reply(self, xid):
        """The reply to xid; events met on the way are written out."""
        while True:
            m = self.recv()
            if m is None:
                return None
            if m[0] == EVENT:
                out("event", body=m[2])
                continue
            if m[1] != xid:
                out("unexpected", type=m[0], xid=m[1], body=m[2])
                continue
            return m

    def call(self, name, mtype, xid, body):
        self.s.sendall(frame(mtype, xid, body))
        m = self.reply(xid)
        if m is None:
            out("closed", by="switch", during=name)
            return None
        out(name, type=m[0], body=m[2])
        return m


def refused_run(p, n):
    """n-1 refused requests, an accepted one (the count starts again), then n refused: the
    switch must answer all of them and close after the last."""
    bad = {"ops": [{"op": "delete", "table": "vpc", "row": {"name": "no-such-vpc"}}]}
    errors = 0
    for i in range(n - 1):
        m = p.call("refused", TXN, 100 + i, bad)
        errors += m is not None and m[0] == ERROR
    m = p.call("echo", ECHO_REQ, 99, {})
    still = m is not None and m[0] == ECHO_REQ + 1
    for i in range(n):
        m = p.call("refused", TXN, 200 + i, bad)
        errors += m is not None and m[0] == ERROR
    p.s.settimeout(3)  # closed at once, or not at all (a timeout is not a close)
    try:
        closed = p.buf == b"" and p.s.recv(1) == b""
    except socket.timeout:
        closed = False
    except (ConnectionResetError, ssl.SSLError):
        closed = True
    out("refused_done", errors=errors, echo_answered=still, closed=closed)


def serve(conn, args):
    p = Peer(conn)
    if p.call("hello", HELLO, 1, {"versions": [1], "events": True}) is None:
        return
    if args.bad_length:
        # a header whose length is shorter than the header: framing is lost
        conn.sendall(struct.pack("!BBHII", 1, BARRIER_REQ, 0, 5, 2))
        m = p.reply(2)
        if m is not None:
            out("bad_length_reply", type=m[0], body=m[2])
        out("closed", by="switch" if p.recv() is None else "us", during="bad_length")
        return
    if args.refused:
        refused_run(p, args.refused)
        return
    if args.state:
        with open(args.state) as f:
            state = json.load(f)
        if p.call("sync", SYNC, 3, {"state": state}) is None:
            return
    if args.txn:
        with open(args.txn) as f:
            ops = json.load(f)
        if p.call("txn", TXN, 4, ops) is None:
            return
    if p.call("barrier", BARRIER_REQ, 5, {}) is None:
        return
    if args.capture_probe and p.call("capture", CAPTURE_START, 6, {"port": "b1"}) is None:
        return
    if args.dump:
        p.s.sendall(frame(DUMP_REQ, 7, {}))
        m = p.reply(7)
        if m is None:
            out("closed", by="switch", during="dump")
            return
        out("dump", type=m[0], size=len(json.dumps(m[2])),
            rows={k: len(v) for k, v in m[2].items() if isinstance(v, list)})
    out("done")
    deadline = time.time() + args.close_after if args.close_after is not None else None
    while deadline is None or time.time() < deadline:
        p.s.settimeout(0.2 if deadline is not None else None)
        try:
            chunk = p.s.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError):
            chunk = b""
        if not chunk:
            out("closed", by="switch", during="idle")
            return
    out("closed", by="us", during="close_after")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    ap.add_argument("--state", help="sync this state document after hello")
    ap.add_argument("--txn", help="then send this txn body ({\"ops\": [...]})")
    ap.add_argument("--capture-probe", action="store_true",
                    help="then send capture_start (no descriptor can come over TCP)")
    ap.add_argument("--bad-length", action="store_true",
                    help="after hello, send a frame of impossible length")
    ap.add_argument("--dump", action="store_true", help="then ask for the whole state")
    ap.add_argument("--refused", type=int, help="after hello, send refused requests (see refused_run)")
    ap.add_argument("--close-after", type=float, help="close the connection after S seconds")
    ap.add_argument("--accepts", type=int, default=1, help="connections to serve, in turn")
    ap.add_argument("--tls-cert", help="serve TLS with this certificate (PEM)...")
    ap.add_argument("--tls-key", help="...its key...")
    ap.add_argument("--tls-ca", help="...and require a client certificate from this CA")
    args = ap.parse_args()

    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        tls.load_verify_locations(args.tls_ca)
        tls.verify_mode = ssl.CERT_REQUIRED

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(4)
    out("listening", port=args.port)
    for _ in range(args.accepts):
        conn, peer = ls.accept()
        out("accepted", peer=f"{peer[0]}:{peer[1]}")
        if tls is not None:
            conn.settimeout(10)
            try:
                conn = tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                out("handshake_failed", error=str(e))
                conn.close()
                continue
            cert = conn.getpeercert()
            cn = [v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"]
            out("tls", version=conn.version(), peer_cn=cn[0] if cn else None)
        serve(conn, args)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
