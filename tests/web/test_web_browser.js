// The web device in headless Chromium (Debian's `chromium`, driven by npm puppeteer-core), used
// as a person would: open the URL a real `dnasync node --gateway-port` serves, type a link code
// made by a C device and its passphrase (a wrong one first: a clear message, nothing linked), see
// messages a C device sends appear without a reload, mark messages read (shared as a receipt with
// the identity's C device, or only here) and see a receipt written by the C device, delete one in
// the page and see it leave the C device's inbox after its sync, reload and still see the
// history, see values a hostile writer planted on the node refused with a message while the
// history stays, lose the gateway (node stopped), reload the page from its offline copy and
// still see the history, and catch up on what was sent meanwhile once it is back. Beside the
// gateway node runs a second dnasync storage node: a put counts as uploaded only when another
// node holds its exact bytes (docs/dht.md "Reliable puts"), and the REST proxy's client node,
// a stock OpenDHT node, acknowledges a summary's new edition but keeps the first one (its types
// refuse every edit), so without a real storage peer no edition after the first is ever uploaded.
// Usage: node test_web_browser.js <dnasync binary> <web dir> <node_modules dir> [screenshot.png]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [cli, webDir, modules, screenshot] = process.argv.slice(2).map((p) => resolve(p));
const CHROMIUM = process.env.DNASYNC_CHROMIUM || "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  console.error(`SKIP: ${CHROMIUM} is not installed (scripts/deps.sh installs Debian's chromium unless DNASYNC_WITH_BROWSER=0)`);
  process.exit(77);
}
if (!existsSync(join(webDir, "index.html"))) {
  console.error(`SKIP: the page was not built into ${webDir} (test_web_build: npm install failed or npm missing)`);
  process.exit(77);
}
const puppeteer = createRequire(join(modules, "noop.js"))("puppeteer-core");
const { codec, crypto: C } = await import(pathToFileURL(join(webDir, "dnasync-web.mjs")).href);

const dir = mkdtempSync(join(tmpdir(), "dnasync-webui-"));
let node = null, peer = null, browser = null, checks = 0, failures = 0, nodeOut = "";
function expect(what, ok, detail = "") {
  checks++;
  if (!ok) { failures++; console.error(`FAIL ${what} ${detail}`); } else console.log(`ok   ${what}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, seconds = 60) { // bounded, generous: the machine is shared
  for (let i = 0; i < seconds * 4; i++) { try { if (await fn()) { expect(what, true); return true; } } catch { /* retry */ } await sleep(250); }
  expect(`${what} (within ${seconds} s)`, false);
  return false;
}
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); }); });
const gport = await freePort(), pport = await freePort();
const url = `http://127.0.0.1:${gport}`;

async function startNode() {
  node = spawn(cli, ["node", "--bind", "127.0.0.1", "--port", "0", "--gateway-port", String(gport), "--gateway-rate", "100000", "--proxy-port", String(pport), "--persist", join(dir, "node")],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DNASYNC_WEB_ROOT: webDir } });
  node.stdout.on("data", (d) => { nodeOut += d; });
  node.stderr.on("data", (d) => { nodeOut += d; });
  for (let i = 0; i < 240; i++) { try { if ((await fetch(`${url}/health`)).ok) return startPeer(); } catch { /* not yet */ } await sleep(250); }
  throw new Error("the gateway did not come up in 60 s");
}
// The storage peer, started once; the gateway node keeps its port across its restart (--persist).
async function startPeer() {
  let port = null;
  for (let i = 0; i < 40 && !port; i++) { // its stdout may come after /health answers
    port = /listening on 127\.0\.0\.1:(\d+)/.exec(nodeOut)?.[1];
    if (!port) await sleep(250);
  }
  if (!port) throw new Error(`the node did not say its port: ${nodeOut}`);
  if (!peer) {
    peer = spawn(cli, ["node", "--bind", "127.0.0.1", "--port", "0", "--bootstrap", `127.0.0.1:${port}`, "--persist", join(dir, "peer")], { stdio: "ignore" });
  }
  for (let i = 0; i < 240; i++) { // the proxy's client node and the peer
    try { if ((await (await fetch(`${url}/health`)).json()).nodes >= 2) return; } catch { /* not yet */ }
    await sleep(250);
  }
  throw new Error("the gateway node did not see its storage peer in 60 s");
}
async function stopPeer() {
  const p = peer;
  peer = null;
  p.kill("SIGTERM");
  await new Promise((r) => { const t = setTimeout(() => { p.kill("SIGKILL"); r(); }, 20000); p.once("exit", () => { clearTimeout(t); r(); }); });
}
async function stopNode() { // by its pid; SIGTERM saves the --persist state
  const p = node;
  node = null;
  p.kill("SIGTERM");
  await new Promise((r) => { const t = setTimeout(() => { p.kill("SIGKILL"); r(); }, 20000); p.once("exit", () => { clearTimeout(t); r(); }); });
  expect("the node stops cleanly (exit 0)", p.exitCode === 0, `exit ${p.exitCode}, signal ${p.signalCode}`);
}
function dna(home, ...args) {
  const r = spawnSync(cli, ["--home", join(dir, home), "--gateway", url, "--json", ...args], { timeout: 120000, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dnasync ${args.join(" ")} (home ${home}) exit ${r.status}: ${r.stdout} ${r.stderr}`);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
const inboxOf = (home) => { dna(home, "sync"); return dna(home, "inbox", "--limit", "1000"); };
const texts = (page) => page.$$eval("#inbox li .text", (els) => els.map((e) => e.textContent));
const rowClass = (page, id) => page.$eval(`#inbox li[data-id="${id}"]`, (li) => li.className);
// a click inside the page (atomic there: the list is re-rendered on every sync event)
const clickIn = (page, sel) => page.$eval(sel, (b) => b.click());

// A hostile writer with a raw OpenDHT node (the node's stock REST proxy: no dnasync checks beyond
// the storage policy's signature, id and key): a message under bob's name signed by a stranger,
// a stranger's tombstone of a real message, and the stranger's summary claiming both so every
// reader fetches them; the message is also rung on alice's doorbell.
async function plantForgeries(victimId) {
  const stranger = await C.signKeyFromSeed(C.random(32));
  const now = BigInt(Math.floor(Date.now() / 1000)), day = Math.floor(Date.now() / 86400000);
  const base = { version: 1, sig_scheme: 1, created_at: now, author_pk: stranger.pk };
  const msg = { ...base, kind: codec.KIND.message, sender: "bob", recipient: "alice", payload: C.random(600) };
  msg.message_id = await C.messageId("bob", "alice", now, msg.payload);
  const tomb = { ...base, kind: codec.KIND.tombstone, message_id: victimId, deleted_at: now, owner: "alice", writer_id: C.random(16) };
  const entries = new Map();
  for (const v of [msg, tomb]) {
    v.sig = await C.sign(stranger.key, codec.signingBytes(v));
    const s = C.shardOf(v.message_id), e = entries.get(s) || { shard: s, count: 0, xor: 0n };
    e.count++; e.xor ^= await C.valueId(v);
    entries.set(s, e);
  }
  const sum = { ...base, kind: codec.KIND.summary, mailbox: "alice", day: BigInt(day), writer_id: C.random(16), counter: 1n, entries: [...entries.values()].sort((a, b) => a.shard - b.shard) };
  sum.sig = await C.sign(stranger.key, codec.signingBytes(sum));
  const puts = [[msg, await C.keyBox("alice", day, C.shardOf(msg.message_id))], [tomb, await C.keyBox("alice", day, C.shardOf(victimId))], [sum, await C.keySum("alice", day)], [msg, await C.keyBell("alice", day)]];
  for (const [v, key] of puts) {
    const r = await fetch(`http://127.0.0.1:${pport}/key/${key}`, { method: "POST", body: JSON.stringify({ data: Buffer.from(codec.encodeValue(v)).toString("base64"), id: String(await C.valueId(v)), type: 0x6400 + v.kind }) });
    expect(`the raw proxy takes the forged ${codec.KIND_NAME[v.kind]}`, r.ok, `${r.status} ${await r.text()}`);
  }
  return msg.message_id;
}

try {
  await startNode();
  dna("alice1", "init", "alice");
  dna("bob", "init", "bob");
  dna("alice1", "sync");
  dna("bob", "sync");
  const pass = "correct horse battery";
  const [{ code }] = dna("alice1", "link-code", "--passphrase", pass);

  browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true, userDataDir: join(dir, "profile"),
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.setViewport({ width: 900, height: 600 });
  await page.goto(url + "/", { waitUntil: "load" });
  await until("the page asks for a link code", () => page.$eval("#join", (f) => !f.hidden));

  // bad input: a damaged link code (one character changed), then a wrong passphrase
  const damaged = code.slice(0, 20) + (code[20] === "A" ? "B" : "A") + code.slice(21);
  await page.type("#code", damaged);
  await page.type("#pass", pass);
  await page.click("#join-btn");
  await until("a damaged link code gives a clear message", async () => /damaged or mistyped/.test(await page.$eval("#error", (e) => e.textContent)));
  expect("nothing linked after a damaged link code", await page.$eval("#app", (a) => a.hidden));
  await page.$eval("#code", (e) => { e.value = ""; });
  await page.$eval("#pass", (e) => { e.value = ""; });
  await page.type("#code", code);
  await page.type("#pass", "not the passphrase");
  await page.click("#join-btn");
  await until("a wrong passphrase gives a clear message", async () => /wrong passphrase/.test(await page.$eval("#error", (e) => e.textContent)));
  expect("nothing linked after a wrong passphrase", await page.$eval("#app", (a) => a.hidden));

  await page.$eval("#pass", (e) => { e.value = ""; });
  await page.type("#pass", pass);
  await page.click("#join-btn");
  await until("the tab is linked to alice", async () => (await page.$eval("#who", (e) => e.textContent)) === "alice", 120);

  // a C send appears without reload
  const [{ message_id: m1 }] = dna("bob", "send", "alice", "hello browser, from bob");
  const [{ message_id: m2 }] = dna("bob", "send", "alice", "keep this one");
  await until("bob's messages appear in the page without a reload", async () => { const t = await texts(page); return t.includes("hello browser, from bob") && t.includes("keep this one"); });

  // a send from the page reaches bob
  await page.type("#to", "bob");
  await page.type("#text", "hi bob, typed in a browser");
  await page.click("#send button");
  await until("the page's send reaches bob's C inbox", () => inboxOf("bob").some((m) => m.text === "hi bob, typed in a browser" && m.sender === "alice"));

  // the conversation selector: bob's conversation holds all three; alice's notes to herself none
  await until("the conversation selector lists bob", async () => (await page.$$eval("#conv option", (o) => o.map((x) => x.textContent))).includes("bob"));
  await page.select("#conv", await page.$eval("#conv", (s) => [...s.options].find((o) => o.textContent === "bob").value));
  await until("bob's conversation shows its three messages", async () => (await texts(page)).length === 3);
  await page.select("#conv", "");

  // mark read: shared as a receipt (the page's setting) reaches alice's C device; local only does not
  const [{ message_id: r1 }] = dna("bob", "send", "alice", "read me, shared");
  const [{ message_id: r2 }] = dna("bob", "send", "alice", "read me, here only");
  const [{ message_id: r3 }] = dna("bob", "send", "alice", "read me on the desktop");
  await until("three new messages shown unread", async () => (await Promise.all([r1, r2, r3].map((id) => rowClass(page, id)))).every((c) => c === "unread"));
  await page.click("#share-receipts");
  expect("the page offers to share read receipts", await page.$eval("#share-receipts", (c) => c.checked));
  await clickIn(page, `#inbox li[data-id="${r1}"] button.read`);
  await until("the shared read shows in the page", async () => (await rowClass(page, r1)) === "read");
  await page.click("#share-receipts");
  await clickIn(page, `#inbox li[data-id="${r2}"] button.read`);
  await until("the local read shows in the page", async () => (await rowClass(page, r2)) === "read");
  let a1 = [];
  await until("alice's C device sees the shared receipt after its sync", () => (a1 = inboxOf("alice1")).some((m) => m.message_id === r1 && m.read === true));
  expect("the read marked only in the page stays unread on the C device", a1.some((m) => m.message_id === r2 && m.read === false), JSON.stringify(a1.filter((m) => m.message_id === r2)));
  dna("alice1", "read", r3, "--share");
  await until("a receipt shared by alice's C device shows the message read in the page without a reload", async () => (await rowClass(page, r3)) === "read");

  // delete in the page: gone from alice's C inbox after its sync
  // the list is re-rendered on every sync event, so click inside the page (atomic there)
  await until("deleted in the page", async () => {
    await page.$eval(`#inbox li[data-id="${m1}"] button.delete`, (b) => b.click()).catch(() => {});
    return !(await texts(page)).includes("hello browser, from bob");
  });
  await until("the page's delete left alice's C inbox", () => { const a = inboxOf("alice1"); return a.some((m) => m.message_id === m2) && !a.some((m) => m.message_id === m1); });

  // reload: history from IndexedDB
  await page.reload({ waitUntil: "load" });
  await until("after a reload the history is there (and the deletion)", async () => { const t = await texts(page); return t.includes("keep this one") && t.includes("hi bob, typed in a browser") && !t.includes("hello browser, from bob"); });
  expect("after a reload the read marks are there", (await rowClass(page, r1)) === "read" && (await rowClass(page, r2)) === "read" && (await rowClass(page, r3)) === "read");
  expect("after a reload the receipt setting is kept (off)", !(await page.$eval("#share-receipts", (c) => c.checked)));

  // bad input from the network: forged values planted by a hostile writer are refused
  const before = await texts(page);
  const forgedId = await plantForgeries(m2);
  const [{ message_id: m4 }] = dna("bob", "send", "alice", "sent after the forgeries");
  await until("the page says it refused the forged values", async () => /refused 2 value\(s\)/.test(await page.$eval("#refused", (e) => e.textContent)));
  const notice = await page.$eval("#refused", (e) => e.textContent);
  expect("the message names the reasons", /not signed by its sender's identity/.test(notice) && /not signed by the mailbox owner/.test(notice), notice);
  expect("the status line counts them", /2 refused/.test(await page.$eval("#status", (e) => e.textContent)));
  await until("the genuine message after the forgeries arrives", async () => (await texts(page)).includes("sent after the forgeries"));
  let after = await texts(page);
  expect("every message shown before is still there (the forged tombstone deleted nothing)", before.every((t) => after.includes(t)), JSON.stringify({ before, after }));
  expect("the forged message is not shown", !(await page.$(`#inbox li[data-id="${forgedId}"]`)));
  await page.reload({ waitUntil: "load" });
  await until("after a reload the history and the refusals are kept", async () => { const t = await texts(page); return before.every((x) => t.includes(x)) && t.includes("sent after the forgeries") && /2 refused/.test(await page.$eval("#status", (e) => e.textContent)); });
  expect(`the genuine message has its id ${m4.slice(0, 8)}`, !!(await page.$(`#inbox li[data-id="${m4}"]`)));

  // offline: the gateway goes away; the page says so, keeps its inbox, catches up when it is back
  await stopNode();
  await until("the page shows it is offline", async () => (await page.$eval("#net", (e) => e.textContent)) === "offline");
  expect("the inbox stays while offline", (await texts(page)).includes("keep this one"));
  // a reload with the gateway down: the page comes from its offline copy, the history from IndexedDB
  await page.reload({ waitUntil: "load" }).catch((e) => expect(`the page reloads while the gateway is down: ${e.message}`, false));
  await until("a reload while the gateway is down still shows the history", async () => { const t = await texts(page); return t.includes("keep this one") && t.includes("sent after the forgeries"); });
  await until("and says it is offline", async () => (await page.$eval("#net", (e) => e.textContent)) === "offline");
  await startNode();
  const [{ message_id: m3 }] = dna("bob", "send", "alice", "sent while the page was offline");
  await until("after the gateway returns the page catches up without a reload", async () => (await texts(page)).includes("sent while the page was offline"), 90);
  expect(`the new message has its id ${m3.slice(0, 8)}`, !!(await page.$(`#inbox li[data-id="${m3}"]`)));
  expect("no uncaught errors in the page", pageErrors.length === 0, pageErrors.join("; "));
  if (screenshot) await page.screenshot({ path: screenshot });
} catch (e) {
  expect(`no exception: ${e.stack}`, false);
}
if (browser) await browser.close().catch(() => {});
if (node) await stopNode();
if (peer) await stopPeer();
console.log(`${checks - failures}/${checks} checks passed`);
if (failures) console.error(nodeOut.slice(-3000));
if (!failures) rmSync(dir, { recursive: true, force: true });
else console.error(`state kept in ${dir}`);
process.exit(failures ? 1 : 0);
