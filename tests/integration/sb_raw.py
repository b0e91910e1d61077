#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Protocol-level checks of the management socket, below what vpcctl can send: raw frames
# with wrong versions, impossible lengths, garbage bodies, messages before hello, and
# transactions that fail half-way. After each bad input the switch must answer with an
# error naming the request's xid, and its state (a full dump) must be exactly as before.
import json
import socket
import struct
import sys
import time

HELLO, ERROR, ECHO_REQ, ECHO_REP, TXN, TXN_REP = 0, 1, 2, 3, 4, 5
BARRIER_REQ, BARRIER_REP, DUMP_REQ, DUMP_REP, SYNC = 6, 7, 8, 9, 13

passed = failed = 0


def check(what, cond):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"FAIL - {what}")


def frame(mtype, xid, body=b"", version=1, length=None, flags=0):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    n = 12 + len(body) if length is None else length
    return struct.pack("!BBHII", version, mtype, flags, n, xid) + body


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv(self):
        """One frame as (type, xid, body dict), or None when the switch closed."""
        while True:
            if len(self.buf) >= 12:
                version, mtype, flags, n, xid = struct.unpack("!BBHII", self.buf[:12])
                if len(self.buf) >= n:
                    body = self.buf[12:n]
                    self.buf = self.buf[n:]
                    return mtype, xid, json.loads(body) if body else {}
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def call(self, mtype, xid, body=b""):
        self.send(frame(mtype, xid, body))
        return self.recv()

    def hello(self):
        return self.call(HELLO, 1, {"versions": [1]})


def dump(path):
    c = Conn(path)
    c.hello()
    t, _, body = c.call(DUMP_REQ, 2, {})
    c.s.close()
    return body


def main(path):
    before = dump(path)

    c = Conn(path)
    t, xid, body = c.call(TXN, 7, {"ops": []})
    check("a request before hello gets hello_required with its xid",
          t == ERROR and xid == 7 and body.get("code") == "hello_required")

    t, xid, body = c.call(HELLO, 8, {"versions": [99, 100]})
    check("hello with no common version gets bad_version",
          t == ERROR and xid == 8 and body.get("code") == "bad_version")
    check("and the switch closes that connection", c.recv() is None)

    c = Conn(path)
    t, xid, body = c.hello()
    check("hello negotiates version 1", t == HELLO and body.get("version") == 1)

    t, xid, body = c.call(ECHO_REQ, 9, {"nonce": 42})
    check("echo returns its body", t == ECHO_REP and xid == 9 and body == {"nonce": 42})

    c.send(frame(DUMP_REQ, 10, {}, version=2))
    t, xid, body = c.recv()
    check("a frame with the wrong header version gets bad_version",
          t == ERROR and xid == 10 and body.get("code") == "bad_version")

    c.send(frame(TXN, 11, b'{"ops": [ {"op": "insert", '))
    t, xid, body = c.recv()
    check("truncated JSON body gets bad_request naming the byte",
          t == ERROR and xid == 11 and body.get("code") == "bad_request"
          and "invalid JSON" in body.get("message", ""))

    t, xid, body = c.call(TXN, 12, b"[1, 2]")
    check("a body that is not an object gets bad_request", t == ERROR and xid == 12)

    t, xid, body = c.call(77, 13, {})
    check("an unknown message type gets bad_type", t == ERROR and body.get("code") == "bad_type")

    c.send(frame(TXN, 14, {}, flags=1))
    t, xid, body = c.recv()
    check("non-zero header flags rejected", t == ERROR and xid == 14)

    # a transaction whose third op is bad applies nothing of the first two
    ops = [
        {"op": "insert", "table": "vpc", "row": {"name": "tmp", "vni": 4000}},
        {"op": "insert", "table": "subnet", "row": {"vpc": "tmp", "cidr": "10.9.0.0/24",
                                                     "gateway": "10.9.0.1",
                                                     "gateway_mac": "02:00:00:00:09:01"}},
        {"op": "insert", "table": "port", "row": {"name": "tmp1", "vpc": "tmp",
                                                   "mac": "52:54:00:00:09:01",
                                                   "ips": ["10.8.0.5"]}},
    ]
    t, xid, body = c.call(TXN, 15, {"ops": ops})
    check("a transaction failing at ops[2] is refused naming it",
          t == ERROR and xid == 15 and body.get("message", "").startswith("ops[2]")
          and "outside every subnet" in body.get("message", ""))
    check("and nothing of ops[0..1] was applied", dump(path) == before)

    t, xid, body = c.call(TXN, 16, {"ops": [{"op": "upsert", "table": "vpc", "row": {}}]})
    check("an unknown op is refused", t == ERROR and "upsert" in body.get("message", ""))

    t, xid, body = c.call(TXN, 17, {"ops": [{"op": "insert", "table": "vpc",
                                             "row": {"name": "x", "vni": 5, "color": "red"}}]})
    check("an unknown row member is refused naming it",
          t == ERROR and "vpc.color" in body.get("message", ""))

    t, xid, body = c.call(SYNC, 18, {"state": {"vpcs": [{"name": "a", "vni": 1},
                                                        {"name": "b", "vni": 1}]}})
    check("a sync with duplicate VNIs is refused naming vpcs[1]",
          t == ERROR and body.get("message", "").startswith("vpcs[1]"))
    check("and the state is unchanged", dump(path) == before)

    t, xid, body = c.call(BARRIER_REQ, 19)
    check("barrier answered after everything before it", t == BARRIER_REP and xid == 19)

    # a length field shorter than the header: framing is lost, the switch says so and closes
    c.send(frame(ECHO_REQ, 20, b"", length=5))
    t, xid, body = c.recv()
    check("a frame length under 12 gets bad_length", t == ERROR and body.get("code") == "bad_length")
    check("and the connection is closed", c.recv() is None)

    c = Conn(path)
    c.send(frame(ECHO_REQ, 21, b"", length=1 << 30))
    t, xid, body = c.recv()
    check("a frame over the size limit gets bad_length", t == ERROR and body.get("code") == "bad_length")
    check("and that connection is closed too", c.recv() is None)

    # a peer that sends and never reads: the switch stops reading it (its socket fills),
    # keeps serving everyone else, and never buffers more than a bounded amount for it
    flood = Conn(path)
    flood.hello()
    flood.s.setblocking(False)
    req = frame(ECHO_REQ, 30, {"pad": "x" * 65000})
    sent, off, stalled_since, cut_off = 0, 0, None, False
    deadline = time.time() + 60
    while time.time() < deadline and sent < (512 << 20):
        try:
            n = flood.s.send(req[off:])  # a send may take part of a frame: keep the stream whole
            sent += n
            off = (off + n) % len(req)
            stalled_since = None
        except BlockingIOError:
            stalled_since = stalled_since or time.time()
            if time.time() - stalled_since > 2:
                break
            time.sleep(0.01)
        except OSError:
            cut_off = True
            break
    check(f"a peer that never reads is held back after {sent >> 10} KiB (not cut off: it sent "
          "nothing wrong)", 1 << 20 <= sent < (256 << 20) and not cut_off)
    other = Conn(path)
    t, _, _ = other.hello()
    check("meanwhile another peer is served", t == HELLO)
    flood.s.close()

    # a frame split across many writes is reassembled
    c = Conn(path)
    data = frame(HELLO, 22, {"versions": [1]}) + frame(ECHO_REQ, 23, {"x": 1})
    for i in range(len(data)):
        c.send(data[i:i + 1])
    r1, r2 = c.recv(), c.recv()
    check("frames sent one byte at a time are reassembled",
          r1[0] == HELLO and r2[0] == ECHO_REP and r2[2] == {"x": 1})

    check("after all that the state is exactly as before", dump(path) == before)
    print(f"sb_raw: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def hangup_after_txn(path, ops):
    """Subscribe to events, send a transaction, and vanish without reading the answer."""
    c = Conn(path)
    c.call(HELLO, 1, {"versions": [1], "events": True})
    c.send(frame(TXN, 2, {"ops": json.loads(ops)}))
    c.s.shutdown(socket.SHUT_RDWR)
    c.s.close()
    return 0


def expect_error(path, mtype, body, want):
    """One request of type mtype (a number); succeeds when the switch refuses it with an
    error whose message contains want."""
    c = Conn(path)
    c.hello()
    t, xid, reply = c.call(mtype, 2, json.loads(body))
    c.s.close()
    if t == ERROR and want in reply.get("message", ""):
        return 0
    print(f"sb_raw: expected an error with '{want}', got type {t}: {reply}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[2] == "expect-error":
        sys.exit(expect_error(sys.argv[1], int(sys.argv[3]), sys.argv[4], sys.argv[5]))
    if len(sys.argv) == 4 and sys.argv[2] == "hangup-after-txn":
        sys.exit(hangup_after_txn(sys.argv[1], sys.argv[3]))
    sys.exit(main(sys.argv[1]))
