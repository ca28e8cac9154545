// The account page (#/account): who is signed in, for which company and with which role; the
// user's signed-in sessions (every device and company) with a button to end each one, the
// current one marked; sign out and sign out everywhere. Every value from the server is set as
// text (user agents and company names are user-controlled).

import { el, formatDateTime, latestOnly } from "./format.js";

function statusLine() {
  return el("p", { class: "status", attrs: { role: "status", id: "account-status" } });
}

function setStatus(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error", isError);
}

/** A short, readable name for a browser's User-Agent (the full string stays in the title). */
export function describeUserAgent(agent) {
  if (!agent) return "Unknown device";
  const browser = /Edg\//.test(agent) ? "Edge" : /Chrom(e|ium)\//.test(agent) ? "Chrome" : /Firefox\//.test(agent) ? "Firefox"
    : /Safari\//.test(agent) ? "Safari" : /curl\//.test(agent) ? "curl" : null;
  const system = /Windows/.test(agent) ? "Windows" : /Mac OS X|Macintosh/.test(agent) ? "macOS" : /Android/.test(agent) ? "Android"
    : /iPhone|iPad/.test(agent) ? "iOS" : /Linux/.test(agent) ? "Linux" : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? agent.slice(0, 40);
}

export class AccountPage {
  #body;
  #identity;
  #session;
  #onSignOut;
  #generation = 0;

  /**
   * `identity()` → `{ email, companyName, role, mode }`; `session` is the CookieSession (null in
   * development-token mode); `onSignOut({everywhere})` signs out and leaves the page.
   */
  constructor({ body, identity, session, onSignOut }) {
    this.#body = body;
    this.#identity = identity;
    this.#session = session;
    this.#onSignOut = onSignOut;
  }

  show() {
    this.#generation += 1;
    const generation = this.#generation;
    const stillCurrent = () => generation === this.#generation;
    const who = this.#identity();
    const status = statusLine();
    const summary = el("dl", { class: "account-summary", attrs: { id: "account-summary" } }, [
      el("dt", { text: "Signed in as" }), el("dd", { text: who.email ?? "", dataset: { field: "email" } }),
      el("dt", { text: "Company" }), el("dd", { text: who.companyName ?? "", dataset: { field: "company" } }),
      el("dt", { text: "Role" }), el("dd", { text: who.role ?? "", dataset: { field: "role" } }),
    ]);
    const signOut = el("button", { text: "Sign out", attrs: { type: "button", id: "account-sign-out" } });
    signOut.addEventListener("click", () => this.#onSignOut({ everywhere: false }));
    const children = [el("h1", { text: "Account" }), summary];
    if (!this.#session) {
      children.push(el("p", { class: "notice", text: "Signed in with a development token: it has no session to list or end." }),
        el("div", { class: "account-actions" }, [signOut]), status);
      this.#body.replaceChildren(...children);
      return;
    }
    const everywhere = el("button", { text: "Sign out everywhere", class: "danger", attrs: { type: "button", id: "account-sign-out-everywhere" } });
    everywhere.addEventListener("click", () => {
      if (!confirm("Sign out of every browser and device?")) return;
      this.#onSignOut({ everywhere: true });
    });
    const tbody = el("tbody");
    const table = el("table", { attrs: { id: "sessions-table" } }, [
      el("thead", {}, [el("tr", {}, ["Device", "Company", "IP address", "Signed in", "Last active", "Expires", ""].map((text) => el("th", { text })))]),
      tbody,
    ]);
    const beginLoad = latestOnly(stillCurrent);
    const load = async () => {
      const latest = beginLoad();
      try {
        const result = await this.#session.sessions();
        if (!latest()) return;
        const current = result?.current ?? null;
        const rows = (result?.data ?? []).map((entry) => this.#row(entry, entry.id === current, status, load));
        tbody.replaceChildren(...rows);
        setStatus(status, rows.length ? "" : "No sessions.");
      } catch (error) {
        if (latest()) setStatus(status, error.message ?? "Could not load the sessions.", true);
      }
    };
    children.push(el("div", { class: "account-actions" }, [signOut, everywhere]), el("h2", { text: "Signed-in sessions" }), status, table);
    this.#body.replaceChildren(...children);
    load();
  }

  #row(entry, isCurrent, status, reload) {
    const device = el("td", { text: describeUserAgent(entry.userAgent), attrs: { title: entry.userAgent ?? "" } });
    if (isCurrent) device.append(document.createTextNode(" "), el("span", { class: "badge", text: "this session" }));
    const end = el("button", { text: isCurrent ? "Sign out" : "End", class: "danger end-session", attrs: { type: "button" } });
    end.addEventListener("click", async () => {
      if (isCurrent) {
        this.#onSignOut({ everywhere: false });
        return;
      }
      end.disabled = true;
      try {
        await this.#session.endSession(entry.id);
        setStatus(status, `Ended the session on ${describeUserAgent(entry.userAgent)}.`);
        await reload();
      } catch (error) {
        end.disabled = false;
        setStatus(status, error.message ?? "Could not end the session.", true);
      }
    });
    return el("tr", { class: isCurrent ? "current" : "", dataset: { sessionId: String(entry.id ?? ""), current: String(isCurrent) } }, [
      device,
      el("td", { text: entry.companyName ?? "" }),
      el("td", { text: entry.ip ?? "" }),
      el("td", { text: formatDateTime(entry.createdAt) }),
      el("td", { text: formatDateTime(entry.lastUsedAt) }),
      el("td", { text: formatDateTime(entry.expiresAt) }),
      el("td", {}, [end]),
    ]);
  }
}
