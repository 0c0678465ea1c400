// Benchmarks of the web device in headless Chromium (BENCHMARKS.md rows W1-W3): join time in the
// page (link code made by `dnasync link-code`, scrypt N=2^15), catch-up of N messages by a fresh
// tab, and C `dnasync send` -> message shown in the page. One real `dnasync node` with its
// gateway on loopback; the N messages are uploaded by the library in Node as bob's device.
// Prints readable lines and `RESULT name value` lines (scripts/bench.sh reads those); sends=0
// skips the latency phase. Usage: node bench/web_bench.js <build dir> [N=1000] [sends=20]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const build = resolve(process.argv[2] || "build");
const N = Number(process.argv[3] || 1000), SENDS = Number(process.argv[4] || 20);
const cli = join(build, "dnasync"), modules = join(build, "web-npm/node_modules");
const require = createRequire(join(modules, "noop.js"));
const { indexedDB, IDBKeyRange } = require("fake-indexeddb");
Object.assign(globalThis, { indexedDB, IDBKeyRange });
const puppeteer = require("puppeteer-core");
const { Device, crypto: C } = await import(pathToFileURL(join(build, "web/dnasync-web.mjs")).href);

const dir = mkdtempSync(join(tmpdir(), "dnasync-webbench-"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const port = await new Promise((res) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); }); });
const url = `http://127.0.0.1:${port}`;
const node = spawn(cli, ["node", "--bind", "127.0.0.1", "--port", "0", "--gateway-port", String(port), "--gateway-rate", "100000"], { stdio: "ignore", env: { ...process.env, DNASYNC_WEB_ROOT: join(build, "web") } });
let browser = null;
// Stopped (scripts/bench.sh's trap, Ctrl-C): the node and the browser go with it, never left
// running after the bench (Node's default on these signals exits without the finally below).
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(sig, () => {
    node.kill("SIGKILL");
    browser?.process()?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    process.exit(128 + constants.signals[sig]);
  });
try {
  for (let i = 0; i < 240; i++) { try { if ((await fetch(`${url}/health`)).ok) break; } catch { /* not yet */ } await sleep(250); }
  const dna = (home, ...a) => { const r = spawnSync(cli, ["--home", join(dir, home), "--gateway", url, "--json", ...a], { encoding: "utf8", timeout: 120000 }); if (r.status) throw new Error(r.stdout + r.stderr); return r.stdout.trim().split("\n").map((l) => JSON.parse(l)); };
  dna("alice1", "init", "alice");
  dna("bob", "init", "bob");
  const pass = "correct horse battery";
  const [{ code }] = dna("alice1", "link-code", "--passphrase", pass);
  const [{ code: bobCode }] = dna("bob", "link-code", "--passphrase", pass);

  // bob's device in Node queues N messages and uploads them in batches
  const bob = await Device.open("bench-bob", url);
  await bob.join(bobCode, pass);
  const kem = C.fromHex((await bob.resolve("alice")).kem);
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const created = bob.now();
    const text = `catch-up message ${i} ` + "x".repeat(i % 200);
    const ct = await C.sealEnvelope([kem, bob.id.ek], C.messageAad("bob", "alice", created), new TextEncoder().encode(text));
    await bob.store.put("messages", { message_id: await C.messageId("bob", "alice", created, ct), sender: "bob", recipient: "alice", created_at: created, ciphertext: ct, conversation_id: await C.conversationId("bob", "alice"), pending: 1, unsent: 1 });
  }
  await bob.locked(() => bob.uploadPending());
  console.log(`setup: ${N} messages sealed and uploaded by the Node device in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: true, userDataDir: join(dir, "profile"),
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  const page = await browser.newPage();
  await page.goto(url + "/", { waitUntil: "load" });
  await page.waitForSelector("#join:not([hidden])");
  await page.type("#code", code);
  await page.type("#pass", pass);
  const tJoin = Date.now();
  await page.click("#join-btn");
  await page.waitForFunction(() => document.getElementById("who").textContent === "alice", { timeout: 120000 });
  const joinMs = Date.now() - tJoin;
  await page.waitForFunction((n) => document.querySelectorAll("#inbox li").length >= n, { timeout: 600000, polling: 100 }, N);
  const catchUpS = (Date.now() - tJoin - joinMs) / 1000;
  console.log(`W1 page join (click -> linked): ${joinMs} ms`);
  console.log(`W2 catch-up of ${N} messages by a fresh tab (linked -> all ${N} shown): ${catchUpS.toFixed(1)} s (${((catchUpS * 1000) / N).toFixed(1)} ms per message)`);
  console.log(`RESULT web_join_ms ${joinMs}`);
  console.log(`RESULT web_catchup_s ${catchUpS.toFixed(2)}`);

  // C send -> shown in the page (a MutationObserver stamps each new row); sends=0 skips it
  if (SENDS > 0) {
    await page.evaluate(() => {
      window.seen = {};
      new MutationObserver(() => { for (const li of document.querySelectorAll("#inbox li")) if (!(li.dataset.id in window.seen)) window.seen[li.dataset.id] = Date.now(); })
        .observe(document.getElementById("inbox"), { childList: true });
      for (const li of document.querySelectorAll("#inbox li")) window.seen[li.dataset.id] = 0;
    });
    const lat = [];
    for (let i = 0; i < SENDS; i++) {
      const t = Date.now();
      const [{ message_id: id }] = dna("bob", "send", "alice", `latency ${i}`);
      const sent = Date.now() - t;
      await page.waitForFunction((m) => window.seen[m] > 0, { timeout: 60000, polling: 20 }, id);
      lat.push([(await page.evaluate((m) => window.seen[m], id)) - t, sent]);
      console.log(`RESULT web_send_to_page_ms ${lat[i][0]}\nRESULT web_send_process_ms ${sent}`);
    }
    lat.sort((a, b) => a[0] - b[0]);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))][0];
    const sendP50 = lat.map((x) => x[1]).sort((a, b) => a - b)[Math.floor(lat.length / 2)];
    console.log(`W3 C send -> shown in the page, ${SENDS} sends: p50 ${q(0.5)} ms, max ${lat[lat.length - 1][0]} ms (the dnasync send process itself: p50 ${sendP50} ms)`);
  }
  bob.close();
} finally {
  if (browser) await browser.close().catch(() => {});
  node.kill("SIGTERM");
  await new Promise((r) => { const t = setTimeout(() => { node.kill("SIGKILL"); r(); }, 20000); node.once("exit", () => { clearTimeout(t); r(); }); });
  rmSync(dir, { recursive: true, force: true });
}
