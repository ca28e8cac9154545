// The signed-in session of the dashboard (the `auth` function, /auth/*): the access token and the
// refresh token live in HttpOnly cookies the page never sees; the page reads only the CSRF
// cookie and echoes it in `X-CSRF-Token` on every mutating request (double submit).
//
//   GET  /auth/session   who is signed in, the company, the role, the access token's expiry
//   POST /auth/refresh   a new access cookie and a new refresh cookie (rotated on every use)
//   POST /auth/switch    act for another company of the user
//   POST /auth/logout, /auth/logout-all;  GET /auth/sessions, DELETE /auth/sessions/{id}
//
// A refresh token is single-use and presenting a used one ends the whole session (reuse
// detection). Every tab of the browser shares the cookies, so two tabs refreshing at the same
// moment would present the same token twice and end their own session: refreshes are serialized
// across tabs with a Web Lock (the one that waited then sends the cookie the other one received),
// and within a page one refresh runs at a time.

const LOCK_NAME = "ccr-session-refresh";
const LOAD_TIMEOUT_MS = 10_000;

/** The CSRF cookie: `__Host-ccr_csrf` over HTTPS, `ccr_csrf` on a plain-HTTP local run. */
export function csrfToken() {
  let plain = "";
  for (const part of document.cookie.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (name === "__Host-ccr_csrf") return value;
    if (name === "ccr_csrf" && !plain) plain = value;
  }
  return plain;
}

/** The page's own path (with query and hash) for `/auth/login?returnTo=`. */
export function currentReturnPath() {
  const path = location.pathname + location.search + location.hash;
  return path.startsWith("/") && !path.startsWith("//") ? path : "/";
}

export function signInURL(returnTo = currentReturnPath()) {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

/** The reason in a `session_ended` message ("the session has ended (reused); sign in again"). */
function endedReason(body) {
  const message = body?.error?.message ?? "";
  return /\(([a-z_]+)\)/.exec(message)?.[1] ?? "ended";
}

async function readJSON(response) {
  if (!(response.headers.get("content-type") ?? "").includes("json")) return null;
  try { return await response.json(); } catch { return null; }
}

export class CookieSession {
  /** The last `GET /auth/session` answer. */
  info = null;
  /** Unix seconds when the access cookie stops working. */
  expiresAt = 0;
  #refreshing = null;
  #timer = 0;
  #onExpiring;

  /** `onExpiring()` runs when the scheduled refresh is due (the page refreshes and carries on). */
  constructor({ onExpiring = () => {} } = {}) {
    this.#onExpiring = onExpiring;
  }

  /** `{status, body}` of GET /auth/session; `status` 0 when the server could not be reached. */
  async load() {
    let response;
    try {
      // A hung request counts as no answer (the caller asks again); only this read gets a
      // timeout: an abandoned refresh could lose the rotated cookie and look like token reuse.
      response = await fetch("/auth/session", {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(LOAD_TIMEOUT_MS),
      });
    } catch (error) {
      return { status: 0, body: null, error };
    }
    const body = await readJSON(response);
    if (response.ok && body) {
      this.info = body;
      this.expiresAt = Number(body.accessTokenExpiresAt) || 0;
    }
    return { status: response.status, body };
  }

  /**
   * A new access cookie (and refresh cookie). One at a time in the page, and across tabs under
   * a Web Lock. Resolves to `{ok: true}` or `{ok: false, status, code, reason}` (`reason`: why
   * the session ended — reused, revoked, expired, not_a_member, unknown — or `network`).
   */
  refresh() {
    if (this.#refreshing) return this.#refreshing;
    const run = async () => {
      let response;
      try {
        response = await fetch("/auth/refresh", {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
        });
      } catch {
        return { ok: false, status: 0, code: "network", reason: "network" };
      }
      const body = await readJSON(response);
      if (response.ok) {
        this.expiresAt = Math.floor(Date.now() / 1000) + (Number(body?.expiresIn) || 60);
        return { ok: true };
      }
      const code = body?.error?.code ?? null;
      return { ok: false, status: response.status, code, reason: code === "session_ended" ? endedReason(body) : code ?? "failed" };
    };
    const locked = navigator.locks?.request ? navigator.locks.request(LOCK_NAME, run) : run();
    this.#refreshing = locked.finally(() => { this.#refreshing = null; });
    return this.#refreshing;
  }

  /** Calls `onExpiring` about a minute before the access cookie expires (half its life if shorter). */
  schedule() {
    clearTimeout(this.#timer);
    if (!this.expiresAt) return;
    const left = this.expiresAt - Date.now() / 1000;
    const lead = Math.min(60, Math.max(5, left / 2));
    const wait = Math.max(1, left - lead) * 1000;
    // setTimeout's limit is 2^31-1 ms; sessions never get near it, but stay safe.
    this.#timer = setTimeout(() => this.#onExpiring(), Math.min(wait, 2 ** 31 - 1));
  }

  cancel() {
    clearTimeout(this.#timer);
    this.#timer = 0;
  }

  async #post(path, body) {
    const headers = { Accept: "application/json", "X-CSRF-Token": csrfToken() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin", cache: "no-store", headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = await readJSON(response);
    if (!response.ok) {
      const error = new Error(payload?.error?.message ?? `${path}: HTTP ${response.status}`);
      error.status = response.status;
      error.code = payload?.error?.code ?? null;
      throw error;
    }
    return payload;
  }

  /** Acts for another company of the user from now on (a new access cookie). */
  async switchCompany(companyId) {
    const result = await this.#post("/auth/switch", { company: companyId });
    return result;
  }

  /** Ends this session (`everywhere`: every session of the user). */
  async signOut({ everywhere = false } = {}) {
    this.cancel();
    return this.#post(everywhere ? "/auth/logout-all" : "/auth/logout");
  }

  async sessions() {
    const response = await fetch("/auth/sessions", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    const payload = await readJSON(response);
    if (!response.ok) {
      const error = new Error(payload?.error?.message ?? `sessions: HTTP ${response.status}`);
      error.status = response.status;
      error.code = payload?.error?.code ?? null;
      throw error;
    }
    return payload;
  }

  async endSession(id) {
    const response = await fetch(`/auth/sessions/${encodeURIComponent(id)}`, {
      method: "DELETE", credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
    });
    if (!response.ok) {
      const payload = await readJSON(response);
      const error = new Error(payload?.error?.message ?? `end session: HTTP ${response.status}`);
      error.status = response.status;
      error.code = payload?.error?.code ?? null;
      throw error;
    }
  }
}
