// Client of the dnasync gateway (docs/gateway.md, API 1): fetch for reads and puts, a streamed
// fetch for the Server-Sent Events listen (works in the page and in Node, whose EventSource is
// missing in v20). Value ids stay 16-hex strings; payloads are bytes.
const b64enc = (b) => { let s = ""; for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000)); return btoa(s); };
const b64dec = (s) => {
  const bin = atob(s), out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
};
const toValue = (v) => ({ id: v.id, kind: v.kind, data: b64dec(v.data) });

export class GatewayError extends Error {
  constructor(status, code, msg) { super(msg); this.status = status; this.code = code; }
}

export class Gateway {
  constructor(base) { this.base = String(base || "").replace(/\/$/, ""); }
  async req(path, body) {
    const init = body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {};
    let r;
    try {
      r = await fetch(this.base + path, init);
    } catch (e) {
      throw new GatewayError(0, "offline", `gateway unreachable: ${e.message}`);
    }
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new GatewayError(r.status, j.error || "http", j.message || `HTTP ${r.status}`);
    return j;
  }
  health() { return this.req("/health"); }
  async get(key) { return (await this.req(`/v1/key/${key}`)).values.map(toValue); }
  async getIds(key, ids) { return (await this.req(`/v1/key/${key}?ids=${ids.join(",")}`)).values.map(toValue); }
  async listIds(key) { return (await this.req(`/v1/key/${key}/ids`)).ids; }
  // keys: up to 32 per request; answers { key, values } or { key, error } in order
  async getMany(keys) {
    const out = [];
    for (let i = 0; i < keys.length; i += 32) {
      const r = await this.req("/v1/get", { keys: keys.slice(i, i + 32) });
      for (const x of r.results) out.push(x.values ? { key: x.key, values: x.values.map(toValue) } : { key: x.key, error: x.error });
    }
    return out;
  }
  // items: { key, kind, id, created, data: Uint8Array }; returns one status object per item
  async put(items) {
    const out = [];
    for (let i = 0; i < items.length; i += 32) {
      const values = items.slice(i, i + 32).map((p) => ({ key: p.key, kind: p.kind, id: p.id, created: p.created, data: b64enc(p.data) }));
      out.push(...(await this.req("/v1/put", { values })).results);
    }
    return out;
  }
  // SSE: onEvent(type, value|null). Returns a stop function. Reconnects (bounded back-off)
  // until stopped; every (re)connect replays the key's values, so nothing is lost.
  listen(key, onEvent) {
    let stopped = false, ctl = null;
    const run = async () => {
      for (let attempt = 0; !stopped; attempt++) {
        ctl = new AbortController();
        try {
          const r = await fetch(`${this.base}/v1/key/${key}/listen`, { signal: ctl.signal, headers: { Accept: "text/event-stream" } });
          if (!r.ok || !r.body) throw new Error(`HTTP ${r.status}`);
          attempt = 0;
          onEvent("open", null);
          const rd = r.body.getReader();
          const dec = new TextDecoder();
          let buf = "", type = "message", data = "";
          for (;;) {
            const { value, done } = await rd.read();
            if (done) break;
            buf += dec.decode(value, { stream: true });
            let nl;
            while ((nl = buf.indexOf("\n")) >= 0) {
              const line = buf.slice(0, nl).replace(/\r$/, "");
              buf = buf.slice(nl + 1);
              if (line === "") {
                if (data) onEvent(type, type === "synced" ? null : toValue(JSON.parse(data)));
                type = "message"; data = "";
              } else if (line.startsWith("event:")) type = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
            }
          }
        } catch { /* closed or unreachable: retry below */ }
        if (stopped) break;
        onEvent("closed", null);
        await new Promise((res) => setTimeout(res, Math.min(500 * 2 ** Math.min(attempt, 4), 8000)));
      }
    };
    run();
    return () => { stopped = true; if (ctl) ctl.abort(); };
  }
}
