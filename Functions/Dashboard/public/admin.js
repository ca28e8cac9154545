// Admin pages: creators, members and roles (with ending a member's sessions), branding (with the
// logo upload through a pre-signed URL), the audit log, archives. A section — and each control
// inside it — is only rendered for roles that may use it, and re-rendered when the role changes
// while the page is open. That is presentation only: the API checks every request again and
// refuses what the role may not do (403), which the pages then show as an error.
//
// More sections plug in with `registerAdminSection` (invitations.js, keys.js), and more parts of
// the members page with `registerMembersPart`, without touching this file's sections.

import { el, formatDateTime, formatBytes, isHexColor, safeHTTPURL, copyFromInput, latestOnly } from "./format.js";
import { isTwitchLogin, looksLikeRumble } from "./channels.js";
import { channelsCell } from "./creator-channels.js";

export const ROLE_RANK = { viewer: 0, operator: 1, admin: 2, owner: 3 };
export const ROLES = ["owner", "admin", "operator", "viewer"];

export function atLeast(role, minimum) {
  return (ROLE_RANK[role] ?? -1) >= ROLE_RANK[minimum];
}

/**
 * The admin sections and the least role that sees each. The server lets every role *read*
 * members, the audit log and archives; the dashboard keeps viewers on the live view and shows
 * these pages to the roles that administer the company.
 */
export const SECTIONS = [
  { id: "creators", label: "Creators", minimum: "operator" },
  { id: "members", label: "Members", minimum: "admin" },
  { id: "branding", label: "Branding", minimum: "admin" },
  { id: "audit", label: "Audit log", minimum: "admin" },
  { id: "archives", label: "Archives", minimum: "admin" },
];

/** Renderers of sections added with `registerAdminSection`, by id. */
const EXTRA_RENDERERS = new Map();
/** Parts added below the members table with `registerMembersPart`. */
const MEMBERS_PARTS = [];

/**
 * Adds an admin section: `{ id, label, minimum }` (the least role that sees it) and
 * `render(context)`, called with `{ api, body, role, email, userId, stillCurrent, statusLine,
 * setStatus, errorText, field }` each time the section is shown. `before` puts it in front of an
 * existing section id (default: last).
 */
export function registerAdminSection(section, render, { before } = {}) {
  if (!/^[a-z-]+$/.test(section.id) || !(section.minimum in ROLE_RANK)) throw new Error(`bad admin section ${section.id}`);
  if (SECTIONS.some((existing) => existing.id === section.id)) throw new Error(`admin section ${section.id} exists`);
  const index = before ? SECTIONS.findIndex((existing) => existing.id === before) : -1;
  const entry = { id: section.id, label: section.label, minimum: section.minimum };
  if (index >= 0) SECTIONS.splice(index, 0, entry);
  else SECTIONS.push(entry);
  EXTRA_RENDERERS.set(section.id, render);
}

/**
 * Adds a part to the members page (for example pending invitations): `render(context)` gets the
 * same context as a section plus `container` (an empty element below the members table) and
 * `reloadMembers()`.
 */
export function registerMembersPart(render) {
  MEMBERS_PARTS.push(render);
}

/**
 * user id → email of the company's members, for pages that name who did something (invited by,
 * created by); empty when the list cannot be read.
 */
export async function memberEmailsById(api) {
  try {
    const result = await api.members();
    return new Map((result?.data ?? []).map((member) => [String(member.userId), String(member.email ?? "")]));
  } catch {
    return new Map();
  }
}

export function sectionsFor(role) {
  return SECTIONS.filter((section) => atLeast(role, section.minimum));
}

/** Roles an actor may grant or manage: an owner any, an admin only roles below its own. */
export function manageableRoles(actorRole) {
  return actorRole === "owner" ? ROLES : ROLES.filter((role) => ROLE_RANK[role] < ROLE_RANK[actorRole]);
}

const LOGO_TYPES = ["image/png", "image/jpeg", "image/svg+xml", "image/webp"];

/**
 * The event types a creator authorizes on Twitch (`EventSubCatalog.authorizationTypes`, the
 * values `PATCH /api/creators/{id}` takes in `eventTypes`), in catalog order, with what each shows.
 */
export const TWITCH_EVENT_TYPES = [
  { type: "channel.follow", label: "Follows" },
  { type: "channel.subscribe", label: "Subscriptions" },
  { type: "channel.subscription.gift", label: "Gifted subs" },
  { type: "channel.subscription.message", label: "Resub messages" },
  { type: "channel.cheer", label: "Cheers" },
  { type: "channel.hype_train.begin", label: "Hype train start" },
  { type: "channel.hype_train.end", label: "Hype train end" },
  { type: "channel.chat.message", label: "Chat messages" },
];

/** The badge of each link state (`twitch.status` of a creator). */
const LINK_STATUS_TEXT = { linked: "Linked", unlinked: "Not linked", needs_relink: "Needs re-linking", revoked: "Revoked" };

function errorText(error) {
  if (error?.status === 403) return "Not allowed for your role.";
  const fields = error?.fields && Object.keys(error.fields).length
    ? ` (${Object.entries(error.fields).map(([name, problem]) => `${name} ${problem}`).join("; ")})`
    : "";
  return `${error?.message ?? "Request failed"}${fields}`;
}

/**
 * Copies `text` with the Clipboard API when the browser allows it (focus, permission); resolves
 * to whether it did, within 2 s (a browser may leave the promise pending).
 */
async function writeClipboard(text) {
  if (!navigator.clipboard?.writeText) return false;
  try {
    return await Promise.race([
      navigator.clipboard.writeText(text).then(() => true, () => false),
      new Promise((resolve) => { setTimeout(() => resolve(false), 2000); }),
    ]);
  } catch {
    return false;
  }
}

function statusLine() {
  return el("p", { class: "status", attrs: { role: "status" } });
}

function setStatus(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error", isError);
}

function field(labelText, input) {
  return el("label", {}, [document.createTextNode(labelText), input]);
}

export class Admin {
  #api;
  #store;
  #nav;
  #body;
  #session;
  #onCreatorsChanged;
  #onBrandingChanged;
  #generation = 0;

  /**
   * `session()` returns `{ role, email, userId }` of the signed-in user; the callbacks let the
   * live view pick up changes made here (new creators, new branding).
   */
  constructor({ api, store, nav, body, session, onCreatorsChanged, onBrandingChanged }) {
    this.#api = api;
    this.#store = store;
    this.#nav = nav;
    this.#body = body;
    this.#session = session;
    this.#onCreatorsChanged = onCreatorsChanged;
    this.#onBrandingChanged = onBrandingChanged;
  }

  /** Renders a section; one the role may not use renders a notice and no controls. */
  show(sectionId) {
    this.#generation += 1;
    const { role } = this.#session();
    const allowed = sectionsFor(role);
    this.#nav.replaceChildren(...allowed.map((section) => el("a", {
      text: section.label,
      attrs: { href: `#/admin/${section.id}`, "aria-current": section.id === sectionId ? "page" : null },
    })));
    const section = allowed.find((candidate) => candidate.id === sectionId);
    if (!section) {
      this.#body.replaceChildren(el("h1", { text: "Not available" }),
        el("p", { class: "notice", text: "Your role does not include this page." }));
      return;
    }
    this.#body.replaceChildren();
    const generation = this.#generation;
    // A section whose answer arrives after the user moved on must not draw over the new one.
    const stillCurrent = () => generation === this.#generation;
    switch (section.id) {
      case "creators": this.#creators(stillCurrent); break;
      case "members": this.#members(stillCurrent); break;
      case "branding": this.#branding(stillCurrent); break;
      case "audit": this.#audit(stillCurrent); break;
      case "archives": this.#archives(stillCurrent); break;
      default: EXTRA_RENDERERS.get(section.id)?.(this.#context(stillCurrent, this.#body)); break;
    }
  }

  /** What an added section or members part is given. */
  #context(stillCurrent, body) {
    const { role, email, userId } = this.#session();
    return { api: this.#api, body, role, email, userId, stillCurrent, statusLine, setStatus, errorText, field, el };
  }

  // ---------- creators (operator and above)
  //
  // Each row: the creator, its channels (Twitch, YouTube, Rumble; added and removed in
  // creator-channels.js), the Twitch link (a badge: Linked / Not linked / Needs re-linking /
  // Revoked, the problem as its title, the scopes the enabled events still miss), the event types
  // the agency receives for the creator (checkboxes, saved at once; operators and above, like the
  // API), topics and removal. Owners and admins hand out the creator's link ("Copy link for the
  // creator": copied when the browser allows it and always shown in #creator-link-url with its
  // expiry) and unlink. The link state comes from `GET /api/creators` (the live store keeps no
  // link data); it is read when the page opens, after every change here, on Refresh and every
  // 10 s while the page is shown, so a creator finishing the link in their own browser shows up.
  // A creator is added by Twitch login, or by a YouTube/Rumble channel with a name (and, for
  // Rumble, the channel's livestream API URL).

  #creators(stillCurrent) {
    const { role } = this.#session();
    const canLink = atLeast(role, "admin");
    const canEditTypes = atLeast(role, "operator");
    const status = statusLine();
    const login = el("input", { attrs: { name: "login", required: true, maxlength: "300", autocomplete: "off", spellcheck: "false",
      placeholder: "twitch login, youtube.com/@handle, rumble.com/c/name" } });
    const displayName = el("input", { attrs: { name: "displayName", maxlength: "100", autocomplete: "off", placeholder: "for YouTube / Rumble" } });
    const apiUrl = el("input", { attrs: { name: "apiUrl", type: "url", maxlength: "1000", autocomplete: "off", spellcheck: "false",
      placeholder: "https://rumble.com/-livestream-api/get-data?key=…" } });
    const apiUrlField = field("Rumble livestream API URL", apiUrl);
    apiUrlField.hidden = true;
    login.addEventListener("input", () => { apiUrlField.hidden = !looksLikeRumble(login.value); });
    const topics = el("input", { attrs: { name: "topics", placeholder: "topics, comma separated", autocomplete: "off" } });
    const form = el("form", { class: "inline", attrs: { id: "creator-add-form" } }, [
      field("Twitch login or channel", login), field("Name", displayName), apiUrlField, field("Topics", topics),
      el("button", { text: "Add creator", attrs: { type: "submit" } }),
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const reference = login.value.trim();
      const twitch = isTwitchLogin(reference);
      if (!twitch && !displayName.value.trim()) {
        setStatus(status, "Give a creator added by a YouTube or Rumble channel a name.", true);
        displayName.focus();
        return;
      }
      setStatus(status, "Adding…");
      try {
        const created = twitch
          ? await this.#api.addCreator(reference, splitTopics(topics.value))
          : await this.#api.addCreatorWithChannel({
            displayName: displayName.value.trim(), channel: reference, topics: splitTopics(topics.value),
            ...(looksLikeRumble(reference) ? { apiUrl: apiUrl.value.trim() } : {}),
          });
        setStatus(status, `Added ${created.displayName || created.login}.`);
        form.reset();
        apiUrlField.hidden = true;
        await this.#onCreatorsChanged();
        if (stillCurrent()) {
          renderTable();
          await loadLinks();
        }
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    });

    // The link for a creator, shown until dismissed (it works once, for 15 minutes).
    const linkTitle = el("p", { class: "secret-title", attrs: { id: "creator-link-title" } });
    const linkInput = el("input", { class: "secret-value", attrs: { id: "creator-link-url", readonly: true, "aria-label": "Link for the creator", spellcheck: "false" } });
    const linkExpiry = el("time", { attrs: { id: "creator-link-expiry" } });
    const linkScopes = el("span", { attrs: { id: "creator-link-scopes" } });
    const linkCopy = el("button", { text: "Copy link", attrs: { type: "button", id: "creator-link-copy" } });
    const linkDone = el("button", { text: "Done", attrs: { type: "button", id: "creator-link-done" } });
    const linkPanel = el("div", { class: "secret-panel", attrs: { id: "creator-link", role: "region", "aria-label": "Link for the creator" }, hidden: true }, [
      linkTitle,
      el("p", { class: "secret-note", attrs: { id: "creator-link-note" } }, [
        document.createTextNode("Send this link to the creator yourself. It works once, until "), linkExpiry,
        document.createTextNode(". They sign in to Twitch with their own account and grant: "), linkScopes,
        document.createTextNode(". Nothing else is asked; they can disconnect at any time in their Twitch settings."),
      ]),
      el("div", { class: "secret-row" }, [linkInput, linkCopy, linkDone]),
    ]);
    linkCopy.addEventListener("click", async () => {
      const copied = await copyFromInput(linkInput);
      setStatus(status, copied ? "Link copied." : "Could not copy: the link is selected, press Ctrl+C.", !copied);
    });
    linkDone.addEventListener("click", () => {
      linkInput.value = "";
      linkPanel.hidden = true;
      delete linkPanel.dataset.creatorId;
      setStatus(status, "");
    });
    /** Shows a new link (always) and copies it when the browser lets the page; resolves to whether it was copied. */
    const showLink = async (creator, url, created) => {
      const name = creator.displayName || creator.login;
      linkTitle.textContent = name.toLowerCase() === creator.login.toLowerCase()
        ? `Link for ${name} (on Twitch: ${creator.login})`
        : `Link for ${name} (${creator.login} on Twitch)`;
      linkInput.value = url;
      linkPanel.dataset.creatorId = creator.id;
      linkExpiry.textContent = formatDateTime(created?.expiresAt) || String(created?.expiresAt ?? "");
      if (created?.expiresAt) linkExpiry.setAttribute("datetime", String(created.expiresAt));
      else linkExpiry.removeAttribute("datetime");
      linkScopes.textContent = Array.isArray(created?.scopes) && created.scopes.length ? created.scopes.map(String).join(", ") : "—";
      linkPanel.hidden = false;
      const copied = await writeClipboard(url);
      if (!copied && stillCurrent()) {
        linkInput.focus();
        linkInput.select();
      }
      return copied;
    };

    const search = el("input", { attrs: { type: "search", placeholder: "Filter", "aria-label": "Filter creators" } });
    const refresh = el("button", { text: "Refresh", attrs: { type: "button", id: "creators-refresh", title: "Read the Twitch link states again" } });
    const tbody = el("tbody");
    const table = el("table", { attrs: { id: "creators-table" } }, [
      el("thead", {}, [el("tr", {}, ["Creator", "Channels", "Twitch link", "Events", "Topics", ""].map((text) => el("th", { text })))]),
      tbody,
    ]);
    /** creator id → the server's `twitch` object (null until read). */
    let links = new Map();
    /** creator id → the server's `channels` (until read: the live store's). */
    let channelLists = new Map();
    /** creator id → the row's controller, for the rows on screen. */
    const rows = new Map();
    /** The creators the table was drawn from (and whether each is on Twitch): drawn again when they change. */
    let drawnCreators = "";
    const creatorIds = () => [...this.#store.creators.values()].map((creator) => `${creator.id}:${creator.twitchUserId}`).sort().join(",");
    const beginLoadLinks = latestOnly(stillCurrent);
    const loadLinks = async () => {
      const latest = beginLoadLinks();
      try {
        const requestedAt = Date.now();
        const result = await this.#api.creators();
        if (!latest()) return;
        const items = (result?.data ?? []).filter((item) => item && typeof item.id === "string");
        links = new Map(items.map((item) => [item.id, item.twitch ?? null]));
        channelLists = new Map(items.map((item) => [item.id, Array.isArray(item.channels) ? item.channels : null]));
        // The live store learns the list too: a page opened before the store was filled (a deep
        // link), or creators added elsewhere, show up here.
        this.#store.setCreators(items, Date.now(), requestedAt);
        if (creatorIds() !== drawnCreators) {
          renderTable();
          return;
        }
        for (const [id, row] of rows) {
          row.setTwitch(links.get(id) ?? null);
          row.setChannels(channelLists.get(id));
        }
      } catch (error) {
        if (latest()) setStatus(status, errorText(error), true);
      }
    };
    const renderTable = () => {
      const needle = search.value.trim().toLowerCase();
      const nodes = [];
      rows.clear();
      drawnCreators = creatorIds();
      for (const creator of this.#store.sortedCreators()) {
        if (needle && !creator.searchText.includes(needle)) continue;
        const row = this.#creatorRow(creator, { status, rerender: renderTable, reloadLinks: loadLinks, showLink, stillCurrent, canLink, canEditTypes });
        row.setTwitch(links.get(creator.id) ?? null);
        row.setChannels(channelLists.get(creator.id));
        rows.set(creator.id, row);
        nodes.push(row.node);
      }
      tbody.replaceChildren(...nodes);
    };
    // The deployment's YouTube Data API budget for today (shared by every agency): what is left
    // decides how often live YouTube streams are re-checked.
    const quota = el("p", { class: "muted", attrs: { id: "youtube-quota" } });
    const loadQuota = async () => {
      try {
        const result = await this.#api.platforms();
        if (!stillCurrent()) return;
        const youtube = result?.youtube;
        if (!youtube?.configured || !youtube.quota) {
          quota.textContent = "YouTube: not configured.";
          return;
        }
        const q = youtube.quota;
        const level = { normal: "", relaxed: " — live re-checks halved", sparse: " — live re-checks at a quarter",
          goLiveOnly: " — only go-live pushes are checked", exhausted: " — spent until the reset" }[q.level] ?? "";
        quota.textContent = `YouTube quota today: ${Number(q.remaining)} of ${Number(q.limit)} units left${level} (resets ${formatDateTime(q.resetsAt) || q.resetsAt}).`;
      } catch (error) {
        if (stillCurrent()) quota.textContent = `YouTube quota: ${errorText(error)}`;
      }
    };
    search.addEventListener("input", renderTable);
    refresh.addEventListener("click", () => { loadLinks(); loadQuota(); });
    renderTable();
    this.#body.append(el("h1", { text: "Creators" }), form, status, linkPanel, quota, el("div", { class: "table-tools" }, [search, refresh]), table);
    loadLinks();
    loadQuota();
    const poll = setInterval(() => {
      if (!stillCurrent()) {
        clearInterval(poll);
        return;
      }
      // Only while the page is on screen (not in a background tab or behind the live view).
      if (document.visibilityState === "visible" && this.#body.offsetParent !== null) loadLinks();
    }, 10_000);
  }

  /**
   * One creator's row: `{ node, setTwitch(twitch) }`. `setTwitch` redraws the link and event
   * cells (not the topics being edited) when the server's link state changed.
   */
  #creatorRow(creator, { status, rerender, reloadLinks, showLink, stillCurrent, canLink, canEditTypes }) {
    const name = creator.displayName || creator.login;
    const hasTwitch = Boolean(creator.twitchUserId);
    const channels = channelsCell({
      api: this.#api, creator, name, canEdit: canEditTypes, errorText,
      report: (text, isError = false) => setStatus(status, text, isError),
      onChanged: async () => {
        await this.#onCreatorsChanged();
        if (stillCurrent()) await reloadLinks();
      },
    });
    // Until the page has read the server's list: the channels the live store knows.
    const storeChannels = () => creator.channels.map((channel) => ({ ...channel, id: channel.rowId }));
    const topics = el("input", { attrs: { value: creator.topics.join(", "), "aria-label": `Topics of ${name}` } });
    const save = el("button", { text: "Save topics", attrs: { type: "button" } });
    save.addEventListener("click", async () => {
      try {
        await this.#api.updateCreator(creator.id, { topics: splitTopics(topics.value) });
        setStatus(status, `Saved topics of ${name}.`);
        await this.#onCreatorsChanged();
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    });
    const remove = el("button", { text: "Remove", class: "danger", attrs: { type: "button" } });
    remove.addEventListener("click", async () => {
      if (!confirm(`Stop tracking ${name}?`)) return;
      try {
        await this.#api.removeCreator(creator.id);
        setStatus(status, `Removed ${name}.`);
        await this.#onCreatorsChanged();
        rerender();
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    });

    const linkCell = el("td", { class: "link-cell" });
    const typesCell = el("td", { class: "types-cell" });
    const node = el("tr", { dataset: { creatorId: creator.id, twitchUserId: creator.twitchUserId, login: creator.login } }, [
      el("td", {}, [el("strong", { text: name }), creator.login ? document.createTextNode(` (${creator.login})`) : null]),
      channels.node,
      linkCell,
      typesCell,
      el("td", {}, [topics, document.createTextNode(" "), save]),
      el("td", {}, [remove]),
    ]);

    let current = null;
    let drawnKey = null;
    let busy = false;
    let typesOpen = false;

    const copyLink = el("button", { text: "Copy link for the creator", class: "copy-link",
      attrs: { type: "button", title: `A single-use link (15 minutes) for ${name} to connect their Twitch account` } });
    copyLink.addEventListener("click", async () => {
      copyLink.disabled = true;
      setStatus(status, `Creating a link for ${name}…`);
      try {
        const created = await this.#api.requestCreatorLink(creator.id);
        const url = safeHTTPURL(created?.url);
        if (!url) throw new Error("The server's answer has no link.");
        if (!stillCurrent()) return;
        const copied = await showLink(creator, url, created);
        if (!stillCurrent()) return;
        setStatus(status, copied
          ? `Link for ${name} copied: send it to them. It is also shown below.`
          : `Link for ${name} created: copy it from the field below and send it to them.`);
        await reloadLinks();
      } catch (error) {
        if (error?.status === 409) setStatus(status, `Enable at least one event type for ${name} first (Events).`, true);
        else if (error?.status === 503) setStatus(status, "Creator linking is not configured on this server.", true);
        else setStatus(status, errorText(error), true);
      } finally {
        copyLink.disabled = false;
      }
    });
    const unlink = el("button", { text: "Unlink", class: "unlink", attrs: { type: "button", title: `Disconnect ${name}'s Twitch account from this agency` } });
    unlink.addEventListener("click", async () => {
      if (!confirm(`Unlink ${name}'s Twitch account? Follows, subscriptions and the other linked events stop until ${name} links again.`)) return;
      unlink.disabled = true;
      try {
        const result = await this.#api.unlinkCreator(creator.id);
        setStatus(status, result?.revokedAtTwitch
          ? `Unlinked ${name}; Twitch revoked the access.`
          : `Unlinked ${name}; Twitch did not confirm the revocation (the access ends when its token expires).`);
      } catch (error) {
        setStatus(status, error?.status === 404 ? `${name} is not linked.` : errorText(error), true);
      } finally {
        unlink.disabled = false;
        await reloadLinks();
      }
    });

    const drawLink = (twitch) => {
      if (!hasTwitch) {
        linkCell.replaceChildren(el("span", { class: "muted", text: "No Twitch channel" }));
        return;
      }
      if (!twitch) {
        linkCell.replaceChildren(el("span", { class: "muted", text: "…" }));
        return;
      }
      const state = twitch.status in LINK_STATUS_TEXT ? twitch.status : "unlinked";
      node.dataset.linkStatus = state;
      const missing = Array.isArray(twitch.missingScopes) ? twitch.missingScopes.map(String) : [];
      const problem = twitch.problem ? String(twitch.problem) : "";
      const title = problem || (state === "linked" && twitch.linkedAt ? `Linked ${formatDateTime(twitch.linkedAt)}` : null);
      const parts = [el("span", {
        class: `badge link-status link-${state}`, text: LINK_STATUS_TEXT[state],
        attrs: { title }, dataset: { status: state, needsRelink: String(Boolean(twitch.needsRelink)) },
      })];
      if (missing.length) {
        parts.push(el("div", { class: "missing-scopes", attrs: { title: "The enabled events need these scopes; send a new link to cover them." } },
          [document.createTextNode("Missing: "), ...missing.flatMap((scope, index) => [index ? document.createTextNode(", ") : null, el("code", { text: scope })])]));
      }
      if (canLink) {
        parts.push(el("div", { class: "link-actions" }, [copyLink, state === "unlinked" ? null : unlink]));
      }
      linkCell.replaceChildren(...parts);
    };

    const drawTypes = (twitch) => {
      if (!twitch || !hasTwitch) {
        typesCell.replaceChildren();
        return;
      }
      const enabled = new Set((Array.isArray(twitch.eventTypes) ? twitch.eventTypes : []).map(String));
      const authorized = new Set((Array.isArray(twitch.authorizedTypes) ? twitch.authorizedTypes : []).map(String));
      const linked = twitch.status === "linked";
      const choices = TWITCH_EVENT_TYPES.map(({ type, label }) => {
        const box = el("input", { class: "event-type", attrs: { type: "checkbox", value: type, checked: enabled.has(type), disabled: !canEditTypes || busy } });
        box.addEventListener("change", saveTypes);
        const waiting = linked && enabled.has(type) && !authorized.has(type);
        return el("label", { class: waiting ? "check event-type-choice waiting" : "check event-type-choice",
          attrs: { title: waiting ? `${type}: not covered by what the creator granted (send a new link)` : type } },
        [box, document.createTextNode(` ${label}`)]);
      });
      const details = el("details", { class: "event-types" }, [
        el("summary", { text: `${enabled.size} of ${TWITCH_EVENT_TYPES.length} events` }),
        el("div", { class: "event-type-list" }, choices),
      ]);
      details.open = typesOpen;
      details.addEventListener("toggle", () => { typesOpen = details.open; });
      typesCell.replaceChildren(details);
    };

    const setTwitch = (twitch, force = false) => {
      const key = JSON.stringify(twitch ?? null);
      if (busy || (!force && key === drawnKey)) return;
      current = twitch;
      drawnKey = key;
      drawLink(twitch);
      drawTypes(twitch);
    };

    async function saveTypes() {
      const boxes = [...typesCell.querySelectorAll("input.event-type")];
      const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
      busy = true;
      for (const box of boxes) box.disabled = true;
      let next = current;
      try {
        const updated = await saveEventTypes(chosen);
        next = updated?.twitch ?? current;
        const missing = Array.isArray(next?.missingScopes) ? next.missingScopes.map(String) : [];
        setStatus(status, missing.length
          ? `Saved the events of ${name}. They need ${missing.join(", ")}: send ${name} a new link.`
          : `Saved the events of ${name}.`);
      } catch (error) {
        setStatus(status, errorText(error), true);
      } finally {
        busy = false;
        setTwitch(next, true);
      }
    }
    const saveEventTypes = (eventTypes) => this.#api.setCreatorEventTypes(creator.id, eventTypes);

    return { node, setTwitch, setChannels: (list) => channels.setChannels(list ?? storeChannels()) };
  }

  // ---------- members (admin and above)

  async #members(stillCurrent) {
    const { role, email: myEmail, userId: myUserId } = this.#session();
    const status = statusLine();
    const tbody = el("tbody");
    const grantable = manageableRoles(role);
    const email = el("input", { attrs: { type: "email", name: "email", required: true, autocomplete: "off", placeholder: "name@example.com" } });
    const newRole = el("select", { attrs: { name: "role" } }, grantable.map((value) => el("option", { text: value, attrs: { value } })));
    newRole.value = grantable.includes("viewer") ? "viewer" : grantable[0];
    const form = el("form", { class: "inline", attrs: { id: "member-add-form" } }, [
      field("Email", email), field("Role", newRole), el("button", { text: "Add member", attrs: { type: "submit" } }),
    ]);
    const beginLoad = latestOnly(stillCurrent);
    const load = async () => {
      const latest = beginLoad();
      try {
        const result = await this.#api.members();
        if (!latest()) return;
        tbody.replaceChildren(...(result?.data ?? []).map((member) => this.#memberRow(member, role, { email: myEmail, userId: myUserId }, status, load)));
      } catch (error) {
        if (latest()) setStatus(status, errorText(error), true);
      }
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await this.#api.addMember(email.value.trim(), newRole.value);
        setStatus(status, `Added ${email.value.trim()}.`);
        form.reset();
        await load();
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    });
    this.#body.append(el("h1", { text: "Members" }), form, status, el("table", { attrs: { id: "members-table" } }, [
      el("thead", {}, [el("tr", {}, [el("th", { text: "Email" }), el("th", { text: "Name" }), el("th", { text: "Role" }), el("th", { text: "Since" }), el("th", { text: "" })])]),
      tbody,
    ]));
    for (const part of MEMBERS_PARTS) {
      const container = el("div", { class: "members-part" });
      this.#body.append(container);
      part({ ...this.#context(stillCurrent, this.#body), container, reloadMembers: load });
    }
    await load();
  }

  #memberRow(member, actorRole, me, status, reload) {
    const isSelf = (me.userId && member.userId === me.userId) || (me.email && member.email === me.email);
    // The server's rule: an owner manages everyone, an admin the roles below its own.
    const canManage = manageableRoles(actorRole).includes(member.role);
    let roleCell;
    if (canManage) {
      const select = el("select", { attrs: { "aria-label": `Role of ${member.email}` } },
        manageableRoles(actorRole).map((value) => el("option", { text: value, attrs: { value } })));
      select.value = member.role;
      select.addEventListener("change", async () => {
        try {
          await this.#api.changeMemberRole(member.userId, select.value);
          setStatus(status, `${member.email} is now ${select.value}.`);
          await reload();
        } catch (error) {
          select.value = member.role;
          setStatus(status, errorText(error), true);
        }
      });
      roleCell = select;
    } else {
      roleCell = document.createTextNode(member.role);
    }
    const actions = [];
    if (canManage && !isSelf) {
      // Signs the member out of this company everywhere (their refresh tokens stop at once, open
      // dashboards within seconds); the membership stays.
      const endSessions = el("button", { text: "End sessions", class: "end-sessions", attrs: { type: "button", title: `Sign ${member.email} out of this company on every device` } });
      endSessions.addEventListener("click", async () => {
        if (!confirm(`Sign ${member.email} out of this company on every device?`)) return;
        endSessions.disabled = true;
        try {
          const result = await this.#api.endMemberSessions(member.userId);
          const count = Number(result?.revoked ?? 0);
          setStatus(status, `Ended ${count} session${count === 1 ? "" : "s"} of ${member.email}.`);
        } catch (error) {
          setStatus(status, errorText(error), true);
        } finally {
          endSessions.disabled = false;
        }
      });
      actions.push(endSessions);
    }
    if (canManage) {
      const remove = el("button", { text: "Remove", class: "danger remove-member", attrs: { type: "button" } });
      remove.addEventListener("click", async () => {
        if (!confirm(isSelf ? "Remove yourself from this company?" : `Remove ${member.email}?`)) return;
        try {
          await this.#api.removeMember(member.userId);
          setStatus(status, `Removed ${member.email}.`);
          await reload();
        } catch (error) {
          setStatus(status, errorText(error), true);
        }
      });
      if (actions.length) actions.push(document.createTextNode(" "));
      actions.push(remove);
    }
    const emailCell = el("td", { text: member.email });
    if (isSelf) emailCell.append(document.createTextNode(" "), el("span", { class: "member-you", text: "(you)" }));
    return el("tr", { dataset: { userId: String(member.userId ?? ""), role: String(member.role ?? "") } }, [
      emailCell,
      el("td", { text: member.displayName ?? "" }),
      el("td", {}, [roleCell]),
      el("td", { text: formatDateTime(member.createdAt) }),
      el("td", {}, actions),
    ]);
  }

  // ---------- branding (admin and above)

  async #branding(stillCurrent) {
    const status = statusLine();
    let current;
    try {
      current = await this.#api.branding();
    } catch (error) {
      this.#body.append(el("h1", { text: "Branding" }), status);
      setStatus(status, errorText(error), true);
      return;
    }
    if (!stillCurrent()) return;
    const name = el("input", { attrs: { name: "displayName", maxlength: "100", value: current.displayName ?? "" } });
    const colorPair = (fieldName, value, fallback) => {
      const picker = el("input", { attrs: { type: "color", value: isHexColor(value) && value.length === 7 ? value : fallback, "aria-label": `${fieldName} picker` } });
      const text = el("input", { attrs: { name: fieldName, value: isHexColor(value) ? value : "", placeholder: fallback, pattern: "#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", size: "8" } });
      picker.addEventListener("input", () => { text.value = picker.value; });
      text.addEventListener("input", () => { if (isHexColor(text.value) && text.value.length === 7) picker.value = text.value; });
      return { text, row: el("span", { class: "color-row" }, [picker, text]) };
    };
    const primary = colorPair("primaryColor", current.primaryColor, "#6441a5");
    const accent = colorPair("accentColor", current.accentColor, "#00c8af");
    const logo = el("input", { attrs: { type: "file", name: "logo", accept: LOGO_TYPES.join(",") } });
    const removeLogo = el("input", { attrs: { type: "checkbox", name: "removeLogo" } });
    const preview = el("img", { class: "logo-preview", attrs: { alt: "Current logo" } });
    const logoURL = safeHTTPURL(current.logoUrl);
    if (logoURL) preview.src = logoURL;
    else preview.hidden = true;
    const form = el("form", { class: "stack", attrs: { id: "branding-form" } }, [
      field("Display name", name),
      field("Primary colour", primary.row),
      field("Accent colour", accent.row),
      preview,
      field("Logo (PNG, JPEG, SVG or WebP, at most 2 MiB)", logo),
      el("label", { class: "check" }, [removeLogo, document.createTextNode(" Remove the logo")]),
      el("div", {}, [el("button", { text: "Save branding", attrs: { type: "submit" } })]),
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      if (name.value.trim()) body.displayName = name.value.trim();
      for (const [key, pair] of [["primaryColor", primary], ["accentColor", accent]]) {
        const value = pair.text.value.trim();
        if (value && !isHexColor(value)) {
          setStatus(status, `${key} must be a hex colour like #1a2b3c.`, true);
          return;
        }
        if (value) body[key] = value;
      }
      // PUT replaces the whole branding: keep the current logo unless it is replaced or removed.
      if (!removeLogo.checked && current.logoKey) body.logoKey = current.logoKey;
      try {
        const file = logo.files?.[0];
        if (file && !removeLogo.checked) {
          if (!LOGO_TYPES.includes(file.type)) throw new Error("The logo must be a PNG, JPEG, SVG or WebP image.");
          setStatus(status, "Uploading logo…");
          const upload = await this.#api.logoUploadURL(file.type);
          if (file.size > (upload.maxBytes ?? 2 * 1024 * 1024)) throw new Error("The logo is larger than 2 MiB.");
          await this.#api.uploadToPresignedURL(upload, file);
          body.logoKey = upload.key;
        }
        setStatus(status, "Saving…");
        current = await this.#api.putBranding(body);
        setStatus(status, "Branding saved.");
        const url = safeHTTPURL(current.logoUrl);
        preview.hidden = !url;
        if (url) preview.src = url;
        logo.value = "";
        removeLogo.checked = false;
        this.#onBrandingChanged(current);
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    });
    this.#body.append(el("h1", { text: "Branding" }), form, status);
  }

  // ---------- audit log (admin and above)

  #audit(stillCurrent) {
    const status = statusLine();
    const action = el("select", { attrs: { name: "action" } }, ["", "creator.add", "creator.update", "creator.remove", "member.add",
      "member.role_change", "member.remove", "member.sessions_revoke", "branding.update", "session.sign_in", "session.sign_out",
      "session.sign_out_everywhere", "session.switch", "session.revoke", "invitation.create", "invitation.accept", "invitation.revoke",
      "api_key.create", "api_key.revoke"].map((value) => el("option", { text: value || "Any action", attrs: { value } })));
    const targetType = el("select", { attrs: { name: "target_type" } }, ["", "creator", "member", "company", "session", "invitation", "api_key"]
      .map((value) => el("option", { text: value || "Any target", attrs: { value } })));
    const actor = el("input", { attrs: { name: "actor", placeholder: "actor user id", autocomplete: "off" } });
    const form = el("form", { class: "inline", attrs: { id: "audit-filter-form" } }, [
      field("Action", action), field("Target", targetType), field("Actor", actor), el("button", { text: "Filter", attrs: { type: "submit" } }),
    ]);
    const tbody = el("tbody");
    const more = el("button", { text: "Load more", attrs: { type: "button" }, hidden: true });
    let before = null;
    const load = async (append) => {
      try {
        const result = await this.#api.auditLogs({
          action: action.value, target_type: targetType.value, actor: actor.value.trim(), before: append ? before : null, limit: 100,
        });
        if (!stillCurrent()) return;
        const rows = (result?.data ?? []).map((entry) => el("tr", {}, [
          el("td", { text: formatDateTime(entry.createdAt) }),
          el("td", { text: `${entry.actorUserId ?? ""} (${entry.actorRole ?? ""})` }),
          el("td", { text: entry.action }),
          el("td", { text: `${entry.targetType ?? ""} ${entry.targetId ?? ""}` }),
          el("td", { class: "json", text: JSON.stringify(entry.after ?? entry.before ?? null) }),
        ]));
        if (append) tbody.append(...rows);
        else tbody.replaceChildren(...rows);
        before = result?.next?.before ?? null;
        more.hidden = before === null;
        setStatus(status, rows.length || append ? "" : "No entries.");
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); load(false); });
    more.addEventListener("click", () => load(true));
    this.#body.append(el("h1", { text: "Audit log" }), form, status, el("table", { attrs: { id: "audit-table" } }, [
      el("thead", {}, [el("tr", {}, ["Time", "Actor", "Action", "Target", "Change"].map((text) => el("th", { text })))]),
      tbody,
    ]), more);
    load(false);
  }

  // ---------- archives (admin and above)

  #archives(stillCurrent) {
    const status = statusLine();
    const tbody = el("tbody");
    const more = el("button", { text: "Load more", attrs: { type: "button" }, hidden: true });
    let before = null;
    const load = async (append) => {
      try {
        const result = await this.#api.archives({ before: append ? before : null });
        if (!stillCurrent()) return;
        const rows = (result?.data ?? []).map((archive) => {
          const url = safeHTTPURL(archive.url);
          const link = url ? el("a", { text: "Download", attrs: { href: url, rel: "noopener noreferrer", download: `${archive.day}.ndjson.gz` } }) : document.createTextNode("—");
          return el("tr", {}, [
            el("td", { text: archive.day }),
            el("td", { text: String(archive.rowCount) }),
            el("td", { text: formatBytes(archive.byteSize) }),
            el("td", { text: `${archive.firstEventId}–${archive.lastEventId}` }),
            el("td", { class: "json", text: archive.sha256 }),
            el("td", {}, [link]),
          ]);
        });
        if (append) tbody.append(...rows);
        else tbody.replaceChildren(...rows);
        before = result?.next?.before ?? null;
        more.hidden = before === null;
        setStatus(status, rows.length || append ? "" : "No archived days yet: events move to archives after the retention period.");
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
    };
    more.addEventListener("click", () => load(true));
    this.#body.append(el("h1", { text: "Archives" }), status, el("table", { attrs: { id: "archives-table" } }, [
      el("thead", {}, [el("tr", {}, ["Day", "Events", "Size", "Event ids", "SHA-256", ""].map((text) => el("th", { text })))]),
      tbody,
    ]), more);
    load(false);
  }
}

function splitTopics(text) {
  return text.split(",").map((topic) => topic.trim()).filter(Boolean);
}
