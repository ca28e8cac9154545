// A small Socket.IO v5 client (Engine.IO v4, WebSocket transport only), written for this project
// because npm is out of reach and the page must not depend on a build step.
//
// It knows nothing about the dashboard. Its surface is the subset of socket.io-client v4 the page
// uses, with the same names and semantics, so `import { io } from "socket.io-client"` can replace
// it without touching page code:
//
//   const socket = io(url, { auth: (cb) => cb({ token, lastEventId }) });
//   socket.on("connect" | "disconnect" | "connect_error" | <event name>, handler)
//   socket.io.on("reconnect_attempt" | "reconnect" | "reconnect_failed" | "ping", handler)
//   socket.emit(name, ...args[, ackCallback]);   socket.timeout(ms).emitWithAck(name, ...args)
//   socket.connected, socket.active, socket.id, socket.recovered, socket.connect(), socket.disconnect()
//
// Wire protocol (see docs of the relay): the server opens with `0{"sid",…,"pingInterval",
// "pingTimeout","maxPayload"}`, pings with `2` (we answer `3`); Socket.IO packets ride in
// Engine.IO message packets: `40{auth}` CONNECT, `40{"sid",…}` accepted, `44{"message"}` refused,
// `42[name,…args]` event, `42<id>[…]` event with ack id, `43<id>[…]` ack, `41` disconnect.

const RESERVED_EVENTS = new Set([
  "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
]);

/** Minimal event emitter (listeners are called synchronously, errors are contained). */
class Emitter {
  #listeners = new Map();

  on(name, fn) {
    if (!this.#listeners.has(name)) this.#listeners.set(name, new Set());
    this.#listeners.get(name).add(fn);
    return this;
  }

  once(name, fn) {
    const wrapper = (...args) => { this.off(name, wrapper); fn(...args); };
    return this.on(name, wrapper);
  }

  off(name, fn) {
    if (fn === undefined) this.#listeners.delete(name);
    else this.#listeners.get(name)?.delete(fn);
    return this;
  }

  // Named `_fire` rather than `emit` because Socket#emit sends to the server.
  _fire(name, ...args) {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (error) {
        // One broken listener must not stop the others or the protocol loop.
        console.error(`socket listener for "${name}" failed`, error);
      }
    }
  }
}

/**
 * Reconnection delay for the given attempt (1, 2, …): exponential from `delay`, capped at
 * `delayMax`, spread by ±`randomizationFactor` so that thousands of dashboards do not all come
 * back at the same instant after a relay restart (socket.io-client's defaults: 1 s, 5 s, 0.5).
 */
export function backoffDelay(attempt, { delay = 1000, delayMax = 5000, randomizationFactor = 0.5 } = {}, random = Math.random) {
  const base = Math.min(delayMax, delay * 2 ** Math.max(0, attempt - 1));
  const factor = Math.min(Math.max(randomizationFactor, 0), 1);
  const jittered = base * (1 - factor + 2 * factor * random());
  return Math.max(0, Math.min(delayMax, Math.round(jittered)));
}

/** The Engine.IO WebSocket URL for a server URL (`http(s)://host[:port][/…]`) and a path. */
export function engineURL(serverURL, path = "/socket.io/") {
  const url = new URL(serverURL, globalThis.location?.href);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  url.pathname = path.endsWith("/") ? path : `${path}/`;
  url.search = "";
  url.searchParams.set("EIO", "4");
  url.searchParams.set("transport", "websocket");
  url.hash = "";
  return url.toString();
}

/** Splits a Socket.IO packet (without the Engine.IO `4`) into its parts; null if malformed. */
export function decodePacket(text) {
  const type = Number(text[0]);
  if (!Number.isInteger(type) || type < 0 || type > 6) return null;
  let index = 1;
  let namespace = "/";
  if (text[index] === "/") {
    const comma = text.indexOf(",", index);
    namespace = comma === -1 ? text.slice(index) : text.slice(index, comma);
    index = comma === -1 ? text.length : comma + 1;
  }
  let ackId;
  const digits = /^\d+/.exec(text.slice(index));
  if (digits && (type === 2 || type === 3)) {
    ackId = Number(digits[0]);
    index += digits[0].length;
  }
  let data;
  if (index < text.length) {
    try {
      data = JSON.parse(text.slice(index));
    } catch {
      return null;
    }
  }
  return { type, namespace, ackId, data };
}

export class Socket extends Emitter {
  /** Manager-level events (`reconnect_attempt`, `reconnect`, `reconnect_failed`, `ping`), as `socket.io`. */
  io = new Emitter();
  connected = false;
  /** True while the socket wants to be connected (it reconnects by itself). */
  active = false;
  id = undefined;
  /** True when the server replayed what was missed (connection state recovery). */
  recovered = false;

  #url;
  #options;
  #ws = null;
  #pid = undefined;
  #lastOffset = undefined;
  #attempts = 0;
  #everConnected = false;
  #reconnectTimer = 0;
  #openTimer = 0;
  #heartbeatTimer = 0;
  #pingWindow = 45000;
  #nextAckId = 0;
  #acks = new Map();
  #sendBuffer = [];

  constructor(url, options = {}) {
    super();
    this.#url = url;
    this.#options = {
      path: "/socket.io/",
      auth: undefined,
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
      timeout: 20000,
      WebSocket: globalThis.WebSocket,
      ...options,
    };
  }

  connect() {
    if (this.active) return this;
    this.active = true;
    this.#attempts = 0;
    this.#open();
    return this;
  }

  open() { return this.connect(); }

  disconnect() {
    const wasConnected = this.connected;
    this.active = false;
    clearTimeout(this.#reconnectTimer);
    if (wasConnected) this.#sendRaw("41");
    this.#teardown();
    if (wasConnected) this._fire("disconnect", "io client disconnect");
    return this;
  }

  close() { return this.disconnect(); }

  /** Sends an event; a trailing function argument is called with the server's acknowledgement. */
  emit(name, ...args) {
    if (RESERVED_EVENTS.has(name)) throw new Error(`"${name}" is a reserved event name`);
    let ack;
    if (typeof args[args.length - 1] === "function") ack = args.pop();
    this.#sendEvent(name, args, ack, undefined);
    return this;
  }

  /** `socket.timeout(ms).emit(name, …, (err, …reply) => …)` / `.emitWithAck(name, …)`, as socket.io-client. */
  timeout(ms) {
    return {
      emit: (name, ...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : () => {};
        this.#sendEvent(name, args, (...reply) => ack(null, ...reply), ms, (error) => ack(error));
        return this;
      },
      emitWithAck: (name, ...args) =>
        new Promise((resolve, reject) => this.#sendEvent(name, args, (first) => resolve(first), ms, reject)),
    };
  }

  emitWithAck(name, ...args) {
    return new Promise((resolve) => this.#sendEvent(name, args, (first) => resolve(first), undefined));
  }

  // ---- sending

  #sendEvent(name, args, ack, timeoutMs, onTimeout) {
    let id = "";
    if (ack) {
      id = String(this.#nextAckId++);
      let timer = 0;
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#acks.delete(id);
          // Also drop it from the buffer: a timed-out request must not be sent later.
          this.#sendBuffer = this.#sendBuffer.filter((entry) => entry.id !== id);
          (onTimeout ?? (() => {}))(new Error("operation has timed out"));
        }, timeoutMs);
      }
      this.#acks.set(id, { ack, timer });
    }
    const packet = `42${id}${JSON.stringify([name, ...args])}`;
    // Like socket.io-client: emitted while disconnected → buffered and sent after (re)connect.
    if (this.connected) this.#sendRaw(packet);
    else this.#sendBuffer.push({ id, packet });
  }

  #sendRaw(text) {
    if (this.#ws && this.#ws.readyState === 1) this.#ws.send(text);
  }

  // ---- connection lifecycle

  #open() {
    this.#teardown();
    const WebSocketImpl = this.#options.WebSocket;
    let ws;
    try {
      ws = new WebSocketImpl(engineURL(this.#url, this.#options.path));
    } catch (error) {
      this.#onTransportFailure("transport error", error);
      return;
    }
    this.#ws = ws;
    // No open packet within `timeout`: give up on this attempt and back off.
    this.#openTimer = setTimeout(() => this.#onTransportFailure("timeout"), this.#options.timeout);
    ws.onmessage = (message) => {
      if (ws !== this.#ws) return;
      if (typeof message.data === "string") this.#onEnginePacket(message.data);
      // Binary frames: the relay never sends them; ignore rather than guess.
    };
    ws.onclose = () => {
      if (ws === this.#ws) this.#onTransportFailure("transport close");
    };
    ws.onerror = () => {
      // A close event always follows; nothing to do here.
    };
  }

  #teardown() {
    clearTimeout(this.#openTimer);
    clearTimeout(this.#heartbeatTimer);
    const ws = this.#ws;
    this.#ws = null;
    this.connected = false;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch { /* already closed */ }
    }
  }

  #onTransportFailure(reason, error) {
    const wasConnected = this.connected;
    this.#teardown();
    for (const [id, entry] of this.#acks) {
      // socket.io-client keeps acks across reconnects only for buffered packets; ours were sent
      // on the dead transport, so an answer can never come.
      if (!this.#sendBuffer.some((buffered) => buffered.id === id)) {
        clearTimeout(entry.timer);
        this.#acks.delete(id);
      }
    }
    if (wasConnected) {
      this._fire("disconnect", reason);
    } else if (this.active) {
      const failure = error instanceof Error ? error : new Error(reason);
      failure.type = "TransportError";
      this._fire("connect_error", failure);
    }
    if (this.active) this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    if (!this.#options.reconnection) {
      this.active = false;
      return;
    }
    this.#attempts += 1;
    if (this.#attempts > this.#options.reconnectionAttempts) {
      this.active = false;
      this.io._fire("reconnect_failed");
      return;
    }
    const wait = backoffDelay(this.#attempts, {
      delay: this.#options.reconnectionDelay,
      delayMax: this.#options.reconnectionDelayMax,
      randomizationFactor: this.#options.randomizationFactor,
    });
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      if (!this.active) return;
      this.io._fire("reconnect_attempt", this.#attempts);
      this.#open();
    }, wait);
  }

  #armHeartbeat() {
    // v4: the server pings; no ping within pingInterval + pingTimeout means the link is dead
    // (a half-open TCP connection never fires onclose by itself).
    clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = setTimeout(() => this.#onTransportFailure("ping timeout"), this.#pingWindow);
  }

  // ---- receiving

  #onEnginePacket(text) {
    switch (text[0]) {
      case "0": { // open
        let handshake;
        try { handshake = JSON.parse(text.slice(1)); } catch { handshake = {}; }
        this.#pingWindow = (Number(handshake.pingInterval) || 25000) + (Number(handshake.pingTimeout) || 20000);
        clearTimeout(this.#openTimer);
        this.#armHeartbeat();
        this.#sendConnect();
        break;
      }
      case "1": // close
        this.#onTransportFailure("transport close");
        break;
      case "2": // ping
        this.#sendRaw("3");
        this.#armHeartbeat();
        this.io._fire("ping");
        break;
      case "4": // message: a Socket.IO packet
        this.#onSocketPacket(text.slice(1));
        break;
      default: // 3 pong, 5 upgrade, 6 noop: nothing to do on a websocket-only session
        break;
    }
  }

  #sendConnect() {
    const send = (auth) => {
      // Connection state recovery, as socket.io-client does it: once the server gave a private
      // session id, send it back with the last offset seen (the auth fields win on a clash).
      const payload = this.#pid !== undefined ? { pid: this.#pid, offset: this.#lastOffset, ...(auth ?? {}) } : { ...(auth ?? {}) };
      this.#sendRaw(`40${JSON.stringify(payload)}`);
    };
    const auth = this.#options.auth;
    if (typeof auth === "function") auth(send);
    else send(auth);
  }

  #onSocketPacket(text) {
    const packet = decodePacket(text);
    if (!packet || packet.namespace !== "/") return;
    switch (packet.type) {
      case 0: { // CONNECT accepted
        const data = packet.data ?? {};
        this.recovered = data.recovered === true || (this.#pid !== undefined && data.pid === this.#pid);
        this.#pid = typeof data.pid === "string" ? data.pid : undefined;
        this.id = data.sid;
        this.connected = true;
        const reconnected = this.#everConnected;
        const attempts = this.#attempts;
        this.#everConnected = true;
        this.#attempts = 0;
        const buffered = this.#sendBuffer;
        this.#sendBuffer = [];
        for (const entry of buffered) this.#sendRaw(entry.packet);
        if (reconnected) this.io._fire("reconnect", attempts);
        this._fire("connect");
        break;
      }
      case 1: // DISCONNECT from the server ("io server disconnect"): do not come back by itself
        this.active = false;
        clearTimeout(this.#reconnectTimer);
        if (this.connected) {
          this.#teardown();
          this._fire("disconnect", "io server disconnect");
        } else {
          this.#teardown();
        }
        break;
      case 2: { // EVENT
        if (!Array.isArray(packet.data) || packet.data.length === 0) return;
        const [name, ...args] = packet.data;
        // With recovery on, the server appends each event's offset as a last string argument.
        if (this.#pid !== undefined && typeof args[args.length - 1] === "string") this.#lastOffset = args[args.length - 1];
        if (packet.ackId !== undefined) {
          let sent = false;
          args.push((...reply) => {
            if (sent) return;
            sent = true;
            this.#sendRaw(`43${packet.ackId}${JSON.stringify(reply)}`);
          });
        }
        this._fire(name, ...args);
        break;
      }
      case 3: { // ACK
        const key = String(packet.ackId);
        const entry = this.#acks.get(key);
        if (!entry) return;
        this.#acks.delete(key);
        clearTimeout(entry.timer);
        entry.ack(...(Array.isArray(packet.data) ? packet.data : []));
        break;
      }
      case 4: { // CONNECT_ERROR: refused (bad or expired token); no automatic retry
        const data = packet.data ?? {};
        const error = new Error(typeof data.message === "string" ? data.message : "connection refused");
        error.data = data.data;
        this.active = false;
        clearTimeout(this.#reconnectTimer);
        this.#teardown();
        this._fire("connect_error", error);
        break;
      }
      default: // 5/6 binary packets: not used by this project
        break;
    }
  }
}

/** `io(url, options)`: a socket that connects right away unless `autoConnect: false`. */
export function io(url, options = {}) {
  const socket = new Socket(url, options);
  if (options.autoConnect !== false) socket.connect();
  return socket;
}
