// `make demo`'s browser step: alice's web device in headless Chromium (docs/web.md). Opens the
// page the gateway serves, links it with a link code and passphrase, waits (bounded) until the
// inbox shows EXPECT, prints what the page shows and writes a screenshot.
// Usage: node demo_web.mjs <gateway URL> <link code> <passphrase> <expected text> <png> <node_modules>
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [url, code, pass, expect, png, modules] = process.argv.slice(2);
const puppeteer = createRequire(join(resolve(modules), "noop.js"))("puppeteer-core");
const browser = await puppeteer.launch({
  executablePath: process.env.DNASYNC_CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 900, height: 420 });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("#join:not([hidden])", { timeout: 30000 });
  await page.type("#code", code);
  await page.type("#pass", pass);
  const t = Date.now();
  await page.click("#join-btn");
  await page.waitForFunction(() => document.getElementById("who").textContent !== "", { timeout: 60000 });
  console.log(`alice-browser (Chromium): linked in ${Date.now() - t} ms`);
  await page.waitForFunction((x) => [...document.querySelectorAll("#inbox li .text")].some((e) => e.textContent === x), { timeout: 60000, polling: 100 }, expect);
  // the first pass is done when every day of the window is verified (bounded; printed either way)
  await page.waitForFunction(() => /\b31 of 31 days verified/.test(document.getElementById("status").textContent), { timeout: 60000 }).catch(() => {});
  const texts = await page.$$eval("#inbox li .text", (els) => els.map((e) => `'${e.textContent}'`));
  console.log(`alice-browser (Chromium): inbox = [${texts.join(", ")}]; ${await page.$eval("#status", (e) => e.textContent.split(";")[1].trim())}`);
  await page.screenshot({ path: png });
  console.log(`alice-browser (Chromium): screenshot ${png}`);
} finally {
  await browser.close();
}
