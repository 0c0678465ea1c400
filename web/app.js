// The page: one dnasync device in this tab (docs/web.md). Talks only to the gateway that
// served it (same origin); keeps everything in IndexedDB.
import { Device } from "./src/device.js";

const $ = (id) => document.getElementById(id);
let dev;

function showError(e) { $("error").textContent = e ? (e.message || String(e)) : ""; }
// An unreachable gateway is the offline state (the cache keeps working), not an error.
function showNetError(e) {
  if (e && e.code === "offline") $("net").textContent = "offline";
  else showError(e);
}

// Values the device refused (forged, damaged, misplaced): said plainly, counted, never stored.
function renderRefusals(rows) {
  const p = $("refused");
  p.hidden = rows.length === 0;
  if (!rows.length) return;
  const reasons = new Map();
  for (const r of rows) reasons.set(r.reason || "refused", (reasons.get(r.reason || "refused") || 0) + 1);
  p.textContent = `This tab refused ${rows.length} value(s) read from the network: ` +
    [...reasons].map(([why, n]) => `${why}${n > 1 ? ` (${n})` : ""}`).join("; ") +
    ". They were not stored and changed nothing in this history.";
}

// The conversations (by the other participant) in the selector; the list shows the chosen one.
function renderConversations(all) {
  const sel = $("conv"), keep = sel.value;
  const others = new Map();
  for (const m of all) others.set(m.conversation, m.from === dev.id.name ? m.to : m.from);
  const opts = [["", "all"], ...[...others].sort((a, b) => a[1].localeCompare(b[1]))];
  sel.replaceChildren(...opts.map(([v, label]) => Object.assign(document.createElement("option"), { value: v, textContent: label })));
  sel.value = others.has(keep) ? keep : "";
}

// Rows are kept by message id and rebuilt only when what they show changed, and the list is
// updated in place (rows that left removed, new ones inserted where they belong): a catch-up
// renders many times and brings messages in shard order, not time order, and rebuilding every
// row each time made it quadratic (1,000 messages: 35 s with, 13 s without).
const rows = new Map(); // message id -> { key, li }
function rowOf(m) {
  const key = `${m.read}|${m.pending}|${m.text ?? m.error}`;
  const had = rows.get(m.id);
  if (had && had.key === key) return had.li;
  const li = makeRow(m);
  rows.set(m.id, { key, li });
  return li;
}

async function render() {
  const all = await dev.inbox();
  renderConversations(all);
  const ids = new Set(all.map((m) => m.id));
  for (const id of rows.keys()) if (!ids.has(id)) rows.delete(id);
  const list = $("conv").value ? all.filter((m) => m.conversation === $("conv").value) : all;
  const ul = $("inbox"), lis = list.map(rowOf), want = new Set(lis);
  for (const li of [...ul.children]) if (!want.has(li)) li.remove();
  let at = ul.firstElementChild; // what stays is in the same order as lis
  for (const li of lis) {
    if (li === at) at = at.nextElementSibling;
    else ul.insertBefore(li, at);
  }
  const st = await dev.status();
  $("status").textContent = `${all.length} message(s); ${st.verified} of ${st.window} days verified; ${st.pending} pending; ${st.refused} refused; device ${st.device}`;
  renderRefusals(await dev.refusals());
}

function makeRow(m) {
  const li = document.createElement("li");
  li.dataset.id = m.id;
  li.className = m.read ? "read" : "unread";
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `${new Date(m.created_at * 1000).toLocaleString()} ${m.from} → ${m.to}${m.pending ? " (pending)" : ""}`;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = m.text ?? `(cannot open: ${m.error})`;
  const read = document.createElement("button");
  read.textContent = "read";
  read.className = "read";
  read.title = "mark read (shared with this identity's other devices when the box above is ticked)";
  read.hidden = m.read;
  read.onclick = () => dev.markRead(m.id).then(render, showError);
  const del = document.createElement("button");
  del.textContent = "delete";
  del.className = "delete";
  del.onclick = () => dev.delete(m.id).then(render, showError);
  li.append(meta, text, read, del);
  return li;
}

// A catch-up sends an event per message: render 200 ms after an event, never two at once, and
// during a catch-up never more than a quarter of the time (a long list costs more per render);
// the pause counts from the end of the last render, so a message on an idle page shows at once.
let renderTimer = null, rendering = null, renderMs = 0, renderEnd = 0;
function scheduleRender() {
  if (renderTimer) return;
  const wait = Math.max(200, renderEnd + 3 * renderMs - performance.now());
  renderTimer = setTimeout(async () => {
    await rendering;
    renderTimer = null;
    const t0 = performance.now();
    rendering = render().catch(showError).finally(() => { renderEnd = performance.now(); renderMs = renderEnd - t0; });
  }, wait);
}

function started() {
  $("join").hidden = true;
  $("app").hidden = false;
  $("who").textContent = dev.id.name;
  $("share-receipts").checked = dev.shareReceipts;
  $("share-receipts").onchange = (e) => dev.setShareReceipts(e.target.checked).catch(showError);
  dev.on((ev) => {
    if (ev.type === "offline") $("net").textContent = "offline";
    else if (ev.type === "error") showError(ev);
    else { if (ev.type === "synced") $("net").textContent = ""; scheduleRender(); }
  });
  render().catch(showError);
  dev.listen();
  const pass = () => dev.pass().catch(showNetError);
  pass();
  setInterval(pass, 300000); // the safety net beside the doorbell listen
}

async function main() {
  // the page's own files for a reload while the gateway is down (sw.js); the data is in IndexedDB
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
  dev = await Device.open("dnasync", location.origin);
  $("join").onsubmit = async (e) => {
    e.preventDefault();
    showError(null);
    $("join-btn").disabled = true;
    try {
      await dev.join($("code").value, $("pass").value);
      $("pass").value = "";
      started();
    } catch (err) {
      showError(err);
    } finally {
      $("join-btn").disabled = false;
    }
  };
  $("send").onsubmit = async (e) => {
    e.preventDefault();
    showError(null);
    try {
      await dev.send($("to").value.trim(), $("text").value);
      $("text").value = "";
    } catch (err) {
      showNetError(err); // offline: the message is kept pending and goes with the next pass
    }
    render().catch(showError);
  };
  $("conv").onchange = () => render().catch(showError);
  if (dev.joined) started();
  else $("join").hidden = false;
}
main().catch(showError);
