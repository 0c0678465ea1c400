// Cross-check of docs/envelope.md: an independent JavaScript implementation of the envelope,
// the identity derivation and the link code — written from the document, using only node:crypto
// and the npm package mlkem 2.7.0 — must interoperate with the C library in both directions.
// Usage: node test_envelope_js.js <helper-exe> <npm-prefix>
"use strict";
const path = require("path");
const crypto = require("crypto");
const { spawnSync } = require("child_process");

const [helper, prefix] = process.argv.slice(2);
if (!helper || !prefix) {
  console.error("usage: node test_envelope_js.js <helper-exe> <npm-prefix>");
  process.exit(2);
}
let mlkem;
try {
  mlkem = require(path.join(prefix, "node_modules", "mlkem"));
} catch (e) {
  console.error(`cannot load npm mlkem from ${prefix}: ${e.message} (did the npm install fixture run?)`);
  process.exit(1);
}
const kem = new mlkem.MlKem512();

const hex = (b) => (b.length === 0 ? "-" : Buffer.from(b).toString("hex"));
const unhex = (h) => (h === "-" ? Buffer.alloc(0) : Buffer.from(h, "hex"));
const ascii = (s) => Buffer.from(s, "ascii");

function runC(cmds) {
  const r = spawnSync(helper, [], { input: cmds.join("\n") + "\n", maxBuffer: 1 << 28, timeout: 120000 });
  if (r.status !== 0) throw new Error(`helper failed: status ${r.status} ${r.stderr}`);
  const lines = r.stdout.toString().trim().split("\n");
  if (lines.length !== cmds.length) throw new Error(`helper answered ${lines.length} of ${cmds.length}`);
  return lines;
}

let failures = 0, checks = 0;
function expectEq(what, a, b) {
  checks++;
  if (a !== b) {
    failures++;
    console.error(`MISMATCH ${what}:\n  ${String(a).slice(0, 80)}\n  ${String(b).slice(0, 80)}`);
  }
}

// ---- primitives (docs/envelope.md, conventions) ----
const sha3 = (b) => crypto.createHash("sha3-256").update(b).digest();
const sha256 = (b) => crypto.createHash("sha256").update(b).digest();
const hkdf = (ikm, salt, info, n) => Buffer.from(crypto.hkdfSync("sha256", ikm, salt, info, n));
function gcmSeal(key, nonce, aad, pt) {
  const c = crypto.createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return [ct, c.getAuthTag()];
}
function gcmOpen(key, nonce, aad, ct, tag) {
  const d = crypto.createDecipheriv("aes-256-gcm", key, nonce);
  d.setAAD(aad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]);
}

// ---- section 1: envelope v1 ----
const SLOT = 836;
const keyId = (ek) => sha3(ek).subarray(0, 8);
const kwkOf = (ss, version, kid, kemCt) =>
  hkdf(ss, ascii("dnasync-envelope-v1"), Buffer.concat([ascii("dnasync kwk"), Buffer.from([version]), kid, kemCt]), 32);

async function jsSeal(eks, aad, body) {
  const ck = crypto.randomBytes(32);
  const parts = [Buffer.from([1, eks.length])];
  for (const ek of eks) {
    const kid = keyId(ek);
    const [kemCt, ss] = await kem.encap(new Uint8Array(ek));
    const nonce = crypto.randomBytes(12);
    const kwk = kwkOf(Buffer.from(ss), 1, kid, Buffer.from(kemCt));
    const [wrapped, tag] = gcmSeal(kwk, nonce, Buffer.concat([Buffer.from([1]), kid]), ck);
    parts.push(kid, Buffer.from(kemCt), nonce, wrapped, tag);
  }
  const bodyNonce = crypto.randomBytes(12);
  parts.push(bodyNonce);
  const header = Buffer.concat(parts);
  const [ct, tag] = gcmSeal(ck, bodyNonce, Buffer.concat([header, aad]), body);
  return Buffer.concat([header, ct, tag]);
}

async function jsOpen(dk, ek, aad, env) {
  if (env.length < 2 || env[0] !== 1) throw new Error("corrupt");
  const n = env[1];
  if (n < 1 || n > 16 || env.length < 30 + SLOT * n) throw new Error("corrupt");
  const H = 2 + SLOT * n;
  const mine = keyId(ek);
  let ck = null;
  for (let i = 0; i < n && !ck; i++) {
    const s = env.subarray(2 + SLOT * i, 2 + SLOT * (i + 1));
    const kid = s.subarray(0, 8);
    if (!kid.equals(mine)) continue;
    const kemCt = s.subarray(8, 776);
    const ss = Buffer.from(await kem.decap(new Uint8Array(kemCt), new Uint8Array(dk)));
    try {
      ck = gcmOpen(kwkOf(ss, env[0], kid, kemCt), s.subarray(776, 788),
                   Buffer.concat([env.subarray(0, 1), kid]), s.subarray(788, 820), s.subarray(820, 836));
    } catch (e) { /* try the next slot */ }
  }
  if (!ck) throw new Error("not addressed to me");
  return gcmOpen(ck, env.subarray(H, H + 12), Buffer.concat([env.subarray(0, H + 12), aad]),
                 env.subarray(H + 12, env.length - 16), env.subarray(env.length - 16));
}

// ---- section 2: identity derivation ----
async function jsIdentity(master) {
  const salt = ascii("dnasync-identity-v1");
  const seed = hkdf(master, salt, ascii("dnasync ed25519 signing seed"), 32);
  const d = hkdf(master, salt, ascii("dnasync ml-kem-512 d"), 32);
  const z = hkdf(master, salt, ascii("dnasync ml-kem-512 z"), 32);
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const pub = crypto.createPublicKey(crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }));
  const signPk = Buffer.from(pub.export({ format: "jwk" }).x, "base64url");
  const [ek, dk] = await kem.deriveKeyPair(new Uint8Array(Buffer.concat([d, z])));
  return { signPk, ek: Buffer.from(ek), dk: Buffer.from(dk) };
}

// ---- section 5: link codes ----
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function b32enc(buf) {
  let bits = 0, acc = 0, out = "";
  for (const byte of buf) {
    acc = (acc << 8) | byte; bits += 8;
    while (bits >= 5) { out += B32[(acc >>> (bits - 5)) & 31]; bits -= 5; }
    acc &= 0xff;
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}
function b32dec(s) {
  let bits = 0, acc = 0;
  const out = [];
  for (const ch of s.toUpperCase().replace(/[-\s]/g, "")) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error(`bad character ${ch}`);
    acc = ((acc << 5) | v) & 0xfff; bits += 5;
    if (bits >= 8) { out.push((acc >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}
const scrypt = (pass, salt, log2n, r, p) =>
  crypto.scryptSync(pass, salt, 32, { N: 2 ** log2n, r, p, maxmem: 512 * 1024 * 1024 });
function jsLinkMake(name, master, pass, log2n) {
  const expires = Buffer.alloc(8);
  expires.writeBigUInt64LE(BigInt(Math.floor(Date.now() / 1000) + 900));
  const hdr = Buffer.concat([Buffer.from([2, log2n, 8, 1]), expires, crypto.randomBytes(16), crypto.randomBytes(12)]);
  const key = scrypt(pass, hdr.subarray(12, 28), log2n, 8, 1);
  const nm = Buffer.from(name, "utf8");
  const [ct, tag] = gcmSeal(key, hdr.subarray(28, 40), hdr, Buffer.concat([Buffer.from([nm.length]), nm, master]));
  const body = Buffer.concat([hdr, ct, tag]);
  return "DNA1-" + b32enc(Buffer.concat([body, sha256(body).subarray(0, 4)]));
}
function jsLinkOpen(code, pass) {
  if (!code.toUpperCase().startsWith("DNA1-")) throw new Error("prefix");
  const raw = b32dec(code.slice(5));
  const body = raw.subarray(0, raw.length - 4);
  if (!sha256(body).subarray(0, 4).equals(raw.subarray(raw.length - 4))) throw new Error("checksum");
  const [v, log2n, r, p] = body;
  if (v !== 2) throw new Error("version");
  const key = scrypt(pass, body.subarray(12, 28), log2n, r, p);
  const pt = gcmOpen(key, body.subarray(28, 40), body.subarray(0, 40), body.subarray(40, body.length - 16),
                     body.subarray(body.length - 16));
  if (body.readBigUInt64LE(4) < BigInt(Math.floor(Date.now() / 1000))) throw new Error("expired");
  const l = pt[0];
  return { name: pt.subarray(1, 1 + l).toString("utf8"), master: pt.subarray(1 + l) };
}

async function main() {
  // Identities: C and JS derive the same keys from the same master secrets.
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const master = crypto.createHash("sha256").update(`master/${i}`).digest();
    const name = ["alice", "bob", "carol", "dave", "erin"][i];
    const [pk, ek, dk] = runC([`I ${hex(master)} ${hex(ascii(name))}`])[0].split(" ");
    const js = await jsIdentity(master);
    expectEq(`sign pk (${name})`, hex(js.signPk), pk);
    expectEq(`ML-KEM ek (${name})`, hex(js.ek), ek);
    expectEq(`ML-KEM dk (${name})`, hex(js.dk), dk);
    ids.push({ name, master, ek: unhex(ek), dk: unhex(dk) });
  }

  // C seals, JS opens (2 and 4 recipients, empty and non-empty bodies, with and without aad).
  const cases = [
    { who: [1, 0], aad: ascii("alice|bob|1700000000"), body: ascii("hello bob, from alice's desktop") },
    { who: [0, 1, 2, 3], aad: Buffer.alloc(0), body: Buffer.alloc(0) },
    { who: [2], aad: ascii("x"), body: crypto.randomBytes(49152) },
  ];
  for (const [ci, c] of cases.entries()) {
    const [env] = runC([`S ${hex(c.aad)} ${hex(c.body)} ${c.who.map((i) => hex(ids[i].ek)).join(" ")}`]);
    expectEq(`C envelope size (case ${ci})`, unhex(env).length, 30 + 836 * c.who.length + c.body.length);
    for (const i of c.who) {
      const got = await jsOpen(ids[i].dk, ids[i].ek, c.aad, unhex(env));
      expectEq(`JS opens C envelope (case ${ci}, ${ids[i].name})`, hex(got), hex(c.body));
    }
    let refused = false;
    try { await jsOpen(ids[c.who[0]].dk, ids[c.who[0]].ek, Buffer.concat([c.aad, ascii("!")]), unhex(env)); }
    catch (e) { refused = true; }
    expectEq(`JS refuses other aad (case ${ci})`, refused, true);
  }

  // JS seals, C opens.
  for (const [ci, c] of cases.entries()) {
    const env = await jsSeal(c.who.map((i) => ids[i].ek), c.aad, c.body);
    const cmds = c.who.map((i) => `O ${hex(ids[i].dk)} ${hex(ids[i].ek)} ${hex(c.aad)} ${hex(env)}`);
    const outsider = [0, 1, 2, 3, 4].find((i) => !c.who.includes(i));
    cmds.push(`O ${hex(ids[outsider].dk)} ${hex(ids[outsider].ek)} ${hex(c.aad)} ${hex(env)}`);
    cmds.push(`O ${hex(ids[c.who[0]].dk)} ${hex(ids[c.who[0]].ek)} ${hex(ascii("other"))} ${hex(env)}`);
    const ans = runC(cmds);
    c.who.forEach((i, k) => expectEq(`C opens JS envelope (case ${ci}, ${ids[i].name})`, ans[k], hex(c.body)));
    expectEq(`C: not addressed (case ${ci})`, ans[c.who.length], "ERR -6");
    expectEq(`C: other aad (case ${ci})`, ans[c.who.length + 1], "ERR -6");
  }

  // Link codes both ways (scrypt N = 2^10 to stay fast; the format records it).
  const pass = "correct horse battery";
  const [cCode] = runC([`L ${hex(ids[0].master)} ${hex(ascii("alice"))} ${hex(ascii(pass))} 10`]);
  const opened = jsLinkOpen(cCode, pass);
  expectEq("JS opens C link code: name", opened.name, "alice");
  expectEq("JS opens C link code: master", hex(opened.master), hex(ids[0].master));
  const jsCode = jsLinkMake("bob the builder", ids[1].master, pass, 11);
  const [joined] = runC([`J ${jsCode} ${hex(ascii(pass))}`]);
  expectEq("C joins with JS link code", joined, `${hex(ascii("bob the builder"))} ${hex(ids[1].master)}`);
  const [wrong] = runC([`J ${jsCode} ${hex(ascii("wrong passphrase"))}`]);
  expectEq("C: JS link code, wrong passphrase", wrong, "ERR -12");

  console.log(`envelope/identity/link-code JS cross-check: ${checks - failures}/${checks} checks passed`);
  if (failures > 0 || checks === 0) process.exit(1);
}

main().catch((e) => { console.error(e); process.exit(1); });
