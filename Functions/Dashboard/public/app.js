// The dashboard page: sign-in, branding, the live grid and feed, the admin pages, the account
// page, and the connection to the relay. Data flow:
//
//   REST (/api/creators, /api/events)  ─┐
//   relay socket ("event" deliveries)  ─┼─► Store (dedupe by event id) ─► one frame ─► Grid, Feed
//   REST catch-up after a reconnect    ─┘
//
// Nothing is missed and nothing is shown twice: the socket sends the last event id it saw when
// it (re)connects; the relay replays what came after it (`recovered: true`), and when it cannot
// (window passed, relay restarted from scratch, no id yet) the page pages through
// `GET /api/events?after=<last id>` itself. Overlaps are dropped by id in the store.
//
// Signing in: normally the session of the sign-in (`/auth/login` through the agency's identity
// provider; HttpOnly cookies, see session.js): REST and the relay's handshake carry the cookie,
// the access cookie is refreshed about a minute before it expires (and once on a 401), and the
// relay's `access` event or its disconnect tells the page at once when the member's role changed
// or their access ended. For development, a bearer token pasted at `/#/token` (or `/?token=…`)
// still works; it lives in session storage (this tab only).

import { io } from "./socketio-client.js";
import { createApi, ApiError } from "./api.js";
import { Store } from "./store.js";
import { Grid } from "./grid.js";
import { Feed } from "./feed.js";
import { Admin, ROLE_RANK, sectionsFor } from "./admin.js";
import { AccountPage } from "./account.js";
// Admin sections that register themselves with admin.js (loaded before the first page is drawn).
import "./invitations.js";
import "./keys.js";
import "./notifications.js";
import { Alerts } from "./alerts.js";
import { CookieSession, signInURL } from "./session.js";
import { el, isHexColor, readableTextColor, safeHTTPURL } from "./format.js";

const TOKEN_KEY = "ccr.token";
const WALL_KEY = "ccr.wall";
const CREATOR_REFRESH_MS = 60_000; // viewer counts and the chart samples come from REST
const ME_REFRESH_MS = 10 * 60_000; // branding logo URLs are short-lived; also notices a dead token
const FALLBACK_POLL_MS = 10_000; // REST catch-up while the socket is down (or no relay at all)
const REFUSED_RETRY_MS = 15_000;
const ACCESS_RETRY_MAX_MS = 15_000; // an unanswered access check is asked again after 1, 2, 4 … s
const COMPANY_KEY = "ccr.session.company"; // tells the other tabs that the session now acts for another company
const DROP_WINDOW_MS = 30_000; // more than DROP_LIMIT relay disconnects in this window: back off
const DROP_LIMIT = 3;

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// The token: `?token=` on first load moves into session storage (this tab only) and leaves the
// address bar and history right away; afterwards it is read from session storage.

function takeTokenFromURL() {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  if (token.trim()) sessionStorage.setItem(TOKEN_KEY, token.trim());
}

function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

function looksLikeJWT(token) {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

// ---------------------------------------------------------------------------------------------
// Page state

const state = {
  /** "cookie" (the sign-in's session) or "token" (a development bearer token). */
  mode: null,
  /** The CookieSession in cookie mode. */
  session: null,
  config: null,
  api: null,
  me: null,
  account: null,
  /** When the relay sent us away lately (to back off instead of looping). */
  drops: [],
  accessCheck: null,
  store: null,
  grid: null,
  feed: null,
  admin: null,
  socket: null,
  timers: [],
  frameRequested: false,
  catchingUp: null,
  connectGeneration: 0,
  stopped: false,
};
const alerts = new Alerts();

function showView(name) {
  for (const view of ["signin", "ended", "noc", "admin", "account"]) $(`view-${view}`).hidden = view !== name;
  for (const link of $("nav").querySelectorAll("a")) {
    if (link.dataset.route === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function showBanner(text) {
  const banner = $("banner");
  banner.textContent = text ?? "";
  banner.hidden = !text;
}

/** The connection indicator: live / connecting / reconnecting / offline, with a short detail. */
function setConnection(status, detail) {
  const node = $("connection");
  if (node.dataset.state !== status) node.dataset.state = status;
  const text = detail ?? status;
  if ($("connection-text").textContent !== text) $("connection-text").textContent = text;
  node.title = `Live updates: ${text}`;
}

/** Hides everything that belongs to a signed-in page. */
function clearSignedInChrome() {
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("company-switch").hidden = true;
  $("company-switch-label").hidden = true;
  for (const id of ["toggle-sound", "toggle-notify", "toggle-wall"]) $(id).hidden = true;
  $("whoami").textContent = "";
  delete document.body.dataset.role;
}

/** The development sign-in: paste a bearer token. */
function showSignIn(message) {
  stop();
  state.mode = null;
  showView("signin");
  clearSignedInChrome();
  setConnection("offline", "signed out");
  $("signin-error").textContent = message ?? "";
  $("signin-token").value = "";
}

/** The sign-in of the agency's identity provider; it sends the browser back here afterwards. */
function goToSignIn(returnTo) {
  stop();
  setConnection("offline", "signed out");
  location.assign(signInURL(returnTo));
}

/**
 * Access ended while the page was open (the member was removed from the company, or the session
 * was ended elsewhere) or the session cannot act for its company: say so, do not reconnect.
 */
function showAccessEnded(title, message) {
  const companyName = state.me?.company?.name ?? state.session?.info?.company?.name ?? "";
  stop();
  showView("ended");
  clearSignedInChrome();
  setConnection("offline", "access ended");
  $("ended-title").textContent = title;
  $("ended-message").textContent = message.replace("{company}", companyName || "this company");
  $("ended-sign-in").href = signInURL("/");
}

// ---------------------------------------------------------------------------------------------
// Branding: name, logo and colours, applied through CSS custom properties only.

function applyBranding(branding = {}, companyName = "") {
  const root = document.documentElement.style;
  if (isHexColor(branding.primaryColor)) {
    root.setProperty("--brand-primary", branding.primaryColor);
    root.setProperty("--brand-on-primary", readableTextColor(branding.primaryColor));
  } else {
    root.removeProperty("--brand-primary");
    root.removeProperty("--brand-on-primary");
  }
  if (isHexColor(branding.accentColor)) root.setProperty("--brand-accent", branding.accentColor);
  else root.removeProperty("--brand-accent");
  const name = branding.displayName || companyName || "Creator Control Room";
  $("brand-name").textContent = name;
  document.title = `${name} · Creator Control Room`;
  const logo = $("brand-logo");
  const url = safeHTTPURL(branding.logoUrl);
  if (url) {
    if (logo.getAttribute("src") !== url) logo.src = url;
    logo.alt = `${name} logo`;
    logo.hidden = false;
  } else {
    logo.removeAttribute("src");
    logo.hidden = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering: everything the store records between two frames is drawn in the next one.

// Tiles update in the next frame. The feed is redrawn at most every FEED_INTERVAL_MS: every
// insertion at its top moves (and repaints) every visible row, so at 100 events/s drawing it per
// frame costs more than the whole grid; a few batches per second read the same to a person.
const FEED_INTERVAL_MS = 200;
const feedPending = { added: [], feedReset: false, creatorsChanged: false, detailsChanged: false };
let lastFeedDraw = 0;
let feedTimer = 0;

function scheduleRender() {
  if (state.frameRequested) return;
  state.frameRequested = true;
  requestAnimationFrame(() => {
    state.frameRequested = false;
    if (!state.store) return;
    const changes = state.store.takeChanges();
    state.grid.update(changes);
    if (changes.creatorsChanged || changes.detailsChanged) updateTopicOptions();
    if (changes.added.length) feedPending.added = feedPending.added.length ? feedPending.added.concat(changes.added).sort((a, b) => b.id - a.id) : changes.added;
    if (feedPending.added.length > 2000) {
      // Hidden tab: frames stopped before the feed was drawn. Rebuild it from the store instead.
      feedPending.added = [];
      feedPending.feedReset = true;
    }
    feedPending.feedReset ||= changes.feedReset;
    feedPending.creatorsChanged ||= changes.creatorsChanged;
    feedPending.detailsChanged ||= changes.detailsChanged;
    drawFeedWhenDue();
  });
}

function drawFeedWhenDue() {
  const pending = feedPending.added.length || feedPending.feedReset || feedPending.creatorsChanged || feedPending.detailsChanged;
  if (!pending || feedTimer) return;
  const wait = lastFeedDraw + FEED_INTERVAL_MS - performance.now();
  if (wait > 0) {
    feedTimer = setTimeout(() => { feedTimer = 0; requestAnimationFrame(drawFeedWhenDue); }, wait);
    return;
  }
  lastFeedDraw = performance.now();
  const changes = { ...feedPending, dirty: new Set() };
  feedPending.added = [];
  feedPending.feedReset = feedPending.creatorsChanged = feedPending.detailsChanged = false;
  state.feed?.update(changes);
}

function updateTopicOptions() {
  const select = $("grid-topic");
  const topics = state.store.topics();
  const key = topics.join("\u0000");
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  const selected = select.value;
  select.replaceChildren(el("option", { text: "All topics", attrs: { value: "" } }),
    ...topics.map((topic) => el("option", { text: topic, attrs: { value: topic } })));
  select.value = topics.includes(selected) ? selected : "";
}

// ---------------------------------------------------------------------------------------------
// Data

let creatorRefresh = null;

async function refreshCreators() {
  const requestedAt = Date.now();
  const result = await state.api.creators();
  state.store?.setCreators(Array.isArray(result?.data) ? result.data : [], Date.now(), requestedAt);
}

/** An event for a creator we do not know yet (added in another tab): refetch the list once. */
function refreshCreatorsSoon() {
  if (creatorRefresh) return;
  creatorRefresh = setTimeout(async () => {
    try { await refreshCreators(); } catch { /* next periodic refresh */ } finally { creatorRefresh = null; }
  }, 500);
}

function admit(events, { announce }) {
  const fresh = state.store.addEvents(events);
  if (announce && fresh.length) alerts.announce(fresh, state.store.creators);
  return fresh;
}

/**
 * Fills the gap after `afterId` from REST, page by page. One runs at a time: a catch-up asked for
 * while another runs waits for it and then runs too (the running one may have fetched its last
 * page before the gap this one is about).
 */
async function catchUp(afterId) {
  while (state.catchingUp) {
    try { await state.catchingUp; } catch { /* ours may still succeed */ }
  }
  const run = (async () => {
    try {
      await state.api.eventsAfter(afterId ?? 0, (page) => admit(page, { announce: true }));
      showBanner("");
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) showBanner("Could not load missed events; retrying.");
      throw error;
    } finally {
      state.catchingUp = null;
    }
  })();
  state.catchingUp = run;
  return run;
}

// ---------------------------------------------------------------------------------------------
// Access: the session's state decides whether the page may carry on

/**
 * What the server says about the session now: `{outcome: "ok", info}`, `{outcome: "signed-out",
 * reason}` (no session, or it ended: sign in again), `{outcome: "removed"}` (no longer a member
 * of the company) or `{outcome: "unreachable"}` (try again later). A 401 or 403 gets one refresh
 * first: an expired access cookie is normal, and the refresh's answer names why a session ended.
 */
async function checkAccess() {
  const session = state.session;
  let answer = await session.load();
  if (answer.status === 200) return { outcome: "ok", info: answer.body };
  if (answer.status !== 401 && answer.status !== 403) return { outcome: "unreachable" };
  const refreshed = await session.refresh();
  if (refreshed.ok) {
    answer = await session.load();
    if (answer.status === 200) return { outcome: "ok", info: answer.body };
    if (answer.status === 401) return { outcome: "signed-out", reason: "unauthorized" };
    if (answer.status === 403) return { outcome: "removed" };
    return { outcome: "unreachable" };
  }
  if (refreshed.status === 0 || refreshed.status >= 500 || refreshed.status === 429) return { outcome: "unreachable" };
  if (refreshed.reason === "not_a_member") return { outcome: "removed" };
  return { outcome: "signed-out", reason: refreshed.reason };
}

/** Acts on an outcome that is not "ok". */
function leaveFor(result) {
  if (result.outcome === "removed") {
    showAccessEnded("Access removed", "Your access to {company} was removed by an administrator. "
      + "Sign in again to use another company you belong to.");
  } else if (result.outcome === "signed-out") {
    goToSignIn();
  }
}

/**
 * Something said the session may be over (the relay sent us away, REST answered 401 after a
 * refresh or 403 not_a_member, the scheduled refresh failed): ask once, act on the answer.
 * Resolves to "ok" (the page may carry on), "unreachable" (no answer: the caller decides when to
 * ask again) or "left" (signed out, removed, or the page stopped).
 */
function verifyAccess() {
  if (state.mode !== "cookie") return Promise.resolve("left");
  if (state.accessCheck) return state.accessCheck;
  const run = (async () => {
    const result = await checkAccess();
    if (state.stopped) return "left";
    if (result.outcome === "ok") {
      applySessionInfo(result.info);
      state.session.schedule();
      return state.stopped ? "left" : "ok";
    }
    if (result.outcome === "unreachable") {
      showBanner("The sign-in service cannot be reached; retrying.");
      return "unreachable";
    }
    leaveFor(result);
    return "left";
  })();
  state.accessCheck = run.finally(() => { state.accessCheck = null; });
  return state.accessCheck;
}

/** About a minute before the access cookie expires: a new one, or find out why not. */
async function refreshBeforeExpiry() {
  if (state.stopped || state.mode !== "cookie") return;
  const refreshed = await state.session.refresh();
  if (state.stopped) return;
  if (refreshed.ok) {
    state.session.schedule();
    return;
  }
  if (refreshed.status === 0 || refreshed.status >= 500 || refreshed.status === 429) {
    const timer = setTimeout(refreshBeforeExpiry, REFUSED_RETRY_MS);
    state.timers.push(timer);
    return;
  }
  if (refreshed.reason === "not_a_member") leaveFor({ outcome: "removed" });
  else leaveFor({ outcome: "signed-out", reason: refreshed.reason });
}

/** The session's answer (cookie mode): role, company and the company switcher follow it. */
function applySessionInfo(info) {
  if (!info || !state.me) return;
  if (info.company?.id && state.me.company?.id && info.company.id !== state.me.company.id) {
    // Another tab switched the shared session to another company: start over for that one.
    restart(`Now showing ${info.company.name ?? "another company"} (switched in another tab).`);
    return;
  }
  renderCompanySwitcher(info);
  applyRole(info.role);
}

/** The member's role changed (the relay's `access` event, or a fresh session answer). */
function applyRole(role) {
  if (!state.me || !(role in ROLE_RANK) || state.me.role === role) return;
  state.me.role = role;
  if (state.session?.info) state.session.info.role = role;
  renderIdentity();
  route();
}

/** Who is signed in, and what the role may open (the admin link and its first section). */
function renderIdentity() {
  const me = state.me;
  if (!me) return;
  $("whoami").textContent = `${me.user?.email ?? me.user?.id ?? ""} · ${me.role}`;
  document.body.dataset.role = me.role;
  const sections = sectionsFor(me.role);
  $("nav-admin").hidden = sections.length === 0;
  if (sections.length) $("nav-admin").href = `#/admin/${sections[0].id}`;
}

function renderCompanySwitcher(info) {
  const select = $("company-switch");
  const companies = Array.isArray(info?.companies) ? info.companies : [];
  const several = state.mode === "cookie" && companies.length > 1;
  select.hidden = !several;
  $("company-switch-label").hidden = !several;
  if (!several) return;
  const key = companies.map((company) => `${company.id}:${company.name}:${company.role}`).join("\u0000");
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(...companies.map((company) => el("option", {
      text: `${company.name} (${company.role})`, attrs: { value: company.id },
    })));
  }
  select.value = info.company?.id ?? "";
}

async function switchCompany(companyId) {
  const select = $("company-switch");
  if (!state.session || companyId === state.me?.company?.id) return;
  select.disabled = true;
  try {
    await state.session.switchCompany(companyId);
  } catch (error) {
    select.value = state.me?.company?.id ?? "";
    if (error.status === 401 || error.code === "not_a_member") {
      select.disabled = false;
      verifyAccess();
      return;
    }
    showBanner(`Could not switch the company (${error.message}).`);
    select.disabled = false;
    return;
  }
  try { localStorage.setItem(COMPANY_KEY, JSON.stringify({ id: companyId, at: Date.now() })); } catch { /* other tabs notice on their next check */ }
  select.disabled = false;
  restart("");
}

/** Everything again for the session's (new) company: data, rooms, branding. */
function restart(banner) {
  const mode = state.mode;
  stop();
  state.mode = mode;
  showBanner(banner);
  start();
}

async function signOut({ everywhere = false } = {}) {
  if (state.mode !== "cookie") {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn("Signed out.");
    return;
  }
  try {
    await state.session.signOut({ everywhere });
  } catch (error) {
    // 401: already signed out. Otherwise say so and stay (the cookies may still work).
    if (error.status !== 401 && error.status !== 403) {
      showBanner(`Could not sign out (${error.message}).`);
      return;
    }
  }
  goToSignIn("/");
}

// ---------------------------------------------------------------------------------------------
// The relay connection

function connectSocket() {
  const relayUrl = state.config?.relayUrl;
  if (!relayUrl) {
    // No relay configured: still useful, by polling REST.
    setConnection("offline", "no live relay · polling");
    return;
  }
  setConnection("connecting", "connecting");
  const cookieMode = state.mode === "cookie";
  const socket = io(relayUrl, {
    transports: ["websocket"],
    // Cookie mode: polling transports must send the session cookie to the relay's origin (the
    // WebSocket handshake always carries it); this client is WebSocket-only.
    withCredentials: cookieMode,
    // Re-evaluated on every (re)connect: the relay replays everything after lastEventId. In
    // cookie mode the relay takes the session from the handshake's cookie (no token here).
    auth: (send) => {
      const payload = cookieMode ? {} : { token: getToken() };
      if (state.store?.lastEventId !== null && state.store?.lastEventId !== undefined) payload.lastEventId = state.store.lastEventId;
      send(payload);
    },
  });
  state.socket = socket;

  socket.on("connect", () => {
    const generation = ++state.connectGeneration;
    if (socket.recovered) {
      setConnection("live", "live");
      return;
    }
    // Captured now, before any event of this session is handled: the gap starts here.
    const from = state.store.lastEventId;
    setConnection("live", "live · catching up");
    catchUp(from).then(() => {
      if (generation === state.connectGeneration && socket.connected) setConnection("live", "live");
    }, () => {
      if (generation === state.connectGeneration && socket.connected) setConnection("live", "live · catch-up failed");
    });
  });

  socket.on("event", (event) => {
    if (event && typeof event === "object") admit([event], { announce: true });
  });

  // The member's role changed while connected: controls follow at once.
  socket.on("access", (access) => {
    if (access && typeof access === "object" && typeof access.role === "string") applyRole(access.role);
  });

  socket.on("disconnect", (reason) => {
    if (socket !== state.socket) return;
    if (socket.active) setConnection("reconnecting", "reconnecting");
    else if (reason === "io server disconnect") relaySentUsAway(socket, "disconnected by the relay");
    else setConnection("offline", "offline");
  });

  socket.io.on("reconnect_attempt", (attempt) => {
    setConnection("reconnecting", navigator.onLine === false ? "offline · waiting for network" : `reconnecting (${attempt})`);
  });

  socket.on("connect_error", (error) => {
    if (socket !== state.socket) return;
    if (socket.active) {
      // Transport failure: the client retries with backoff by itself.
      setConnection("reconnecting", "reconnecting");
      return;
    }
    relaySentUsAway(socket, error?.message ?? "refused");
  });
}

/**
 * The relay refused the CONNECT or sent a DISCONNECT: the access token expired (normal: the page
 * refreshed the cookie, the socket still had the old token), the member was removed or the
 * session ended (then the page says so and does not come back), or the relay has a problem.
 */
async function relaySentUsAway(socket, reason) {
  console.warn("the relay refused or ended the connection:", reason);
  if (state.mode !== "cookie") {
    checkSessionAfterRefusal(reason);
    return;
  }
  const now = Date.now();
  state.drops = state.drops.filter((time) => now - time < DROP_WINDOW_MS);
  state.drops.push(now);
  await reconnectWhenAllowed(socket, reason, 0);
}

/**
 * Asks whether the session may carry on and reconnects the socket when it may. No answer (the
 * sign-in service restarting, a dropped request) is asked again with backoff: one failed check
 * must not leave the page disconnected for good.
 */
async function reconnectWhenAllowed(socket, reason, attempt) {
  setConnection("reconnecting", attempt === 0 ? "checking access" : `checking access (${attempt + 1})`);
  const outcome = await verifyAccess();
  if (state.stopped || state.socket !== socket || socket.connected) return;
  if (outcome === "unreachable") {
    const delay = Math.min(ACCESS_RETRY_MAX_MS, 1000 * 2 ** attempt);
    setConnection("reconnecting", "sign-in service unreachable · retrying");
    state.timers.push(setTimeout(() => reconnectWhenAllowed(socket, reason, attempt + 1), delay));
    return;
  }
  if (outcome !== "ok") return;
  // Signed in and a member: the socket's token had expired (or the relay hiccupped). Come back
  // now, and with a pause when it keeps happening (a relay that refuses us every time).
  const reconnect = () => {
    if (!state.stopped && state.socket === socket && !socket.connected) {
      setConnection("connecting", "connecting");
      socket.connect();
    }
  };
  if (state.drops.length > DROP_LIMIT) {
    console.warn("relay keeps refusing the connection:", reason);
    setConnection("reconnecting", "refused by relay · retrying");
    state.timers.push(setTimeout(reconnect, REFUSED_RETRY_MS));
  } else {
    reconnect();
  }
}

/** Development-token mode: the relay refused us; a dead token means sign in again. */
async function checkSessionAfterRefusal(reason) {
  setConnection("offline", "refused by relay");
  try {
    await state.api.me();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.code === "not_a_member")) return; // sign-in shown by the API's callbacks
  }
  if (state.stopped) return;
  console.warn("relay refused the connection:", reason);
  // The token still works for the API, so this is the relay's problem (e.g. it could not fetch
  // the signing keys yet): try again later.
  const timer = setTimeout(() => {
    if (!state.stopped && state.socket && !state.socket.connected) state.socket.connect();
  }, REFUSED_RETRY_MS);
  state.timers.push(timer);
}

// ---------------------------------------------------------------------------------------------
// Start and stop

async function loadConfig() {
  const response = await fetch("/dashboard/config.json", { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = await response.json();
  return { relayUrl: typeof config.relayUrl === "string" && config.relayUrl ? config.relayUrl : null, apiBase: typeof config.apiBase === "string" ? config.apiBase : "" };
}

function makeApi() {
  if (state.mode === "cookie") {
    return createApi({
      base: state.config.apiBase,
      session: state.session,
      // Still 401 after a refresh, or 403 not_a_member: find out why and act on it.
      onUnauthorized: () => { verifyAccess(); },
      onForbiddenMember: () => { verifyAccess(); },
    });
  }
  return createApi({
    base: state.config.apiBase,
    getToken,
    onUnauthorized: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn("Your session has expired or the token was refused. Paste a new token.");
    },
    onForbiddenMember: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn("This token's user is not a member of the company (any more). Paste a new token.");
    },
  });
}

/** Cookie mode: a live session, or away to sign in. False when the page must not go on. */
async function signInWithSession() {
  state.session ??= new CookieSession({ onExpiring: () => refreshBeforeExpiry() });
  const result = await checkAccess();
  if (state.stopped) return false;
  if (result.outcome === "ok") {
    state.session.schedule();
    return true;
  }
  if (result.outcome === "unreachable") {
    showBanner("The sign-in service cannot be reached; retrying.");
    setConnection("offline", "offline");
    state.timers.push(setTimeout(() => { if (!state.me) restart("The sign-in service cannot be reached; retrying."); }, REFUSED_RETRY_MS));
    return false;
  }
  if (result.outcome === "removed") {
    showAccessEnded("No access", "Your account is not a member of {company} (any more). Sign in again to choose a company you belong to.");
    return false;
  }
  goToSignIn();
  return false;
}

async function start() {
  state.stopped = false;
  setConnection("connecting", "signing in");
  try {
    state.config ??= await loadConfig();
  } catch (error) {
    showBanner(`The dashboard configuration could not be loaded (${error.message}).`);
    setConnection("offline", "offline");
    return;
  }
  if (state.mode === "cookie" && !(await signInWithSession())) return;
  state.api = makeApi();
  try {
    state.me = await state.api.me();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.code === "not_a_member")) return; // handled by the API's callbacks
    if (state.mode === "token") showView("signin");
    $("signin-error").textContent = `Could not reach the API: ${error.message}`;
    showBanner(`Could not reach the API: ${error.message}`);
    setConnection("offline", "offline");
    return;
  }
  if (state.stopped) return;
  const me = state.me;
  applyBranding(me.branding ?? {}, me.company?.name ?? "");
  renderIdentity();
  if (state.mode === "cookie") renderCompanySwitcher(state.session.info);
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  for (const id of ["toggle-sound", "toggle-notify", "toggle-wall"]) $(id).hidden = false;

  state.store = new Store({ onChange: scheduleRender, onUnknownCreator: refreshCreatorsSoon });
  state.grid = new Grid({
    store: state.store, container: $("grid"), countNode: $("grid-count"), emptyNode: $("grid-empty"),
    onSelect: (id) => state.feed.setCreatorFilter(id),
  });
  state.feed = new Feed({
    store: state.store, list: $("feed"), emptyNode: $("feed-empty"), creatorSelect: $("feed-creator"), typeSelect: $("feed-type"),
    onCreatorFilter: (id) => state.grid.select(id),
  });
  state.admin = new Admin({
    api: state.api, store: state.store, nav: $("admin-nav"), body: $("admin-body"),
    session: () => ({ role: state.me?.role ?? "viewer", email: state.me?.user?.email ?? null, userId: state.me?.user?.id ?? null }),
    onCreatorsChanged: () => refreshCreators(),
    onBrandingChanged: (branding) => applyBranding(branding, state.me?.company?.name ?? ""),
  });
  state.account = new AccountPage({
    body: $("account-body"),
    identity: () => ({ email: state.me?.user?.email ?? state.me?.user?.id ?? "", companyName: state.me?.company?.name ?? "", role: state.me?.role ?? "" }),
    session: state.mode === "cookie" ? state.session : null,
    onSignOut: (options) => signOut(options),
  });
  route();

  try {
    await refreshCreators();
    const recent = await state.api.recentEvents(100);
    admit(Array.isArray(recent?.data) ? recent.data : [], { announce: false });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.code === "not_a_member")) return;
    showBanner(`Could not load creators and events (${error.message}); retrying.`);
  }
  if (state.stopped) return;
  connectSocket();

  state.timers.push(
    setInterval(() => refreshCreators().catch(() => {}), CREATOR_REFRESH_MS),
    setInterval(() => state.grid?.tick(), 15_000),
    setInterval(async () => {
      try {
        const me = await state.api.me();
        if (state.stopped || !state.me) return;
        if (me.company?.id !== state.me.company?.id) {
          restart(`Now showing ${me.company?.name ?? "another company"} (switched in another tab).`);
          return;
        }
        const role = me.role;
        state.me = { ...me, role: state.me.role };
        applyBranding(me.branding ?? {}, me.company?.name ?? "");
        applyRole(role);
      } catch { /* 401/403 handled by the API's callbacks; otherwise try again next time */ }
    }, ME_REFRESH_MS),
    // Without a live socket, keep the page current through REST.
    setInterval(() => {
      if (state.stopped || state.catchingUp || state.socket?.connected) return;
      catchUp(state.store.lastEventId).catch(() => {});
    }, FALLBACK_POLL_MS),
  );
}

function stop() {
  state.stopped = true;
  state.session?.cancel();
  const socket = state.socket;
  state.socket = null;
  socket?.disconnect();
  for (const timer of state.timers) { clearInterval(timer); clearTimeout(timer); }
  state.timers = [];
  state.drops = [];
  state.store?.clear();
  state.store = null;
  state.me = null;
  // Nothing of this session may be drawn into the next one.
  clearTimeout(feedTimer);
  feedTimer = 0;
  feedPending.added = [];
  feedPending.feedReset = feedPending.creatorsChanged = feedPending.detailsChanged = false;
  $("grid").replaceChildren();
  $("feed").replaceChildren();
  $("admin-body").replaceChildren();
  $("account-body").replaceChildren();
}

// ---------------------------------------------------------------------------------------------
// Routing: #/ is the live view, #/admin/<section> the admin pages, #/account the account page,
// #/token the development sign-in.

function route() {
  if (!state.me) return;
  const match = /^#\/admin\/([a-z-]+)/.exec(location.hash);
  if (match) {
    showView("admin");
    state.admin.show(match[1]);
  } else if (location.hash === "#/account") {
    showView("account");
    state.account.show();
  } else {
    showView("noc");
  }
}

// ---------------------------------------------------------------------------------------------
// Controls

function wireControls() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("signin-token").value.trim();
    if (!looksLikeJWT(token)) {
      $("signin-error").textContent = "That does not look like an access token (three dot-separated parts).";
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $("signin-error").textContent = "";
    if (location.hash === "#/token") history.replaceState(history.state, "", location.pathname + location.search + "#/");
    state.mode = "token";
    start();
  });
  $("sign-out").addEventListener("click", () => signOut());
  $("company-switch").addEventListener("change", () => switchCompany($("company-switch").value));
  window.addEventListener("hashchange", () => {
    if (location.hash === "#/token" && !state.me && state.mode !== "token") {
      showSignIn();
      return;
    }
    route();
  });
  // Another tab switched the shared session to another company.
  window.addEventListener("storage", (event) => {
    if (event.key !== COMPANY_KEY || state.mode !== "cookie" || !state.me) return;
    let id = null;
    try { id = JSON.parse(event.newValue ?? "null")?.id ?? null; } catch { id = null; }
    if (id && id !== state.me.company?.id) restart("Now showing another company (switched in another tab).");
  });

  const search = $("grid-search");
  search.addEventListener("input", () => state.grid?.setFilter({ text: search.value }));
  $("grid-topic").addEventListener("change", () => state.grid?.setFilter({ topic: $("grid-topic").value }));
  $("grid-live-only").addEventListener("change", () => state.grid?.setFilter({ liveOnly: $("grid-live-only").checked }));

  const sound = $("toggle-sound");
  const notify = $("toggle-notify");
  const wall = $("toggle-wall");
  sound.setAttribute("aria-pressed", String(alerts.sound));
  notify.setAttribute("aria-pressed", String(alerts.notify));
  sound.addEventListener("click", () => {
    alerts.setSound(!alerts.sound);
    sound.setAttribute("aria-pressed", String(alerts.sound));
  });
  notify.addEventListener("click", async () => {
    const on = await alerts.setNotify(!alerts.notify);
    notify.setAttribute("aria-pressed", String(on));
    if (!on && "Notification" in window && Notification.permission === "denied") showBanner("Notifications are blocked for this site in the browser settings.");
  });
  const setWall = (on) => {
    document.body.classList.toggle("wall", on);
    wall.setAttribute("aria-pressed", String(on));
    try { localStorage.setItem(WALL_KEY, on ? "1" : "0"); } catch { /* not remembered */ }
  };
  let wallOn = false;
  try { wallOn = localStorage.getItem(WALL_KEY) === "1"; } catch { /* default off */ }
  if (new URL(location.href).searchParams.get("wall") === "1") wallOn = true;
  setWall(wallOn);
  wall.addEventListener("click", () => setWall(!document.body.classList.contains("wall")));

  // Network back: reconnect now instead of waiting out the backoff.
  window.addEventListener("online", () => {
    const socket = state.socket;
    if (socket && !socket.connected) {
      socket.disconnect();
      socket.connect();
    }
  });
  window.addEventListener("offline", () => {
    if (state.socket) setConnection("offline", "offline · no network");
  });
}

// ---------------------------------------------------------------------------------------------

takeTokenFromURL();
wireControls();
if (getToken()) {
  state.mode = "token";
  start();
} else if (location.hash === "#/token") {
  showSignIn();
} else {
  state.mode = "cookie";
  start();
}
