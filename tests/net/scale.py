#!/usr/bin/env python3
"""dnasync on many hosts: network namespaces on a private bridge, impaired links, storage nodes
and devices spread over the hosts, scenarios that print figures (docs/scale.md).

Needs root (it makes network namespaces); exits 77 (ctest's skip code) otherwise. Everything it
creates lives in its own namespaces (addresses 10.77.0.0/16 on a bridge inside a "switch"
namespace: nothing is routed outside) and a temporary directory; all of it is removed on every
way out (finally + SIGINT/SIGTERM/SIGHUP), every process is stopped by its PID, every wait is
bounded.

Links: tc tbf rate, nftables loss, and a delay per host from delay_relay.py (NFQUEUE), checked
with a UDP ping (udp_rtt.py) before the scenarios run.

  scale.py --quick BIN          the make-test version: 5 hosts, the relay's check, scenarios a
                                and b (nodes and watching devices restart), asserts
  scale.py [options] BIN        the full run (make scale), see --help
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
from contextlib import closing
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
SHARDS = 128  # DNASYNC_DHT_SHARDS
BUNDLE_MESSAGE = 0x6406  # DNASYNC_DHT_TYPE_BUNDLE_MESSAGE
PASS = "scale harness passphrase"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def side_of_host(h, half):
    return "cut" if h in half else "rest"


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Proc:
    """A long-running process in a host namespace; stdout lines are timestamped as they come."""

    def __init__(self, name, ns, argv, logdir):
        self.name = name
        self.lines = []  # (time, line)
        self.cv = threading.Condition()
        self.err_path = os.path.join(logdir, name + ".err")
        self.err = open(self.err_path, "ab")
        self.p = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdout=subprocess.PIPE,
                                  stderr=self.err, stdin=subprocess.DEVNULL)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.p.stdout:
            with self.cv:
                self.lines.append((time.time(), raw.decode(errors="replace").rstrip("\n")))
                self.cv.notify_all()

    def wait_line(self, needle, timeout):
        end = time.time() + timeout
        with self.cv:
            while time.time() < end:
                if any(needle in line for _, line in self.lines):
                    return True
                self.cv.wait(min(1.0, max(0.01, end - time.time())))
        return False

    def stderr_has(self, needle):
        try:
            with open(self.err_path, "rb") as f:
                return needle.encode() in f.read()
        except OSError:
            return False

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stop by PID: sig, then SIGKILL after timeout. Returns the exit status."""
        if self.p.poll() is None:
            try:
                self.p.send_signal(sig)
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(10)
        self.t.join(5)
        self.err.close()
        return self.p.returncode


class Harness:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.abspath(a.binary)
        self.tag = a.tag or "dsc%d" % (os.getpid() % 100000)
        self.dir = tempfile.mkdtemp(prefix="dnasync-scale-")
        self.logdir = os.path.join(self.dir, "logs")
        os.makedirs(self.logdir)
        self.namespaces = []
        self.procs = []
        self.nodes = {}  # index -> Proc
        self.partitioned = False
        self.sent = {}  # message_id -> (sender, recipient, t_start, t_end, text)
        self.created = {}  # message_id -> created_at (whole seconds) from a watch event
        self.send_failures = []
        self.lock = threading.Lock()
        self.figures = []
        self.synced = {}  # (message, device) -> time a one-shot sync (resync) brought it

    # ---- network -------------------------------------------------------------------------
    def sh(self, *cmd, check=True, timeout=30, ns=None):
        argv = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
        r = subprocess.run(argv, capture_output=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: "
                               f"{r.stderr.decode(errors='replace').strip()}")
        return r

    def nft(self, ns, text, check=True):
        r = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=text.encode(),
                           capture_output=True, timeout=30)
        if check and r.returncode != 0:
            raise RuntimeError(f"nft in {ns}: {r.stderr.decode(errors='replace').strip()}")

    def host_ns(self, h):
        return f"{self.tag}h{h}"

    def host_ip(self, h):
        return f"10.77.{h // 200}.{h % 200 + 1}"

    def net_up(self):
        sw = f"{self.tag}sw"
        self.sh("ip", "netns", "add", sw)
        self.namespaces.append(sw)
        self.sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
        self.sh("ip", "-n", sw, "link", "set", "br0", "up")
        for h in range(self.a.hosts):
            ns = self.host_ns(h)
            self.sh("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            self.sh("ip", "-n", sw, "link", "add", f"v{h}", "type", "veth", "peer", "name",
                    "eth0", "netns", ns)
            self.sh("ip", "-n", sw, "link", "set", f"v{h}", "master", "br0", "up")
            self.sh("ip", "-n", ns, "addr", "add", self.host_ip(h) + "/16", "dev", "eth0")
            self.sh("ip", "-n", ns, "link", "set", "eth0", "up")
            self.sh("ip", "-n", ns, "link", "set", "lo", "up")
            if self.a.rate:
                self.sh("tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", self.a.rate,
                        "burst", "64kb", "latency", "200ms", ns=ns)
            if self.a.loss > 0:
                # every packet a host receives is dropped with probability loss %
                self.nft(ns, "table inet dsloss {\n chain in {\n"
                         "  type filter hook input priority 0;\n"
                         f"  iifname \"eth0\" numgen random mod 1000 < {int(self.a.loss * 10)} drop\n"
                         " }\n}\n")
        self.link_figures = {"rtt_without_relay": self.udp_rtt(5)}
        if self.a.delay_ms > 0:
            self.delay_up()
            rtt = self.udp_rtt(20)
            self.link_figures["rtt_with_relay"] = rtt
            # one relay on each end delays the ping and its answer: at least 2 (delay - jitter)
            floor = 2 * (self.a.delay_ms - self.a.jitter_ms)
            if not rtt["answered"] or rtt["min_ms"] < floor:
                raise RuntimeError(f"the delay relay does not delay: UDP round trip {rtt} "
                                   f"(expected >= {floor} ms)")
            if self.a.delay_check_only:
                self.delay_down()
        log(f"network: {self.a.hosts} hosts on a bridge (10.77.0.0/16), loss {self.a.loss}% "
            f"per receiving host, rate {self.a.rate or 'unlimited'}, delay "
            + (f"{self.a.delay_ms} +- {self.a.jitter_ms} ms per host output (userspace relay)"
               if self.a.delay_ms > 0 and not self.a.delay_check_only else
               "none" if not self.a.delay_ms else "none (the relay was checked, then removed)")
            + "; UDP round trip host 0 -> 1: " + json.dumps(self.link_figures))

    def delay_up(self):
        """Every host's outgoing UDP on eth0 goes through NFQUEUE 0 to its own delay relay
        (tests/net/delay_relay.py): the kernel has no netem, nor nftables' queue expression,
        but iptables' NFQUEUE target (xtables) works. `bypass`: no relay, no queue."""
        self.relays = []
        for h in range(self.a.hosts):
            ns = self.host_ns(h)
            self.sh("iptables", "-t", "mangle", "-A", "OUTPUT", "-o", "eth0", "-p", "udp", "-j",
                    "NFQUEUE", "--queue-num", "0", "--queue-bypass", ns=ns)
            p = Proc(f"relay{h}", ns, [sys.executable, os.path.join(HERE, "delay_relay.py"),
                                       "--delay-ms", str(self.a.delay_ms), "--jitter-ms",
                                       str(self.a.jitter_ms), "--lifetime",
                                       str(int(self.a.deadline) + 60)], self.logdir)
            self.procs.append(p)
            self.relays.append(p)
            if not p.wait_line("relaying", 30):
                raise RuntimeError(f"delay relay on host {h} did not start (see {p.err_path})")

    def delay_down(self):
        """The links without the relays again (make test: its traffic is not delayed)."""
        for h, p in enumerate(self.relays):
            self.sh("iptables", "-t", "mangle", "-F", "OUTPUT", ns=self.host_ns(h))
            p.stop()
        self.relays = []

    def relays_alive(self):
        return all(p.alive() for p in getattr(self, "relays", []))

    def udp_rtt(self, count):
        """A UDP ping from host 0 to host 1 (tests/net/udp_rtt.py): min/p50/max ms, answered."""
        tool = os.path.join(HERE, "udp_rtt.py")
        srv = Proc("rtt-serve", self.host_ns(1), [sys.executable, tool, "serve",
                                                  self.host_ip(1), "9999", "60"], self.logdir)
        self.procs.append(srv)
        try:
            if not srv.wait_line("serving", 30):
                raise RuntimeError(f"udp_rtt serve did not start (see {srv.err_path})")
            r = self.sh(sys.executable, tool, "ping", self.host_ip(1), "9999", str(count),
                        ns=self.host_ns(0), timeout=count * 3 + 30)
            d = json.loads(r.stdout.decode())
        finally:
            srv.stop()
        rtt = d["rtt_ms"]
        return {"sent": d["sent"], "answered": d["answered"],
                "min_ms": round(min(rtt), 2) if rtt else None,
                "p50_ms": round(pct(rtt, 50), 2) if rtt else None,
                "max_ms": round(max(rtt), 2) if rtt else None}

    def partition(self, half_a):
        """Cut every host in half_a off from every other host (both directions)."""
        others = [h for h in range(self.a.hosts) if h not in half_a]
        for side, far in ((half_a, others), (others, half_a)):
            addrs = ", ".join(self.host_ip(h) for h in far)
            rule = ("table inet dscut {\n chain in {\n  type filter hook input priority -10;\n"
                    f"  ip saddr {{ {addrs} }} drop\n }}\n chain out {{\n"
                    "  type filter hook output priority -10;\n"
                    f"  ip daddr {{ {addrs} }} drop\n }}\n}}\n")
            for h in side:
                self.nft(self.host_ns(h), rule)
        self.partitioned = True

    def heal(self):
        for h in range(self.a.hosts):
            self.sh("nft", "delete", "table", "inet", "dscut", ns=self.host_ns(h), check=False)
        self.partitioned = False

    # ---- processes -----------------------------------------------------------------------
    def node_host(self, i):
        return i % self.a.hosts

    def node_addr(self, i):
        return f"{self.host_ip(self.node_host(i))}:{4222 + i // self.a.hosts}"

    def start_node(self, i):
        d = os.path.join(self.dir, "nodes", str(i))
        os.makedirs(d, exist_ok=True)
        h = self.node_host(i)
        argv = [self.bin, "node", "--bind", self.host_ip(h), "--port",
                str(4222 + i // self.a.hosts), "--persist", d, "-v",
                "--admin-socket", os.path.join(d, "admin.sock")]
        for b in sorted({0, 1} - {i}):
            if b < self.a.nodes:
                argv += ["--bootstrap", self.node_addr(b)]
        p = Proc(f"node{i}", self.host_ns(h), argv, self.logdir)
        self.procs.append(p)
        self.nodes[i] = p
        if not p.wait_line("listening on", 30):
            raise RuntimeError(f"node {i} did not start (see {p.err_path})")
        return p

    def admin(self, i, request):
        """One request on node i's admin socket (a Unix socket: reachable from here whatever
        the namespace): its JSON answer, or None when the node does not answer or refuses."""
        path = os.path.join(self.dir, "nodes", str(i), "admin.sock")
        if not self.nodes[i].alive():
            return None
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.settimeout(30)
                c.connect(path)
                c.sendall(request.encode() + b"\n")
                buf = b""
                while len(buf) < 64 << 20:
                    chunk = c.recv(1 << 16)
                    if not chunk:
                        break
                    buf += chunk
            ans = json.loads(buf.decode())
        except (OSError, ValueError) as e:
            log(f"node {i}: admin socket: {e}")
            return None
        return None if "error" in ans else ans

    def node_store(self, i, key=None):
        """What node i's own store holds: {"node_id", "values": [{key, id, type, size}],
        "truncated"}, or None."""
        return self.admin(i, f"local {key}" if key else "local")

    def stores(self):
        """Every live storage node's store: index -> answer of node_store."""
        out = {}
        for i in sorted(self.nodes):
            ans = self.node_store(i)
            if ans is not None:
                out[i] = ans
        return out

    @staticmethod
    def copies(stores):
        """(key, value id) -> the storage nodes that hold it."""
        held = {}
        for i, ans in stores.items():
            for v in ans["values"]:
                held.setdefault((v["key"], v["id"]), set()).add(i)
        return held

    def closest(self, stores, key, n=8):
        """The n storage nodes (of those answering) closest to key by XOR of the ids: the
        nodes a get of the key asks first (OpenDHT's TARGET_NODES = 8)."""
        k = int(key, 16)
        return sorted(stores, key=lambda i: int(stores[i]["node_id"], 16) ^ k)[:n]

    def placement(self, stores, types=(BUNDLE_MESSAGE,)):
        """Copies per stored value on the storage nodes, and how many of a value's holders
        are among its key's 8 closest answering nodes."""
        held = self.copies(stores)
        typ = {(v["key"], v["id"]): v["type"] for a in stores.values() for v in a["values"]}
        cp, near0 = [], 0
        for (key, vid), nodes in held.items():
            if typ[(key, vid)] not in types:
                continue
            cp.append(len(nodes))
            near0 += not (nodes & set(self.closest(stores, key)))
        return {"nodes_asked": len(stores), "values": len(cp),
                "copies_min": min(cp, default=0), "copies_p50": pct(cp, 50),
                "copies_mean": sum(cp) / len(cp) if cp else float("nan"),
                "copies_max": max(cp, default=0),
                "values_with_8_or_more": sum(1 for c in cp if c >= 8),
                "values_on_none_of_8_closest": near0}

    @staticmethod
    def rows(home, sql, args):
        with closing(sqlite3.connect(f"file:{os.path.join(home, 'cache.db')}?mode=ro",
                                     uri=True, timeout=10)) as c:
            return c.execute(sql, args).fetchall()

    def explain(self, missing, half):
        """Per missing (message, device) pair, measured now: the bundle values its sender put
        at the device's mailbox key (box/<mailbox>/<day>/<shard>, shard from the message id)
        that the device does not hold, which storage nodes hold each, whether those are among
        the key's 8 closest nodes, and whether the device calls that day verified."""
        stores = self.stores()
        held = self.copies(stores)
        side = lambda i: "cut" if self.node_host(i) in half else "rest"
        out = []
        for mid, (name, d) in missing:
            sender, t0, t1 = self.sent[mid][0], self.sent[mid][2], self.sent[mid][3]
            shard = int(mid[:2], 16) % SHARDS
            home = self.watch[(name, d)][1]
            rec = {"message": mid[:12], "device": f"{name}{d}", "from": sender,
                   "to": self.sent[mid][1], "sender_side": side_of_host(
                       self.sender[sender][0], half), "device_side": side_of_host(
                       self.watch[(name, d)][0], half), "values": []}
            for day in sorted({int(t0) // 86400, int(t1) // 86400}):
                q = ("SELECT value_id FROM dht_index WHERE mailbox = ? AND day = ? AND shard = ?"
                     " AND kind <> 3")
                put = {v for (v,) in self.rows(self.sender[sender][1], q + " AND mine = 1",
                                                (name, day, shard))}
                has = {v for (v,) in self.rows(home, q, (name, day, shard))}
                ver = self.rows(home, "SELECT verified, checked_at FROM sync_days WHERE "
                                "mailbox = ? AND day = ?", (name, day))
                key = hashlib.sha1(f"dnasync/1/box/{name}/{day}/{shard}".encode()).hexdigest()
                near = self.closest(stores, key)
                # the day's summaries (one per writing device, edited in place): which edition
                # (counter) each of the summary key's 8 closest nodes holds, against the newest
                # any storage node holds; a reader compares the newest it is answered
                skey = hashlib.sha1(f"dnasync/1/sum/{name}/{day}".encode()).hexdigest()
                snear = self.closest(stores, skey)
                eds = {}
                for i, ans in stores.items():
                    for v in ans["values"]:
                        if v["key"] == skey:
                            eds.setdefault(v["id"][:8], {})[i] = v.get("version")
                rec.setdefault("summaries", {})[day] = {
                    sid: {"newest": max(by.values()), "held_by": len(by),
                          "closest8": [by.get(i) for i in snear]}
                    for sid, by in eds.items()}
                for v in sorted(put - has):
                    vid = "%016x" % (v & (2**64 - 1))
                    holders = sorted(held.get((key, vid), ()))
                    rec["values"].append({
                        "day": day, "shard": shard, "key": key[:12], "value": vid,
                        "holders": [f"{i}:{side(i)}" for i in holders],
                        "closest8": [f"{i}:{side(i)}" for i in near],
                        "holders_in_closest8": len(set(holders) & set(near)),
                        "day_verified_on_device": ver[0][0] if ver else None,
                        # when the device's last pass checked that day (before resync's)
                        "day_checked_s_ago": round(time.time() - ver[0][1]) if ver else None})
            out.append(rec)
            log("  explain " + json.dumps(rec))
        return out

    def node_table(self, i):
        """Node i's routing table (admin socket `nodes`): a list of "ADDR:PORT", or None."""
        ans = self.admin(i, "nodes")
        return ans["nodes"].split() if ans else None

    def host_of_addr(self, addr):
        ip = addr.rsplit(":", 1)[0]
        for h in range(self.a.hosts):
            if self.host_ip(h) == ip:
                return h
        return None

    def tables(self, half):
        """Per storage node: good nodes in its routing table on its own side and on the other
        side of the cut (device nodes count too: they are addresses on the same hosts)."""
        out = {}
        for i in sorted(self.nodes):
            t = self.node_table(i)
            if t is None:
                continue
            mine = side_of_host(self.node_host(i), half)
            other = sum(1 for a in t if side_of_host(self.host_of_addr(a), half) != mine)
            out[i] = {"side": mine, "good": len(t), "other_side": other}
        return out

    def pass_trace(self, key, half, since):
        """What the device's watch logged (--log-passes) since the heal: each pass start with
        the nodes it knew on each side, and each day line that was not verified."""
        host = self.watch[key][0]
        mine = side_of_host(host, half)
        out = []
        for p in self.incarnations[key]:
            try:
                with open(p.err_path, "rb") as f:
                    lines = f.read().decode(errors="replace").splitlines()
            except OSError:
                continue
            cur = None
            for line in lines:
                w = line.split()
                if len(w) < 4 or w[0] != "pass":
                    continue
                if w[2] == "start":
                    t = float(w[4][2:])
                    nodes = line.split(": ", 1)[1].split() if ": " in line else []
                    other = sum(1 for a in nodes
                                if side_of_host(self.host_of_addr(a), half) != mine)
                    cur = {"pass": int(w[1]), "why": w[3], "t_after_heal": round(t - since, 1),
                           "nodes": len(nodes), "other_side": other, "unverified": []}
                    if t >= since:
                        out.append(cur)
                elif cur is not None and w[2] == "day" and "unverified" in line:
                    cur["unverified"].append(line.split(" ", 2)[2][:300])
                elif cur is not None and w[2] == "end":
                    cur["end"] = " ".join(w[3:9])
        return {"device": f"{key[0]}{key[1]}", "side": mine, "passes": out}

    def resync(self, missing):
        """Each device that still lacks a pair: its watch stopped, one `sync`, inbox checked,
        watch started again. Returns how many of the missing pairs that one pass brought."""
        keys = sorted({w[1] for w in missing})
        found = 0
        for key in keys:
            host, home, p = self.watch[key]
            p.stop()
            _, dt, err = self.cli(host, home, "sync")
            inbox = self.must(host, home, "inbox", "--limit", "100000")
            ids = {m["message_id"] for m in inbox if "message_id" in m}
            got = [m for m, k in missing if k == key and m in ids]
            found += len(got)
            with self.lock:
                self.synced.update({(m, key): time.time() for m in got})
            log(f"  resync {key[0]}{key[1]}: one sync ({dt:.1f} s{', ' + err[:100] if err else ''})"
                f" brought {len(got)} of {sum(1 for _, k in missing if k == key)} missing")
            self.start_watch(key)
            self.wait_watching(key, time.time() + 60)
        return found

    def bootstrap_args(self, live=False):
        """Three nodes spread over the index range; with live, three nodes still running."""
        pick = [i * max(1, self.a.nodes // 3) for i in range(min(3, self.a.nodes))]
        if live:
            pick = [i for i, p in sorted(self.nodes.items()) if p.alive()][:3]
        out = []
        for i in pick:
            out += ["--bootstrap", self.node_addr(i)]
        return out

    def cli(self, host, home, *args, timeout=120, live=False):
        """One CLI command on a host; global options before the command."""
        argv = ["ip", "netns", "exec", self.host_ns(host), self.bin, "--home", home, "--json"]
        argv += self.bootstrap_args(live) + list(args)
        t0 = time.time()
        try:
            r = subprocess.run(argv, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, time.time() - t0, "timeout"
        out = r.stdout.decode(errors="replace")
        if r.returncode != 0:
            return None, time.time() - t0, (out + r.stderr.decode(errors="replace")).strip()
        lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        return lines, time.time() - t0, None

    def must(self, host, home, *args, live=False):
        lines, _, err = self.cli(host, home, *args, live=live)
        if err is not None:
            raise RuntimeError(f"{' '.join(args)} on {home}: {err}")
        return lines

    # ---- identities and devices -----------------------------------------------------------
    def make_devices(self):
        names = ["alice", "bob", "carol", "dave", "erin", "frank"][: self.a.identities]
        self.ids = names
        self.watch = {}  # (name, d) -> (host, home, Proc)
        self.sender = {}  # name -> (host, home)
        self.extra = {}  # name -> (host, home): offline device (e)
        h = 0
        for k, name in enumerate(names):
            first = None
            offline = 1 if ("c" in self.a.scenarios or "e" in self.a.scenarios) else 0
            for d in range(self.a.devices + 1 + offline):  # watchers, sender, offline
                home = os.path.join(self.dir, "homes", f"{name}{d}")
                host = h % self.a.hosts
                h += 1
                if first is None:
                    self.must(host, home, "init", name)
                    first = (host, home)
                else:
                    code = self.must(first[0], first[1], "link-code", "--passphrase", PASS)[0]["code"]
                    self.must(host, home, "join", code, "--passphrase", PASS)
                if d < self.a.devices:
                    self.watch[(name, d)] = (host, home, None)
                elif d == self.a.devices:
                    self.sender[name] = (host, home)
                else:
                    self.extra[name] = (host, home)
        # everybody publishes its identity record once before the clock starts
        for (name, d), (host, home, _) in self.watch.items():
            self.must(host, home, "sync")
        for name, (host, home) in list(self.sender.items()) + list(self.extra.items()):
            self.must(host, home, "sync")
        self.incarnations = {key: [] for key in self.watch}  # every watch process of a device
        for key in self.watch:
            self.start_watch(key)
        end = time.time() + 60
        for key in self.watch:
            self.wait_watching(key, end)
        log(f"devices: {len(names)} identities x {self.a.devices} watching devices "
            f"(+1 sending{', +1 offline' if self.extra else ''} each) on {self.a.hosts} hosts")

    def start_watch(self, key):
        host, home, _ = self.watch[key]
        p = Proc(f"watch-{key[0]}{key[1]}-{len(self.incarnations[key])}", self.host_ns(host),
                 [self.bin, "--home", home, "--json"] + self.bootstrap_args()
                 + ["watch", "--log-passes"],
                 self.logdir)
        self.procs.append(p)
        self.incarnations[key].append(p)
        self.watch[key] = (host, home, p)
        return p

    def wait_watching(self, key, end):
        p = self.watch[key][2]
        while time.time() < end and p.alive() and not p.stderr_has("watching as"):
            time.sleep(0.2)
        if not p.stderr_has("watching as"):
            raise RuntimeError(f"watch {key} did not start (see {p.err_path})")

    # ---- traffic --------------------------------------------------------------------------
    def send(self, sender, recipient, text):
        host, home = self.sender[sender]
        t0 = time.time()
        lines, dt, err = self.cli(host, home, "send", recipient, text)
        if err is not None or not lines or "message_id" not in lines[0]:
            with self.lock:
                self.send_failures.append((sender, recipient, text, err))
            return None
        mid = lines[0]["message_id"]
        with self.lock:
            self.sent[mid] = (sender, recipient, t0, t0 + dt, text, lines[0].get("pending"))
        return mid

    def traffic(self, seconds, interval, tag, stop_flag=None, count=None):
        """Each identity sends to the others in turn, one message every `interval` s (or as
        soon as the last send returned), for `seconds` s or `count` messages, in parallel."""
        ids = []

        def one(k, name):
            end = time.time() + seconds
            n = 0
            while (time.time() < end and (count is None or n < count)
                   and not (stop_flag and stop_flag.is_set())):
                t_next = time.time() + interval
                rcpt = self.ids[(k + 1 + n) % len(self.ids)]
                if rcpt == name:
                    rcpt = self.ids[(k + 1) % len(self.ids)]
                mid = self.send(name, rcpt, f"{tag}-{name}-{n}")
                if mid:
                    with self.lock:
                        ids.append(mid)
                n += 1
                time.sleep(max(0.0, t_next - time.time()))

        threads = [threading.Thread(target=one, args=(k, n)) for k, n in enumerate(self.ids)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 600)
        return ids

    def expected(self, mids):
        """(message, device) pairs: every watching device of the sender and of the recipient."""
        out = []
        for mid in mids:
            s, r = self.sent[mid][0], self.sent[mid][1]
            for (name, d) in self.watch:
                if name in (s, r):
                    out.append((mid, (name, d)))
        return out

    def arrivals(self):
        """(message, device) -> first arrival time, and how many duplicate events were seen."""
        first, dups = {}, 0
        for key in self.watch:
            lines = []
            for p in self.incarnations[key]:
                with p.cv:
                    lines += p.lines
            for t, line in lines:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("event") != "message":
                    continue
                k = (ev.get("message_id"), key)
                if isinstance(ev.get("created_at"), int):
                    self.created[k[0]] = ev["created_at"]
                if k in first:
                    dups += 1
                else:
                    first[k] = t
        for k, t in self.synced.items():  # a later watch does not show what its cache holds
            first.setdefault(k, t)
        return first, dups

    def wait_delivered(self, mids, timeout):
        want = self.expected(mids)
        end = time.time() + timeout
        while True:
            got, _ = self.arrivals()
            missing = [w for w in want if w not in got]
            if not missing or time.time() >= end:
                return want, missing
            time.sleep(1)

    def report(self, scenario, mids, t_from=None, wait=180):
        t_wait = time.time()
        want, missing = self.wait_delivered(mids, wait)
        got, dups = self.arrivals()
        lat = [got[w] - self.sent[w[0]][2] for w in want if w in got]
        lat_up = [got[w] - self.sent[w[0]][3] for w in want if w in got]
        # from the message's own time (set when the send sealed it, after its DHT start and key
        # lookups; whole seconds, so +- 1 s): the delivery without the one-shot's start-up
        lat_sealed = [got[w] - self.created[w[0]] for w in want
                      if w in got and w[0] in self.created]
        last = max((got[w] for w in want if w in got), default=t_wait)
        send_dur = [self.sent[m][3] - self.sent[m][2] for m in mids]
        fig = {
            "scenario": scenario, "messages": len(mids), "pairs": len(want),
            "delivered": len(want) - len(missing),
            "ratio": (len(want) - len(missing)) / len(want) if want else float("nan"),
            "p50_s": pct(lat, 50), "p99_s": pct(lat, 99),
            "p50_after_send_s": pct(lat_up, 50), "p99_after_send_s": pct(lat_up, 99),
            "p50_after_sealed_s": pct(lat_sealed, 50), "p99_after_sealed_s": pct(lat_sealed, 99),
            "send_p50_s": pct(send_dur, 50), "send_p99_s": pct(send_dur, 99),
            "send_failures": len(self.send_failures), "duplicate_events": dups,
        }
        if t_from is not None:
            fig["catch_up_s"] = max(0.0, last - t_from)
        self.figures.append(fig)
        log("FIGURES " + json.dumps(fig, default=lambda x: round(x, 3)))
        for w in missing[:10]:
            s = self.sent[w[0]]
            log(f"  missing {w[0][:12]} ({s[4]}, {s[0]}->{s[1]}) on {w[1][0]}{w[1][1]}")
        return fig, missing

    # ---- scenarios ------------------------------------------------------------------------
    def scenario_a(self):
        log(f"(a) steady state: {self.a.messages} messages per identity, 1 every 2 s")
        mids = self.traffic(self.a.messages * 60, 2.0, "a", count=self.a.messages)
        return self.report("a-steady", mids)

    def restart_node(self, i):
        self.nodes[i].stop(signal.SIGTERM)
        self.start_node(i)

    def scenario_b(self):
        rounds = max(1, int(self.a.churn_minutes * 60 // self.a.churn_period))
        down = min(self.a.device_down, self.a.churn_period / 2)
        log(f"(b) churn: {rounds} rounds, every {self.a.churn_period} s a third of the "
            f"{self.a.nodes} nodes restart (--persist) while devices send"
            + (f"; one watching device per identity is stopped for {down:.0f} s each round"
               if down > 0 else ""))
        stop = threading.Event()
        res = {}
        t = threading.Thread(target=lambda: res.update(ids=self.traffic(
            rounds * self.a.churn_period, 5.0, "b", stop)))
        t.start()
        third = max(1, self.a.nodes // 3)
        restarts, device_restarts = 0, []  # (key, old process, new process, t_down, t_up)
        for r in range(rounds):
            t_round = time.time()
            # device churn: the watching devices' own processes (and their DHT nodes) go too
            gone = []
            if down > 0:
                for name in self.ids:
                    key = (name, r % self.a.devices)
                    old = self.watch[key][2]
                    old.stop()
                    gone.append((key, old, time.time()))
            group = [(r * third + j) % self.a.nodes for j in range(third)]
            for i in group:
                self.restart_node(i)
                restarts += 1
            if gone:
                time.sleep(max(0.0, gone[-1][2] + down - time.time()))
                for key, old, t_down in gone:
                    new = self.start_watch(key)
                    device_restarts.append((key, old, new, t_down, time.time()))
                for key, _, _ in gone:
                    self.wait_watching(key, time.time() + 60)
            time.sleep(max(0.0, self.a.churn_period - (time.time() - t_round)))
        stop.set()
        t.join(900)
        churn_end = time.time()
        log(f"(b) churn over: {restarts} node restarts, {len(device_restarts)} device restarts")
        mids = res.get("ids", [])
        fig, missing = self.report("b-churn", mids, t_from=churn_end)
        fig["node_restarts"] = restarts
        if device_restarts:
            fig.update(self.device_catch_up(mids, device_restarts))
            log("(b) devices restarted: " + json.dumps(
                {k: v for k, v in fig.items() if k.startswith("device")},
                default=lambda x: round(x, 3)))
        return fig, missing

    @staticmethod
    def proc_arrivals(p):
        """message id -> time of the first 'message' event of one watch process."""
        out = {}
        with p.cv:
            lines = list(p.lines)
        for t, line in lines:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "message":
                out.setdefault(ev.get("message_id"), t)
        return out

    def device_catch_up(self, mids, device_restarts):
        """For every device restart: the messages the stopped process had not shown and that
        were sent before the new one started; when (after the restart) the device showed them."""
        missed, caught, lags = 0, 0, []
        for key, old, new, t_down, t_up in device_restarts:
            # shown by the stopped process or an earlier one (a restarted watch does not show
            # again what its cache already holds)
            before = {}
            for p in self.incarnations[key][: self.incarnations[key].index(old) + 1]:
                before.update(self.proc_arrivals(p))
            later = {}
            for p in self.incarnations[key][self.incarnations[key].index(new):]:
                for m, t in self.proc_arrivals(p).items():
                    later.setdefault(m, t)
            for m in mids:
                if key[0] not in self.sent[m][:2] or m in before or self.sent[m][2] >= t_up:
                    continue
                missed += 1
                if m in later:
                    caught += 1
                    lags.append(max(0.0, later[m] - t_up))
        return {"device_restarts": len(device_restarts),
                "device_pairs_missed_while_down": missed, "device_pairs_caught_up": caught,
                "device_catch_up_p50_s": pct(lags, 50),
                "device_catch_up_max_s": max(lags, default=float("nan"))}

    def probe_sync(self, name):
        """A one-shot sync of the offline device; returns (verified_days, inbox ids) or None."""
        host, home = self.extra[name]
        lines, dt, err = self.cli(host, home, "sync")
        inbox, _, err2 = self.cli(host, home, "inbox", "--limit", "100000")
        if err is not None or err2 is not None:
            return None, dt, err or err2
        return lines[-1], dt, [m["message_id"] for m in inbox if "message_id" in m]

    def scenario_c(self):
        half = list(range(self.a.hosts // 2))
        log(f"(c) partition: hosts {half} cut off from the others for {self.a.cut} s")
        self.partition(half)
        try:
            mids = self.traffic(self.a.cut, 5.0, "c")
            # a device that stays offline meanwhile: does it verify a day it cannot complete?
            probe = self.probe_sync(self.ids[0])
            at_heal = self.placement(self.stores())
        finally:
            self.heal()
        healed = time.time()
        log("(c) healed; bundle placement at the heal: " + json.dumps(at_heal, default=str))
        log("(c) routing tables at the heal: " + json.dumps(self.tables(half)))
        # no new traffic after the heal: what the cut hid arrives with the devices' own passes
        fig, missing = self.report("c-partition", mids, t_from=healed, wait=self.a.converge_wait)
        fig["placement_at_heal"] = at_heal
        # where the values are now: the storage nodes' own stores (their admin sockets)
        fig["placement_after"] = self.placement(self.stores())
        log("(c) bundle placement now: " + json.dumps(fig["placement_after"], default=str))
        fig["tables_after"] = self.tables(half)
        log("(c) routing tables now: " + json.dumps(fig["tables_after"]))
        fig["passes_after_heal"] = [self.pass_trace(k, half, healed) for k in sorted(self.watch)]
        for t in fig["passes_after_heal"]:
            log("  passes " + json.dumps(t))
        if missing:  # still counted as missing: they did not arrive by themselves
            fig["missing_explained"] = self.explain(missing, half)
            fig["missing_found_by_one_sync"] = self.resync(missing)
            self.report("c-after-resync", mids, t_from=healed, wait=30)
        st, _, inbox = probe
        if st is not None:
            # Split what the probe lacked by where it was sent from: across the cut the
            # writer's summary is out of reach too (the device cannot know), on its own side
            # it is not (a day verified then while a value was missing would be a defect).
            side = self.extra[self.ids[0]][0] in half
            lacking = [m for m in self.sent if self.ids[0] in self.sent[m][:2] and m not in inbox]
            near = [m for m in lacking if (self.sender[self.sent[m][0]][0] in half) == side]
            fig["probe_missing_same_side"] = len(near)
            fig["probe_missing_other_side"] = len(lacking) - len(near)
            fig["probe_verified_days"] = st.get("verified_days")
            fig["probe_ok"] = st.get("ok")
        log("(c) probe (alice's offline device, synced during the cut): "
            + json.dumps({k: v for k, v in fig.items() if k.startswith("probe")}))
        return fig, missing

    @staticmethod
    def stats_lines(p):
        """The node's per-minute stats lines ("dnasync node: N values (...)")."""
        try:
            with open(p.err_path, "rb") as f:
                return [x for x in f.read().decode(errors="replace").splitlines()
                        if " values (" in x]
        except OSError:
            return []

    def node_values(self, newer_than=None, wait=75):
        """Values stored on the live nodes, summed from each one's latest stats line; with
        newer_than (line counts per node) wait (bounded) for a line written after that."""
        end = time.time() + wait
        total = 0
        for i, p in self.nodes.items():
            if not p.alive():
                continue
            lines = self.stats_lines(p)
            while newer_than and len(lines) <= newer_than.get(i, 0) and time.time() < end:
                time.sleep(1)
                lines = self.stats_lines(p)
            if lines:
                total += int(lines[-1].split("dnasync node: ")[1].split()[0])
        return total

    def scenario_d(self):
        victims = list(range(0, self.a.nodes, 2))
        before = self.node_values()
        all_types = tuple(range(0x6401, 0x6409))
        st = self.stores()
        measured = {"before": self.placement(st, all_types),
                    "before_bundles": self.placement(st)}
        log(f"(d) mass loss: SIGKILL {len(victims)} of {self.a.nodes} nodes at once "
            f"(stored values before, from the nodes' last stats lines: {before})")
        for i in victims:
            self.nodes[i].stop(signal.SIGKILL)
        lines_at_kill = {i: len(self.stats_lines(p)) for i, p in self.nodes.items()}
        # a device that never saw anything: a fresh device of each identity reads its mailbox
        got, total, times = 0, 0, []
        for k, name in enumerate(self.ids):
            mine = [m for m in self.sent if name in self.sent[m][:2]]
            home = os.path.join(self.dir, "homes", f"{name}-fresh")
            host = (k + 1) % self.a.hosts
            src = self.sender[name]
            code = self.must(src[0], src[1], "link-code", "--passphrase", PASS)[0]["code"]
            # a new device is given nodes that run (the default three may all be dead)
            self.must(host, home, "join", code, "--passphrase", PASS, live=True)
            t0 = time.time()
            seen = set()
            for _ in range(3):
                _, _, err = self.cli(host, home, "sync", live=True)
                if err:
                    log(f"(d) fresh {name}: sync: {err[:200]}")
                inbox = self.must(host, home, "inbox", "--limit", "100000")
                seen = {m["message_id"] for m in inbox if "message_id" in m}
                if all(m in seen for m in mine):
                    break
            times.append(time.time() - t0)
            total += len(mine)
            got += len([m for m in mine if m in seen])
        after = self.node_values(newer_than=lines_at_kill)
        st = self.stores()
        measured.update({"after": self.placement(st, all_types),
                         "after_bundles": self.placement(st)})
        log("(d) copies per value on the storage nodes (their own stores): "
            + json.dumps(measured, default=lambda x: round(x, 2)))
        # Distinct values on the DHT, approximately: each message sits in 2 mailbox keys and
        # 2 doorbell keys (a send is its own batch); summaries and identity records are few.
        distinct = 4 * len(self.sent)
        fig = {"scenario": "d-mass-loss", "nodes_killed": len(victims),
               "messages": total, "survived": got,
               "survival_ratio": got / total if total else float("nan"),
               "fresh_device_sync_p50_s": pct(times, 50),
               "stored_values_before": before, "stored_values_after": after,
               "replication_before": before / distinct if distinct else float("nan"),
               "replication_after": after / distinct if distinct else float("nan"),
               "replication_measured": measured}
        # the watching devices keep working with half the nodes gone
        new = self.traffic(10, 2.0, "d")
        f2, missing = self.report("d-after-loss", new)
        fig["after_loss_ratio"] = f2["ratio"]
        self.figures.append(fig)
        log("FIGURES " + json.dumps(fig, default=lambda x: round(x, 3)))
        return fig, missing

    def scenario_e(self):
        name = self.ids[0]
        mine = [m for m in self.sent if name in self.sent[m][:2]]
        host, home = self.extra[name]
        log(f"(e) alice's offline device catches up ({len(mine)} messages involve alice)")
        t0 = time.time()
        seen, passes = set(), 0
        while passes < 5:
            passes += 1
            _, _, err = self.cli(host, home, "sync")
            if err:
                log(f"(e) sync: {err[:200]}")
            inbox = self.must(host, home, "inbox", "--limit", "100000")
            seen = {m["message_id"] for m in inbox if "message_id" in m}
            if all(m in seen for m in mine):
                break
        fig = {"scenario": "e-offline-catch-up", "messages": len(mine),
               "caught_up": len([m for m in mine if m in seen]), "passes": passes,
               "catch_up_s": time.time() - t0}
        self.figures.append(fig)
        log("FIGURES " + json.dumps(fig, default=lambda x: round(x, 3)))
        return fig, [m for m in mine if m not in seen]

    def inbox_duplicates(self):
        """Stop the watchers and count duplicate message ids in every watching device's inbox."""
        dups = 0
        for key, (host, home, p) in self.watch.items():
            p.stop()
            inbox = self.must(host, home, "inbox", "--limit", "100000")
            ids = [m["message_id"] for m in inbox if "message_id" in m]
            dups += len(ids) - len(set(ids))
        return dups

    # ---- teardown -------------------------------------------------------------------------
    def cleanup(self):
        # all at once first: a storage node hands its values over as it stops, which takes
        # seconds with delayed links; one after the other that added minutes
        for p in self.procs:
            if p.alive():
                try:
                    p.p.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        for p in reversed(self.procs):
            try:
                p.stop(timeout=10)
            except Exception as e:  # keep cleaning up whatever happens
                log(f"cleanup: {p.name}: {e}")
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        self.namespaces = []
        if self.a.keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="the dnasync binary")
    ap.add_argument("--quick", action="store_true",
                    help="make-test version: 5 hosts, 6 nodes, scenarios a and b, asserts")
    ap.add_argument("--hosts", type=int, default=10)
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--identities", type=int, default=3)
    ap.add_argument("--devices", type=int, default=3, help="watching devices per identity")
    ap.add_argument("--loss", type=float, default=1.0, help="%% of packets each host drops")
    ap.add_argument("--rate", default="10mbit", help="tc tbf rate per host link ('' = none)")
    ap.add_argument("--delay-ms", type=float, default=50.0,
                    help="delay each host adds to its outgoing UDP (userspace relay; 0 = none)")
    ap.add_argument("--jitter-ms", type=float, default=20.0, help="+- uniform around --delay-ms")
    ap.add_argument("--delay-check-only", action="store_true",
                    help="check the relay with a UDP ping, then run the scenarios without it")
    ap.add_argument("--device-down", type=float, default=None,
                    help="(b): seconds a restarted watching device stays down "
                         "(default: a third of --churn-period; 0 = devices do not churn)")
    ap.add_argument("--messages", type=int, default=20, help="(a): messages per identity")
    ap.add_argument("--churn-minutes", type=float, default=10.0)
    ap.add_argument("--churn-period", type=float, default=60.0)
    ap.add_argument("--cut", type=float, default=120.0, help="(c): partition seconds")
    ap.add_argument("--converge-wait", type=float, default=420,
                    help="(c): seconds to wait after the heal (the periodic pass is 300 s + jitter)")
    ap.add_argument("--scenarios", default="abcde")
    ap.add_argument("--deadline", type=float, default=3600, help="whole run, seconds")
    ap.add_argument("--json-out", help="write the figures here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--tag", help="namespace name prefix (default dsc<pid>)")
    a = ap.parse_args()
    if a.quick:
        a.hosts, a.nodes, a.devices, a.messages = 5, 6, 2, 3
        a.churn_minutes, a.churn_period, a.scenarios = 0.5, 15.0, "ab"
        # the relay is checked, not used: with 50 ms per hop the scenarios took 195 s here
        a.delay_check_only = True
        a.deadline = 240  # measured ~100 s; the bound is for a stuck run, not a speed goal
    if a.device_down is None:
        a.device_down = a.churn_period / 3
    if a.jitter_ms > a.delay_ms:
        ap.error("--jitter-ms must not exceed --delay-ms")
    if os.geteuid() != 0:
        print("scale: SKIPPED: needs root to make network namespaces (run as root, or "
              "`sudo make scale`)")
        return SKIP
    for tool in ("ip", "nft", "tc") + (("iptables",) if a.delay_ms > 0 else ()):
        if not shutil.which(tool):
            print(f"scale: SKIPPED: '{tool}' is missing (scripts/deps.sh installs iproute2, "
                  "nftables, iptables)")
            return SKIP
    h = Harness(a)

    def on_signal(sig, _):
        raise KeyboardInterrupt(f"signal {sig}")

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    # The whole run is bounded: SIGALRM stops it and the finally below cleans up.
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("deadline")))
    signal.alarm(int(a.deadline))
    failures = []
    t0 = time.time()
    try:
        h.net_up()
        for i in range(a.nodes):
            h.start_node(i)
        log(f"nodes: {a.nodes} storage nodes started ({time.time() - t0:.1f} s)")
        h.make_devices()
        for s in a.scenarios:
            fig, missing = getattr(h, "scenario_" + s)()
            if missing:
                failures.append(f"scenario {s}: {len(missing)} (message, device) pairs missing")
        if len(a.scenarios) > 1:
            fig, missing = h.report("all", list(h.sent), wait=60)
            if missing:
                failures.append(f"at the end: {len(missing)} (message, device) pairs missing")
        dups = h.inbox_duplicates()
        log(f"duplicates in the watching devices' inboxes: {dups}")
        if dups:
            failures.append(f"{dups} duplicate messages in inboxes")
        if h.send_failures:
            log(f"send failures: {len(h.send_failures)}: {h.send_failures[:3]}")
        if not h.relays_alive():
            failures.append("a delay relay died during the run (its host's traffic then went "
                            "undelayed)")
    except (KeyboardInterrupt, TimeoutError, RuntimeError) as e:
        failures.append(f"aborted: {e}")
    except Exception as e:  # a harness bug: still report it and clean up below
        failures.append(f"aborted by {type(e).__name__}: {e}")
    finally:
        signal.alarm(0)
        h.cleanup()
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"params": vars(a), "link": getattr(h, "link_figures", None),
                       "figures": h.figures, "failures": failures}, f,
                      indent=1, default=str)
    log(f"done in {time.time() - t0:.0f} s; " + ("FAILED: " + "; ".join(failures)
                                                 if failures else "every message on every device"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
