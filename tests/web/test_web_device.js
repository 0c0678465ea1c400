// The web device (web/src/device.js) in Node, against a real `dnasync node --gateway-port` and
// real C devices (the CLI, homes on disk, reaching the DHT through the same gateway), with
// fake-indexeddb standing in for the browser's IndexedDB. A C send reaches the web device (pass
// and real-time listen), a web send reaches the C recipient and the identity's C device, a web
// delete leaves the C device's inbox after its sync; bad link codes change nothing; the cache
// survives a reopen (a reload).
// Usage: node test_web_device.js <dnasync binary> <bundle dnasync-web.mjs> <node_modules dir>
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [cli, bundle, modules] = process.argv.slice(2).map((p) => resolve(p));
const require = createRequire(join(modules, "noop.js"));
const { indexedDB, IDBKeyRange } = require("fake-indexeddb");
globalThis.indexedDB = indexedDB;
globalThis.IDBKeyRange = IDBKeyRange;
const { Device, codec, crypto: C } = await import(pathToFileURL(bundle).href);

const dir = mkdtempSync(join(tmpdir(), "dnasync-web-"));
const procs = [];
let checks = 0, failures = 0;
function expect(what, ok, detail = "") {
  checks++;
  if (!ok) { failures++; console.error(`FAIL ${what} ${detail}`); } else console.log(`ok   ${what}`);
}
async function finish(code) {
  for (const p of procs) if (p.exitCode === null) { p.kill("SIGTERM"); await new Promise((r) => { const t = setTimeout(() => { p.kill("SIGKILL"); r(); }, 20000); p.once("exit", () => { clearTimeout(t); r(); }); }); }
  if (node.exitCode !== 0) { console.error(`FAIL the node did not stop cleanly (exit ${node.exitCode}, signal ${node.signalCode}):\n${nodeOut.slice(-3000)}`); code = 1; }
  if (!code) rmSync(dir, { recursive: true, force: true });
  else console.error(`state kept in ${dir}`);
  process.exit(code);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, seconds = 60) { // bounded wait, generous for a loaded machine
  for (let i = 0; i < seconds * 4; i++) { if (await fn()) return true; await sleep(250); }
  expect(`${what} (within ${seconds} s)`, false);
  return false;
}
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); }); });

// ---- the node and its gateway ----
const gport = await freePort();
const node = spawn(cli, ["node", "--bind", "127.0.0.1", "--port", "0", "--gateway-port", String(gport), "--gateway-rate", "100000", "--persist", join(dir, "node")], { stdio: ["ignore", "pipe", "pipe"] });
procs.push(node);
let nodeOut = "";
node.stdout.on("data", (d) => { nodeOut += d; });
node.stderr.on("data", (d) => { nodeOut += d; });
const url = `http://127.0.0.1:${gport}`;
await until("the gateway answers /health", async () => { try { return (await fetch(`${url}/health`)).ok; } catch { return false; } });

function dna(home, ...args) {
  const r = spawnSync(cli, ["--home", join(dir, home), "--gateway", url, "--json", ...args], { timeout: 120000, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dnasync ${args.join(" ")} (home ${home}) exit ${r.status}: ${r.stdout} ${r.stderr}`);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
const inboxOf = (home) => { dna(home, "sync"); return dna(home, "inbox", "--limit", "1000"); };

try {
  // ---- the page, served by the gateway at / (same origin as the API) ----
  let r = await fetch(`${url}/`);
  const html = await r.text();
  expect("GET / serves the page", r.status === 200 && /text\/html/.test(r.headers.get("content-type")) && html.includes('src="app.js"'), `${r.status} ${html.slice(0, 80)}`);
  r = await fetch(`${url}/app.js`);
  expect("GET /app.js serves the bundle", r.status === 200 && /javascript/.test(r.headers.get("content-type")) && (await r.text()).length > 10000);
  expect("the page may talk to its own origin only (CSP)", /connect-src 'self'/.test(r.headers.get("content-security-policy") || ""));
  for (const bad of ["/nothing.js", "/.hidden", "/%2e%2e/CMakeCache.txt", "/web/../CMakeCache.txt"]) {
    r = await fetch(`${url}${bad}`);
    expect(`GET ${bad} is 404`, r.status === 404, String(r.status));
  }
  r = await fetch(`${url}/health`);
  expect("GET /health is still the API", r.status === 200 && (await r.json()).api === 1);

  dna("alice1", "init", "alice");
  dna("bob", "init", "bob");
  dna("alice1", "sync");
  dna("bob", "sync");
  const pass = "correct horse battery";
  const [{ code }] = dna("alice1", "link-code", "--passphrase", pass);
  expect("link code made by the C device", /^DNA1-/.test(code));

  // ---- bad input first: nothing is stored ----
  const dev = await Device.open("web-alice", url);
  let err = null;
  try { await dev.join(code, "wrong passphrase!"); } catch (e) { err = e; }
  expect("wrong passphrase refused with a clear message", err && /wrong passphrase/.test(err.message), err && err.message);
  const damaged = code.slice(0, 20) + (code[20] === "A" ? "B" : "A") + code.slice(21);
  err = null;
  try { await dev.join(damaged, pass); } catch (e) { err = e; }
  expect("damaged link code refused as damaged", err && /damaged or mistyped/.test(err.message), err && err.message);
  err = null;
  try { await C.openLinkCode(code, pass, Math.floor(Date.now() / 1000) + 3600); } catch (e) { err = e; }
  expect("a link code an hour after it was made is refused as expired", err && /link code expired at .* UTC/.test(err.message), err && err.message);
  expect("nothing stored after the refusals", !dev.joined && !(await dev.store.meta("identity")));

  // ---- join ----
  expect("join with the link code and passphrase", (await dev.join(code, pass)) === "alice");
  const wrapped = await dev.store.meta("identity");
  expect("the master secret is stored wrapped by a non-extractable key", wrapped.wrapKey.extractable === false && !("master" in wrapped));

  // ---- a C send reaches the web device ----
  const [{ message_id: m1 }] = dna("bob", "send", "alice", "hello web from bob");
  await dev.pass();
  let inbox = await dev.inbox();
  expect("bob's C message is in the web inbox after a pass", inbox.some((m) => m.id === m1 && m.text === "hello web from bob" && m.from === "bob"), JSON.stringify(inbox));
  let st = await dev.status();
  const today = st.days[st.days.length - 1];
  expect("today is verified on the web device", today.verified, JSON.stringify(today));
  expect("nothing rejected", st.rejected === 0, String(st.rejected));

  // real time: the doorbell through the gateway's event stream
  const arrived = [];
  dev.on((ev) => { if (ev.type === "message") arrived.push(ev.id); });
  dev.listen();
  await sleep(1000); // the stream's first catch-up (a pass would find it anyway; this checks the push)
  const [{ message_id: m2 }] = dna("bob", "send", "alice", "second, in real time");
  await until("the second C message arrives through the listen, without a pass", () => arrived.includes(m2));

  // ---- a web send reaches the C recipient and alice's C device ----
  const w1 = await dev.send("bob", "hello bob, from the browser");
  expect("the web send is uploaded (not pending)", (await dev.status()).pending === 0);
  const bobInbox = inboxOf("bob");
  expect("bob's C device has the web message", bobInbox.some((m) => m.message_id === w1 && m.text === "hello bob, from the browser" && m.sender === "alice"), JSON.stringify(bobInbox.map((m) => m.text)));
  let a1 = inboxOf("alice1");
  expect("alice's C device has her web message", a1.some((m) => m.message_id === w1 && m.text === "hello bob, from the browser"));
  expect("alice's C device has bob's message", a1.some((m) => m.message_id === m1));

  // ---- a web delete removes it from alice's C inbox ----
  await dev.delete(m1);
  expect("deleted in the web inbox", !(await dev.inbox()).some((m) => m.id === m1));
  a1 = inboxOf("alice1");
  expect("the web delete removed bob's message from alice's C inbox", !a1.some((m) => m.message_id === m1), JSON.stringify(a1.map((m) => m.text)));
  expect("the other messages stay in alice's C inbox", a1.some((m) => m.message_id === m2) && a1.some((m) => m.message_id === w1));
  const bobAfter = inboxOf("bob");
  expect("bob keeps his copy (delete for me)", bobAfter.some((m) => m.message_id === w1));

  // ---- a C delete reaches the web device ----
  dna("alice1", "delete", m2);
  await dev.pass();
  expect("alice's C delete removed the message from the web inbox", !(await dev.inbox()).some((m) => m.id === m2));
  st = await dev.status();
  expect("today still verified after the deletions", st.days[st.days.length - 1].verified, JSON.stringify(st.days[st.days.length - 1]));

  // ---- shared read receipts, both ways ----
  const [{ message_id: m4 }] = dna("bob", "send", "alice", "read me");
  const [{ message_id: m5 }] = dna("bob", "send", "alice", "read me on the desktop");
  await dev.pass();
  await dev.markRead(m4, true);
  a1 = inboxOf("alice1");
  expect("a receipt shared by the web device marks the message read on alice's C device", a1.some((m) => m.message_id === m4 && m.read === true), JSON.stringify(a1.filter((m) => m.message_id === m4)));
  expect("and only that one", a1.some((m) => m.message_id === m5 && m.read === false));
  dna("alice1", "read", m5, "--share");
  await dev.pass();
  inbox = await dev.inbox();
  expect("a receipt shared by alice's C device marks it read in the web inbox", inbox.some((m) => m.id === m5 && m.read), JSON.stringify(inbox.filter((m) => m.id === m5)));

  // ---- a stranger's forged summary on alice's day key (any key may put one through the
  // gateway): it claims a value nobody can produce and a count that would cancel bob's; the
  // day stays unverified, nothing is lost, and the next genuine message still arrives ----
  const stranger = await C.signKeyFromSeed(C.random(32));
  const day = dev.today();
  const forged = { version: 1, sig_scheme: 1, kind: 4, created_at: BigInt(dev.now()), author_pk: stranger.pk, mailbox: "alice", day: BigInt(day), writer_id: C.random(16), counter: 1n, entries: [{ shard: C.shardOf(m4), count: 0xffffffff, xor: BigInt("0x" + m4.slice(0, 16)) }] };
  forged.sig = await C.sign(stranger.key, codec.signingBytes(forged));
  const [put] = await dev.gw.put([{ key: await C.keySum("alice", day), kind: "summary", id: C.u64hex(await C.valueId(forged)), created: dev.now(), data: codec.encodeValue(forged) }]);
  expect("the gateway stores a stranger's summary (summaries are checked for signature, id and key only)", put.status === "stored", JSON.stringify(put));
  const [{ message_id: m6 }] = dna("bob", "send", "alice", "after the forgery");
  await dev.pass();
  st = await dev.status();
  const t = st.days[st.days.length - 1];
  expect("the forged summary keeps today unverified, naming the stranger's key", !t.verified && t.problem.includes(C.toHex(stranger.pk).slice(0, 16)), JSON.stringify(t));
  inbox = await dev.inbox();
  expect("bob's messages are all still there, and the new one arrived", inbox.some((m) => m.id === m4) && inbox.some((m) => m.id === m6));

  // ---- values the device must reject (the real checks of a download, fed directly) ----
  const job = { mailbox: "alice", day, acct: new Map(), newMsgs: 0, deleted: 0, transient: false };
  const before = dev.rejected;
  const fake = { version: 1, sig_scheme: 1, kind: 1, created_at: BigInt(dev.now()), author_pk: stranger.pk, sender: "bob", recipient: "alice", payload: C.random(1200) };
  fake.message_id = await C.messageId("bob", "alice", fake.created_at, fake.payload);
  fake.sig = await C.sign(stranger.key, codec.signingBytes(fake));
  const fakeBytes = codec.encodeValue(fake);
  const fakeId = C.u64hex(await C.valueId(fake));
  await dev.onValue(job, C.shardOf(fake.message_id), { id: fakeId, data: fakeBytes });
  expect("a message signed by a stranger under bob's name is refused", dev.rejected === before + 1 && !(await dev.store.get("messages", fake.message_id)));
  await dev.onValue(job, C.shardOf(fake.message_id), { id: fakeId, data: fakeBytes });
  expect("the refusal is remembered by its bytes (not judged or counted again)", dev.rejected === before + 1);
  const mangled = fakeBytes.slice();
  mangled[mangled.length - 1] ^= 1;
  await dev.onValue(job, C.shardOf(fake.message_id), { id: fakeId, data: mangled });
  expect("a value with a broken signature is refused", dev.rejected === before + 2);
  const tomb = { version: 1, sig_scheme: 1, kind: 2, created_at: BigInt(dev.now()), author_pk: stranger.pk, message_id: m6, deleted_at: BigInt(dev.now()), owner: "alice", writer_id: C.random(16) };
  tomb.sig = await C.sign(stranger.key, codec.signingBytes(tomb));
  await dev.onValue(job, C.shardOf(m6), { id: C.u64hex(await C.valueId(tomb)), data: codec.encodeValue(tomb) });
  expect("a tombstone not signed by the mailbox owner is refused and deletes nothing", dev.rejected === before + 3 && (await dev.inbox()).some((m) => m.id === m6));

  // ---- reopen (a reload): the cache is still there, the identity too ----
  dev.close();
  const again = await Device.open("web-alice", url);
  expect("after a reopen the identity is loaded", again.joined && again.id.name === "alice");
  inbox = await again.inbox();
  expect("after a reopen the history is there", inbox.some((m) => m.id === w1) && inbox.some((m) => m.id === m6) && !inbox.some((m) => m.id === m1));
  expect("after a reopen the read marks are there", inbox.some((m) => m.id === m5 && m.read));
  again.close();
} catch (e) {
  expect(`no exception: ${e.stack}`, false);
}
console.log(`${checks - failures}/${checks} checks passed`);
if (failures) console.error(nodeOut.slice(-3000));
await finish(failures ? 1 : 0);
