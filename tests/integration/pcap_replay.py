#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Send every frame of a classic pcap out of a network interface (AF_PACKET), as a wire
# would deliver it to the host on the other end. --dst-mac rewrites the Ethernet
# destination so the frames are addressed to that host's port whatever the capture said;
# --zero-udp-csum clears IPv4 UDP checksums (captures taken before checksum offload carry
# wrong ones, and zero means "none" over IPv4).
import argparse
import socket
import struct
import sys
import time


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            endian = ">"
        else:
            sys.exit(f"{path}: not a classic pcap file")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, incl, _ = struct.unpack(endian + "IIII", rec)
            yield f.read(incl)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("pcap")
    ap.add_argument("--dst-mac")
    ap.add_argument("--zero-udp-csum", action="store_true")
    a = ap.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    dst = bytes.fromhex(a.dst_mac.replace(":", "")) if a.dst_mac else None
    n = 0
    for fr in frames(a.pcap):
        if dst is not None and len(fr) >= 6:
            fr = dst + fr[6:]
        if a.zero_udp_csum and len(fr) >= 34 and fr[12:14] == b"\x08\x00" and fr[23] == 17:
            ihl = (fr[14] & 0x0F) * 4
            if len(fr) >= 14 + ihl + 8:
                fr = fr[:14 + ihl + 6] + b"\0\0" + fr[14 + ihl + 8:]
        s.send(fr)
        n += 1
        time.sleep(0.002)  # a wire's pace, not a burst that overflows a test's rings
    print(f"replayed {n} frames")


if __name__ == "__main__":
    main()
