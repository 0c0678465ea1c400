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
import { join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [cli, bundle, modules] = process.argv.slice(2);
const require = createRequire(join(modules, "noop.js"));
const { indexedDB, IDBKeyRange } = require("fake-indexeddb");
globalThis.indexedDB = indexedDB;
globalThis.IDBKeyRange = IDBKeyRange;
const { Device, crypto: C } = await import(pathToFileURL(bundle).href);

const dir = mkdtempSync(join(tmpdir(), "dnasync-web-"));
const procs = [];
let checks = 0, failures = 0;
function expect(what, ok, detail = "") {
  checks++;
  if (!ok) { failures++; console.error(`FAIL ${what} ${detail}`); } else console.log(`ok   ${what}`);
}
async function finish(code) {
  for (const p of procs) if (p.exitCode === null) { p.kill("SIGTERM"); await new Promise((r) => { const t = setTimeout(() => { p.kill("SIGKILL"); r(); }, 10000); p.once("exit", () => { clearTimeout(t); r(); }); }); }
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

  // ---- reopen (a reload): the cache is still there, the identity too ----
  dev.close();
  const again = await Device.open("web-alice", url);
  expect("after a reopen the identity is loaded", again.joined && again.id.name === "alice");
  inbox = await again.inbox();
  expect("after a reopen the history is there", inbox.some((m) => m.id === w1) && !inbox.some((m) => m.id === m1));
  again.close();
} catch (e) {
  expect(`no exception: ${e.stack}`, false);
}
console.log(`${checks - failures}/${checks} checks passed`);
if (failures) console.error(nodeOut.slice(-3000));
await finish(failures ? 1 : 0);
