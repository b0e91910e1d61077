#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The load balancer benchmark's input: FLOWS 60-byte UDP frames from the harness's VM
(52:54:00:00:00:01, 10.0.0.1) to a VIP (10.0.0.100:5001), sent to the VPC gateway's MAC as
a client of a VIP does; flow i has source port 10000 + i % 55000, and past the first 55,000
flows another source address (10.2.x.y, one per 55,000: the VM port must then be allowed
to send from any address, bench/vpcswitch_driver.sh sees to it). The same frames drive the
run with the balancer and the run without (the VIP then being one remote VM), so the two
compare.

  gen_vip_pcap.py FLOWS OUT.pcap
"""
import struct
import sys

VM_MAC = bytes.fromhex("525400000001")
GW_MAC = bytes.fromhex("0200000000fe")  # bench/vpcswitch_driver.sh's subnet gateway
VM_IP = bytes([10, 0, 0, 1])
VIP = bytes([10, 0, 0, 100])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(sport, src):
    payload = b"\0" * 18
    udp_len = 8 + len(payload)
    pseudo = src + VIP + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, 5001, udp_len, 0) + payload
    ucs = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", ucs) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0, src, VIP)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return GW_MAC + VM_MAC + b"\x08\x00" + ip + udp


def main():
    flows, out = int(sys.argv[1]), sys.argv[2]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(flows):
            block = i // 55000
            src = VM_IP if block == 0 else bytes([10, 2, block >> 8, block & 0xff])
            fr = frame(10000 + i % 55000, src)
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)


main()
