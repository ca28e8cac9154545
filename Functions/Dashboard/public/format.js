// Formatting and DOM helpers shared by the views.
//
// Safety rule for the whole dashboard: text that comes from Twitch or from users (titles, names,
// categories, messages, topics, emails) only ever reaches the page through `textContent` or an
// attribute set with setAttribute on a known-safe attribute. Nothing here builds HTML strings.

/**
 * Creates an element. `options`: `class`, `text` (set as textContent), `attrs` (setAttribute,
 * never event handlers: names starting with "on" are refused), `dataset`, `hidden`.
 */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.class) node.className = options.class;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.attrs) {
    for (const [name, value] of Object.entries(options.attrs)) {
      if (/^on/i.test(name)) throw new Error(`refusing event handler attribute ${name}`);
      if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  if (options.dataset) Object.assign(node.dataset, options.dataset);
  if (options.hidden) node.hidden = true;
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Replaces a node's content with the given children (text is inserted as text nodes). */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

const numberFormat = new Intl.NumberFormat(undefined);
const compactFormat = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatCount(value) {
  const number = Number(value) || 0;
  return number >= 10000 ? compactFormat.format(number) : numberFormat.format(number);
}

export function formatTime(iso) {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? timeFormat.format(time) : "";
}

export function formatDateTime(iso) {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? dateTimeFormat.format(time) : "";
}

/** "2h 05m", "12m", "45s" */
export function formatDuration(milliseconds) {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return "";
  const seconds = Math.floor(milliseconds / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${minutes}m`;
  return `${seconds}s`;
}

export function formatBytes(bytes) {
  const value = Number(bytes) || 0;
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

/** A user object from event data (`{id, login, name}`) as a display name. */
function userName(user, fallback = "someone") {
  if (!user || typeof user !== "object") return fallback;
  return user.name || user.login || fallback;
}

/** Event types an agency must not miss: highlighted in the feed, optionally with sound. */
export const HIGHLIGHT_TYPES = new Set([
  "stream.online", "channel.raid", "channel.hype_train.begin", "channel.hype_train.progress", "channel.hype_train.end",
]);

/** Feed filter groups: label → predicate on the event type. */
export const TYPE_GROUPS = [
  { id: "", label: "All events", match: () => true },
  { id: "highlights", label: "Highlights", match: (type) => HIGHLIGHT_TYPES.has(type) },
  { id: "follows", label: "Follows", match: (type) => type === "channel.follow" },
  { id: "subs", label: "Subs & gifts", match: (type) => type.startsWith("channel.subscri") },
  { id: "cheers", label: "Cheers", match: (type) => type === "channel.cheer" },
  { id: "raids", label: "Raids", match: (type) => type === "channel.raid" },
  { id: "hype", label: "Hype trains", match: (type) => type.startsWith("channel.hype_train.") },
  { id: "stream", label: "Online / offline / title", match: (type) => type === "stream.online" || type === "stream.offline" || type === "channel.update" },
];

function tierLabel(tier) {
  return { 1000: "tier 1", 2000: "tier 2", 3000: "tier 3" }[tier] ?? (tier ? `tier ${tier}` : "");
}

/**
 * One line describing an event, from the point of view of `creatorID` (raids have two sides:
 * "raided X" for the raider, "raid from X" for the target). Plain text only.
 */
export function describeEvent(event, creatorTwitchID) {
  const data = event.data && typeof event.data === "object" ? event.data : {};
  switch (event.type) {
    // YouTube's and Rumble's go-live carry the stream's title (Twitch's title comes as channel.update).
    case "stream.online": return typeof data.title === "string" && data.title ? `went live: ${data.title}` : "went live";
    case "stream.offline": return "went offline";
    case "channel.update": {
      const parts = [];
      if (data.title) parts.push(`title: ${data.title}`);
      if (data.categoryName) parts.push(`category: ${data.categoryName}`);
      return parts.length ? parts.join(" · ") : "channel updated";
    }
    case "channel.follow": return `new follower: ${userName(data.user)}`;
    case "channel.subscribe":
      return `${data.isGift ? "gifted sub for" : "new sub:"} ${userName(data.user)} ${tierLabel(data.tier)}`.trim();
    case "channel.subscription.gift": {
      const who = data.isAnonymous ? "anonymous" : userName(data.user);
      const total = Number(data.total) || 1;
      return `${who} gifted ${total} sub${total === 1 ? "" : "s"} ${tierLabel(data.tier)}`.trim();
    }
    case "channel.subscription.message": {
      const months = Number(data.cumulativeMonths) || 0;
      const message = typeof data.message === "string" && data.message ? `: ${data.message}` : "";
      return `${userName(data.user)} resubscribed${months ? ` (${months} months)` : ""}${message}`;
    }
    case "channel.cheer": {
      const who = data.isAnonymous ? "anonymous" : userName(data.user);
      const message = data.message ? `: ${data.message}` : "";
      return `${who} cheered ${formatCount(data.bits)} bits${message}`;
    }
    case "channel.raid": {
      const viewers = Number(data.viewers) || 0;
      const outgoing = creatorTwitchID && data.from && data.from.id === creatorTwitchID;
      return outgoing
        ? `raided ${userName(data.to, "a channel")} with ${formatCount(viewers)} viewers`
        : `raid from ${userName(data.from, "a channel")} with ${formatCount(viewers)} viewers`;
    }
    case "channel.hype_train.begin": return `hype train started${data.level ? ` (level ${data.level})` : ""}`;
    case "channel.hype_train.progress": return `hype train level ${data.level ?? "?"}${data.goal ? ` · ${formatCount(data.progress)}/${formatCount(data.goal)}` : ""}`;
    case "channel.hype_train.end": return `hype train ended at level ${data.level ?? "?"}`;
    default: return event.type;
  }
}

/** `#rgb` / `#rrggbb` only: branding colours end up in CSS custom properties. */
export function isHexColor(value) {
  return typeof value === "string" && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(value);
}

/** Black or white text for a background colour (WCAG relative luminance). */
export function readableTextColor(hex) {
  if (!isHexColor(hex)) return "#ffffff";
  let digits = hex.slice(1);
  if (digits.length === 3) digits = [...digits].map((c) => c + c).join("");
  const channel = (index) => {
    const value = parseInt(digits.slice(index, index + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return luminance > 0.4 ? "#000000" : "#ffffff";
}

/** Only absolute http(s) URLs (and not javascript:, data: …) may become an image or link target. */
export function safeHTTPURL(value) {
  if (typeof value !== "string" || value === "") return null;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Copies the value of a text input to the clipboard: the Clipboard API, else (not allowed, e.g.
 * without focus or permission) the input's selection and the copy command. Resolves to whether
 * it was copied; when not, the value is left selected for Ctrl+C.
 */
export async function copyFromInput(input) {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(input.value);
      return true;
    }
  } catch {
    // fall through to the selection
  }
  input.focus();
  input.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

/**
 * For a list a view loads more than once (on opening, after each change, on Refresh): answers can
 * arrive out of order, and the page's first load answering after the one a change started would
 * draw the list from before the change. `const begin = latestOnly(stillCurrent)`; each load calls
 * `const latest = begin()` first and draws its answer only while `latest()` is true: the view is
 * still shown and no later load has begun.
 */
export function latestOnly(stillCurrent) {
  let latest = 0;
  return () => {
    const ticket = ++latest;
    return () => ticket === latest && stillCurrent();
  };
}
