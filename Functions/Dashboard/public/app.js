// The dashboard page: sign-in, branding, the live grid and feed, the admin pages, and the
// connection to the relay. Data flow:
//
//   REST (/api/creators, /api/events)  ─┐
//   relay socket ("event" deliveries)  ─┼─► Store (dedupe by event id) ─► one frame ─► Grid, Feed
//   REST catch-up after a reconnect    ─┘
//
// Nothing is missed and nothing is shown twice: the socket sends the last event id it saw when
// it (re)connects; the relay replays what came after it (`recovered: true`), and when it cannot
// (window passed, relay restarted from scratch, no id yet) the page pages through
// `GET /api/events?after=<last id>` itself. Overlaps are dropped by id in the store.

import { io } from "./socketio-client.js";
import { createApi, ApiError } from "./api.js";
import { Store } from "./store.js";
import { Grid } from "./grid.js";
import { Feed } from "./feed.js";
import { Admin, sectionsFor } from "./admin.js";
import { Alerts } from "./alerts.js";
import { el, isHexColor, readableTextColor, safeHTTPURL } from "./format.js";

const TOKEN_KEY = "ccr.token";
const WALL_KEY = "ccr.wall";
const CREATOR_REFRESH_MS = 60_000; // viewer counts and the chart samples come from REST
const ME_REFRESH_MS = 10 * 60_000; // branding logo URLs are short-lived; also notices a dead token
const FALLBACK_POLL_MS = 10_000; // REST catch-up while the socket is down (or no relay at all)
const REFUSED_RETRY_MS = 15_000;

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
  config: null,
  api: null,
  me: null,
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
  for (const view of ["signin", "noc", "admin"]) $(`view-${view}`).hidden = view !== name;
  for (const link of $("nav").querySelectorAll("a")) {
    const current = (link.dataset.route === "noc" && name === "noc") || (link.dataset.route === "admin" && name === "admin");
    if (current) link.setAttribute("aria-current", "page");
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

function showSignIn(message) {
  stop();
  showView("signin");
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  for (const id of ["toggle-sound", "toggle-notify", "toggle-wall"]) $(id).hidden = true;
  $("whoami").textContent = "";
  setConnection("offline", "signed out");
  $("signin-error").textContent = message ?? "";
  $("signin-token").value = "";
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
  const result = await state.api.creators();
  state.store?.setCreators(Array.isArray(result?.data) ? result.data : []);
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
// The relay connection

function connectSocket() {
  const relayUrl = state.config?.relayUrl;
  if (!relayUrl) {
    // No relay configured: still useful, by polling REST.
    setConnection("offline", "no live relay · polling");
    return;
  }
  setConnection("connecting", "connecting");
  const socket = io(relayUrl, {
    transports: ["websocket"],
    // Re-evaluated on every (re)connect: the relay replays everything after lastEventId.
    auth: (send) => {
      const payload = { token: getToken() };
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

  socket.on("disconnect", (reason) => {
    if (socket.active) setConnection("reconnecting", "reconnecting");
    else if (reason === "io server disconnect") checkSessionAfterRefusal("disconnected by the relay");
    else setConnection("offline", "offline");
  });

  socket.io.on("reconnect_attempt", (attempt) => {
    setConnection("reconnecting", navigator.onLine === false ? "offline · waiting for network" : `reconnecting (${attempt})`);
  });

  socket.on("connect_error", (error) => {
    if (socket.active) {
      // Transport failure: the client retries with backoff by itself.
      setConnection("reconnecting", "reconnecting");
      return;
    }
    checkSessionAfterRefusal(error?.message ?? "refused");
  });
}

/** The relay refused us (CONNECT_ERROR) or sent us away: a dead token means sign in again. */
async function checkSessionAfterRefusal(reason) {
  setConnection("offline", "refused by relay");
  try {
    await state.api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // onUnauthorized shows sign-in
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
  state.api = createApi({
    base: state.config.apiBase,
    getToken,
    onUnauthorized: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn("Your session has expired or the token was refused. Paste a new token.");
    },
  });
  try {
    state.me = await state.api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // sign-in shown by onUnauthorized
    showView("signin");
    $("signin-error").textContent = `Could not reach the API: ${error.message}`;
    setConnection("offline", "offline");
    return;
  }
  const me = state.me;
  applyBranding(me.branding ?? {}, me.company?.name ?? "");
  $("whoami").textContent = `${me.user?.email ?? me.user?.id ?? ""} · ${me.role}`;
  $("nav").hidden = false;
  $("nav-admin").hidden = sectionsFor(me.role).length === 0;
  if (!$("nav-admin").hidden) $("nav-admin").href = `#/admin/${sectionsFor(me.role)[0].id}`;
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
    session: () => ({ role: state.me?.role ?? "viewer", email: state.me?.user?.email ?? null }),
    onCreatorsChanged: () => refreshCreators(),
    onBrandingChanged: (branding) => applyBranding(branding, state.me?.company?.name ?? ""),
  });
  route();

  try {
    await refreshCreators();
    const recent = await state.api.recentEvents(100);
    admit(Array.isArray(recent?.data) ? recent.data : [], { announce: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    showBanner(`Could not load creators and events (${error.message}); retrying.`);
  }
  if (state.stopped) return;
  connectSocket();

  state.timers.push(
    setInterval(() => refreshCreators().catch(() => {}), CREATOR_REFRESH_MS),
    setInterval(() => state.grid?.tick(), 15_000),
    setInterval(async () => {
      try {
        state.me = await state.api.me();
        applyBranding(state.me.branding ?? {}, state.me.company?.name ?? "");
      } catch { /* 401 handled by onUnauthorized; otherwise try again next time */ }
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
  state.socket?.disconnect();
  state.socket = null;
  for (const timer of state.timers) { clearInterval(timer); clearTimeout(timer); }
  state.timers = [];
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
}

// ---------------------------------------------------------------------------------------------
// Routing: #/ is the live view, #/admin/<section> the admin pages.

function route() {
  if (!state.me) return;
  const match = /^#\/admin\/([a-z-]+)/.exec(location.hash);
  if (match) {
    showView("admin");
    state.admin.show(match[1]);
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
    start();
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn("Signed out.");
  });
  window.addEventListener("hashchange", route);

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
if (getToken()) start();
else showSignIn();
