// REST calls (contract: GET /api/openapi.json), signed in one of two ways: the session cookie
// of the sign-in (`session`: credentials same-origin, `X-CSRF-Token` on every mutating request,
// one refresh and retry on a 401), or a development bearer token (`getToken`). The company and
// the role come from the server; it checks every permission again, so nothing here is a
// security boundary — it only keeps the page honest about what it may show.

import { csrfToken } from "./session.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && typeof body === "object" ? body.error ?? {} : {};
    super(error.message || `request failed with status ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code ?? null;
    /** Field → problem, for 422 answers. */
    this.fields = error.fields ?? {};
    this.requestId = error.requestId ?? null;
  }
}

/**
 * `base`: the API origin ("" = same origin). Bearer mode: `getToken()` returns the token. Cookie
 * mode: `session` (a CookieSession) refreshes the access cookie once when a request gets 401 and
 * the request is sent again. `onUnauthorized(error)` is called on a 401 that stays (expired or
 * revoked token, ended session); `onForbiddenMember(error)` on 403 `not_a_member` (the member was
 * removed, or the session ended).
 */
export function createApi({ base = "", getToken = () => "", session = null, onUnauthorized = () => {}, onForbiddenMember = () => {} }) {
  async function send(method, url, body, signal) {
    const headers = { Accept: "application/json" };
    const init = { method, headers, signal, cache: "no-store", credentials: session ? "same-origin" : "omit", redirect: "error" };
    if (session) {
      if (MUTATING.has(method)) headers["X-CSRF-Token"] = csrfToken();
    } else {
      headers.Authorization = `Bearer ${getToken()}`;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let payload = null;
    const type = response.headers.get("content-type") ?? "";
    if (response.status !== 204 && type.includes("json")) {
      try { payload = await response.json(); } catch { payload = null; }
    }
    return { response, payload };
  }

  async function request(method, path, { query, body, signal } = {}) {
    let url = base + path;
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value === undefined || value === null || value === "") continue;
        params.set(key, String(value));
      }
      const text = params.toString();
      if (text) url += `?${text}`;
    }
    let { response, payload } = await send(method, url, body, signal);
    if (response.status === 401 && session) {
      // The access cookie expired (or was never refreshed in a sleeping tab): refresh once.
      const refreshed = await session.refresh();
      if (refreshed.ok) ({ response, payload } = await send(method, url, body, signal));
    }
    if (response.status === 204) return null;
    if (!response.ok) {
      const error = new ApiError(response.status, payload);
      if (response.status === 401) onUnauthorized(error);
      else if (response.status === 403 && error.code === "not_a_member") onForbiddenMember(error);
      throw error;
    }
    return payload;
  }

  /**
   * Events after `afterId`, oldest first, page by page (`onPage(events)` per page) until the
   * server has nothing newer. With `after=` the server always answers a `next` cursor (the
   * client keeps polling from the newest id it has), so a short page is the end, as is a
   * missing/empty cursor. `maxPages` bounds a catch-up after a very long outage.
   */
  async function eventsAfter(afterId, onPage, { limit = 500, maxPages = 200, signal } = {}) {
    let cursor = Math.max(0, Number(afterId) || 0);
    let total = 0;
    for (let page = 0; page < maxPages; page += 1) {
      const result = await request("GET", "/api/events", { query: { after: cursor, limit }, signal });
      const events = Array.isArray(result?.data) ? result.data : [];
      if (events.length) {
        total += events.length;
        onPage(events);
      }
      const next = result?.next;
      const nextAfter = next && typeof next === "object" ? Number(next.after) : NaN;
      const newest = events.length ? Number(events[events.length - 1].id) : cursor;
      if (events.length < limit || !Number.isFinite(nextAfter) || nextAfter <= cursor) break;
      cursor = Math.max(nextAfter, newest);
    }
    return total;
  }

  /** PUT a file to a pre-signed URL (no Authorization header: the URL carries the signature). */
  async function uploadToPresignedURL(upload, file) {
    const headers = { ...(upload.headers ?? {}) };
    const response = await fetch(upload.url, { method: upload.method ?? "PUT", headers, body: file, credentials: "omit", cache: "no-store" });
    if (!response.ok) {
      let message = `upload failed with status ${response.status}`;
      const text = await response.text().catch(() => "");
      const code = /<Code>([^<]{1,80})<\/Code>/.exec(text)?.[1];
      if (code) message += ` (${code})`;
      throw new ApiError(response.status, { error: { message } });
    }
  }

  return {
    request,
    me: () => request("GET", "/api/me"),
    creators: () => request("GET", "/api/creators"),
    platforms: () => request("GET", "/api/platforms"),
    addCreator: (login, topics = [], notes) => request("POST", "/api/creators", { body: notes ? { login, topics, notes } : { login, topics } }),
    /**
     * A creator without Twitch: `{ displayName, channel, apiUrl?, topics? }`, `channel` a YouTube
     * or Rumble URL or handle (`apiUrl`: the Rumble channel's livestream API URL).
     */
    addCreatorWithChannel: (creator) => request("POST", "/api/creators", { body: creator }),
    /** Adds a channel: `channel` a URL, handle or id of any platform; Rumble needs `apiUrl`. 201 with the channel. */
    addCreatorChannel: (id, channel, apiUrl) => request("POST", `/api/creators/${encodeURIComponent(id)}/channels`,
      { body: apiUrl ? { channel, apiUrl } : { channel } }),
    /** Removes a YouTube or Rumble channel (the Twitch channel goes with the creator: 409). */
    removeCreatorChannel: (id, channelRowId) => request("DELETE", `/api/creators/${encodeURIComponent(id)}/channels/${encodeURIComponent(channelRowId)}`),
    updateCreator: (id, patch) => request("PATCH", `/api/creators/${encodeURIComponent(id)}`, { body: patch }),
    removeCreator: (id) => request("DELETE", `/api/creators/${encodeURIComponent(id)}`),
    /**
     * A single-use link (15 minutes) for the creator to connect their Twitch account (owners and
     * admins): `{ url, expiresAt, scopes, eventTypes }`; 422 when no event type that needs the
     * creator's authorization is enabled, 503 when linking is not configured.
     */
    requestCreatorLink: (id) => request("POST", `/api/creators/${encodeURIComponent(id)}/link`),
    /** Unlinks the creator's Twitch account: `{ status: "unlinked", revokedAtTwitch }`; 404 when not linked. */
    unlinkCreator: (id) => request("DELETE", `/api/creators/${encodeURIComponent(id)}/link`),
    /** Which authorization-only event types the agency receives for the creator (the answer is the creator, with `twitch`). */
    setCreatorEventTypes: (id, eventTypes) => request("PATCH", `/api/creators/${encodeURIComponent(id)}`, { body: { eventTypes } }),
    recentEvents: (limit = 100) => request("GET", "/api/events", { query: { limit } }),
    eventsAfter,
    members: () => request("GET", "/api/members"),
    addMember: (email, role) => request("POST", "/api/members", { body: { email, role } }),
    changeMemberRole: (userId, role) => request("PATCH", `/api/members/${encodeURIComponent(userId)}`, { body: { role } }),
    removeMember: (userId) => request("DELETE", `/api/members/${encodeURIComponent(userId)}`),
    endMemberSessions: (userId) => request("DELETE", `/api/members/${encodeURIComponent(userId)}/sessions`),
    branding: () => request("GET", "/api/branding"),
    putBranding: (branding) => request("PUT", "/api/branding", { body: branding }),
    logoUploadURL: (contentType) => request("POST", "/api/branding/logo-upload-url", { body: { contentType } }),
    uploadToPresignedURL,
    auditLogs: (filters = {}) => request("GET", "/api/audit-logs", { query: filters }),
    archives: (query = {}) => request("GET", "/api/archives", { query }),
    invitations: () => request("GET", "/api/invitations"),
    invite: (email, role) => request("POST", "/api/invitations", { body: { email, role } }),
    revokeInvitation: (id) => request("DELETE", `/api/invitations/${encodeURIComponent(id)}`),
    apiKeys: () => request("GET", "/api/keys"),
    /** `{ name, scopes, expiresInDays? }`; the answer's `key` is the secret, in this answer only. */
    createAPIKey: (key) => request("POST", "/api/keys", { body: key }),
    revokeAPIKey: (id) => request("DELETE", `/api/keys/${encodeURIComponent(id)}`),
    notificationDestinations: () => request("GET", "/api/notifications/destinations"),
    /** `{ kind, name, url, eventTypes?, creators?, cooldownSeconds?, templates? }`; a webhook's answer has its `secret`, in this answer only. */
    createNotificationDestination: (destination) => request("POST", "/api/notifications/destinations", { body: destination }),
    updateNotificationDestination: (id, patch) => request("PATCH", `/api/notifications/destinations/${encodeURIComponent(id)}`, { body: patch }),
    deleteNotificationDestination: (id) => request("DELETE", `/api/notifications/destinations/${encodeURIComponent(id)}`),
    rotateNotificationSecret: (id) => request("POST", `/api/notifications/destinations/${encodeURIComponent(id)}/secret`),
    /** The exact body the destination would be sent: `{ kind, eventType, source, body, problems }`. */
    previewNotificationDestination: (id) => request("POST", `/api/notifications/destinations/${encodeURIComponent(id)}/preview`),
    /** `{ kind, eventType?, template? }`: the same for a destination not saved yet. */
    previewNotification: (draft) => request("POST", "/api/notifications/preview", { body: draft }),
    /** Queues a test message: 202 `{ deliveryId, status }`; the outcome shows in the delivery log. */
    testNotificationDestination: (id) => request("POST", `/api/notifications/destinations/${encodeURIComponent(id)}/test`),
    notificationDeliveries: (id, query = {}) => request("GET", `/api/notifications/destinations/${encodeURIComponent(id)}/deliveries`, { query }),
  };
}
