// One dnasync device in the page: the same protocol as the C engine (docs/sync.md), through a
// gateway. Mirrors src/sync/sync_download.c (per-author accounting of summaries against held
// values, shard diff, listing then whole-key get), sync_values.c (every value decoded strictly
// and verified before it touches the cache) and sync_upload.c (both mailboxes, own summary with
// a growing version, then the doorbell).
import { KIND, KIND_NAME, SHARDS, BUNDLE_OF, MEMBER_OF, MAX_BUNDLE_MEMBERS, VALUE_MAX_BYTES, isBundle, decodeValue, encodeValue, signingBytes, nameValid } from "./codec.js";
import * as C from "./crypto.js";
import { Gateway } from "./gateway.js";
import { Store } from "./store.js";

export const WINDOW_DAYS = 30;
const DAY_GRACE_S = 3600;
const FETCH_CHUNK = 16, FETCH_ROUNDS = 3, SHARD_ROUNDS = 2, SUMMARY_KEY_CAP = 256;
// what a bundle's fixed fields and one member's framing take at most, for the split (sync_bundle.c)
const BUNDLE_HEADER_BYTES = 200 + 64, MEMBER_BYTES = 100 + 2 * 64;

class Transient extends Error {}

export class Device {
  constructor(store, gateway, now = () => Date.now()) {
    this.store = store;
    this.gw = gateway;
    this.nowMs = now;
    this.listeners = new Set();
    this.rejected = 0;
    this.queue = Promise.resolve();
    this.plain = new Map(); // message id -> opened text, in memory only (never stored)
  }
  // One pass, send, delete or download at a time, like the C engine's context lock: two
  // interleaved downloads would each account for a day without the other's arrivals.
  locked(fn) {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
  now() { return Math.floor(this.nowMs() / 1000); }
  today() { return Math.floor(this.now() / 86400); }
  on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  emit(ev) { for (const fn of this.listeners) fn(ev); }

  static async open(dbName, gatewayUrl, opts = {}) {
    const d = new Device(await Store.open(dbName, opts.indexedDB), new Gateway(gatewayUrl), opts.now);
    await d.load();
    return d;
  }
  close() { this.stopListening(); this.store.close(); }
  get joined() { return !!this.id; }

  // ---- identity: join with a link code; the master secret is kept wrapped by a
  // non-extractable AES-GCM key that never leaves this browser profile ----
  async join(code, passphrase) {
    if (this.id) throw new Error(`this page is already the device of '${this.id.name}'`);
    const { name, master } = await C.openLinkCode(code, passphrase, this.now());
    const wrapKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    const iv = C.random(12);
    const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, wrapKey, master));
    const deviceId = C.toHex(C.random(16));
    const id = await C.identityFromMaster(name, master);
    master.fill(0);
    await this.store.tx(["meta"], (s) => {
      s.meta.put({ name, wrapKey, iv, wrapped, deviceId }, "identity");
      s.meta.put({ [name]: { sign: C.toHex(id.signPk), kem: C.toHex(id.ek) } }, "pins");
    });
    await this.load();
    return name;
  }
  async load() {
    const rec = await this.store.meta("identity");
    if (!rec) return;
    const master = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: rec.iv }, rec.wrapKey, rec.wrapped));
    this.id = await C.identityFromMaster(rec.name, master);
    master.fill(0);
    this.deviceId = rec.deviceId;
    this.writer = C.fromHex(rec.deviceId);
    this.pins = (await this.store.meta("pins")) || {};
    this.shareReceipts = !!(await this.store.meta("share_receipts"));
  }
  // Whether marking read also puts a receipt for this identity's other devices (off by default,
  // the spec's privacy default; `sync_set_share_read_receipts` on a C device). Kept per tab.
  async setShareReceipts(on) {
    this.shareReceipts = !!on;
    await this.store.setMeta("share_receipts", this.shareReceipts);
  }

  // ---- identities of others: read id/<name>, trust on first use (docs/trust.md) ----
  async resolve(name) {
    const pin = this.pins[name];
    if (pin) return pin; // pinned: the pin decides, no read (a changed key is never taken)
    let values;
    try { values = await this.gw.get(await C.keyIdentity(name)); } catch (e) {
      throw new Transient(`identity of '${name}' could not be read: ${e.message}`);
    }
    const claims = new Map();
    for (const raw of values) {
      let v;
      try { v = decodeValue(raw.data); } catch { continue; }
      if (v.kind !== KIND.identity || v.name !== name) continue;
      if (!(await C.verify(v.author_pk, v.sig, signingBytes(v)))) continue;
      const k = C.toHex(v.signing_pk), prev = claims.get(k);
      if (!prev || v.created_at > prev.created_at) claims.set(k, { sign: k, kem: C.toHex(v.kem_pk), created_at: v.created_at });
    }
    if (claims.size === 0) throw new Transient(`no identity record of '${name}' found yet`);
    if (claims.size > 1) throw new Transient(`several keys claim the name '${name}'`);
    const c = [...claims.values()][0];
    this.pins[name] = { sign: c.sign, kem: c.kem };
    await this.store.setMeta("pins", this.pins);
    return this.pins[name];
  }

  // ---- checking what was read (sync_values.c, sv_decode_verify_all) ----
  // { members: [{ v, author }], vid, author, bundle } or { reject } or { transient }
  async decodeVerify(mailbox, day, raw) {
    let v;
    try { v = decodeValue(raw); } catch { return { reject: "malformed value" }; }
    if (!(await C.verify(v.author_pk, v.sig, signingBytes(v)))) return { reject: "bad signature" };
    const vid = C.u64hex(await C.valueId(v));
    const author = C.toHex(v.author_pk);
    if (!isBundle(v.kind)) {
      const r = await this.checkSingle(mailbox, v, author);
      return r.v ? { members: [r], vid, author, bundle: false } : r;
    }
    // a bundle: verified once above; any member that fails refuses it as a whole
    if (v.mailbox !== mailbox || v.day !== BigInt(day)) return { reject: "bundle for another mailbox or day" };
    const kind = MEMBER_OF[v.kind], members = [];
    for (const m of v.members) {
      const one = kind === KIND.message
        ? { kind, message_id: m.message_id, sender: m.sender, recipient: m.recipient, created_at: m.at, payload: m.payload }
        : { kind, message_id: m.message_id, owner: mailbox, [kind === KIND.tombstone ? "deleted_at" : "read_at"]: m.at };
      const r = await this.checkSingle(mailbox, one, author);
      if (!r.v) return r;
      members.push(r);
    }
    return { members, vid, author, bundle: true };
  }
  async checkSingle(mailbox, v, author) {
    if (v.kind === KIND.message) {
      if (v.sender !== mailbox && v.recipient !== mailbox) return { reject: "message in a mailbox that is neither sender's nor recipient's" };
      if ((await C.messageId(v.sender, v.recipient, v.created_at, v.payload)) !== v.message_id) return { reject: "recomputed message id differs" };
      let pin;
      try { pin = await this.resolve(v.sender); } catch (e) { if (e instanceof Transient) return { transient: e.message }; return { reject: e.message }; }
      if (pin.sign !== author) return { reject: "message not signed by its sender's identity" };
      return { v, author };
    }
    if (v.kind === KIND.tombstone || v.kind === KIND.receipt) {
      if (v.owner !== mailbox || author !== this.pins[mailbox].sign) return { reject: "tombstone or receipt not signed by the mailbox owner" };
      return { v, author };
    }
    return { reject: "unexpected kind in a mailbox" };
  }

  // One checked value or bundle member: its message row as it becomes (idempotent: last write
  // wins on times) and the event it makes, if any.
  async applyMember(r, job, rows) {
    const v = r.v;
    let event = null;
    const row = rows.get(v.message_id) || (await this.store.get("messages", v.message_id));
    let m;
    if (v.kind === KIND.message) {
      m = row || {};
      const fresh = !row || !row.ciphertext;
      Object.assign(m, {
        message_id: v.message_id, sender: v.sender, recipient: v.recipient, created_at: Number(v.created_at),
        ciphertext: v.payload, conversation_id: await C.conversationId(v.sender, v.recipient),
        unsent: 0, pending: m.pending_mark ? 1 : 0, // on the DHT now; a pending mark stays
      });
      if (fresh) { job.newMsgs++; if (!m.deleted_at) event = { type: "message", id: v.message_id }; }
    } else {
      const at = Number(v.kind === KIND.tombstone ? v.deleted_at : v.read_at);
      m = row || { message_id: v.message_id, pending: 0 };
      const field = v.kind === KIND.tombstone ? "deleted_at" : "read_at";
      const changed = !(m[field] >= at); // last write wins on the time
      if (changed) m[field] = at;
      if (changed && v.kind === KIND.tombstone && m.ciphertext) { job.deleted++; event = { type: "deleted", id: v.message_id }; }
      if (changed && v.kind === KIND.receipt) event = { type: "read", id: v.message_id };
    }
    rows.set(v.message_id, m);
    return event;
  }

  // Every member and the value itself (indexed once) in one transaction, then the events.
  async applyValue(day, shard, vid, r, job) {
    const rows = new Map(), events = [];
    for (const m of r.members) { const e = await this.applyMember(m, job, rows); if (e) events.push(e); }
    const first = r.members[0].v;
    const idx = { mailbox: this.id.name, day, shard, vid, message_id: first.message_id, kind: r.bundle ? BUNDLE_OF[first.kind] : first.kind, author: r.author, mine: 0 };
    await this.store.tx(["messages", "index"], (s) => { for (const m of rows.values()) s.messages.put(m); s.index.put(idx); });
    hold(job.acct, r.author, shard, BigInt("0x" + vid));
    for (const e of events) this.emit(e);
  }

  async onValue(job, shard, raw) {
    const { mailbox, day } = job;
    const hash = C.toHex(await C.sha256(raw.data));
    if (await this.store.seen(mailbox, day, shard, raw.id, hash)) return; // held, or refused as these bytes
    const r = await this.decodeVerify(mailbox, day, raw.data);
    const fits = r.members && r.vid === raw.id &&
      r.members.every((m) => [KIND.message, KIND.tombstone, KIND.receipt].includes(m.v.kind) && C.shardOf(m.v.message_id) === shard);
    if (fits) {
      await this.applyValue(day, shard, raw.id, r, job);
    } else if (r.transient) {
      job.transient = true;
    } else {
      this.rejected++; // a bundle as a whole: one refusal
      const reason = r.reject || "not in the shard or under the id it was read from";
      await this.store.put("refused", { mailbox, day, shard, vid: raw.id, hash, reason, at: this.now() });
      this.emit({ type: "refused", mailbox, day, shard, id: raw.id, reason });
    }
  }

  async fetchShard(job, shard, whole) {
    const key = await C.keyBox(job.mailbox, job.day, shard);
    if (whole) {
      for (const raw of await this.gw.get(key)) await this.onValue(job, shard, raw);
      return;
    }
    const held = () => this.store.shardIds(job.mailbox, job.day, shard);
    let have = await held();
    let missing = (await this.gw.listIds(key)).filter((id) => !have.has(id));
    for (let round = 0; missing.length && round < FETCH_ROUNDS; round++) {
      for (let i = 0; i < missing.length; i += FETCH_CHUNK)
        for (const raw of await this.gw.getIds(key, missing.slice(i, i + FETCH_CHUNK))) await this.onValue(job, shard, raw);
      have = await held();
      missing = missing.filter((id) => !have.has(id));
    }
  }

  // The claimed side: summaries of keys this device holds values of first, then at most
  // SUMMARY_KEY_CAP others (a flooded key cannot make it check signatures without end).
  async readSummaries(job, values) {
    let strangers = 0, flooded = values.length > SUMMARY_KEY_CAP;
    const sums = new Map();
    for (const known of [true, false]) {
      for (const raw of values) {
        let v;
        try { v = decodeValue(raw.data); } catch { if (known) this.rejected++; continue; }
        if (v.kind !== KIND.summary) { if (known) this.rejected++; continue; }
        const author = C.toHex(v.author_pk);
        const e = job.acct.get(author);
        if (!!(e && e.holding) !== known) continue;
        if (!known && strangers++ >= SUMMARY_KEY_CAP) { flooded = true; continue; }
        if (!(await C.verify(v.author_pk, v.sig, signingBytes(v))) || v.mailbox !== job.mailbox || BigInt(job.day) !== v.day) { this.rejected++; continue; }
        const k = author + C.toHex(v.writer_id), o = sums.get(k);
        if (!o || v.counter > o.counter) sums.set(k, { author, counter: v.counter, entries: v.entries });
        author_(job.acct, author);
      }
    }
    for (const s of sums.values()) {
      const e = job.acct.get(s.author);
      e.summarised = true;
      for (const en of s.entries) { e.claimed[en.shard] += BigInt(en.count); e.claimedXor[en.shard] ^= en.xor; }
    }
    return flooded;
  }

  async setDay(day, why) {
    const now = this.now();
    const verified = why === null;
    await this.store.put("days", { day, verified, closed: verified && now >= (day + 1) * 86400 + DAY_GRACE_S, checked_at: now, problem: why });
  }

  async downloadDay(day, sums) {
    const job = { mailbox: this.id.name, day, acct: new Map(), newMsgs: 0, deleted: 0, transient: false };
    if (sums.error) { await this.setDay(day, `its summaries could not be read: ${sums.error}`); return job; }
    const me = C.toHex(this.id.signPk);
    for (const x of await this.store.dayIndex(job.mailbox, day)) hold(job.acct, x.mine ? me : x.author, x.shard, BigInt("0x" + x.vid));
    const flooded = await this.readSummaries(job, sums.values);
    let err = null;
    for (let s = 0; s < SHARDS; s++) {
      if (!shardDiffers(job.acct, s)) continue;
      for (let round = 0; round < SHARD_ROUNDS; round++) {
        try { await this.fetchShard(job, s, round > 0); } catch (e) { err = err || e; break; }
        if (!shardDiffers(job.acct, s)) break;
      }
    }
    let why = null;
    if (err) why = `a read failed: ${err.message}`;
    else if (flooded) why = `more than ${SUMMARY_KEY_CAP} summaries on its key: flooded, a writer's summary may be hidden`;
    else if (job.transient) why = "a value could not be checked yet (sender's identity not found)";
    else why = verdict(job.acct);
    await this.setDay(day, why);
    return job;
  }

  // Every day of the window that is not closed: one batch of summary reads, then the diff.
  download(from, to) { return this.locked(() => this.downloadUnlocked(from, to)); }
  async downloadUnlocked(from = this.today() - WINDOW_DAYS, to = this.today()) {
    const days = [];
    for (let d = from; d <= to; d++) { const st = await this.store.get("days", d); if (!st || !st.closed) days.push(d); }
    const keys = await Promise.all(days.map((d) => C.keySum(this.id.name, d)));
    const sums = await this.gw.getMany(keys);
    let newMsgs = 0, deleted = 0;
    for (let i = 0; i < days.length; i++) {
      const j = await this.downloadDay(days[i], sums[i]);
      newMsgs += j.newMsgs; deleted += j.deleted;
    }
    await this.store.setMeta("last_download", this.now());
    this.emit({ type: "synced", newMsgs, deleted });
    return { newMsgs, deleted };
  }

  // ---- upload (sync_upload.c, sync_bundle.c, sync_outbox.c) ----
  async signValue(v) {
    v.version = isBundle(v.kind) ? 2 : 1; v.sig_scheme = 1; v.author_pk = this.id.signPk;
    v.sig = await C.sign(this.id.signKey, signingBytes(v));
    return encodeValue(v);
  }

  // What one pass writes to one (mailbox, shard), one kind (and for messages one sender) per
  // bundle, as few bundles as the value limit allows; members in message id order, the time the
  // oldest member's: the same members always give the same bytes and id.
  async buildBundles(items, day) {
    const groups = new Map();
    for (const it of items) for (const box of it.boxes) {
      const k = `${it.kind}/${box}/${it.shard}/${it.member.sender || ""}`;
      if (!groups.has(k)) groups.set(k, { kind: it.kind, box, shard: it.shard, items: [] });
      groups.get(k).items.push(it);
    }
    const size = (it) => MEMBER_BYTES + (it.member.payload ? it.member.payload.length : 0);
    const out = [];
    for (const g of groups.values()) {
      g.items.sort((a, b) => (a.message_id < b.message_id ? -1 : a.message_id > b.message_id ? 1 : 0));
      for (let i = 0; i < g.items.length;) {
        let j = i, bytes = BUNDLE_HEADER_BYTES;
        while (j < g.items.length && j - i < MAX_BUNDLE_MEMBERS && (j === i || bytes + size(g.items[j]) <= VALUE_MAX_BYTES)) bytes += size(g.items[j++]);
        const members = g.items.slice(i, j).map((it) => it.member);
        const created = members.reduce((a, m) => (m.at < a ? m.at : a), members[0].at);
        const v = { kind: BUNDLE_OF[g.kind], created_at: created, mailbox: g.box, day: BigInt(day), shard: g.shard, writer_id: this.writer, members };
        const data = await this.signValue(v);
        out.push({ key: await C.keyBox(g.box, day, g.shard), mailbox: g.box, day, shard: g.shard, kind: KIND_NAME[v.kind], id: C.u64hex(await C.valueId(v)), created: Number(created), data, memberKind: g.kind, members: members.map((m) => m.message_id) });
        i = j;
      }
    }
    return out;
  }

  // Puts recorded bundles (meta "bundles", written before the put: a closed tab re-puts the same
  // bytes). For each one stored, in one transaction: indexed as this device's, its members'
  // rows done unless another recorded bundle still carries them, its summary in the outbox, its
  // record dropped. Then the summaries and doorbells.
  async putBundles(bundles) {
    const res = [];
    for (let i = 0; i < bundles.length; i += 16) // the gateway's request body stays small
      res.push(...(await this.gw.put(bundles.slice(i, i + 16).map(({ key, kind, id, created, data }) => ({ key, kind, id, created, data })))));
    const stored = bundles.filter((b, i) => res[i].status === "stored");
    const isStored = (r) => stored.some((b) => b.id === r.id && b.mailbox === r.mailbox);
    const left = ((await this.store.meta("bundles")) || []).filter((r) => !isStored(r));
    const held = new Set(left.flatMap((r) => r.members.map((id) => `${r.memberKind}/${id}`)));
    const rows = new Map();
    for (const b of stored) for (const id of b.members) {
      if (held.has(`${b.memberKind}/${id}`)) continue;
      const row = rows.get(id) || (await this.store.get("messages", id));
      if (!row) continue;
      if (b.memberKind === KIND.message) row.unsent = 0;
      else if (row.pending_mark === b.memberKind) row.pending_mark = 0;
      row.pending = row.unsent || row.pending_mark ? 1 : 0;
      rows.set(id, row);
    }
    const bells = new Map(); // the smallest stored bundle of a mailbox/day rings its doorbell
    for (const b of stored) { const k = `${b.mailbox}/${b.day}`, o = bells.get(k); if (!o || b.data.length < o.data.length) bells.set(k, b); }
    await this.store.tx(["index", "messages", "outbox", "meta"], (s) => {
      for (const b of stored) s.index.put({ mailbox: b.mailbox, day: b.day, shard: b.shard, vid: b.id, message_id: b.members[0], kind: BUNDLE_OF[b.memberKind], author: C.toHex(this.id.signPk), mine: 1 });
      for (const row of rows.values()) s.messages.put(row);
      for (const b of bells.values()) s.outbox.put({ mailbox: b.mailbox, day: b.day, bell: { key: null, kind: b.kind, id: b.id, created: b.created, data: b.data } });
      s.meta.put(left, "bundles");
    });
    await this.flushOutbox();
    const bad = res.filter((r) => r.status !== "stored");
    if (bad.length) throw new Error(`${bad.length} of ${bundles.length} bundles not stored: ${bad[0].status}${bad[0].message ? " (" + bad[0].message + ")" : ""}`);
  }

  async flushOutbox() {
    for (const o of await this.store.all("outbox")) {
      await this.publishSummary(o.mailbox, o.day);
      await this.store.tx(["outbox"], (s) => { s.outbox.delete(o.seq); });
      try { await this.gw.put([{ ...o.bell, key: await C.keyBell(o.mailbox, o.day) }]); } catch { /* best effort */ }
    }
  }

  async publishSummary(mailbox, day) {
    const count = new Array(SHARDS).fill(0), xor = new Array(SHARDS).fill(0n);
    for (const x of await this.store.dayIndex(mailbox, day)) if (x.mine) { count[x.shard]++; xor[x.shard] ^= BigInt("0x" + x.vid); }
    const vkey = `summary_version:${day}:${mailbox}`;
    const prev = (await this.store.meta(vkey)) || 0n;
    let version = BigInt(this.nowMs());
    if (version <= prev) version = prev + 1n;
    await this.store.setMeta(vkey, version);
    const entries = [];
    for (let s = 0; s < SHARDS; s++) if (count[s]) entries.push({ shard: s, count: count[s], xor: xor[s] });
    const v = { kind: KIND.summary, created_at: BigInt(this.now()), mailbox, day: BigInt(day), writer_id: this.writer, counter: version, entries };
    const data = await this.signValue(v);
    const [r] = await this.gw.put([{ key: await C.keySum(mailbox, day), kind: "summary", id: C.u64hex(await C.valueId(v)), created: this.now(), data }]);
    if (r.status !== "stored") throw new Error(`summary for ${mailbox} day ${day} not stored: ${r.status}`);
  }

  messageItem(row) {
    const boxes = row.sender === row.recipient ? [row.recipient] : [row.recipient, row.sender];
    const member = { message_id: row.message_id, at: BigInt(row.created_at), sender: row.sender, recipient: row.recipient, payload: row.ciphertext };
    return { kind: KIND.message, boxes, shard: C.shardOf(row.message_id), message_id: row.message_id, member };
  }

  send(recipient, text) { return this.locked(() => this.sendUnlocked(recipient, text)); }
  async sendUnlocked(recipient, text) {
    if (!nameValid(recipient)) throw new Error(`invalid recipient name '${recipient}'`);
    const body = new TextEncoder().encode(text);
    const eks = [this.id.ek];
    if (recipient !== this.id.name) eks.unshift(C.fromHex((await this.resolve(recipient)).kem));
    const created = this.now();
    const ct = await C.sealEnvelope(eks, C.messageAad(this.id.name, recipient, created), body);
    const row = { message_id: await C.messageId(this.id.name, recipient, created, ct), sender: this.id.name, recipient, created_at: created, ciphertext: ct, conversation_id: await C.conversationId(this.id.name, recipient), pending: 1, unsent: 1 };
    await this.store.put("messages", row);
    this.emit({ type: "message", id: row.message_id });
    await this.uploadPending();
    return row.message_id;
  }

  async uploadPending() {
    const recorded = (await this.store.meta("bundles")) || [];
    if (recorded.length) try { await this.putBundles(recorded); } catch { /* stays recorded */ }
    await this.flushOutbox();
    // a value a recorded bundle carries is never bundled again
    const held = new Set(((await this.store.meta("bundles")) || []).flatMap((r) => r.members.map((id) => `${r.memberKind}/${id}`)));
    const rows = await this.store.all("messages", 1, "pending");
    const items = [];
    // a row may owe both: a message sent here and deleted before its upload is still uploaded
    for (const row of rows) {
      if (row.unsent && !held.has(`${KIND.message}/${row.message_id}`)) items.push(this.messageItem(row));
      if (row.pending_mark && !held.has(`${row.pending_mark}/${row.message_id}`)) items.push(this.markItem(row));
    }
    if (!items.length) return 0;
    const bundles = await this.buildBundles(items, this.today());
    await this.store.setMeta("bundles", [...((await this.store.meta("bundles")) || []), ...bundles]);
    await this.putBundles(bundles);
    return items.length;
  }

  // A tombstone (kind = tombstone) or a shared read receipt, for the owner's mailbox only.
  markItem(row) {
    const kind = row.pending_mark;
    const at = kind === KIND.tombstone ? row.deleted_at : row.read_at;
    return { kind, boxes: [this.id.name], shard: C.shardOf(row.message_id), message_id: row.message_id, member: { message_id: row.message_id, at: BigInt(at) } };
  }

  async delete(messageId) { return this.mark(messageId, KIND.tombstone, "deleted_at"); }
  async markRead(messageId, share = this.shareReceipts) {
    const row = await this.store.get("messages", messageId);
    if (!row) throw new Error(`no message ${messageId}`);
    if (!share) { row.read_at = row.read_at || this.now(); await this.store.put("messages", row); this.emit({ type: "read", id: messageId }); return; }
    return this.mark(messageId, KIND.receipt, "read_at");
  }
  mark(messageId, kind, field) { return this.locked(() => this.markUnlocked(messageId, kind, field)); }
  async markUnlocked(messageId, kind, field) {
    const row = await this.store.get("messages", messageId);
    if (!row) throw new Error(`no message ${messageId} in this device's cache`);
    row[field] = this.now();
    row.pending = 1;
    row.pending_mark = kind;
    await this.store.put("messages", row);
    this.emit({ type: kind === KIND.tombstone ? "deleted" : "read", id: messageId });
    await this.uploadPending();
  }

  pass() { return this.locked(() => this.passUnlocked()); }
  async passUnlocked() {
    let err = null;
    try { await this.uploadPending(); } catch (e) { err = e; }
    const r = await this.downloadUnlocked();
    if (err) throw err;
    return r;
  }

  // ---- reading the cache ----
  async inbox() {
    const out = [];
    for (const m of await this.store.all("messages")) {
      if (!m.ciphertext || m.deleted_at) continue;
      let text = this.plain.get(m.message_id);
      if (text === undefined) {
        try { text = new TextDecoder().decode(await C.openEnvelope(this.id, C.messageAad(m.sender, m.recipient, m.created_at), m.ciphertext)); this.plain.set(m.message_id, text); }
        catch (e) { text = null; m.error = e.message; }
      }
      out.push({ id: m.message_id, conversation: m.conversation_id, from: m.sender, to: m.recipient, created_at: m.created_at, text, read: m.sender === this.id.name || !!m.read_at, pending: !!m.pending, error: m.error });
    }
    return out.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  }
  async status() {
    const today = this.today();
    const held = new Map((await this.store.all("days", IDBKeyRange.bound(today - WINDOW_DAYS, today))).map((d) => [d.day, d]));
    const days = [];
    for (let d = today - WINDOW_DAYS; d <= today; d++) days.push({ day: d, ...(held.get(d) || { verified: false, closed: false, problem: "never checked" }) });
    return { identity: this.id.name, device: this.deviceId, window: days.length, verified: days.filter((d) => d.verified).length, days, pending: await this.store.count("messages", 1, "pending"), rejected: this.rejected, refused: await this.store.count("refused"), last_download: await this.store.meta("last_download") };
  }
  // Values read from the network and refused (never stored), with the reason, oldest first.
  refusals() { return this.store.all("refused").then((rows) => rows.sort((a, b) => (a.at || 0) - (b.at || 0))); }

  // ---- real time: the doorbell key of today through the gateway's event stream ----
  listen() {
    this.stopListening();
    const day = this.today();
    let synced = false, busy = null, again = false;
    const pull = async () => {
      if (busy) { again = true; return; }
      busy = (async () => { do { again = false; try { await this.download(this.today() - 1, this.today()); } catch (e) { this.emit({ type: "error", message: e.message }); } } while (again); })();
      await busy; busy = null;
    };
    C.keyBell(this.id.name, day).then((key) => {
      this.stopBell = this.gw.listen(key, (type) => {
        if (type === "synced") { synced = true; pull(); }
        else if (type === "value" && synced) pull();
        else if (type === "closed") { synced = false; this.emit({ type: "offline" }); }
      });
    });
    this.dayTimer = setTimeout(() => this.listen(), ((day + 1) * 86400 - this.now() + 1) * 1000);
  }
  stopListening() { if (this.stopBell) this.stopBell(); this.stopBell = null; clearTimeout(this.dayTimer); }
}

// ---- a day's accounting per author (sync_account.c) ----
function author_(acct, pk) {
  let e = acct.get(pk);
  if (!e) { e = { holding: false, summarised: false, held: new Array(SHARDS).fill(0n), heldXor: new Array(SHARDS).fill(0n), claimed: new Array(SHARDS).fill(0n), claimedXor: new Array(SHARDS).fill(0n) }; acct.set(pk, e); }
  return e;
}
function hold(acct, pk, shard, vid) { const e = author_(acct, pk); e.holding = true; e.held[shard]++; e.heldXor[shard] ^= vid; }
const eq = (e, s) => e.claimed[s] === e.held[s] && e.claimedXor[s] === e.heldXor[s];
const shardDiffers = (acct, s) => [...acct.values()].some((e) => e.summarised && !eq(e, s));
function verdict(acct) {
  for (const [pk, e] of acct) {
    let claimed = 0n, held = 0n, differs = false;
    for (let s = 0; s < SHARDS; s++) { claimed += e.claimed[s]; held += e.held[s]; differs = differs || !eq(e, s); }
    if (!e.summarised) return `${held} value(s) signed by key ${pk.slice(0, 16)}... are held but no summary of that key was read`;
    if (differs) return `the summary of key ${pk.slice(0, 16)}... claims ${claimed} value(s); this device holds ${held} matching it (missing, refused or forged)`;
  }
  return null;
}
