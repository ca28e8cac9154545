// The dashboard's state: the company's creators with their live status, and the recent events.
//
// Events arrive from three places that overlap — the live socket, the relay's replay after a
// reconnect, and REST (`/api/events`, initial load and catch-up) — so every event is admitted
// once, by id. Changes are not rendered here: the store records what changed (which creators,
// which new events, whether the tile order may have changed) and the page takes those changes
// once per animation frame. A burst of 100 events costs one DOM update, not 100.
//
// A creator has channels (Twitch, YouTube, Rumble), each with its own live state; the creator is
// live when any of its channels is. Events name their channel by `platform` and
// `broadcasterUserId`; REST lists the channels with their state (`channels`).

import { compareChannels, eventPlatform } from "./channels.js";

function parseTime(iso) {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? time : null;
}

/** Merges two arrays sorted by id descending (each without duplicates) into one, newest first. */
function mergeDescending(a, b) {
  if (!b.length) return a;
  if (!a.length) return b;
  if (b[b.length - 1].id > a[0].id) return b.concat(a); // the usual live case: all newer
  const out = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i].id > b[j].id ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

// One collator for every comparison (String#localeCompare builds one per call).
const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** Order of creators by name (then id, so the order is total and stable). */
export function compareCreators(a, b) {
  return collator.compare(a.displayName, b.displayName) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class Store {
  /** id → creator (see #blankCreator for the shape). */
  creators = new Map();
  /** Twitch user id → creator id (raids name the other side by Twitch id). */
  byTwitchID = new Map();
  /** Recent events, newest first, at most `maxEvents`. */
  events = [];
  /** Highest event id admitted: what the relay and `/api/events?after=` resume from. */
  lastEventId = null;

  #maxEvents;
  #maxSeen;
  #maxSamples;
  #seen = new Set();
  #seenOrder = [];
  #onChange;
  #onUnknownCreator;
  // Pending changes for the next frame.
  #dirty = new Set();
  #added = [];
  #feedReset = false;
  #detailsChanged = false;
  #creatorsChanged = false;
  #liveToggled = new Set();

  constructor({ maxEvents = 2000, maxSeen = 50000, maxSamples = 120, onChange = () => {}, onUnknownCreator = () => {} } = {}) {
    this.#maxEvents = maxEvents;
    this.#maxSeen = maxSeen;
    this.#maxSamples = maxSamples;
    this.#onChange = onChange;
    this.#onUnknownCreator = onUnknownCreator;
  }

  #blankCreator(id) {
    return {
      id,
      twitchUserId: "",
      login: "",
      displayName: "",
      topics: [],
      notes: "",
      /** Lower-case names and handles the grid's search matches. */
      searchText: "",
      /** The creator's channels, Twitch first, then YouTube and Rumble (see #blankChannel). */
      channels: [],
      // Derived from the channels (#summarize): live when any channel is; title and category of
      // the first live channel (else the first with a title); viewers summed over live channels;
      // the earliest start among them.
      live: false,
      title: "",
      category: "",
      viewerCount: 0,
      startedAt: null,
      /** { id, type, text, at } of the newest event that concerned this creator. */
      lastEvent: null,
      /** Viewer counts of the current stream: [{ t: ms, v: viewers }], oldest first. */
      samples: [],
      samplesStream: null,
    };
  }

  #blankChannel(platform, channelId) {
    return {
      /** The channel row's id (`DELETE /api/creators/{id}/channels/{rowId}`); "" until REST names it. */
      rowId: "",
      platform,
      channelId,
      handle: "",
      displayName: "",
      url: "",
      live: false,
      title: "",
      category: "",
      viewerCount: 0,
      startedAt: null,
      liveStreamId: null,
      /** Event time of the last live/offline change and title/category change applied. */
      liveChangedAt: null,
      infoChangedAt: null,
      /** Twitch: highest id of a status-changing event applied (compared with REST's status.lastEventId). */
      statusEventId: null,
      /** When (this page's clock) a live/offline event was last applied: REST answers asked before it are older. */
      eventAppliedAt: null,
    };
  }

  /**
   * Replaces the creator list with the server's (`GET /api/creators`). `requestedAt`: when the
   * request was sent (this page's clock); live events applied after it are newer than the answer.
   */
  setCreators(list, now = Date.now(), requestedAt = now) {
    const incoming = new Set();
    for (const item of list) {
      if (!item || typeof item.id !== "string") continue;
      incoming.add(item.id);
      let creator = this.creators.get(item.id);
      if (!creator) {
        creator = this.#blankCreator(item.id);
        this.creators.set(item.id, creator);
        this.#creatorsChanged = true;
      }
      const before = `${creator.displayName}|${creator.login}|${creator.topics.join(",")}|${creator.searchText}`;
      creator.twitchUserId = String(item.twitchUserId ?? "");
      creator.login = String(item.login ?? "");
      creator.topics = Array.isArray(item.topics) ? item.topics.map(String) : [];
      creator.notes = String(item.notes ?? "");
      creator.channels = this.#restChannels(creator, item, requestedAt);
      creator.displayName = String(item.displayName || item.login || creator.channels[0]?.displayName || creator.channels[0]?.handle || "");
      creator.searchText = [creator.displayName, creator.login, ...creator.channels.flatMap((channel) => [channel.handle, channel.displayName])]
        .filter(Boolean).join("\u0000").toLowerCase();
      if (before !== `${creator.displayName}|${creator.login}|${creator.topics.join(",")}|${creator.searchText}`) this.#detailsChanged = true;
      this.#summarize(creator);
      this.#sample(creator, now);
      this.#dirty.add(creator.id);
    }
    for (const id of [...this.creators.keys()]) {
      if (!incoming.has(id)) {
        this.creators.delete(id);
        this.#creatorsChanged = true;
      }
    }
    this.byTwitchID.clear();
    for (const creator of this.creators.values()) if (creator.twitchUserId) this.byTwitchID.set(creator.twitchUserId, creator.id);
    this.#onChange();
  }

  /**
   * The creator's channels from REST, keeping the state of channels already known where live
   * events applied since are newer than the answer. Without `channels` (an older server) the
   * Twitch channel is the creator's Twitch identity.
   */
  #restChannels(creator, item, requestedAt) {
    const listed = Array.isArray(item.channels) ? item.channels
      : creator.twitchUserId ? [{ platform: "twitch", channelId: creator.twitchUserId, handle: creator.login, displayName: item.displayName }] : [];
    const channels = [];
    for (const raw of listed) {
      if (!raw || typeof raw !== "object" || typeof raw.platform !== "string" || !raw.platform || raw.channelId === null || raw.channelId === undefined) continue;
      const platform = raw.platform;
      const channelId = String(raw.channelId);
      if (channels.some((channel) => channel.platform === platform && channel.channelId === channelId)) continue;
      const channel = creator.channels.find((known) => known.platform === platform && known.channelId === channelId)
        ?? this.#blankChannel(platform, channelId);
      channel.rowId = String(raw.id ?? "");
      channel.handle = String(raw.handle ?? "");
      channel.displayName = String(raw.displayName ?? "");
      channel.url = String(raw.url ?? "");
      if (platform === "twitch") this.#restTwitchStatus(channel, item.status ?? {});
      else this.#restChannelStatus(channel, raw, requestedAt);
      channels.push(channel);
    }
    return channels.sort(compareChannels);
  }

  /**
   * The Twitch channel's state is the creator's `status` (with `category` and `lastEventId`). REST
   * is a snapshot; an event applied since may be newer than it. Take REST's live/title only when it
   * has seen at least every status event we applied.
   */
  #restTwitchStatus(channel, status) {
    const restEventId = status.lastEventId === null || status.lastEventId === undefined ? null : Number(status.lastEventId);
    if (channel.statusEventId === null || (restEventId !== null && restEventId >= channel.statusEventId)) {
      channel.live = Boolean(status.live);
      channel.title = String(status.title ?? "");
      channel.category = String(status.category ?? "");
      channel.startedAt = status.startedAt ?? null;
      if (restEventId !== null) channel.statusEventId = restEventId;
    }
    // Only REST knows the viewer count (status reconciliation polls Twitch for it).
    channel.viewerCount = Number(status.viewerCount) || 0;
  }

  /**
   * A YouTube or Rumble channel: REST's state unless a live/offline event was applied after the
   * request was sent (then the event is newer). Viewers come from REST (the status jobs poll
   * them) while it agrees on whether the channel is live.
   */
  #restChannelStatus(channel, raw, requestedAt) {
    const live = Boolean(raw.live);
    if (channel.eventAppliedAt === null || channel.eventAppliedAt < requestedAt) {
      channel.live = live;
      channel.title = String(raw.title ?? "");
      channel.startedAt = live ? raw.startedAt ?? null : null;
      channel.liveStreamId = live ? raw.liveStreamId ?? null : null;
      const started = live ? parseTime(raw.startedAt) : null;
      // A late redelivery of an event from before this stream cannot end it.
      if (started !== null && (channel.liveChangedAt === null || started > channel.liveChangedAt)) channel.liveChangedAt = started;
    }
    if (channel.live === live) channel.viewerCount = live ? Number(raw.viewerCount) || 0 : 0;
  }

  /** The creator's live state from its channels' (see #blankCreator). */
  #summarize(creator) {
    const live = creator.channels.filter((channel) => channel.live);
    const primary = live[0] ?? creator.channels.find((channel) => channel.title) ?? creator.channels[0];
    const wasLive = creator.live;
    creator.live = live.length > 0;
    if (wasLive !== creator.live) this.#liveToggled.add(creator.id);
    creator.title = primary?.title ?? "";
    creator.category = primary?.category ?? "";
    creator.viewerCount = live.reduce((sum, channel) => sum + (Number(channel.viewerCount) || 0), 0);
    let earliest = null;
    for (const channel of live) {
      const started = parseTime(channel.startedAt);
      if (started !== null && (earliest === null || started < earliest.time)) earliest = { time: started, text: channel.startedAt };
    }
    creator.startedAt = earliest?.text ?? (creator.live ? live[0].startedAt : null);
  }

  /**
   * The creator's channel an event is about: by platform and channel id, else (an event without
   * a broadcaster id) the platform's first channel. A channel REST has not listed yet (added in
   * another tab) is added for now; `known` is false then, and the list is read again.
   */
  #channelFor(creator, event) {
    const platform = eventPlatform(event);
    const channelId = event.broadcasterUserId === null || event.broadcasterUserId === undefined ? "" : String(event.broadcasterUserId);
    const channel = creator.channels.find((candidate) => candidate.platform === platform && (candidate.channelId === channelId || !channelId));
    if (channel) return { channel, known: true };
    const added = this.#blankChannel(platform, channelId);
    creator.channels = [...creator.channels, added].sort(compareChannels);
    return { channel: added, known: false };
  }

  /** Records a viewer-count sample for the tile's chart; a new stream starts a new series. */
  #sample(creator, now) {
    if (!creator.live) {
      if (creator.samples.length) creator.samples = [];
      creator.samplesStream = null;
      return;
    }
    if (creator.samplesStream !== creator.startedAt) {
      creator.samples = [];
      creator.samplesStream = creator.startedAt;
    }
    const last = creator.samples[creator.samples.length - 1];
    if (last && now - last.t < 5000) last.v = creator.viewerCount;
    else creator.samples.push({ t: now, v: creator.viewerCount });
    if (creator.samples.length > this.#maxSamples) creator.samples.splice(0, creator.samples.length - this.#maxSamples);
  }

  /** Whether an event id was already admitted. */
  has(id) {
    return this.#seen.has(Number(id));
  }

  /**
   * Admits events (any order, duplicates allowed) and applies them to the creators. Returns the
   * events that were new, newest first.
   */
  addEvents(list) {
    const fresh = [];
    for (const raw of list) {
      const id = Number(raw?.id);
      if (!Number.isSafeInteger(id) || this.#seen.has(id)) continue;
      this.#remember(id);
      fresh.push({ ...raw, id });
    }
    if (!fresh.length) return fresh;
    fresh.sort((a, b) => b.id - a.id);
    // Apply oldest first so that "last event" and status end up at the newest.
    let unknown = false;
    for (let index = fresh.length - 1; index >= 0; index -= 1) {
      if (!this.#apply(fresh[index])) unknown = true;
    }
    this.events = mergeDescending(this.events, fresh);
    if (this.events.length > this.#maxEvents) this.events.length = this.#maxEvents;
    if (this.lastEventId === null || fresh[0].id > this.lastEventId) this.lastEventId = fresh[0].id;
    this.#added = mergeDescending(this.#added, fresh);
    if (this.#added.length > this.#maxEvents) {
      // The page did not render for a while (hidden tab): rebuild the feed instead of patching.
      this.#added.length = 0;
      this.#feedReset = true;
    }
    if (unknown) this.#onUnknownCreator();
    this.#onChange();
    return fresh;
  }

  #remember(id) {
    this.#seen.add(id);
    this.#seenOrder.push(id);
    if (this.#seenOrder.length > this.#maxSeen * 1.25) {
      // Forget the oldest ids (in chunks, so the cost is amortized); they are far below
      // anything a replay or catch-up can return.
      const drop = this.#seenOrder.splice(0, this.#seenOrder.length - this.#maxSeen);
      for (const old of drop) this.#seen.delete(old);
    }
  }

  /** Applies one event to its creator(s). False when the creator is not in the list (yet). */
  #apply(event) {
    const creator = event.creatorId ? this.creators.get(event.creatorId) : undefined;
    const data = event.data && typeof event.data === "object" ? event.data : {};
    if (event.type === "channel.raid" && data.from?.id) {
      // The raiding side, if this company tracks it too (one row is stored for both sides).
      const fromID = this.byTwitchID.get(String(data.from.id));
      const raider = fromID ? this.creators.get(fromID) : undefined;
      if (raider && raider !== creator) this.#touch(raider, event);
    }
    if (!creator) return !event.creatorId;
    const occurred = parseTime(event.occurredAt) ?? 0;
    let known = true;
    switch (event.type) {
      case "stream.online":
      case "stream.offline": {
        const found = this.#channelFor(creator, event);
        const channel = found.channel;
        known = found.known;
        // Live status only moves forward in event time (a late redelivery cannot roll it back).
        if (channel.liveChangedAt !== null && occurred < channel.liveChangedAt) break;
        const live = event.type === "stream.online";
        channel.live = live;
        channel.liveChangedAt = occurred;
        channel.startedAt = live ? (data.startedAt || event.occurredAt) : null;
        // Twitch's go-live carries no viewers (REST brings them); YouTube's and Rumble's do.
        channel.viewerCount = live ? Number(data.viewers) || 0 : 0;
        if (typeof data.title === "string" && data.title) channel.title = data.title;
        if (typeof data.url === "string" && data.url && !channel.url) channel.url = data.url;
        channel.liveStreamId = live && data.streamId !== undefined && data.streamId !== null ? String(data.streamId) : null;
        channel.statusEventId = Math.max(channel.statusEventId ?? 0, event.id);
        channel.eventAppliedAt = Date.now();
        this.#summarize(creator);
        this.#sample(creator, Date.now());
        break;
      }
      case "channel.update": {
        const found = this.#channelFor(creator, event);
        const channel = found.channel;
        known = found.known;
        if (channel.infoChangedAt !== null && occurred < channel.infoChangedAt) break;
        channel.infoChangedAt = occurred;
        if (typeof data.title === "string") channel.title = data.title;
        if (typeof data.categoryName === "string") channel.category = data.categoryName;
        channel.statusEventId = Math.max(channel.statusEventId ?? 0, event.id);
        this.#summarize(creator);
        break;
      }
      default:
        break;
    }
    this.#touch(creator, event);
    return known;
  }

  #touch(creator, event) {
    if (!creator.lastEvent || event.id > creator.lastEvent.id) {
      creator.lastEvent = { id: event.id, type: event.type, at: event.occurredAt, event };
    }
    this.#dirty.add(creator.id);
  }

  /** Everything that changed since the last call; resets the record. */
  takeChanges() {
    const changes = {
      /** Creators whose tile may show something new. */
      dirty: this.#dirty,
      /** New events, newest first. */
      added: this.#added,
      /** Too many new events to patch the feed: rebuild it. */
      feedReset: this.#feedReset,
      /** Creators came or went. */
      creatorsChanged: this.#creatorsChanged,
      /** A name, login or topic changed (sort order, filters, option lists). */
      detailsChanged: this.#detailsChanged,
      /** Creators that went live or offline (their tile moves between the two groups). */
      liveToggled: this.#liveToggled,
    };
    this.#dirty = new Set();
    this.#added = [];
    this.#feedReset = false;
    this.#detailsChanged = false;
    this.#creatorsChanged = false;
    this.#liveToggled = new Set();
    return changes;
  }

  /** Creators sorted for the grid: live first, then by name. */
  sortedCreators() {
    return [...this.creators.values()].sort((a, b) => (a.live !== b.live ? (a.live ? -1 : 1) : compareCreators(a, b)));
  }

  /** Every topic in use, sorted. */
  topics() {
    const all = new Set();
    for (const creator of this.creators.values()) for (const topic of creator.topics) all.add(topic);
    return [...all].sort(collator.compare);
  }

  clear() {
    this.creators.clear();
    this.byTwitchID.clear();
    this.events = [];
    this.lastEventId = null;
    this.#seen.clear();
    this.#seenOrder = [];
    this.takeChanges();
  }
}
