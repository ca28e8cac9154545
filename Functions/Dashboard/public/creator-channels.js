// The Channels cell of a creator's row on the Creators admin page: the creator's channels
// (platform, name, a link to the channel, live or not, failed checks) with a Remove button for
// YouTube and Rumble channels, and "Add channel": a URL, handle or id of any platform and, for
// Rumble, the channel's livestream API URL (it carries the owner's key: sent once, stored sealed,
// never shown again). The server checks everything; its error message is shown as it is.

import { el, safeHTTPURL } from "./format.js";
import { looksLikeRumble, platformClass, platformLabel } from "./channels.js";

/**
 * `{ node, setChannels(channels) }` for one creator. `channels`: the `channels` of
 * `GET /api/creators` (`id` is the channel row's id). `onChanged()` reloads the list after a
 * change; `report(text, isError)` writes the page's status line.
 */
export function channelsCell({ api, creator, name, canEdit, report, errorText, onChanged }) {
  const list = el("ul", { class: "channel-list" });
  const node = el("td", { class: "channels-cell" }, [list]);
  let drawnKey = null;

  const removeButton = (channel) => {
    const button = el("button", {
      text: "Remove", class: "danger remove-channel",
      attrs: { type: "button", title: `Stop tracking ${name}'s ${platformLabel(channel.platform)} channel` },
    });
    button.addEventListener("click", async () => {
      const label = `${platformLabel(channel.platform)} channel ${channel.displayName || channel.handle || channel.channelId}`;
      if (!confirm(`Stop tracking ${name}'s ${label}?`)) return;
      button.disabled = true;
      try {
        await api.removeCreatorChannel(creator.id, channel.id);
        report(`Removed ${name}'s ${label}.`);
        await onChanged();
      } catch (error) {
        report(errorText(error), true);
        button.disabled = false;
      }
    });
    return button;
  };

  const item = (channel) => {
    const label = channel.displayName || channel.handle || channel.channelId;
    const url = safeHTTPURL(channel.url);
    const live = Boolean(channel.live);
    return el("li", {
      class: "channel-item",
      dataset: { channelRowId: String(channel.id ?? ""), platform: String(channel.platform), channelId: String(channel.channelId ?? ""), live: String(live) },
    }, [
      el("span", { class: `channel-badge ${platformClass(channel.platform)}`, dataset: { live: String(live) } }, [
        el("span", { class: "channel-dot", attrs: { "aria-hidden": "true" } }),
        el("span", { class: "channel-platform", text: platformLabel(channel.platform) }),
      ]),
      url ? el("a", { class: "channel-name", text: label, attrs: { href: url, rel: "noopener noreferrer", target: "_blank" } })
        : el("span", { class: "channel-name", text: label }),
      el("span", { class: "muted", text: live ? "live" : "" }),
      // The status jobs count failed checks (Rumble: the key was reset or revoked, or Rumble is down).
      Number(channel.checkFailures) > 0 ? el("span", {
        class: "channel-problem", text: `${Number(channel.checkFailures)} failed checks`,
        attrs: { title: "The last checks of this channel failed. For Rumble, the livestream API URL may have been reset: remove the channel and add it with the new URL." },
      }) : null,
      // The Twitch channel is the creator's Twitch identity: it goes with the creator.
      canEdit && channel.platform !== "twitch" && channel.id ? removeButton(channel) : null,
    ]);
  };

  const reference = el("input", { attrs: { name: "channel", required: true, maxlength: "300", autocomplete: "off", spellcheck: "false",
    placeholder: "youtube.com/@handle, rumble.com/c/name", "aria-label": `New channel for ${name}` } });
  const apiUrl = el("input", { attrs: { name: "apiUrl", type: "url", maxlength: "1000", autocomplete: "off", spellcheck: "false",
    placeholder: "https://rumble.com/-livestream-api/get-data?key=…", "aria-label": `Rumble livestream API URL for ${name}` } });
  const apiUrlField = el("label", { class: "rumble-api-url", hidden: true }, [document.createTextNode("Rumble livestream API URL"), apiUrl]);
  const add = el("button", { text: "Add channel", attrs: { type: "submit" } });
  const form = el("form", { class: "channel-add-form" }, [
    el("label", {}, [document.createTextNode("Channel URL, handle or id"), reference]), apiUrlField, add,
  ]);
  reference.addEventListener("input", () => { apiUrlField.hidden = !looksLikeRumble(reference.value); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const channel = reference.value.trim();
    const rumble = looksLikeRumble(channel);
    add.disabled = true;
    report(`Adding the channel to ${name}…`);
    try {
      const created = await api.addCreatorChannel(creator.id, channel, rumble ? apiUrl.value.trim() : undefined);
      report(`Added ${platformLabel(created?.platform)} channel ${created?.displayName || created?.handle || channel} to ${name}.`);
      form.reset();
      apiUrlField.hidden = true;
      await onChanged();
    } catch (error) {
      report(errorText(error), true);
    } finally {
      add.disabled = false;
    }
  });
  const adder = canEdit ? el("details", { class: "channel-add" }, [el("summary", { text: "Add channel" }), form]) : null;
  if (adder) node.append(adder);

  const setChannels = (channels) => {
    const shown = Array.isArray(channels) ? channels.filter((channel) => channel && typeof channel.platform === "string") : [];
    const key = JSON.stringify(shown.map((channel) => [channel.id, channel.platform, channel.channelId, channel.displayName, channel.handle, channel.url, Boolean(channel.live),
      Number(channel.checkFailures) || 0]));
    if (key === drawnKey) return;
    drawnKey = key;
    list.replaceChildren(...(shown.length ? shown.map(item) : [el("li", { class: "muted", text: "No channels" })]));
  };

  return { node, setChannels };
}
