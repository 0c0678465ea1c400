// Cross-check of dnasync's ML-KEM-512 against the npm package mlkem 2.7.0 (dajiaji).
// Usage: node test_mlkem_npm.js <helper-exe> <npm-prefix>
// Both directions: C keys/ciphertexts are accepted by mlkem with the same shared secret,
// and mlkem's keys/ciphertexts are accepted by C. Exits non-zero on any mismatch.
"use strict";
const path = require("path");
const crypto = require("crypto");
const { spawnSync } = require("child_process");

const [helper, prefix] = process.argv.slice(2);
if (!helper || !prefix) {
  console.error("usage: node test_mlkem_npm.js <helper-exe> <npm-prefix>");
  process.exit(2);
}
let mlkem;
try {
  mlkem = require(path.join(prefix, "node_modules", "mlkem"));
} catch (e) {
  console.error(`cannot load npm mlkem from ${prefix}: ${e.message} (did the npm install fixture run?)`);
  process.exit(1);
}
const pkgVersion = require(path.join(prefix, "node_modules", "mlkem", "package.json")).version;
if (pkgVersion !== "2.7.0") {
  console.error(`expected mlkem 2.7.0, found ${pkgVersion}`);
  process.exit(1);
}

const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (h) => new Uint8Array(Buffer.from(h, "hex"));
const det = (label, i, n) => crypto.createHash("shake256", { outputLength: n }).update(`${label}/${i}`).digest();

// Runs a batch of helper commands; returns the answer lines.
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
    console.error(`MISMATCH ${what}:\n  ${a.slice(0, 80)}\n  ${b.slice(0, 80)}`);
  }
}

async function main() {
  const kem = new mlkem.MlKem512();
  const N = 25;

  // 1. C -> mlkem: fixed seeds; C's keys and ciphertexts in mlkem.
  const seeds = [];
  for (let i = 0; i < N; i++) seeds.push({ d: det("d", i, 32), z: det("z", i, 32), m: det("m", i, 32) });
  const keys = runC(seeds.map((s) => `K ${hex(s.d)} ${hex(s.z)}`)).map((l) => l.split(" "));
  const encs = runC(seeds.map((s, i) => `E ${keys[i][0]} ${hex(s.m)}`)).map((l) => l.split(" "));
  for (let i = 0; i < N; i++) {
    const [ek, dk] = keys[i], [c, k] = encs[i];
    const [pk2, sk2] = await kem.deriveKeyPair(new Uint8Array([...seeds[i].d, ...seeds[i].z]));
    expectEq(`C ek == mlkem deriveKeyPair pk (#${i})`, ek, hex(pk2));
    expectEq(`C dk == mlkem deriveKeyPair sk (#${i})`, dk, hex(sk2));
    const [c2, k2] = await kem.encap(unhex(ek), new Uint8Array(seeds[i].m));
    expectEq(`C c == mlkem encap (#${i})`, c, hex(c2));
    expectEq(`C K == mlkem encap K (#${i})`, k, hex(k2));
    expectEq(`mlkem decap(C c, C dk) == C K (#${i})`, hex(await kem.decap(unhex(c), unhex(dk))), k);
    const bad = unhex(c);
    bad[i * 30] ^= 1; // implicit rejection must agree too
    const kbad = await kem.decap(bad, unhex(dk));
    const [kbadC] = runC([`D ${dk} ${hex(bad)}`]);
    expectEq(`implicit rejection key (#${i})`, kbadC, hex(kbad));
  }

  // 2. mlkem -> C: mlkem's own random keys and ciphertexts decapsulated by C, and C's
  // encapsulation to mlkem's key decapsulated by mlkem.
  const cmds = [], want = [], pairs = [];
  for (let i = 0; i < N; i++) {
    const [pk, sk] = await kem.generateKeyPair();
    const [ct, ss] = await kem.encap(pk);
    pairs.push({ pk, sk });
    cmds.push(`D ${hex(sk)} ${hex(ct)}`);
    want.push(hex(ss));
    cmds.push(`E ${hex(pk)} ${hex(det("m2", i, 32))}`);
  }
  const ans = runC(cmds);
  for (let i = 0; i < N; i++) {
    expectEq(`C decaps of mlkem ct (#${i})`, ans[2 * i], want[i]);
    const [c, k] = ans[2 * i + 1].split(" ");
    expectEq(`mlkem decap of C ct (#${i})`, hex(await kem.decap(unhex(c), pairs[i].sk)), k);
  }

  // 3. C rejects an ek that mlkem also rejects (coefficient >= q).
  const badEk = unhex(keys[0][0]);
  badEk[0] = 0xff; badEk[1] |= 0x0f; // first coefficient = 4095
  const [rej] = runC([`E ${hex(badEk)} ${hex(seeds[0].m)}`]);
  expectEq("C rejects unreduced ek", rej.startsWith("ERR") ? "rejected" : rej, "rejected");
  let npmRejected = false;
  try { await kem.encap(badEk); } catch (e) { npmRejected = true; }
  expectEq("mlkem rejects unreduced ek", String(npmRejected), "true");

  console.log(`npm mlkem ${pkgVersion} cross-check: ${checks - failures}/${checks} checks passed ` +
              `(${N} C key pairs, ${N} mlkem key pairs)`);
  if (failures > 0 || checks === 0) process.exit(1);
}

main().catch((e) => { console.error(e); process.exit(1); });
