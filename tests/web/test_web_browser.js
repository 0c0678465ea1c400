// The web device in headless Chromium (Debian's `chromium`, driven by npm puppeteer-core), used
// as a person would: open the URL a real `dnasync node --gateway-port` serves, type a link code
// made by a C device and its passphrase (a wrong one first: a clear message, nothing linked), see
// messages a C device sends appear without a reload, delete one in the page and see it leave the
// C device's inbox after its sync, reload and still see the history, lose the gateway (node
// stopped) and catch up on what was sent meanwhile once it is back.
// Usage: node test_web_browser.js <dnasync binary> <web dir> <node_modules dir> [screenshot.png]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

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

const dir = mkdtempSync(join(tmpdir(), "dnasync-webui-"));
let node = null, browser = null, checks = 0, failures = 0, nodeOut = "";
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
const gport = await freePort();
const url = `http://127.0.0.1:${gport}`;

async function startNode() {
  node = spawn(cli, ["node", "--bind", "127.0.0.1", "--port", "0", "--gateway-port", String(gport), "--gateway-rate", "100000", "--persist", join(dir, "node")],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DNASYNC_WEB_ROOT: webDir } });
  node.stdout.on("data", (d) => { nodeOut += d; });
  node.stderr.on("data", (d) => { nodeOut += d; });
  for (let i = 0; i < 240; i++) { try { if ((await fetch(`${url}/health`)).ok) return; } catch { /* not yet */ } await sleep(250); }
  throw new Error("the gateway did not come up in 60 s");
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

  // bad input: a wrong passphrase
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

  // offline: the gateway goes away; the page says so, keeps its inbox, catches up when it is back
  await stopNode();
  await until("the page shows it is offline", async () => (await page.$eval("#net", (e) => e.textContent)) === "offline");
  expect("the inbox stays while offline", (await texts(page)).includes("keep this one"));
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
console.log(`${checks - failures}/${checks} checks passed`);
if (failures) console.error(nodeOut.slice(-3000));
if (!failures) rmSync(dir, { recursive: true, force: true });
else console.error(`state kept in ${dir}`);
process.exit(failures ? 1 : 0);
