// The API keys page (#/admin/keys, admins and owners): the company's service API keys (name,
// visible prefix, scopes, created, last used, expiry, revoked), creating one with scopes and an
// optional expiry, and revoking one. The key itself (`ccr_<prefix>_<secret>`) is in the create
// answer only (the server keeps its hash): the page shows it once, with a copy button, until the
// admin dismisses it or leaves the page.
//
// The scopes offered come from api-scopes.json (the order and names of APIScope.all in
// Shared/Access/APIKeys.swift; Tests/DashboardTests fail when they drift apart).

import { registerAdminSection, memberEmailsById } from "./admin.js";
import { el, formatDateTime, copyFromInput, latestOnly } from "./format.js";

const MAXIMUM_DAYS = 3650;
const MAXIMUM_NAME = 100;

registerAdminSection({ id: "keys", label: "API keys", minimum: "admin" }, renderKeys, { before: "audit" });

let scopesLoad = null;

/** `[{ scope, description }]` from /dashboard/api-scopes.json (fetched once per page). */
export function loadScopes() {
  scopesLoad ??= (async () => {
    const response = await fetch("/dashboard/api-scopes.json", { cache: "no-cache", credentials: "same-origin" });
    if (!response.ok) throw new Error(`api-scopes.json: HTTP ${response.status}`);
    const list = (await response.json())?.scopes;
    if (!Array.isArray(list) || !list.every((entry) => typeof entry?.scope === "string" && /^[a-z]+:[a-z]+$/.test(entry.scope))) {
      throw new Error("api-scopes.json is malformed");
    }
    return list.map((entry) => ({ scope: entry.scope, description: String(entry.description ?? "") }));
  })().catch((error) => {
    scopesLoad = null; // try again next time
    throw error;
  });
  return scopesLoad;
}

/** "active", "expired" or "revoked". */
export function keyState(key, now = Date.now()) {
  if (key.revokedAt) return "revoked";
  const expires = Date.parse(key.expiresAt ?? "");
  return Number.isFinite(expires) && expires <= now ? "expired" : "active";
}

async function renderKeys({ api, body, stillCurrent, statusLine, setStatus, errorText, field }) {
  const status = statusLine();
  const heading = el("h1", { text: "API keys" });
  const intro = el("p", { class: "hint" }, [
    document.createTextNode("Services (reports, provisioning scripts) call the API with a key: "),
    el("code", { text: "Authorization: Bearer ccr_…" }),
    document.createTextNode(". A key acts for this company on the routes its scopes open and on no other; revoking it takes effect within seconds."),
  ]);
  body.append(heading, intro, status);
  let scopes;
  try {
    scopes = await loadScopes();
  } catch (error) {
    if (stillCurrent()) setStatus(status, `The list of scopes could not be loaded (${error.message}).`, true);
    return;
  }
  if (!stillCurrent()) return;

  const name = el("input", { attrs: { name: "name", id: "key-name", required: true, maxlength: String(MAXIMUM_NAME), autocomplete: "off", placeholder: "e.g. weekly report" } });
  const boxes = scopes.map(({ scope, description }) => {
    const box = el("input", { attrs: { type: "checkbox", name: "scope", value: scope } });
    return { scope, box, label: el("label", { class: "check scope-choice", attrs: { title: description } }, [
      box, document.createTextNode(" "), el("code", { text: scope }), el("span", { class: "scope-description", text: ` — ${description}` }),
    ]) };
  });
  const expiry = el("input", { attrs: { type: "number", name: "expiresInDays", id: "key-expiry", min: "1", max: String(MAXIMUM_DAYS), step: "1", placeholder: "never", inputmode: "numeric" } });
  const submit = el("button", { text: "Create key", attrs: { type: "submit" } });
  const form = el("form", { class: "stack key-form", attrs: { id: "key-create-form" } }, [
    field("Name", name),
    el("fieldset", { class: "scopes", attrs: { id: "key-scopes" } }, [el("legend", { text: "Scopes" }), ...boxes.map((entry) => entry.label)]),
    field(`Expires after (days, 1–${MAXIMUM_DAYS}; empty: never)`, expiry),
    el("div", {}, [submit]),
  ]);

  // The one-time key.
  const secretTitle = el("p", { class: "secret-title", attrs: { id: "key-secret-title" } });
  const secretInput = el("input", { class: "secret-value", attrs: { id: "key-secret-value", readonly: true, "aria-label": "New API key", spellcheck: "false", autocomplete: "off" } });
  const copy = el("button", { text: "Copy key", attrs: { type: "button", id: "key-secret-copy" } });
  const done = el("button", { text: "I have stored it", attrs: { type: "button", id: "key-secret-done" } });
  const secretPanel = el("div", { class: "secret-panel", attrs: { id: "key-secret", role: "region", "aria-label": "New API key" }, hidden: true }, [
    secretTitle,
    el("p", { class: "secret-note", attrs: { id: "key-secret-note" }, text: "Store this key now (a password manager or your service's secret store). "
      + "It is shown only this once and cannot be shown again: the server keeps only its hash. If it is lost, revoke it and create a new one." }),
    el("div", { class: "secret-row" }, [secretInput, copy, done]),
  ]);
  copy.addEventListener("click", async () => {
    const copied = await copyFromInput(secretInput);
    setStatus(status, copied ? "Key copied." : "Could not copy: the key is selected, press Ctrl+C.", !copied);
  });
  done.addEventListener("click", () => {
    secretInput.value = "";
    secretPanel.hidden = true;
    setStatus(status, "");
  });

  const tbody = el("tbody");
  const empty = el("p", { class: "empty", text: "No API keys yet.", hidden: true });
  const refresh = el("button", { text: "Refresh", attrs: { type: "button", id: "keys-refresh" } });
  const table = el("table", { attrs: { id: "keys-table" } }, [
    el("thead", {}, [el("tr", {}, ["Name", "Key", "Scopes", "Created", "Last used", "Expires", "Status", ""].map((text) => el("th", { text })))]),
    tbody,
  ]);

  const beginLoad = latestOnly(stillCurrent);
  const load = async () => {
    const latest = beginLoad();
    try {
      const [result, names] = await Promise.all([api.apiKeys(), memberEmailsById(api)]);
      if (!latest()) return;
      const rows = (result?.data ?? []).map((key) => row(key, names));
      tbody.replaceChildren(...rows);
      empty.hidden = rows.length > 0;
    } catch (error) {
      if (latest()) setStatus(status, errorText(error), true);
    }
  };

  const row = (key, names) => {
    const state = keyState(key);
    const label = `"${key.name}" (ccr_${key.prefix}_…)`;
    const actions = [];
    if (state !== "revoked") {
      const revoke = el("button", { text: "Revoke", class: "danger revoke-key", attrs: { type: "button" } });
      revoke.addEventListener("click", async () => {
        if (!confirm(`Revoke the API key ${label}? Services using it are refused within seconds. This cannot be undone.`)) return;
        revoke.disabled = true;
        try {
          await api.revokeAPIKey(key.id);
          setStatus(status, `Revoked the API key ${label}.`);
        } catch (error) {
          revoke.disabled = false;
          setStatus(status, errorText(error), true);
        }
        await load();
      });
      actions.push(revoke);
    }
    const creator = key.createdBy ? names.get(String(key.createdBy)) || key.createdBy : "";
    const created = el("td", { text: formatDateTime(key.createdAt) });
    if (creator) created.append(el("br"), el("span", { class: "muted", text: creator }));
    const stateText = state === "revoked" ? `revoked ${formatDateTime(key.revokedAt)}` : state;
    return el("tr", { class: `key-${state}`, dataset: { keyId: String(key.id ?? ""), prefix: String(key.prefix ?? ""), state } }, [
      el("td", { class: "key-name", text: key.name ?? "" }),
      el("td", {}, [el("code", { class: "key-prefix", text: `ccr_${key.prefix ?? ""}_…` })]),
      el("td", { class: "key-scopes" }, (Array.isArray(key.scopes) ? key.scopes : []).map((scope) => el("code", { class: "scope", text: String(scope) }))),
      created,
      el("td", { class: "key-last-used", text: key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "never" }),
      el("td", { text: key.expiresAt ? formatDateTime(key.expiresAt) : "never" }),
      el("td", { class: "key-state", text: stateText }),
      el("td", {}, actions),
    ]);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = boxes.filter((entry) => entry.box.checked).map((entry) => entry.scope);
    const keyName = name.value.trim();
    if (!keyName) {
      setStatus(status, "Give the key a name (what uses it).", true);
      return;
    }
    if (!chosen.length) {
      setStatus(status, "Choose at least one scope.", true);
      return;
    }
    const request = { name: keyName, scopes: chosen };
    if (expiry.value.trim()) {
      const days = Number(expiry.value);
      if (!Number.isInteger(days) || days < 1 || days > MAXIMUM_DAYS) {
        setStatus(status, `Expiry: a whole number of days from 1 to ${MAXIMUM_DAYS}, or empty for none.`, true);
        return;
      }
      request.expiresInDays = days;
    }
    submit.disabled = true;
    setStatus(status, "Creating…");
    try {
      const created = await api.createAPIKey(request);
      if (typeof created?.key !== "string" || !created.key.startsWith("ccr_")) throw new Error("The server's answer has no key.");
      // The admin left the page before the answer came: the key is listed and can be revoked.
      if (!stillCurrent()) return;
      secretTitle.textContent = `New API key "${created.name ?? keyName}" (${(created.scopes ?? chosen).join(", ")})`;
      secretInput.value = created.key;
      secretPanel.hidden = false;
      secretInput.focus();
      secretInput.select();
      setStatus(status, `Created the API key "${created.name ?? keyName}". Copy it now.`);
      form.reset();
      await load();
    } catch (error) {
      setStatus(status, errorText(error), true);
    } finally {
      submit.disabled = false;
    }
  });
  refresh.addEventListener("click", () => load());

  status.before(form);
  status.after(secretPanel, el("div", { class: "table-tools" }, [el("h2", { text: "Keys" }), refresh]), table, empty);
  load();
}
