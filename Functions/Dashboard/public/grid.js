// The creator grid: one tile per creator, live tiles first, filtered by search text, topic and
// "live only". A tile shows one badge per channel (Twitch, YouTube, Rumble: a live dot, viewers,
// the stream title in its label); the tile is live when any channel is. Built for 1,000 tiles:
// - each tile is created once; a frame's changes touch only the tiles that changed, and only the
//   fields whose text actually differs;
// - tiles live in two groups (live, offline), each sorted by name, laid out as one grid
//   (`display: contents`). A creator going live or offline is one DOM move into the other group
//   at its place; the whole order is rebuilt only when names or the list change;
// - tiles have a fixed size and CSS containment, so new text in one tile never re-lays-out the
//   others, and off-screen tiles are not rendered at all (content-visibility).

import { el, formatCount, formatDuration, formatTime, describeEvent } from "./format.js";
import { compareCreators } from "./store.js";
import { channelBadge, channelBadgeKey } from "./channels.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function sameOrder(a, b) {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

export class Grid {
  #store;
  #container;
  #countNode;
  #emptyNode;
  #onSelect;
  /** id → { node, refs, shown } where `shown` holds what is currently written in the DOM. */
  #tiles = new Map();
  /** The two groups: their container elements and the ids in DOM order. */
  #groups = {
    live: { node: el("div", { class: "grid-group", dataset: { group: "live" } }), ids: [] },
    offline: { node: el("div", { class: "grid-group", dataset: { group: "offline" } }), ids: [] },
  };
  #filter = { text: "", topic: "", liveOnly: false };
  #selected = "";

  constructor({ store, container, countNode, emptyNode, onSelect = () => {} }) {
    this.#store = store;
    this.#container = container;
    this.#countNode = countNode;
    this.#emptyNode = emptyNode;
    this.#onSelect = onSelect;
    container.replaceChildren(this.#groups.live.node, this.#groups.offline.node);
    // One delegated listener for all tiles instead of 1,000.
    container.addEventListener("click", (event) => this.#activate(event));
    container.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.#activate(event);
      }
    });
  }

  #activate(event) {
    const tile = event.target.closest?.(".tile");
    if (!tile || !this.#container.contains(tile)) return;
    const id = tile.dataset.creatorId;
    this.select(this.#selected === id ? "" : id);
    this.#onSelect(this.#selected);
  }

  /** Marks one tile as selected (the feed is filtered to it), "" for none. */
  select(id) {
    if (this.#selected) this.#tiles.get(this.#selected)?.node.classList.remove("selected");
    this.#selected = id && this.#tiles.has(id) ? id : "";
    if (this.#selected) this.#tiles.get(this.#selected).node.classList.add("selected");
  }

  setFilter(filter) {
    this.#filter = { ...this.#filter, ...filter };
    this.#filter.text = this.#filter.text.trim().toLowerCase();
    for (const [id, tile] of this.#tiles) this.#applyFilter(this.#store.creators.get(id), tile);
    this.#updateCount();
  }

  /** Applies one frame's changes from the store. */
  update(changes) {
    if (changes.creatorsChanged) this.#syncTiles();
    const now = Date.now();
    for (const id of changes.dirty) {
      const creator = this.#store.creators.get(id);
      const tile = this.#tiles.get(id);
      if (creator && tile) this.#patch(creator, tile, now);
    }
    if (changes.creatorsChanged || changes.detailsChanged) this.#reorderAll();
    else for (const id of changes.liveToggled) this.#move(id);
    if (changes.dirty.size || changes.creatorsChanged) this.#updateCount();
  }

  /** Refreshes the time-dependent text (uptime) of live tiles; called every few seconds. */
  tick() {
    const now = Date.now();
    for (const [id, tile] of this.#tiles) {
      const creator = this.#store.creators.get(id);
      if (creator?.live || tile.shown.uptime) this.#patch(creator, tile, now);
    }
  }

  #syncTiles() {
    for (const [id, tile] of this.#tiles) {
      if (!this.#store.creators.has(id)) {
        tile.node.remove();
        this.#tiles.delete(id);
        for (const group of Object.values(this.#groups)) {
          const index = group.ids.indexOf(id);
          if (index !== -1) group.ids.splice(index, 1);
        }
        if (this.#selected === id) this.#selected = "";
      }
    }
    const now = Date.now();
    for (const creator of this.#store.creators.values()) {
      if (this.#tiles.has(creator.id)) continue;
      const tile = this.#createTile(creator);
      this.#tiles.set(creator.id, tile);
      this.#patch(creator, tile, now);
    }
    this.#emptyNode.hidden = this.#tiles.size > 0;
  }

  #createTile(creator) {
    const refs = {
      name: el("h3", { class: "tile-name" }),
      badge: el("span", { class: "tile-badge" }),
      viewers: el("span", { class: "tile-viewers" }),
      channels: el("ul", { class: "tile-channels", attrs: { "aria-label": "Channels" } }),
      title: el("p", { class: "tile-title" }),
      category: el("span", { class: "tile-category" }),
      uptime: el("span", { class: "tile-uptime" }),
      spark: document.createElementNS(SVG_NS, "svg"),
      line: document.createElementNS(SVG_NS, "polyline"),
      last: el("p", { class: "tile-last" }),
      topics: el("ul", { class: "tile-topics" }),
    };
    refs.spark.setAttribute("class", "tile-spark");
    refs.spark.setAttribute("viewBox", "0 0 100 24");
    refs.spark.setAttribute("preserveAspectRatio", "none");
    refs.spark.setAttribute("aria-hidden", "true");
    refs.spark.append(refs.line);
    const node = el("article", {
      class: "tile",
      attrs: { tabindex: "0", "aria-label": creator.displayName },
      dataset: { creatorId: creator.id },
    }, [
      el("div", { class: "tile-head" }, [refs.badge, refs.name, refs.viewers]),
      refs.channels,
      refs.title,
      el("p", { class: "tile-meta" }, [refs.category, refs.uptime]),
      refs.spark,
      refs.last,
      refs.topics,
    ]);
    return { node, refs, shown: {} };
  }

  /** Writes a field only when its value changed (DOM writes are the expensive part). */
  #set(tile, key, value, write) {
    if (tile.shown[key] === value) return;
    tile.shown[key] = value;
    write(value);
  }

  #patch(creator, tile, now) {
    const { refs, node } = tile;
    const text = (ref) => (value) => { ref.textContent = value; };
    this.#set(tile, "name", creator.displayName, (value) => {
      refs.name.textContent = value;
      node.setAttribute("aria-label", value);
    });
    this.#set(tile, "live", creator.live, (value) => {
      node.dataset.live = String(value);
      refs.badge.textContent = value ? "live" : "offline";
    });
    this.#set(tile, "viewers", creator.live ? `${formatCount(creator.viewerCount)} viewers` : "", text(refs.viewers));
    this.#set(tile, "channels", creator.channels.map(channelBadgeKey).join("\u0000"), () => {
      refs.channels.replaceChildren(...creator.channels.map(channelBadge));
      node.dataset.platforms = creator.channels.map((channel) => channel.platform).join(" ");
    });
    this.#set(tile, "title", creator.title || "—", text(refs.title));
    this.#set(tile, "category", creator.category, text(refs.category));
    const started = creator.live && creator.startedAt ? Date.parse(creator.startedAt) : NaN;
    this.#set(tile, "uptime", Number.isFinite(started) ? formatDuration(now - started) : "", text(refs.uptime));
    const last = creator.lastEvent;
    const lastText = last ? `${describeEvent(last.event, creator.twitchUserId)} · ${formatTime(last.at)}` : "";
    this.#set(tile, "last", lastText, text(refs.last));
    this.#set(tile, "lastId", last ? String(last.id) : "", (value) => { node.dataset.lastEventId = value; });
    this.#set(tile, "topics", creator.topics.join("\u0000"), () => {
      refs.topics.replaceChildren(...creator.topics.map((topic) => el("li", { text: topic })));
    });
    const samples = creator.samples;
    const sampleKey = samples.length >= 2 ? `${samples.length}:${samples[0].t}:${samples[samples.length - 1].t}:${samples[samples.length - 1].v}` : "";
    this.#set(tile, "spark", sampleKey, () => this.#drawSpark(refs, samples));
    this.#applyFilter(creator, tile);
  }

  /** The viewer-count chart of the current stream: a polyline over the samples. */
  #drawSpark(refs, samples) {
    if (samples.length < 2) {
      refs.spark.style.visibility = "hidden";
      refs.line.setAttribute("points", "");
      return;
    }
    const first = samples[0].t;
    const span = Math.max(1, samples[samples.length - 1].t - first);
    const max = Math.max(1, ...samples.map((sample) => sample.v));
    const points = samples.map((sample) => {
      const x = ((sample.t - first) / span) * 100;
      const y = 22 - (sample.v / max) * 20;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    refs.line.setAttribute("points", points.join(" "));
    refs.spark.style.visibility = "visible";
  }

  #applyFilter(creator, tile) {
    if (!creator) return;
    const { text, topic, liveOnly } = this.#filter;
    const visible = (!liveOnly || creator.live)
      && (!topic || creator.topics.includes(topic))
      && (!text || creator.searchText.includes(text));
    if (tile.node.hidden === visible) tile.node.hidden = !visible;
  }

  /** Full re-sort (names or the list changed): rare. */
  #reorderAll() {
    const sorted = this.#store.sortedCreators();
    for (const [name, wantLive] of [["live", true], ["offline", false]]) {
      const group = this.#groups[name];
      const ids = sorted.filter((creator) => creator.live === wantLive && this.#tiles.has(creator.id)).map((creator) => creator.id);
      if (sameOrder(ids, group.ids)) continue;
      // Moving nodes through one fragment: a single layout afterwards, however many moved.
      const fragment = document.createDocumentFragment();
      for (const id of ids) fragment.append(this.#tiles.get(id).node);
      group.node.append(fragment);
      group.ids = ids;
    }
  }

  /** A creator went live or offline: move its tile into the other group, at its place by name. */
  #move(id) {
    const creator = this.#store.creators.get(id);
    const tile = this.#tiles.get(id);
    if (!creator || !tile) return;
    const from = this.#groups[creator.live ? "offline" : "live"];
    const to = this.#groups[creator.live ? "live" : "offline"];
    const index = from.ids.indexOf(id);
    if (index !== -1) from.ids.splice(index, 1);
    if (to.ids.includes(id)) return;
    let low = 0;
    let high = to.ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareCreators(this.#store.creators.get(to.ids[middle]), creator) < 0) low = middle + 1;
      else high = middle;
    }
    const before = low < to.ids.length ? this.#tiles.get(to.ids[low]).node : null;
    to.node.insertBefore(tile.node, before);
    to.ids.splice(low, 0, id);
  }

  #updateCount() {
    let live = 0;
    let shown = 0;
    for (const [id, tile] of this.#tiles) {
      if (this.#store.creators.get(id)?.live) live += 1;
      if (!tile.node.hidden) shown += 1;
    }
    const total = this.#tiles.size;
    const text = shown === total ? `${live} live · ${total} creators` : `${live} live · ${shown} of ${total} shown`;
    if (this.#countNode.textContent !== text) this.#countNode.textContent = text;
  }
}
