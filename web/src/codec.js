// The dnasync value codec (docs/dht.md "Value layout"), written to mirror src/dht/dht_codec.c
// byte for byte: msgpack-c's canonical forms on the write side; a strict reader that checks
// every length against the input before using it, refuses trailing bytes, and accepts only
// input that re-encodes to the same bytes. A generic msgpack library will not do: it encodes
// u64 non-canonically and accepts non-minimal forms. Integers that may exceed 2^53 are BigInt.

export const KIND = { message: 1, tombstone: 2, identity: 3, summary: 4, receipt: 5,
  bundle_message: 6, bundle_tombstone: 7, bundle_receipt: 8 };
// dht_kind_name: the names the gateway's JSON uses
export const KIND_NAME = ["", "message", "tombstone", "identity", "summary", "receipt",
  "message bundle", "tombstone bundle", "receipt bundle"];
// Bundles (format 2, docs/dht.md "Bundles"): the members one device writes to one
// (mailbox, day, shard) in one pass, all of one kind, under one signature.
export const isBundle = (k) => k >= KIND.bundle_message && k <= KIND.bundle_receipt;
export const BUNDLE_OF = { [KIND.message]: KIND.bundle_message, [KIND.tombstone]: KIND.bundle_tombstone, [KIND.receipt]: KIND.bundle_receipt };
export const MEMBER_OF = { [KIND.bundle_message]: KIND.message, [KIND.bundle_tombstone]: KIND.tombstone, [KIND.bundle_receipt]: KIND.receipt };
export const VALUE_MAX_BYTES = 64000;
export const MAX_BUNDLE_MEMBERS = 1024;
export const SHARDS = 128;
const FORMAT = 1, BUNDLE_FORMAT = 2;
const SIG_ED25519 = 1;
const NAME_MAX = 64;
const MAX_DEVICES = 16;
const MAX_ENTRIES = 128;
const INT64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffffffffn;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

export class CodecError extends Error {}

// dht_name_valid: 1..64 bytes, no control byte, no DEL, no '/'.
export function nameValid(name) {
  if (typeof name !== "string") return false;
  const b = utf8.encode(name);
  if (b.length === 0 || b.length > NAME_MAX) return false;
  return b.every((c) => c >= 0x20 && c !== 0x7f && c !== 0x2f);
}

const lowerHex = (s, n) => typeof s === "string" && s.length === n && /^[0-9a-f]*$/.test(s);

// dht_shard_of: the first byte of the message id, mod 128
export const shardOf = (id) => parseInt(id.slice(0, 2), 16) % SHARDS;

// Members in message id order, unique, all in the bundle's shard, its time the oldest member's:
// one encoding per member set (dht_codec.c validate_bundle).
function validateBundle(v) {
  if (!nameValid(v.mailbox) || typeof v.day !== "bigint" || v.day < 0n || v.day > INT64_MAX ||
      !(v.shard >= 0 && v.shard < SHARDS) || !Array.isArray(v.members) || v.members.length === 0 ||
      v.members.length > MAX_BUNDLE_MEMBERS) return false;
  let first = U64_MAX;
  for (let i = 0; i < v.members.length; i++) {
    const m = v.members[i];
    if (!lowerHex(m.message_id, 64) || shardOf(m.message_id) !== v.shard || m.at < 0n || m.at > INT64_MAX ||
        (i > 0 && !(m.message_id > v.members[i - 1].message_id))) return false;
    if (v.kind === KIND.bundle_message &&
        (!nameValid(m.sender) || !nameValid(m.recipient) || (m.sender !== v.mailbox && m.recipient !== v.mailbox) ||
         !(m.payload instanceof Uint8Array) || m.payload.length > VALUE_MAX_BYTES)) return false;
    if (m.at < first) first = m.at;
  }
  return v.created_at === first;
}

function validate(v) {
  if (v.version !== (isBundle(v.kind) ? BUNDLE_FORMAT : FORMAT) || v.sig_scheme !== SIG_ED25519) return false;
  if (isBundle(v.kind)) return validateBundle(v);
  switch (v.kind) {
    case KIND.message:
      return lowerHex(v.message_id, 64) && nameValid(v.sender) && nameValid(v.recipient) &&
        v.payload instanceof Uint8Array && v.payload.length <= VALUE_MAX_BYTES;
    case KIND.tombstone:
    case KIND.receipt:
      return lowerHex(v.message_id, 64) && nameValid(v.owner);
    case KIND.identity:
      return nameValid(v.name) && Array.isArray(v.devices) && v.devices.length <= MAX_DEVICES &&
        v.devices.every((d) => lowerHex(d, 32));
    case KIND.summary:
      if (!nameValid(v.mailbox) || !Array.isArray(v.entries) || v.entries.length > MAX_ENTRIES ||
          v.day > INT64_MAX || v.day < 0n) return false;
      for (let i = 0; i < v.entries.length; i++) {
        const s = v.entries[i].shard;
        if (!(s >= 0 && s < SHARDS) || (i > 0 && s <= v.entries[i - 1].shard)) return false;
      }
      return true;
    default:
      return false;
  }
}

class Writer {
  constructor() { this.parts = []; this.n = 0; }
  bytes(b) { this.parts.push(b); this.n += b.length; }
  byte(...xs) { this.bytes(Uint8Array.from(xs)); }
  be(x, width) { // x: BigInt
    const b = new Uint8Array(width);
    for (let i = width - 1; i >= 0; i--) { b[i] = Number(x & 0xffn); x >>= 8n; }
    this.bytes(b);
  }
  uint(x) { // msgpack-c: the smallest form
    x = BigInt(x);
    if (x < 0n || x > U64_MAX) throw new CodecError("integer out of range");
    if (x < 128n) this.byte(Number(x));
    else if (x < 256n) { this.byte(0xcc); this.be(x, 1); }
    else if (x < 65536n) { this.byte(0xcd); this.be(x, 2); }
    else if (x <= U32_MAX) { this.byte(0xce); this.be(x, 4); }
    else { this.byte(0xcf); this.be(x, 8); }
  }
  array(n) {
    if (n < 16) this.byte(0x90 | n);
    else if (n < 65536) { this.byte(0xdc); this.be(BigInt(n), 2); }
    else { this.byte(0xdd); this.be(BigInt(n), 4); }
  }
  str(s) {
    const b = utf8.encode(s);
    const n = b.length;
    if (n < 32) this.byte(0xa0 | n);
    else if (n < 256) { this.byte(0xd9, n); }
    else if (n < 65536) { this.byte(0xda); this.be(BigInt(n), 2); }
    else { this.byte(0xdb); this.be(BigInt(n), 4); }
    this.bytes(b);
  }
  bin(b) {
    const n = b.length;
    if (n < 256) this.byte(0xc4, n);
    else if (n < 65536) { this.byte(0xc5); this.be(BigInt(n), 2); }
    else { this.byte(0xc6); this.be(BigInt(n), 4); }
    this.bytes(b);
  }
  done() {
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

function fixed(b, n, what) {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new CodecError(`${what} must be ${n} bytes`);
  return b;
}

function encodeWithSig(v, sig) {
  if (!validate(v)) throw new CodecError(`invalid ${KIND_NAME[v.kind] || "unknown"} value`);
  const w = new Writer();
  w.array(v.kind === KIND.summary || isBundle(v.kind) ? 11 : 10);
  w.uint(v.version);
  w.uint(v.kind);
  w.uint(v.created_at);
  w.bin(fixed(v.author_pk, 32, "author_pk"));
  w.uint(v.sig_scheme);
  w.bin(fixed(sig, 64, "signature"));
  switch (v.kind) {
    case KIND.message:
      w.str(v.message_id); w.str(v.sender); w.str(v.recipient); w.bin(v.payload);
      break;
    case KIND.tombstone:
    case KIND.receipt:
      w.str(v.message_id);
      w.uint(v.kind === KIND.receipt ? v.read_at : v.deleted_at);
      w.str(v.owner);
      w.bin(fixed(v.writer_id, 16, "writer_id"));
      break;
    case KIND.bundle_message:
    case KIND.bundle_tombstone:
    case KIND.bundle_receipt:
      w.str(v.mailbox); w.uint(v.day); w.uint(v.shard); w.bin(fixed(v.writer_id, 16, "writer_id"));
      w.array(v.members.length);
      for (const m of v.members) {
        const msg = v.kind === KIND.bundle_message;
        w.array(msg ? 5 : 2); w.str(m.message_id); w.uint(m.at);
        if (msg) { w.str(m.sender); w.str(m.recipient); w.bin(m.payload); }
      }
      break;
    case KIND.identity:
      w.str(v.name); w.bin(fixed(v.signing_pk, 32, "signing_pk")); w.bin(fixed(v.kem_pk, 800, "kem_pk"));
      w.array(v.devices.length);
      for (const d of v.devices) w.str(d);
      break;
    default:
      w.str(v.mailbox); w.uint(v.day); w.bin(fixed(v.writer_id, 16, "writer_id")); w.uint(v.counter);
      w.array(v.entries.length);
      for (const e of v.entries) { w.array(3); w.uint(e.shard); w.uint(e.count); w.uint(e.xor); }
  }
  const out = w.done();
  if (out.length > VALUE_MAX_BYTES) throw new CodecError(`value of ${out.length} bytes is over ${VALUE_MAX_BYTES}`);
  return out;
}

export const encodeValue = (v) => encodeWithSig(v, v.sig);

// "dnasync/1/value\0" || the encoding with a zero signature (dht_value_signing_bytes).
export function signingBytes(v) {
  const tag = utf8.encode("dnasync/1/value\0");
  const enc = encodeWithSig(v, new Uint8Array(64));
  const out = new Uint8Array(tag.length + enc.length);
  out.set(tag);
  out.set(enc, tag.length);
  return out;
}

class Reader {
  constructor(b) { this.b = b; this.p = 0; }
  fail() { throw new CodecError("value does not decode strictly"); }
  take(n) {
    if (n > this.b.length - this.p) this.fail();
    const out = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return out;
  }
  be(n) {
    let x = 0n;
    for (const c of this.take(n)) x = (x << 8n) | BigInt(c);
    return x;
  }
  uint(max) {
    const t = this.take(1)[0];
    let x;
    if (t <= 0x7f) x = BigInt(t);
    else if (t === 0xcc) x = this.be(1);
    else if (t === 0xcd) x = this.be(2);
    else if (t === 0xce) x = this.be(4);
    else if (t === 0xcf) x = this.be(8);
    else this.fail();
    if (x > max) this.fail();
    return x;
  }
  array() {
    const t = this.take(1)[0];
    let n;
    if ((t & 0xf0) === 0x90) n = t & 0x0f;
    else if (t === 0xdc) n = Number(this.be(2));
    else if (t === 0xdd) n = Number(this.be(4));
    else this.fail();
    if (n > this.b.length - this.p) this.fail(); // every element takes at least one byte
    return n;
  }
  blob(isStr, max) {
    const t = this.take(1)[0];
    let n;
    if (isStr && (t & 0xe0) === 0xa0) n = t & 0x1f;
    else if (t === (isStr ? 0xd9 : 0xc4)) n = Number(this.be(1));
    else if (t === (isStr ? 0xda : 0xc5)) n = Number(this.be(2));
    else if (t === (isStr ? 0xdb : 0xc6)) n = Number(this.be(4));
    else this.fail();
    if (n > max) this.fail();
    return this.take(n);
  }
  fixed(n) {
    const b = this.blob(false, n);
    if (b.length !== n) this.fail();
    return b.slice();
  }
  str(max, exact = false) {
    const b = this.blob(true, max);
    if (b.includes(0) || (exact && b.length !== max)) this.fail(); // embedded NUL, short id
    try { return fromUtf8.decode(b); } catch { return this.fail(); }
  }
}

// Decodes one value strictly (dht_value_decode); throws CodecError on anything else.
export function decodeValue(buf) {
  if (!(buf instanceof Uint8Array)) throw new CodecError("value must be bytes");
  if (buf.length > VALUE_MAX_BYTES) throw new CodecError("value too big");
  const r = new Reader(buf);
  const n = r.array();
  if (n < 6) r.fail();
  const v = { version: Number(r.uint(255n)), kind: Number(r.uint(255n)) };
  if (v.version !== (isBundle(v.kind) ? BUNDLE_FORMAT : FORMAT)) r.fail();
  const want = v.kind === KIND.summary || isBundle(v.kind) ? 11 : v.kind >= 1 && v.kind <= 5 ? 10 : 0;
  if (n !== want) r.fail();
  v.created_at = r.uint(INT64_MAX);
  v.author_pk = r.fixed(32);
  v.sig_scheme = Number(r.uint(255n));
  v.sig = r.fixed(64);
  switch (v.kind) {
    case KIND.message:
      v.message_id = r.str(64, true);
      v.sender = r.str(NAME_MAX);
      v.recipient = r.str(NAME_MAX);
      v.payload = r.blob(false, VALUE_MAX_BYTES).slice();
      break;
    case KIND.tombstone:
    case KIND.receipt: {
      v.message_id = r.str(64, true);
      const at = r.uint(INT64_MAX);
      if (v.kind === KIND.receipt) v.read_at = at; else v.deleted_at = at;
      v.owner = r.str(NAME_MAX);
      v.writer_id = r.fixed(16);
      break;
    }
    case KIND.bundle_message:
    case KIND.bundle_tombstone:
    case KIND.bundle_receipt: {
      v.mailbox = r.str(NAME_MAX);
      v.day = r.uint(INT64_MAX);
      v.shard = Number(r.uint(BigInt(SHARDS - 1)));
      v.writer_id = r.fixed(16);
      const nm = r.array();
      if (nm === 0 || nm > MAX_BUNDLE_MEMBERS) r.fail();
      const msg = v.kind === KIND.bundle_message;
      v.members = [];
      for (let i = 0; i < nm; i++) {
        if (r.array() !== (msg ? 5 : 2)) r.fail();
        const m = { message_id: r.str(64, true), at: r.uint(INT64_MAX) };
        if (msg) { m.sender = r.str(NAME_MAX); m.recipient = r.str(NAME_MAX); m.payload = r.blob(false, VALUE_MAX_BYTES).slice(); }
        v.members.push(m);
      }
      break;
    }
    case KIND.identity: {
      v.name = r.str(NAME_MAX);
      v.signing_pk = r.fixed(32);
      v.kem_pk = r.fixed(800);
      const nd = r.array();
      if (nd > MAX_DEVICES) r.fail();
      v.devices = [];
      for (let i = 0; i < nd; i++) v.devices.push(r.str(32));
      break;
    }
    default: {
      v.mailbox = r.str(NAME_MAX);
      v.day = r.uint(INT64_MAX);
      v.writer_id = r.fixed(16);
      v.counter = r.uint(U64_MAX);
      const ne = r.array();
      if (ne > MAX_ENTRIES) r.fail();
      v.entries = [];
      for (let i = 0; i < ne; i++) {
        if (r.array() !== 3) r.fail();
        const shard = Number(r.uint(BigInt(SHARDS - 1)));
        const count = Number(r.uint(U32_MAX));
        v.entries.push({ shard, count, xor: r.uint(U64_MAX) });
      }
    }
  }
  if (r.p !== buf.length || !validate(v)) r.fail();
  const again = encodeValue(v); // canonical form: the same bytes again
  if (again.length !== buf.length || again.some((c, i) => c !== buf[i])) r.fail();
  return v;
}
