// The dnasync web device library (docs/web.md).
export * as codec from "./codec.js";
export * as crypto from "./crypto.js";
export { Gateway, GatewayError } from "./gateway.js";
export { Store, DB_VERSION } from "./store.js";
export { Device, WINDOW_DAYS } from "./device.js";
