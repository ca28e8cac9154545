// Platforms: a creator has channels on Twitch, YouTube and Rumble (`channels` of
// `GET /api/creators`), and live events name theirs (`platform`, `broadcasterUserId`). This file
// knows their names and draws a channel's badge; the store keeps their state (store.js).
//
// Channel names, handles and stream titles come from the platforms: text only (format.js's rule).

import { el, formatCount } from "./format.js";

/** The platforms in the order a creator's channels are listed (Twitch first, as on the API). */
export const PLATFORMS = ["twitch", "youtube", "rumble"];

const LABELS = { twitch: "Twitch", youtube: "YouTube", rumble: "Rumble" };

/** An event's platform: events stored before platforms existed have none and are Twitch's. */
export function eventPlatform(event) {
  return typeof event?.platform === "string" && event.platform ? event.platform : "twitch";
}

/** "Twitch", "YouTube", "Rumble"; an unknown platform by its own name. */
export function platformLabel(platform) {
  return LABELS[platform] ?? String(platform ?? "");
}

/** The CSS class of a platform's colours (`platform-other` for one this page does not know). */
export function platformClass(platform) {
  return LABELS[platform] ? `platform-${platform}` : "platform-other";
}

/** Sort order of channels: by platform as in PLATFORMS (unknown ones last), then by channel id. */
export function compareChannels(a, b) {
  const rank = (channel) => {
    const index = PLATFORMS.indexOf(channel.platform);
    return index === -1 ? PLATFORMS.length : index;
  };
  return rank(a) - rank(b) || (a.channelId < b.channelId ? -1 : a.channelId > b.channelId ? 1 : 0);
}

/** The channel as one line for screen readers and the badge's tooltip. */
export function describeChannel(channel) {
  const name = channel.displayName || channel.handle || channel.channelId;
  const parts = [`${platformLabel(channel.platform)}${name ? ` (${name})` : ""}`];
  if (channel.live) {
    parts.push(`live, ${formatCount(channel.viewerCount)} viewers`);
    if (channel.title) parts.push(channel.title);
  } else {
    parts.push("offline");
  }
  return parts.join(": ");
}

/**
 * One channel's badge on a tile: a live dot, the platform's name and, while live, its viewers;
 * the name, state and stream title in its label and tooltip.
 */
export function channelBadge(channel) {
  const label = describeChannel(channel);
  return el("li", {
    class: `channel-badge ${platformClass(channel.platform)}`,
    attrs: { "aria-label": label, title: label },
    dataset: { platform: String(channel.platform), channelId: String(channel.channelId), live: String(Boolean(channel.live)) },
  }, [
    el("span", { class: "channel-dot", attrs: { "aria-hidden": "true" } }),
    el("span", { class: "channel-platform", text: platformLabel(channel.platform) }),
    channel.live ? el("span", { class: "channel-viewers", text: formatCount(channel.viewerCount) }) : null,
  ]);
}

/** What changes a badge: drawn again only when this differs. */
export function channelBadgeKey(channel) {
  return [channel.platform, channel.channelId, channel.live, channel.viewerCount, channel.title, channel.displayName, channel.handle].join("\u0001");
}

/**
 * Whether a channel reference (what someone pastes: a URL, a handle, an id) points at Rumble,
 * whose channels need the owner's livestream API URL too.
 */
export function looksLikeRumble(reference) {
  return /(^|[/.@])rumble\.com(\/|$)/i.test(String(reference ?? "").trim());
}

/**
 * Whether the text is a Twitch login (letters, digits, underscore; at most 25) rather than a
 * channel URL, handle or YouTube channel id (`UC` + 22 characters): the add form takes either.
 */
export function isTwitchLogin(text) {
  const value = String(text ?? "").trim();
  return /^[A-Za-z0-9_]{1,25}$/.test(value) && !/^UC[A-Za-z0-9_-]{22}$/.test(value);
}
