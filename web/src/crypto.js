// dnasync's crypto for the page (docs/envelope.md): WebCrypto for SHA-1/SHA-256, HKDF,
// AES-256-GCM and Ed25519; npm `mlkem` for ML-KEM-512; `@noble/hashes` for SHA3-256 and scrypt
// (Chromium has neither in WebCrypto). Same bytes as the C library, checked by tests/web.
import { MlKem512 } from "mlkem";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { KIND, nameValid, isBundle, signingBytes, shardOf } from "./codec.js";

const subtle = globalThis.crypto.subtle;
const te = new TextEncoder();
export const ascii = (s) => te.encode(s);
export const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
export const toHex = (b) => Array.from(b, (c) => c.toString(16).padStart(2, "0")).join("");
export function fromHex(h) {
  if (typeof h !== "string" || h.length % 2 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error("bad hex");
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
  return out;
}
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
export const equal = (a, b) => a.length === b.length && a.every((c, i) => c === b[i]);
const be64 = (b) => b.subarray(0, 8).reduce((x, c) => (x << 8n) | BigInt(c), 0n);
export const u64hex = (x) => x.toString(16).padStart(16, "0");

export const sha256 = async (b) => new Uint8Array(await subtle.digest("SHA-256", b));
export const sha1 = async (b) => new Uint8Array(await subtle.digest("SHA-1", b));
export const sha3 = (b) => sha3_256(b);

export async function hkdf(ikm, salt, info, n) {
  const k = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, k, 8 * n));
}

const gcmKey = (key, use) => subtle.importKey("raw", key, "AES-GCM", false, [use]);
// ciphertext || tag, exactly the envelope's field order
export async function gcmSeal(key, iv, aad, pt) {
  return new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, await gcmKey(key, "encrypt"), pt));
}
export async function gcmOpen(key, iv, aad, ctTag) {
  return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, await gcmKey(key, "decrypt"), ctTag));
}

// ---- Ed25519 ----
const PKCS8_ED25519 = fromHex("302e020100300506032b657004220420");
export async function signKeyFromSeed(seed) {
  const pkcs8 = concat(PKCS8_ED25519, seed);
  const ext = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await subtle.exportKey("jwk", ext);
  const pk = Uint8Array.from(atob(jwk.x.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const key = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  return { pk, key };
}
export const sign = async (key, msg) => new Uint8Array(await subtle.sign({ name: "Ed25519" }, key, msg));
export async function verify(pk, sig, msg) {
  try {
    const k = await subtle.importKey("raw", pk, { name: "Ed25519" }, false, ["verify"]);
    return await subtle.verify({ name: "Ed25519" }, k, sig, msg);
  } catch {
    return false;
  }
}

// ---- identity (docs/envelope.md section 2) ----
const kem = new MlKem512();
export const keyId = (ek) => sha3(ek).subarray(0, 8);
export async function identityFromMaster(name, master) {
  const salt = ascii("dnasync-identity-v1");
  const seed = await hkdf(master, salt, ascii("dnasync ed25519 signing seed"), 32);
  const d = await hkdf(master, salt, ascii("dnasync ml-kem-512 d"), 32);
  const z = await hkdf(master, salt, ascii("dnasync ml-kem-512 z"), 32);
  const { pk, key } = await signKeyFromSeed(seed);
  const [ek, dk] = await kem.deriveKeyPair(concat(d, z));
  return { name, signPk: pk, signKey: key, ek: new Uint8Array(ek), dk: new Uint8Array(dk) };
}

// ---- link codes (docs/envelope.md section 5) ----
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export class LinkCodeError extends Error {
  constructor(kind, msg) { super(msg); this.kind = kind; }
}
function b32decode(body) {
  let bits = 0, acc = 0, pos = 0;
  const out = [];
  for (const ch of body) {
    pos++;
    if ("- \t\r\n".includes(ch)) continue;
    const v = B32.indexOf(ch.toUpperCase());
    if (v < 0) throw new LinkCodeError("damaged", `link code is damaged or mistyped: invalid character '${ch}' at position ${pos + 5}`);
    acc = ((acc << 5) | v) & 0xfff; bits += 5;
    if (bits >= 8) { out.push((acc >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Uint8Array.from(out);
}
function paramsSane(log2n, r, p) {
  if (log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const n = 2 ** log2n;
  return 128 * r * n <= 256 * 2 ** 20 && n * r * p <= 2 ** 23;
}
const LC_VERSION = 2, LC_HDR = 40; // version, log2 N, r, p, expires (LE64), salt (16), nonce (12)
// Returns { name, master }; the same checks in the same order as dnasync_linkcode_join.
// now: Unix seconds (the expiry, authenticated by the GCM tag, is checked after it).
export async function openLinkCode(code, passphrase, now = Math.floor(Date.now() / 1000)) {
  code = String(code).replace(/^[ \t\r\n]+/, "");
  if (code.slice(0, 5).toUpperCase() !== "DNA1-") throw new LinkCodeError("damaged", "not a link code: it must start with 'DNA1-'");
  const buf = b32decode(code.slice(5));
  if (buf.length < LC_HDR + 1 + 1 + 32 + 16 + 4) throw new LinkCodeError("damaged", "link code is damaged or mistyped: wrong length");
  const sum = (await sha256(buf.subarray(0, buf.length - 4))).subarray(0, 4);
  if (!equal(sum, buf.subarray(buf.length - 4))) throw new LinkCodeError("damaged", "link code is damaged or mistyped (checksum mismatch)");
  if (buf[0] !== LC_VERSION) throw new LinkCodeError("version", `link code version ${buf[0]} is not supported (this build reads ${LC_VERSION}; make a new code with 'dnasync link-code')`);
  if (!paramsSane(buf[1], buf[2], buf[3])) throw new LinkCodeError("params", `link code asks for absurd scrypt parameters (N=2^${buf[1]}, r=${buf[2]}, p=${buf[3]}); refusing`);
  const c = buf.length - LC_HDR - 16 - 4;
  if (c < 1 + 1 + 32 || c > 1 + 64 + 32) throw new LinkCodeError("damaged", "link code is damaged or mistyped: wrong length");
  const salt = buf.subarray(12, 28), nonce = buf.subarray(28, 40);
  const key = await scryptAsync(te.encode(passphrase), salt, { N: 2 ** buf[1], r: buf[2], p: buf[3], dkLen: 32 });
  let pt;
  try {
    pt = await gcmOpen(key, nonce, buf.subarray(0, LC_HDR), buf.subarray(LC_HDR, buf.length - 4));
  } catch {
    throw new LinkCodeError("passphrase", "wrong passphrase for this link code");
  }
  const expires = Number(buf.subarray(4, 12).reduceRight((x, b) => (x << 8n) | BigInt(b), 0n));
  if (now > expires) {
    pt.fill(0);
    const when = new Date(expires * 1000).toISOString().slice(0, 19).replace("T", " ");
    throw new LinkCodeError("expired", `link code expired at ${when} UTC (${now - expires} s ago); make a new one with 'dnasync link-code'`);
  }
  const l = pt[0];
  if (l < 1 || l > 64 || pt.length !== 1 + l + 32) throw new LinkCodeError("damaged", "link code content is malformed (bad name length)");
  let name;
  try { name = new TextDecoder("utf-8", { fatal: true }).decode(pt.subarray(1, 1 + l)); } catch { name = null; }
  if (!name || !nameValid(name)) throw new LinkCodeError("damaged", "link code content is malformed (invalid name)");
  return { name, master: pt.slice(1 + l) };
}

// ---- envelope (docs/envelope.md section 1) ----
const SLOT = 836;
const kwkOf = (ss, version, kid, kemCt) =>
  hkdf(ss, ascii("dnasync-envelope-v1"), concat(ascii("dnasync kwk"), Uint8Array.of(version), kid, kemCt), 32);

export async function sealEnvelope(eks, aad, body) {
  const uniq = [];
  for (const ek of eks) if (!uniq.some((u) => equal(u, ek))) uniq.push(ek);
  if (uniq.length < 1 || uniq.length > 16 || body.length > 49152) throw new Error("envelope: 1..16 recipients, body up to 48 KiB");
  const ck = random(32);
  const parts = [Uint8Array.of(1, uniq.length)];
  for (const ek of uniq) {
    const kid = keyId(ek);
    const [kemCt, ss] = await kem.encap(ek);
    const nonce = random(12);
    const kwk = await kwkOf(new Uint8Array(ss), 1, kid, new Uint8Array(kemCt));
    parts.push(kid, new Uint8Array(kemCt), nonce, await gcmSeal(kwk, nonce, concat(Uint8Array.of(1), kid), ck));
  }
  const bodyNonce = random(12);
  parts.push(bodyNonce);
  const header = concat(...parts);
  return concat(header, await gcmSeal(ck, bodyNonce, concat(header, aad), body));
}

export async function openEnvelope(id, aad, env) {
  if (env.length < 2 || env[0] !== 1) throw new Error("envelope is corrupt (version)");
  const n = env[1];
  if (n < 1 || n > 16 || env.length < 30 + SLOT * n) throw new Error("envelope is corrupt (truncated)");
  if (env.length - 30 - SLOT * n > 49152) throw new Error("envelope is corrupt (body too long)");
  const H = 2 + SLOT * n;
  const mine = keyId(id.ek);
  let ck = null, addressed = false;
  for (let i = 0; i < n && !ck; i++) {
    const s = env.subarray(2 + SLOT * i, 2 + SLOT * (i + 1));
    const kid = s.subarray(0, 8);
    if (!equal(kid, mine)) continue;
    addressed = true;
    const kemCt = s.subarray(8, 776);
    const ss = new Uint8Array(await kem.decap(kemCt, id.dk));
    try {
      ck = await gcmOpen(await kwkOf(ss, env[0], kid, kemCt), s.subarray(776, 788), concat(env.subarray(0, 1), kid), s.subarray(788, 836));
    } catch { /* the next slot */ }
  }
  if (!ck) throw new Error(addressed ? "envelope does not authenticate" : "envelope is not addressed to this identity");
  try {
    return await gcmOpen(ck, env.subarray(H, H + 12), concat(env.subarray(0, H + 12), aad), env.subarray(H + 12));
  } catch {
    throw new Error("envelope does not authenticate (tampered, or different associated data)");
  }
}

// ---- message ids and associated data (src/common, sync_protocol.c) ----
const le64 = (x) => { const b = new Uint8Array(8); let v = BigInt(x); for (let i = 0; i < 8; i++) { b[i] = Number(v & 0xffn); v >>= 8n; } return b; };
// "dnasync-msg-v1" NUL sender NUL recipient NUL created_at (8 bytes little-endian)
export const messageAad = (sender, recipient, createdAt) =>
  concat(ascii("dnasync-msg-v1\0"), te.encode(sender + "\0"), te.encode(recipient + "\0"), le64(createdAt));
export const messageId = async (sender, recipient, createdAt, ct) =>
  toHex(await sha256(concat(te.encode(sender), te.encode(recipient), le64(createdAt), ct.subarray(0, 64))));
export async function conversationId(a, b) {
  const names = [...new Set([a, b])].sort((x, y) => (byteCmp(te.encode(x), te.encode(y))));
  return toHex(await sha256(concat(...names.map((n) => te.encode(n + "\0")))));
}
function byteCmp(a, b) { // strcmp order: bytes
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
export { shardOf }; // dht_shard_of, defined with the codec

// ---- value ids (dht_value_id) ----
export async function valueId(v) {
  const nz = (x) => (x === 0n ? 1n : x);
  // a bundle's id: its signed content, hashed (dht_codec.c bundle_id)
  if (isBundle(v.kind)) return nz(be64(await sha256(signingBytes(v))));
  let s;
  switch (v.kind) {
    case KIND.message: return nz(be64(fromHex(v.message_id.slice(0, 16))));
    case KIND.tombstone: s = `dnasync/1/tomb/${v.message_id}/${v.deleted_at}/${toHex(v.author_pk)}/${toHex(v.writer_id)}`; break;
    case KIND.receipt: s = `dnasync/1/read/${v.message_id}/${v.read_at}/${toHex(v.author_pk)}/${toHex(v.writer_id)}`; break;
    case KIND.identity: s = `dnasync/1/id/${v.name}/${toHex(v.author_pk)}`; break;
    // the author is part of a summary's id (issue 10): nobody can take a writer's id first
    default: s = `dnasync/1/sum/${v.mailbox}/${v.day}/${toHex(v.writer_id)}/${toHex(v.author_pk)}`;
  }
  return nz(be64(await sha256(te.encode(s))));
}

// ---- DHT keys (dht_keys.c): SHA-1 of the key name, 40 hex ----
const keyOf = async (name) => toHex(await sha1(te.encode(name)));
export const keyBox = (mailbox, day, shard) => keyOf(`dnasync/1/box/${mailbox}/${day}/${shard}`);
export const keySum = (mailbox, day) => keyOf(`dnasync/1/sum/${mailbox}/${day}`);
export const keyBell = (mailbox, day) => keyOf(`dnasync/1/bell/${mailbox}/${day}`);
export const keyIdentity = (name) => keyOf(`dnasync/1/id/${name}`);
