// The web codec (web/src/codec.js) against the C codec (src/dht/dht_codec.c), both directions:
// every value the C codec writes (boundary sizes of every msgpack form) is decoded by the JS
// codec to the same fields, re-encoded byte-identically, its signature and value id checked;
// values the JS side builds from those fields and signs itself are accepted by the C decoder with
// the same value id; and non-canonical or damaged encodings are refused by both.
// Usage: node test_web_codec.js <helper-exe> <bundle dnasync-web.mjs>
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [helper, bundle] = process.argv.slice(2).map((p) => resolve(p));
const { codec, crypto: C } = await import(pathToFileURL(bundle).href);

function runC(lines) {
  const r = spawnSync(helper, [], { input: lines.join("\n") + "\n", maxBuffer: 1 << 28, timeout: 120000 });
  if (r.status !== 0) throw new Error(`helper failed: ${r.status} ${r.stderr}`);
  return r.stdout.toString().trim().split("\n");
}
let checks = 0, failures = 0;
function expect(what, ok) {
  checks++;
  if (!ok) { failures++; console.error(`FAIL ${what}`); }
}
const hex = C.toHex, unhex = C.fromHex;

function fromJson(j) {
  const v = { version: 1, sig_scheme: 1, kind: j.kind, created_at: BigInt(j.created_at), author_pk: unhex(j.author_pk), sig: unhex(j.sig) };
  if (j.kind === 1) Object.assign(v, { message_id: j.message_id, sender: j.sender, recipient: j.recipient, payload: unhex(j.payload) });
  if (j.kind === 2 || j.kind === 5) {
    Object.assign(v, { message_id: j.message_id, owner: j.owner, writer_id: unhex(j.writer_id) });
    if (j.kind === 2) v.deleted_at = BigInt(j.deleted_at); else v.read_at = BigInt(j.read_at);
  }
  if (j.kind === 3) Object.assign(v, { name: j.name, signing_pk: unhex(j.signing_pk), kem_pk: unhex(j.kem_pk), devices: j.devices });
  if (j.kind >= 6) {
    v.version = 2;
    Object.assign(v, { mailbox: j.mailbox, day: BigInt(j.day), shard: j.shard, writer_id: unhex(j.writer_id),
      members: j.members.map((m) => {
        const o = { message_id: m.message_id, at: BigInt(m.at) };
        if (j.kind === 6) Object.assign(o, { sender: m.sender, recipient: m.recipient, payload: unhex(m.payload) });
        return o;
      }) });
  }
  if (j.kind === 4) Object.assign(v, { mailbox: j.mailbox, day: BigInt(j.day), writer_id: unhex(j.writer_id), counter: BigInt(j.counter), entries: j.entries.map(([shard, count, x]) => ({ shard, count, xor: BigInt(x) })) });
  return v;
}
function canon(x) { // key order free, BigInt and bytes comparable
  if (typeof x === "bigint") return `${x}n`;
  if (x instanceof Uint8Array) return C.toHex(x);
  if (Array.isArray(x)) return x.map(canon);
  if (x && typeof x === "object") return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon(x[k])]));
  return x;
}
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

// 1. C writes, JS reads
const vectors = runC(["vectors"]);
expect(`C wrote ${vectors.length} vectors (want 44)`, vectors.length === 44);
const { signKey, pk } = await (async () => { const k = await C.signKeyFromSeed(Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i)); return { signKey: k.key, pk: k.pk }; })();
const jsMade = [];
for (const line of vectors) {
  const [encHex, vid, json] = [line.slice(0, line.indexOf(" ")), line.split(" ")[1], line.slice(line.indexOf("{"))];
  const want = fromJson(JSON.parse(json));
  const enc = unhex(encHex);
  let got = null;
  try { got = codec.decodeValue(enc); } catch (e) { expect(`JS decodes C kind ${want.kind}: ${e.message}`, false); continue; }
  expect(`fields of C kind ${want.kind} value (${enc.length} B)`, same(got, want));
  expect(`JS encodes the fields of a C kind ${want.kind} value byte-identically`, hex(codec.encodeValue(want)) === encHex);
  expect(`signature of C kind ${want.kind}`, await C.verify(got.author_pk, got.sig, codec.signingBytes(got)));
  expect(`value id of C kind ${want.kind}: ${vid}`, C.u64hex(await C.valueId(got)) === vid);
  expect("the JS key is the C key", hex(pk) === hex(got.author_pk));
  // 2. JS signs the same fields itself (Ed25519 is deterministic: the same signature)
  const mine = { ...want, sig: await C.sign(signKey, codec.signingBytes(want)) };
  expect(`JS signature equals C signature (kind ${want.kind})`, hex(mine.sig) === hex(want.sig));
  const other = { ...want, created_at: want.created_at ^ 1n };
  other.sig = await C.sign(signKey, codec.signingBytes(other));
  jsMade.push([codec.encodeValue(other), C.u64hex(await C.valueId(other)), other.kind]);
}
// 3. JS writes, C reads
const answers = runC(jsMade.map(([e]) => `check ${hex(e)}`));
jsMade.forEach(([, vid, kind], i) => expect(`C accepts JS kind ${kind} value: ${answers[i]}`, answers[i] === `ok ${kind} ${vid} 1`));

// 3b. Bundles (format 2): the same both ways; a JS-made one with another writer has another id
const bvec = runC(["bundles"]);
expect(`C wrote ${bvec.length} bundles (want 15)`, bvec.length === 15);
const jsBundles = [];
for (const line of bvec) {
  const [encHex, vid] = line.split(" ");
  const want = fromJson(JSON.parse(line.slice(line.indexOf("{"))));
  const enc = unhex(encHex);
  let got = null;
  try { got = codec.decodeValue(enc); } catch (e) { expect(`JS decodes C bundle kind ${want.kind}: ${e.message}`, false); continue; }
  const n = want.members.length;
  expect(`fields of C bundle kind ${want.kind} x${n}`, same(got, want));
  expect(`JS encodes C bundle kind ${want.kind} x${n} byte-identically`, hex(codec.encodeValue(want)) === encHex);
  expect(`signature of C bundle kind ${want.kind} x${n}`, await C.verify(got.author_pk, got.sig, codec.signingBytes(got)));
  expect(`value id of C bundle kind ${want.kind} x${n}: ${vid}`, C.u64hex(await C.valueId(got)) === vid);
  const mine = { ...want, writer_id: Uint8Array.from(want.writer_id, (b) => b ^ 0xff) };
  mine.sig = await C.sign(signKey, codec.signingBytes(mine));
  const mid = C.u64hex(await C.valueId(mine));
  expect(`another writer, another id (kind ${want.kind} x${n})`, mid !== vid);
  jsBundles.push([codec.encodeValue(mine), mid, mine.kind]);
  // a member out of order, or a time that is not the oldest member's: refused by the JS encoder
  if (n > 1) {
    let threw = false;
    try { codec.encodeValue({ ...want, members: [...want.members].reverse() }); } catch { threw = true; }
    expect(`JS refuses members out of order (kind ${want.kind})`, threw);
  }
  let threw = false;
  try { codec.encodeValue({ ...want, created_at: want.created_at + 1n }); } catch { threw = true; }
  expect(`JS refuses a bundle time that is not the oldest member's (kind ${want.kind})`, threw);
}
const bAns = runC(jsBundles.map(([e]) => `check ${hex(e)}`));
jsBundles.forEach(([, vid, kind], i) => expect(`C accepts JS bundle kind ${kind}: ${bAns[i]}`, bAns[i] === `ok ${kind} ${vid} 1`));
// a truncated bundle and one with a flipped member byte: refused by both, or no longer signed
const b0 = unhex(bvec[1].split(" ")[0]);
const cut = runC([`check ${hex(b0.subarray(0, b0.length - 1))}`])[0];
let jsCut = "ok";
try { codec.decodeValue(b0.subarray(0, b0.length - 1)); } catch { jsCut = "bad"; }
expect(`a truncated bundle is refused by both (${cut})`, cut.startsWith("bad") && jsCut === "bad");

// 4. Refused by both: non-canonical forms, trailing bytes, truncation, wrong sizes
const base = unhex(vectors[0].split(" ")[0]); // message, created_at 0
const bad = [];
const splice = (b, at, del, ins) => Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at + del)]);
bad.push(["created_at 0 as uint8 cc00", splice(base, 3, 1, [0xcc, 0x00])]);
bad.push(["created_at 0 as uint64", splice(base, 3, 1, [0xcf, 0, 0, 0, 0, 0, 0, 0, 0])]);
bad.push(["array as array16", splice(base, 0, 1, [0xdc, 0x00, 0x0a])]);
bad.push(["trailing byte", Uint8Array.from([...base, 0])]);
bad.push(["truncated", base.subarray(0, base.length - 1)]);
bad.push(["format 2", splice(base, 1, 1, [2])]);
bad.push(["kind 6", splice(base, 2, 1, [6])]);
bad.push(["author key 31 bytes", splice(base, 4, 2, [0xc4, 31])]);
const mid = 4 + 34 + 1 + 66; // message_id str tag offset: array, ver, kind, created(1), bin32, scheme, bin64
bad.push(["message id as str16", splice(base, mid, 2, [0xda, 0, 64])]);
bad.push(["uppercase message id", splice(base, mid + 2, 1, [0x41])]);
bad.push(["empty", new Uint8Array(0)]);
const cAns = runC(bad.map(([, b]) => `check ${hex(b) || "00"}`));
bad.forEach(([what, b], i) => {
  let js = "ok";
  try { codec.decodeValue(b); } catch { js = "bad"; }
  expect(`JS refuses: ${what}`, js === "bad");
  expect(`C refuses: ${what} (${cAns[i]})`, cAns[i].startsWith("bad"));
});
// the base itself passes both (so the refusals above are about the change)
expect("base accepted by C", runC([`check ${hex(base)}`])[0].startsWith("ok 1 "));

console.log(`${checks - failures}/${checks} checks passed`);
process.exit(failures ? 1 : 0);
