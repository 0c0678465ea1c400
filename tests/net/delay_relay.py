#!/usr/bin/env python3
"""Delay every packet of one NFQUEUE queue by DELAY +- JITTER ms (uniform), in userspace.

This kernel has no netem qdisc, so scale.py adds latency here: in each host namespace an
nftables rule sends the host's outgoing UDP to queue 0 (`queue num 0 bypass`) and this process,
run in the same namespace, holds each packet's verdict until its due time and then accepts it.
Only the verdict travels (copy mode "meta": the payload is never copied to userspace). Packets
may overtake each other (as with netem's jitter).

Bounded: at most --max-queued packets are delayed at once (a packet beyond that goes at once,
and the kernel's own queue length is capped too, with `fail-open`: it passes what does not
fit); the process ends after --lifetime seconds or on SIGTERM/SIGINT, and then accepts
whatever it still holds. Prints one line "relaying ..." when bound, and one line of
counts at exit. Pure Python (netlink by hand): no library to install.
"""
import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQA_CFG_MASK, NFQA_CFG_FLAGS = 4, 5
NFQA_CFG_F_FAIL_OPEN = 1
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
SOL_NETLINK, NETLINK_NO_ENOBUFS = 270, 5
SO_RCVBUFFORCE = 33


def attr(kind, payload):
    pad = (4 - len(payload) % 4) % 4
    return struct.pack("=HH", 4 + len(payload), kind) + payload + b"\0" * pad


def message(kind, queue, attrs, flags=NLM_F_REQUEST, seq=0):
    body = struct.pack("=BBH", socket.AF_INET, 0, socket.htons(queue)) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | kind, flags, seq,
                       0) + body


def attrs_of(buf, off, end):
    out = {}
    while off + 4 <= end:
        length, kind = struct.unpack_from("=HH", buf, off)
        if length < 4:
            break
        out[kind & 0x7FFF] = buf[off + 4:off + length]
        off += (length + 3) & ~3
    return out


def configure(sock, queue, max_queued):
    """Bind the queue, ask for metadata only, cap its length, fail open; raise on any error."""
    cfg = [
        [attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET))],
        [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))],
        [attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", max_queued))],
        [attr(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
         attr(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN))],
    ]
    for seq, attrs in enumerate(cfg, 1):
        sock.send(message(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK, seq))
        buf = sock.recv(65536)
        length, kind = struct.unpack_from("=IH", buf, 0)
        if kind == NLMSG_ERROR:
            err = struct.unpack_from("=i", buf, 16)[0]
            if err:
                raise OSError(-err, f"nfqueue config step {seq}: {os.strerror(-err)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, default=50.0)
    ap.add_argument("--jitter-ms", type=float, default=20.0)
    ap.add_argument("--max-queued", type=int, default=20000)
    ap.add_argument("--lifetime", type=float, default=3600.0)
    a = ap.parse_args()
    if a.jitter_ms > a.delay_ms:
        print("delay_relay: --jitter-ms must not exceed --delay-ms", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
    sock.bind((0, 0))
    configure(sock, a.queue, a.max_queued)
    stop = []
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.append(1))
    held = []  # heap of (due, packet id)
    n, most = 0, 0
    end = time.monotonic() + a.lifetime
    print(f"relaying queue {a.queue}: {a.delay_ms} +- {a.jitter_ms} ms", flush=True)
    while not stop and time.monotonic() < end:
        now = time.monotonic()
        due = []
        while held and held[0][0] <= now:
            due.append(heapq.heappop(held)[1])
        if due:
            # one send carries many verdicts (nfnetlink walks every message of a datagram)
            for i in range(0, len(due), 256):
                sock.send(b"".join(
                    message(NFQNL_MSG_VERDICT, a.queue,
                            [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))])
                    for pid in due[i:i + 256]))
        wait = min(1.0, held[0][0] - time.monotonic()) if held else 1.0
        try:
            ready = select.select([sock], [], [], max(0.0, wait))[0]
        except InterruptedError:
            continue
        if not ready:
            continue
        buf = sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(buf):
            length, kind = struct.unpack_from("=IH", buf, off)
            if length < 16:
                break
            hdr = None
            if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                hdr = attrs_of(buf, off + 20, off + length).get(NFQA_PACKET_HDR)
            if hdr:
                pid = struct.unpack_from("!I", hdr, 0)[0]
                ms = random.uniform(a.delay_ms - a.jitter_ms, a.delay_ms + a.jitter_ms)
                # beyond the bound a packet goes at once (due now) instead of waiting
                due_at = time.monotonic() + (ms / 1000.0 if len(held) < a.max_queued else 0.0)
                heapq.heappush(held, (due_at, pid))
                n += 1
                most = max(most, len(held))
            off += (length + 3) & ~3
    for _, pid in held:  # let go of what is still held
        sock.send(message(NFQNL_MSG_VERDICT, a.queue,
                          [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))]))
    print(f"delayed {n} packets, at most {most} held at once", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
