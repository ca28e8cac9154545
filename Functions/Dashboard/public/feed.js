// The live event feed: newest on top, filtered by creator and event type, highlighted for the
// moments an agency must not miss; each row names its platform (Twitch, YouTube, Rumble). At most
// `maxRows` rows exist in the DOM; new events are inserted in place (usually at the top, in one
// fragment per frame) and the oldest rows drop off.

import { el, formatTime, describeEvent, HIGHLIGHT_TYPES, TYPE_GROUPS } from "./format.js";
import { compareCreators } from "./store.js";
import { eventPlatform, platformClass, platformLabel } from "./channels.js";

export class Feed {
  #store;
  #list;
  #emptyNode;
  #creatorSelect;
  #typeSelect;
  #maxRows;
  /** Event ids of the rows in the list, in DOM order (descending). */
  #rowIds = [];
  #creatorFilter = "";
  #typeFilter = TYPE_GROUPS[0];
  #creatorOptionsKey = "";

  constructor({ store, list, emptyNode, creatorSelect, typeSelect, maxRows = 300, onCreatorFilter = () => {} }) {
    this.#store = store;
    this.#list = list;
    this.#emptyNode = emptyNode;
    this.#creatorSelect = creatorSelect;
    this.#typeSelect = typeSelect;
    this.#maxRows = maxRows;
    typeSelect.replaceChildren(...TYPE_GROUPS.map((group) => el("option", { text: group.label, attrs: { value: group.id } })));
    typeSelect.addEventListener("change", () => {
      this.#typeFilter = TYPE_GROUPS.find((group) => group.id === typeSelect.value) ?? TYPE_GROUPS[0];
      this.rebuild();
    });
    creatorSelect.addEventListener("change", () => {
      this.#creatorFilter = creatorSelect.value;
      onCreatorFilter(this.#creatorFilter);
      this.rebuild();
    });
  }

  get creatorFilter() {
    return this.#creatorFilter;
  }

  setCreatorFilter(id) {
    this.#creatorFilter = id && this.#store.creators.has(id) ? id : "";
    this.#creatorSelect.value = this.#creatorFilter;
    this.rebuild();
  }

  #matches(event) {
    if (!this.#typeFilter.match(String(event.type))) return false;
    if (!this.#creatorFilter) return true;
    if (event.creatorId === this.#creatorFilter) return true;
    // A raid between two tracked creators is stored once, under the target; show it for the raider too.
    const raider = event.type === "channel.raid" ? this.#store.byTwitchID.get(String(event.data?.from?.id ?? "")) : undefined;
    return raider === this.#creatorFilter;
  }

  /** Applies one frame's changes from the store. */
  update(changes) {
    // Names change only with the creator list, never per event.
    if (changes.creatorsChanged || changes.detailsChanged) this.#syncCreatorOptions();
    if (changes.feedReset || changes.creatorsChanged) {
      this.rebuild();
      return;
    }
    const events = changes.added.filter((event) => this.#matches(event));
    if (!events.length) return;
    // `events` is newest first. Those newer than the top row go in one fragment at the top.
    let index = 0;
    const top = this.#rowIds.length ? this.#rowIds[0] : -Infinity;
    const fragment = document.createDocumentFragment();
    const topIds = [];
    while (index < events.length && events[index].id > top) {
      fragment.append(this.#row(events[index]));
      topIds.push(events[index].id);
      index += 1;
    }
    if (topIds.length) {
      this.#list.prepend(fragment);
      this.#rowIds = topIds.concat(this.#rowIds);
    }
    // Older ones (a catch-up filling a gap) go to their place by id.
    for (; index < events.length; index += 1) this.#insertInPlace(events[index]);
    this.#trim();
    this.#emptyNode.hidden = this.#rowIds.length > 0;
  }

  #insertInPlace(event) {
    // Binary search in the descending id list for the first row older than this event.
    let low = 0;
    let high = this.#rowIds.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#rowIds[middle] > event.id) low = middle + 1;
      else high = middle;
    }
    if (this.#rowIds[low] === event.id) return;
    if (low >= this.#maxRows) return; // would drop off the bottom anyway
    const before = this.#list.children[low] ?? null;
    this.#list.insertBefore(this.#row(event), before);
    this.#rowIds.splice(low, 0, event.id);
  }

  #trim() {
    while (this.#rowIds.length > this.#maxRows) {
      this.#list.lastElementChild?.remove();
      this.#rowIds.pop();
    }
  }

  /** Re-renders the list from the store (filter changed, or too much happened while hidden). */
  rebuild() {
    const rows = [];
    const ids = [];
    for (const event of this.#store.events) {
      if (rows.length >= this.#maxRows) break;
      if (!this.#matches(event)) continue;
      rows.push(this.#row(event));
      ids.push(event.id);
    }
    this.#list.replaceChildren(...rows);
    this.#rowIds = ids;
    this.#emptyNode.hidden = ids.length > 0;
  }

  #row(event) {
    const creator = event.creatorId ? this.#store.creators.get(event.creatorId) : undefined;
    const who = creator?.displayName || event.data?.to?.name || event.data?.to?.login || "unknown creator";
    const highlight = HIGHLIGHT_TYPES.has(event.type);
    const platform = eventPlatform(event);
    return el("li", {
      class: highlight ? "feed-item highlight" : "feed-item",
      dataset: { eventId: String(event.id), type: String(event.type), creatorId: String(event.creatorId ?? ""), platform },
    }, [
      el("time", { class: "feed-time", text: formatTime(event.occurredAt), attrs: { datetime: String(event.occurredAt ?? "") } }),
      el("span", { class: `feed-platform ${platformClass(platform)}`, text: platformLabel(platform) }),
      el("span", { class: "feed-who", text: who }),
      el("span", { class: "feed-what", text: describeEvent(event, creator?.twitchUserId) }),
    ]);
  }

  #syncCreatorOptions() {
    const creators = [...this.#store.creators.values()].sort(compareCreators);
    const key = creators.map((creator) => `${creator.id}:${creator.displayName}`).join("|");
    if (key === this.#creatorOptionsKey) return;
    this.#creatorOptionsKey = key;
    const options = [el("option", { text: "All creators", attrs: { value: "" } })];
    for (const creator of creators) options.push(el("option", { text: creator.displayName, attrs: { value: creator.id } }));
    this.#creatorSelect.replaceChildren(...options);
    if (this.#creatorFilter && !this.#store.creators.has(this.#creatorFilter)) this.#creatorFilter = "";
    this.#creatorSelect.value = this.#creatorFilter;
  }
}
