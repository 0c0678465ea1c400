#!/usr/bin/env python3
"""A ping over UDP, to check what a link really adds (scale.py's self-check of the delay relay).

  udp_rtt.py serve ADDR PORT SECONDS   echo every datagram back, for at most SECONDS
  udp_rtt.py ping ADDR PORT COUNT      COUNT pings, one at a time (each waits at most 2 s);
                                       prints {"sent", "answered", "rtt_ms": [...]} as JSON
"""
import json
import socket
import sys
import time


def serve(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    end = time.monotonic() + seconds
    print("serving", flush=True)
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            break
        s.sendto(data, peer)
    return 0


def ping(addr, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtts = []
    for i in range(count):
        tag = b"ping %d" % i
        t0 = time.monotonic()
        s.sendto(tag, (addr, port))
        end = t0 + 2.0
        while time.monotonic() < end:  # skip late answers to earlier (lost-looking) pings
            s.settimeout(max(0.001, end - time.monotonic()))
            try:
                data = s.recv(2048)
            except socket.timeout:
                break
            if data == tag:
                rtts.append((time.monotonic() - t0) * 1000.0)
                break
    print(json.dumps({"sent": count, "answered": len(rtts), "rtt_ms": rtts}), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("serve", "ping"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    if sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    sys.exit(ping(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
