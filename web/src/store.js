// The web device's cache in IndexedDB: the spec's tables (messages, tombstones by deleted_at on
// the message row, sync state per day) plus what the engine keeps beside them (index of held
// values per mailbox/day/shard with their signer, refused values, pending uploads, meta).
// Versioned with onupgradeneeded like the SQLite cache's user_version; u64 ids as 16-hex strings
// (IndexedDB keys cannot be BigInt).
export const DB_VERSION = 1;

const MIGRATIONS = [
  // 1: first schema
  (db) => {
    const m = db.createObjectStore("messages", { keyPath: "message_id" });
    m.createIndex("conversation", "conversation_id");
    m.createIndex("pending", "pending");
    db.createObjectStore("index", { keyPath: ["mailbox", "day", "shard", "vid"] });
    db.createObjectStore("refused", { keyPath: ["mailbox", "day", "shard", "vid", "hash"] });
    db.createObjectStore("days", { keyPath: "day" });
    db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
    db.createObjectStore("meta");
  },
];

const done = (req) => new Promise((res, rej) => { req.onsuccess = () => res(req.result); req.onerror = () => rej(req.error); });

export class Store {
  static async open(name, idb = globalThis.indexedDB) {
    const req = idb.open(name, DB_VERSION);
    req.onupgradeneeded = (e) => {
      for (let v = e.oldVersion; v < DB_VERSION; v++) MIGRATIONS[v](req.result, req.transaction);
    };
    const s = new Store();
    s.db = await done(req);
    return s;
  }
  close() { this.db.close(); }
  // fn(stores) runs inside one readwrite transaction over the named stores; resolves on commit
  tx(names, fn, mode = "readwrite") {
    const t = this.db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
    let result;
    const p = new Promise((res, rej) => { t.oncomplete = () => res(result); t.onerror = () => rej(t.error); t.onabort = () => rej(t.error || new Error("transaction aborted")); });
    Promise.resolve(fn(stores)).then((r) => { result = r; }, (e) => { try { t.abort(); } catch { /* done */ } throw e; });
    return p;
  }
  get(store, key) { return done(this.db.transaction(store, "readonly").objectStore(store).get(key)); }
  put(store, value, key) { return this.tx([store], (s) => { s[store].put(value, key); }); }
  all(store, range, index) {
    const os = this.db.transaction(store, "readonly").objectStore(store);
    return done((index ? os.index(index) : os).getAll(range));
  }
  count(store, range, index) {
    const os = this.db.transaction(store, "readonly").objectStore(store);
    return done((index ? os.index(index) : os).count(range));
  }
  meta(key) { return this.get("meta", key); }
  setMeta(key, value) { return this.put("meta", value, key); }
  // every held value of one mailbox/day
  dayIndex(mailbox, day) {
    return this.all("index", IDBKeyRange.bound([mailbox, day, 0, ""], [mailbox, day, 128, ""]));
  }
  // the value ids held for one mailbox/day/shard, in one read (not one per id)
  shardIds(mailbox, day, shard) {
    const range = IDBKeyRange.bound([mailbox, day, shard, ""], [mailbox, day, shard, "\uffff"]);
    return done(this.db.transaction("index", "readonly").objectStore("index").getAllKeys(range)).then((ks) => new Set(ks.map((k) => k[3])));
  }
  // whether a value just read is held already, or was refused with these very bytes: one
  // transaction for both (each IndexedDB transaction is a round trip to the browser's backend)
  seen(mailbox, day, shard, vid, hash) {
    const t = this.db.transaction(["index", "refused"], "readonly");
    return Promise.all([done(t.objectStore("index").count([mailbox, day, shard, vid])), done(t.objectStore("refused").count([mailbox, day, shard, vid, hash]))]).then(([a, b]) => a + b > 0);
  }
}
