// The notifications page (#/admin/notifications, admins and owners): where the company's alerts
// go (a Discord webhook, a Slack incoming webhook, or any HTTPS endpoint signed per Standard
// Webhooks), which creators and events each destination announces, its cooldown and its
// go-live template; a preview of the exact body, a test send, the delivery log, deleting.
//
// A destination URL is a credential (anyone with it can post into the channel): the server
// keeps it sealed and answers only `urlHint`. A webhook destination's signing secret is in the
// create (and rotate) answer only, so the page shows it once, like a new API key.
//
// Everything the server or a user wrote (names, reasons, errors, rendered messages) reaches the
// page as text; a preview shows what Discord or Slack would display, never as HTML.

import { registerAdminSection } from "./admin.js";
import { el, formatDateTime, copyFromInput, latestOnly } from "./format.js";

const KINDS = [
  { kind: "discord", label: "Discord webhook", placeholder: "https://discord.com/api/webhooks/…" },
  { kind: "slack", label: "Slack incoming webhook", placeholder: "https://hooks.slack.com/services/…" },
  { kind: "webhook", label: "Signed webhook (any HTTPS endpoint)", placeholder: "https://example.com/hooks/ccr" },
];

/** The event types a destination announces (NotificationDestination.supportedEventTypes). */
const EVENT_TYPES = [
  { type: "stream.online", label: "Goes live" },
  { type: "stream.offline", label: "Goes offline" },
  { type: "channel.raid", label: "Raids" },
  { type: "channel.subscribe", label: "Subscriptions" },
  { type: "channel.subscription.gift", label: "Gift subs" },
  { type: "channel.cheer", label: "Cheers" },
];

const MAXIMUM_NAME = 100;
const MAXIMUM_COOLDOWN_MINUTES = 1440; // the API allows 0–86400 s
/** While a test send or a retry is under way, the delivery log is read again this often. */
const LOG_POLL_MS = 1000;
const LOG_POLL_LIMIT = 30;
/** Delivery states that change without anyone acting (DeliveryRecord.Status). */
const UNDER_WAY = new Set(["pending", "sending", "retrying"]);

registerAdminSection({ id: "notifications", label: "Notifications", minimum: "admin" }, renderNotifications, { before: "audit" });

function eventLabel(type) {
  return EVENT_TYPES.find((entry) => entry.type === type)?.label ?? String(type ?? "");
}

function creatorsText(creators) {
  if (creators?.scope === "topics") return `topics: ${(creators.topics ?? []).join(", ")}`;
  if (creators?.scope === "creators") return `${(creators.ids ?? []).length} chosen creators`;
  return "all creators";
}

function stateText(destination) {
  if (destination.enabled) return "enabled";
  const since = destination.disabledAt ? ` (since ${formatDateTime(destination.disabledAt)})` : "";
  return `disabled: ${destination.disabledReason || "no reason given"}${since}`;
}

/** "Topics, comma separated" → distinct non-empty topics. */
function topicList(text) {
  return [...new Set(String(text).split(",").map((topic) => topic.trim()).filter(Boolean))];
}

// ---------- the preview: the body's texts as the service would show them, as text

function textBlock(className, text) {
  return typeof text === "string" && text ? el("p", { class: className, text }) : null;
}

function fieldList(fields) {
  if (!fields.length) return null;
  return el("dl", { class: "preview-fields" }, fields.flatMap(({ name, value }) => [el("dt", { text: name }), el("dd", { text: value })]));
}

function discordPreview(body) {
  const embeds = Array.isArray(body?.embeds) ? body.embeds : [];
  return [
    textBlock("preview-content", body?.content),
    ...embeds.map((embed) => el("div", { class: "preview-embed" }, [
      textBlock("preview-title", embed?.title),
      textBlock("preview-description", embed?.description),
      fieldList((Array.isArray(embed?.fields) ? embed.fields : []).map((f) => ({ name: String(f?.name ?? ""), value: String(f?.value ?? "") }))),
    ])),
  ];
}

function slackPreview(body) {
  const sections = (Array.isArray(body?.blocks) ? body.blocks : []).filter((block) => block?.type === "section");
  return [
    textBlock("preview-content", body?.text),
    ...sections.map((section) => el("div", { class: "preview-embed" }, [
      // Slack's mrkdwn (*bold*, <url|title>) is shown as written: this is the text Slack receives.
      textBlock("preview-description", section?.text?.text),
      fieldList((Array.isArray(section?.fields) ? section.fields : []).map((f) => {
        const [name, ...rest] = String(f?.text ?? "").split("\n");
        return { name, value: rest.join("\n") };
      })),
    ])),
  ];
}

function webhookPreview(body) {
  const message = body?.data?.message ?? {};
  return [
    textBlock("preview-content", message.content),
    el("div", { class: "preview-embed" }, [textBlock("preview-title", message.title), textBlock("preview-description", message.description)]),
  ];
}

/** The nodes of a preview answer `{ kind, eventType, source, body, problems }`. */
export function previewNodes(preview) {
  const body = preview?.body ?? {};
  const parts = preview?.kind === "slack" ? slackPreview(body) : preview?.kind === "webhook" ? webhookPreview(body) : discordPreview(body);
  const source = preview?.source?.type === "sample"
    ? (preview.source.note || "sample values")
    : `from event ${preview?.source?.eventId ?? "?"}${preview?.source?.occurredAt ? ` (${formatDateTime(preview.source.occurredAt)})` : ""}`;
  const problems = Object.entries(preview?.problems ?? {});
  return [
    el("p", { class: "muted preview-source", text: `${eventLabel(preview?.eventType)} (${preview?.eventType ?? ""}), ${source}` }),
    ...parts,
    problems.length ? el("ul", { class: "preview-problems" }, problems.map(([name, problem]) => el("li", { text: `${name}: ${problem}` }))) : null,
    el("details", { class: "preview-body" }, [
      el("summary", { text: "The body sent" }),
      el("pre", { text: JSON.stringify(body, null, 2) }),
    ]),
  ];
}

// ---------- the page

function renderNotifications({ api, body, stillCurrent, statusLine, setStatus, errorText, field }) {
  const status = statusLine();

  // --- the create form.
  const kind = el("select", { attrs: { name: "kind", id: "notification-kind" } }, KINDS.map(({ kind: value, label }) => el("option", { text: label, attrs: { value } })));
  const name = el("input", { attrs: { name: "name", id: "notification-name", required: true, maxlength: String(MAXIMUM_NAME), autocomplete: "off", placeholder: "e.g. #go-live on our server" } });
  const url = el("input", { attrs: { type: "url", name: "url", id: "notification-url", required: true, maxlength: "2048", autocomplete: "off", spellcheck: "false" } });
  const boxes = EVENT_TYPES.map(({ type, label }) => {
    const box = el("input", { attrs: { type: "checkbox", name: "eventType", value: type, checked: type === "stream.online" } });
    return { type, box, label: el("label", { class: "check event-choice" }, [box, document.createTextNode(` ${label} `), el("code", { text: type })]) };
  });
  const scope = el("select", { attrs: { name: "creatorScope", id: "notification-scope" } }, [
    el("option", { text: "All creators", attrs: { value: "all" } }),
    el("option", { text: "Creators with these topics", attrs: { value: "topics" } }),
  ]);
  const topics = el("input", { attrs: { name: "topics", id: "notification-topics", autocomplete: "off", placeholder: "e.g. esports, music" } });
  const topicsField = field("Topics (comma separated)", topics);
  topicsField.hidden = true;
  scope.addEventListener("change", () => { topicsField.hidden = scope.value !== "topics"; });
  const cooldown = el("input", { attrs: { type: "number", name: "cooldownMinutes", id: "notification-cooldown", min: "0", max: String(MAXIMUM_COOLDOWN_MINUTES), step: "1", value: "10", inputmode: "numeric" } });
  const title = el("input", { attrs: { name: "templateTitle", id: "notification-title", maxlength: "256", autocomplete: "off", placeholder: "{creator.displayName} is live on Twitch" } });
  const description = el("textarea", { attrs: { name: "templateDescription", id: "notification-description", rows: "2", maxlength: "4096", placeholder: "{stream.title}" } });
  const previewDraft = el("button", { text: "Preview", attrs: { type: "button", id: "notification-preview-draft" } });
  const submit = el("button", { text: "Create destination", class: "primary", attrs: { type: "submit" } });
  const draftPreview = el("div", { class: "notification-preview", attrs: { id: "notification-draft-preview", "aria-live": "polite" }, hidden: true });
  const syncURLHint = () => { url.placeholder = KINDS.find((entry) => entry.kind === kind.value)?.placeholder ?? ""; };
  kind.addEventListener("change", syncURLHint);
  syncURLHint();
  const form = el("form", { class: "stack notification-form", attrs: { id: "notification-form" } }, [
    field("Kind", kind),
    field("Name", name),
    field("URL (kept encrypted; shown only as a hint afterwards)", url),
    el("fieldset", { class: "scopes", attrs: { id: "notification-event-types" } }, [el("legend", { text: "Events" }), ...boxes.map((entry) => entry.label)]),
    field("Creators", scope),
    topicsField,
    field(`Cooldown per creator (minutes, 0–${MAXIMUM_COOLDOWN_MINUTES})`, cooldown),
    el("fieldset", { class: "scopes" }, [
      el("legend", { text: "Go-live message (empty: the standard one)" }),
      field("Title", title),
      field("Description", description),
      el("p", { class: "hint", text: "Placeholders: {creator.displayName}, {creator.login}, {stream.title}, {stream.category}, {stream.url}, {stream.platform}, {event.viewers}." }),
    ]),
    el("div", { class: "button-row" }, [submit, previewDraft]),
  ]);

  /** The go-live template of the form, or null when both texts are empty (the standard one). */
  const formTemplate = () => {
    const texts = { title: title.value.trim(), description: description.value.trim() };
    return texts.title || texts.description ? texts : null;
  };

  // --- the one-time signing secret of a webhook destination.
  const secretTitle = el("p", { class: "secret-title", attrs: { id: "notification-secret-title" } });
  const secretInput = el("input", { class: "secret-value", attrs: { id: "notification-secret-value", readonly: true, "aria-label": "Signing secret", spellcheck: "false", autocomplete: "off" } });
  const copy = el("button", { text: "Copy secret", attrs: { type: "button", id: "notification-secret-copy" } });
  const done = el("button", { text: "I have stored it", attrs: { type: "button", id: "notification-secret-done" } });
  const secretPanel = el("div", { class: "secret-panel", attrs: { id: "notification-secret", role: "region", "aria-label": "Signing secret" }, hidden: true }, [
    secretTitle,
    el("p", { class: "secret-note", attrs: { id: "notification-secret-note" }, text: "Give this secret to the receiving service: it verifies each delivery's webhook-signature header with it. "
      + "It is shown only this once; if it is lost, rotate it and configure the new one." }),
    el("div", { class: "secret-row" }, [secretInput, copy, done]),
  ]);
  const showSecret = (destination, secret) => {
    secretTitle.textContent = `Signing secret of "${destination?.name ?? ""}"`;
    secretInput.value = secret;
    secretPanel.hidden = false;
    secretInput.focus();
    secretInput.select();
  };
  copy.addEventListener("click", async () => {
    const copied = await copyFromInput(secretInput);
    setStatus(status, copied ? "Secret copied." : "Could not copy: the secret is selected, press Ctrl+C.", !copied);
  });
  done.addEventListener("click", () => {
    secretInput.value = "";
    secretPanel.hidden = true;
    setStatus(status, "");
  });

  // --- the destinations.
  const tbody = el("tbody");
  const empty = el("p", { class: "empty", text: "No destinations yet.", hidden: true });
  const refresh = el("button", { text: "Refresh", attrs: { type: "button", id: "notifications-refresh" } });
  const table = el("table", { attrs: { id: "notifications-table" } }, [
    el("thead", {}, [el("tr", {}, ["Name", "Kind", "URL", "Events", "Creators", "Cooldown", "State", ""].map((text) => el("th", { text })))]),
    tbody,
  ]);

  // --- one destination's preview and delivery log (the one last chosen in the table).
  let selected = null; // { id, name }
  let pollTimer = null;
  const detailTitle = el("h2", { attrs: { id: "notification-detail-title" } });
  const preview = el("div", { class: "notification-preview", attrs: { id: "notification-preview", "aria-live": "polite" }, hidden: true });
  const logBody = el("tbody");
  const logEmpty = el("p", { class: "empty", text: "Nothing delivered yet.", hidden: true });
  const logRefresh = el("button", { text: "Refresh log", attrs: { type: "button", id: "notification-deliveries-refresh" } });
  const logTable = el("table", { attrs: { id: "notification-deliveries" } }, [
    el("thead", {}, [el("tr", {}, ["When", "Event", "Status", "Attempts", "Response", "Latency", "Error"].map((text) => el("th", { text })))]),
    logBody,
  ]);
  const detail = el("section", { class: "notification-detail", attrs: { id: "notification-detail", "aria-labelledby": "notification-detail-title" }, hidden: true }, [
    el("div", { class: "table-tools" }, [detailTitle, logRefresh]),
    preview,
    el("h3", { text: "Delivery log" }),
    logTable, logEmpty,
  ]);

  const stopPolling = () => {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  };

  const select = (destination) => {
    if (selected?.id !== destination.id) {
      stopPolling();
      preview.hidden = true;
      preview.replaceChildren();
      logBody.replaceChildren();
    }
    selected = { id: destination.id, name: destination.name };
    detailTitle.textContent = `${destination.name ?? ""} (${destination.kind ?? ""})`;
    detail.hidden = false;
  };

  const deliveryRow = (delivery) => {
    const creator = delivery.creator ? delivery.creator.displayName || delivery.creator.login || "" : "";
    const what = [eventLabel(delivery.eventType), creator, delivery.testSend ? "test" : ""].filter(Boolean).join(" · ");
    let statusText = String(delivery.status ?? "");
    if (delivery.skipReason) statusText += `: ${delivery.skipReason}`;
    if (delivery.status === "retrying" && delivery.nextAttemptAt) statusText += ` (next ${formatDateTime(delivery.nextAttemptAt)})`;
    return el("tr", { dataset: { deliveryId: String(delivery.id ?? ""), status: String(delivery.status ?? "") } }, [
      el("td", { text: formatDateTime(delivery.createdAt) }),
      el("td", { text: what }),
      el("td", { class: "delivery-status", text: statusText }),
      el("td", { class: "delivery-attempts", text: String(delivery.attempts ?? 0) }),
      el("td", { class: "delivery-response", text: delivery.responseStatus == null ? "" : String(delivery.responseStatus) }),
      el("td", { class: "delivery-latency", text: delivery.latencyMs == null ? "" : `${delivery.latencyMs} ms` }),
      el("td", { class: "delivery-error", text: delivery.lastError ?? "" }),
    ]);
  };

  /** Reads the log of the chosen destination; while something is on its way, again shortly. */
  const loadLog = async (polls = 0) => {
    stopPolling();
    const chosen = selected;
    if (!chosen) return;
    try {
      const result = await api.notificationDeliveries(chosen.id);
      if (!stillCurrent() || selected?.id !== chosen.id) return;
      const deliveries = result?.data ?? [];
      logBody.replaceChildren(...deliveries.map(deliveryRow));
      logEmpty.hidden = deliveries.length > 0;
      const underWay = deliveries.some((delivery) => UNDER_WAY.has(delivery.status));
      if (underWay && polls < LOG_POLL_LIMIT) pollTimer = setTimeout(() => { if (stillCurrent()) loadLog(polls + 1); }, LOG_POLL_MS);
    } catch (error) {
      if (stillCurrent()) setStatus(status, errorText(error), true);
    }
  };

  const beginLoad = latestOnly(stillCurrent);
  const load = async () => {
    const latest = beginLoad();
    try {
      const result = await api.notificationDestinations();
      if (!latest()) return;
      const destinations = result?.data ?? [];
      tbody.replaceChildren(...destinations.map(row));
      empty.hidden = destinations.length > 0;
      if (selected && !destinations.some((destination) => destination.id === selected.id)) {
        stopPolling();
        selected = null;
        detail.hidden = true;
      }
    } catch (error) {
      if (latest()) setStatus(status, errorText(error), true);
    }
  };

  const button = (text, className, onClick) => {
    const node = el("button", { text, class: className, attrs: { type: "button" } });
    node.addEventListener("click", async () => {
      node.disabled = true;
      try {
        await onClick();
      } finally {
        node.disabled = false;
      }
    });
    return node;
  };

  const row = (destination) => {
    const label = `"${destination.name}"`;
    const actions = [
      button("Preview", "preview-destination", async () => {
        select(destination);
        setStatus(status, `Rendering a preview for ${label}…`);
        try {
          const answer = await api.previewNotificationDestination(destination.id);
          if (!stillCurrent() || selected?.id !== destination.id) return;
          preview.replaceChildren(...previewNodes(answer).filter(Boolean));
          preview.hidden = false;
          setStatus(status, "");
        } catch (error) {
          setStatus(status, errorText(error), true);
        }
        await loadLog();
      }),
      button("Send test", "test-destination", async () => {
        select(destination);
        setStatus(status, `Sending a test message to ${label}…`);
        try {
          await api.testNotificationDestination(destination.id);
          setStatus(status, `Test message queued for ${label}: its outcome shows in the delivery log.`);
        } catch (error) {
          setStatus(status, errorText(error), true);
        }
        await loadLog();
      }),
      button("Delivery log", "log-destination", async () => {
        select(destination);
        await loadLog();
      }),
      button(destination.enabled ? "Disable" : "Enable", "toggle-destination", async () => {
        try {
          await api.updateNotificationDestination(destination.id, { enabled: !destination.enabled });
          setStatus(status, `${destination.enabled ? "Disabled" : "Enabled"} ${label}.`);
        } catch (error) {
          setStatus(status, errorText(error), true);
        }
        await load();
      }),
    ];
    if (destination.kind === "webhook") {
      actions.push(button("Rotate secret", "rotate-secret", async () => {
        if (!confirm(`Rotate the signing secret of ${label}? The old secret stops signing at once; the receiver needs the new one.`)) return;
        try {
          const rotated = await api.rotateNotificationSecret(destination.id);
          if (typeof rotated?.secret !== "string") throw new Error("The server's answer has no secret.");
          if (!stillCurrent()) return;
          showSecret(rotated, rotated.secret);
          setStatus(status, `New signing secret for ${label}. Copy it now.`);
        } catch (error) {
          setStatus(status, errorText(error), true);
        }
      }));
    }
    actions.push(button("Delete", "danger delete-destination", async () => {
      if (!confirm(`Delete the destination ${label}? Its rules, opt-outs and delivery log are deleted too.`)) return;
      try {
        await api.deleteNotificationDestination(destination.id);
        setStatus(status, `Deleted ${label}.`);
      } catch (error) {
        setStatus(status, errorText(error), true);
      }
      await load();
    }));
    const state = destination.enabled ? "enabled" : "disabled";
    return el("tr", { class: `destination-${state}`, dataset: { destinationId: String(destination.id ?? ""), kind: String(destination.kind ?? ""), state } }, [
      el("td", { class: "destination-name", text: destination.name ?? "" }),
      el("td", { text: destination.kind ?? "" }),
      el("td", {}, [el("code", { class: "destination-url", text: destination.urlHint ?? "" })]),
      el("td", { text: (destination.eventTypes ?? []).map(eventLabel).join(", ") }),
      el("td", { text: creatorsText(destination.creators) }),
      el("td", { text: `${Math.round((destination.cooldownSeconds ?? 0) / 60)} min` }),
      el("td", { class: "destination-state", text: stateText(destination) }),
      el("td", { class: "row-actions" }, actions),
    ]);
  };

  /** The create body from the form, or a sentence saying what is missing. */
  const request = () => {
    const eventTypes = boxes.filter((entry) => entry.box.checked).map((entry) => entry.type);
    if (!name.value.trim()) return "Give the destination a name.";
    if (!url.value.trim()) return "Paste the destination's URL.";
    if (!eventTypes.length) return "Choose at least one event.";
    const minutes = Number(cooldown.value);
    if (cooldown.value.trim() === "" || !Number.isInteger(minutes) || minutes < 0 || minutes > MAXIMUM_COOLDOWN_MINUTES) {
      return `Cooldown: a whole number of minutes from 0 to ${MAXIMUM_COOLDOWN_MINUTES}.`;
    }
    const body = { kind: kind.value, name: name.value.trim(), url: url.value.trim(), eventTypes, cooldownSeconds: minutes * 60 };
    if (scope.value === "topics") {
      const chosen = topicList(topics.value);
      if (!chosen.length) return "Name at least one topic, or choose all creators.";
      body.creators = { scope: "topics", topics: chosen };
    } else {
      body.creators = { scope: "all" };
    }
    const template = formTemplate();
    if (template) body.templates = { "stream.online": template };
    return body;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = request();
    if (typeof body === "string") {
      setStatus(status, body, true);
      return;
    }
    submit.disabled = true;
    setStatus(status, "Creating…");
    try {
      const created = await api.createNotificationDestination(body);
      // The admin left the page before the answer came: a webhook's secret is gone with it
      // (the destination is listed and its secret can be rotated).
      if (!stillCurrent()) return;
      if (typeof created?.secret === "string") {
        showSecret(created, created.secret);
        setStatus(status, `Created "${created.name ?? body.name}". Copy its signing secret now.`);
      } else {
        setStatus(status, `Created "${created?.name ?? body.name}".`);
      }
      form.reset();
      topicsField.hidden = true;
      syncURLHint();
      draftPreview.hidden = true;
      await load();
    } catch (error) {
      setStatus(status, errorText(error), true);
    } finally {
      submit.disabled = false;
    }
  });

  previewDraft.addEventListener("click", async () => {
    const draft = { kind: kind.value, eventType: "stream.online" };
    const template = formTemplate();
    if (template) draft.template = template;
    previewDraft.disabled = true;
    try {
      const answer = await api.previewNotification(draft);
      if (!stillCurrent()) return;
      draftPreview.replaceChildren(...previewNodes(answer).filter(Boolean));
      draftPreview.hidden = false;
      setStatus(status, "");
    } catch (error) {
      setStatus(status, errorText(error), true);
    } finally {
      previewDraft.disabled = false;
    }
  });
  refresh.addEventListener("click", () => load());
  logRefresh.addEventListener("click", () => loadLog());

  body.append(
    el("h1", { text: "Notifications" }),
    el("p", { class: "hint", text: "Tell a community the moment a creator goes live (and more): on Discord, on Slack, or on your own endpoint, signed. "
      + "Each event is sent once per destination." }),
    form, draftPreview, status, secretPanel,
    el("div", { class: "table-tools" }, [el("h2", { text: "Destinations" }), refresh]),
    table, empty, detail,
  );
  load();
}
