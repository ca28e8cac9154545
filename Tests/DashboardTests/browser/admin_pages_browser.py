#!/usr/bin/env python3
"""Real-browser scenarios for the invitations and API keys pages, run by
Tests/DashboardTests/InvitationsAndKeysBrowserTests.swift.

    python3 Tests/DashboardTests/browser/admin_pages_browser.py <config.json>

Scenarios:
- `invitation`: alice (owner) invites a fresh email as operator on the invitations page and reads
  the one-time link from it; a fresh browser opens the link and signs in as a stand-in user with
  that email (made through the stand-in's control endpoint) and lands in the company as operator;
  the link used again is refused; alice's page shows the invitation accepted. Also: revoking a
  pending invitation in the page, user-controlled text shown as text, bob (admin) offered only the
  roles below his own, and the page leaving bob's open dashboard when he is demoted.
- `apikey`: alice creates an `events:read` key on the API keys page (scopes offered = the API's
  APIKeyScope), reads it once from the page; `curl` with it gets 200 on /api/events and 403
  insufficient_scope on /api/creators; she revokes it in the page; curl gets 401 within 5 s.

Every check looks at the page (DOM) and at the server (REST with the owner's development token).
"""

import json
import re
import secrets
import subprocess
import time
import urllib.parse

from ccr_browser import api, metric, new_driver, run, wait_until
from signin_browser import (ACCESS_DEADLINE, admin_links, choose_company, click_stand_in_user, http, no_csp_violations,
                            open_provider, page_fetch, screenshot, text_of, visible, wait_live, whoami)

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

REVOKE_DEADLINE = 5.0  # the issue: a revoked key stops working within seconds (API_KEY_CACHE_SECONDS = 2)
KEY_PATTERN = re.compile(r"^ccr_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$")


# ----------------------------------------------------------------------------------------------
# helpers

def sign_in_alice(driver, checks, url, section):
    """alice belongs to two companies: sign in through the stand-in, pick Northwind, land on `section`."""
    open_provider(driver, checks, "alice", url + "/#/admin/" + section, "local", "Local test users")
    click_stand_in_user(driver, "alice@agency.test")
    choose_company(driver, "Northwind Talent")
    checks.check("alice: live", wait_live(driver), text_of(driver, "#connection-text"))
    landed = wait_until(lambda: driver.execute_script("return location.hash") == "#/admin/" + section, 10)
    checks.check(f"alice: back on #/admin/{section} after sign-in", landed, driver.current_url)
    checks.check("alice: owner", whoami(driver) == "alice@agency.test · owner", whoami(driver))


def rows(driver, table_id):
    """The rows of an admin table as dicts of their data attributes plus the cells' text."""
    return driver.execute_script("""
        return [...document.querySelectorAll('#' + arguments[0] + ' tbody tr')].map(tr => ({
          ...tr.dataset, cells: [...tr.children].map(td => td.textContent),
          buttons: [...tr.querySelectorAll('button')].map(b => b.textContent) }));""", table_id) or []


def row_where(driver, table_id, key, value):
    for row in rows(driver, table_id):
        if row.get(key) == value:
            return row
    return None


def status_text(driver):
    return text_of(driver, "#admin-body .status") or ""


def owner_get(config, path):
    return api(config["apiBase"], config["ownerToken"], "GET", path)


def curl(url, key):
    """A real curl: (HTTP status, parsed JSON body or None)."""
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "-H", "Authorization: Bearer " + key, "-H", "Accept: application/json",
         "-w", "\n%{http_code}", url],
        capture_output=True, text=True, timeout=20)
    text, _, code = result.stdout.rpartition("\n")
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    return int(code) if code.isdigit() else 0, body


def error_code(body):
    return ((body or {}).get("error") or {}).get("code")


# Holds the answer of the page's next GET of `path` (a suffix of the URL's path) until the test
# calls window.__ccrRelease(): a slow answer, made deterministic. window.__ccrHeld says where it
# is: "waiting" → "holding" (asked, answer held) → "delivered" (released, and the page had time
# to draw it).
HOLD_NEXT_ANSWER = """
const path = arguments[0];
const original = window.fetch;
window.__ccrHeld = "waiting";
window.fetch = function (input, init) {
  const url = new URL(typeof input === "string" ? input : input.url, location.href);
  const method = ((init && init.method) || "GET").toUpperCase();
  if (window.__ccrHeld !== "waiting" || method !== "GET" || !url.pathname.endsWith(path)) return original.apply(this, arguments);
  window.__ccrHeld = "holding";
  return original.apply(this, arguments).then((response) => new Promise((resolve) => {
    window.__ccrRelease = () => { resolve(response); setTimeout(() => { window.__ccrHeld = "delivered"; }, 500); };
  }));
};
"""


def accept_confirm(driver):
    alert = wait_until(lambda: driver.switch_to.alert, 5)
    text = alert.text
    alert.accept()
    return text


# ----------------------------------------------------------------------------------------------
# scenario: an invitation round trip

def scenario_invitation(config, checks):
    url = config["dashboardUrl"]
    api_base = config["apiBase"]
    a = config["companyA"]
    tag = secrets.token_hex(4)
    invitee = f"dana.{tag}@newhire.test"
    subject = f"dana-{tag}"
    alice = new_driver()
    guest = None
    again = None
    bob = None
    try:
        sign_in_alice(alice, checks, url, "invitations")
        checks.check("owner: the admin menu has Invitations and API keys",
                     "Invitations" in admin_links(alice) and "API keys" in admin_links(alice), admin_links(alice))
        form = wait_until(lambda: alice.find_elements(By.ID, "invitation-form"), 10)
        checks.check("owner: the invitations page with its form", form and text_of(alice, "#admin-body h1") == "Invitations")
        options = [o.get_attribute("value") for o in alice.find_elements(By.CSS_SELECTOR, "#invitation-role option")]
        checks.check("owner: may invite to every role", options == ["owner", "admin", "operator", "viewer"], options)

        # --- the list the page asks for on opening answers only after the invitation below is
        # made and listed: that late answer (from before the invitation) must not draw over it.
        alice.execute_script(HOLD_NEXT_ANSWER, "/api/invitations")
        alice.execute_script("location.hash = '#/admin/keys'")
        wait_until(lambda: text_of(alice, "#admin-body h1") == "API keys", 10)
        alice.execute_script("location.hash = '#/admin/invitations'")
        holding = wait_until(lambda: alice.execute_script("return window.__ccrHeld") == "holding"
                             and alice.find_elements(By.ID, "invitation-form"), 10)
        checks.check("the page's opening load of the list is held (a slow answer)", holding,
                     alice.execute_script("return window.__ccrHeld"))

        # --- invite a fresh email as operator.
        alice.find_element(By.ID, "invitation-email").send_keys(invitee)
        Select(alice.find_element(By.ID, "invitation-role")).select_by_value("operator")
        alice.find_element(By.CSS_SELECTOR, "#invitation-form button[type=submit]").click()
        shown = wait_until(lambda: visible(alice, "invitation-link") and alice.find_element(By.ID, "invitation-link-url").get_attribute("value"), 10)
        link = shown or ""
        checks.check("the one-time link is shown: this site's origin + /auth/login?invitation=…",
                     link.startswith(url + "/auth/login?invitation=") and len(link) > len(url) + 40, link)
        note_text = text_of(alice, "#invitation-link-note") or ""
        checks.check("the page says the link won't be shown again", "won't be shown again" in note_text and "7 days" in note_text, note_text)
        title = text_of(alice, "#invitation-link-title") or ""
        checks.check("the link names the email and the role", invitee in title and "operator" in title, title)
        alice.find_element(By.ID, "invitation-link-copy").click()
        copied = wait_until(lambda: "copied" in status_text(alice).lower() or "ctrl+c" in status_text(alice).lower(), 5)
        checks.check("the copy button copies (or selects the link for Ctrl+C)", copied, status_text(alice))
        listed = wait_until(lambda: row_where(alice, "invitations-table", "email", invitee), 10)
        checks.check("the invitation is listed as pending with the role and a revoke button",
                     listed and listed["status"] == "pending" and listed["cells"][1] == "operator" and "Revoke" in listed["buttons"]
                     and listed["cells"][3] == "alice@agency.test", listed)
        alice.execute_script("window.__ccrRelease()")
        delivered = wait_until(lambda: alice.execute_script("return window.__ccrHeld") == "delivered", 5)
        kept = row_where(alice, "invitations-table", "email", invitee)
        checks.check("the opening load answering last does not draw the list from before the invitation",
                     delivered and kept and kept["status"] == "pending", (alice.execute_script("return window.__ccrHeld"), kept))
        status, body = owner_get(config, "/api/invitations")
        server = next((i for i in (body or {}).get("data", []) if i["email"] == invitee), None)
        checks.check("server: the invitation is pending, operator", server and server["status"] == "pending" and server["role"] == "operator",
                     (status, server))
        token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query).get("invitation", [""])[0]
        checks.check("server: the list never carries the link's token", token and token not in json.dumps(body), len(token))
        screenshot(alice, config, "dashboard-invitations.png")

        # --- the invited person: a stand-in user with that email, a fresh browser.
        status, body, _ = http("PUT", config["oidcUrl"] + "/_stand-in/users/" + subject,
                               body={"email": invitee, "email_verified": True, "name": "Dana Newhire"})
        checks.check("stand-in: a user with the invited email", status == 200, (status, body))
        guest = new_driver()
        guest.get(link)
        invited_note = wait_until(lambda: "You were invited" in (guest.find_element(By.TAG_NAME, "body").text or ""), 10)
        checks.check("guest: the link opens the sign-in page for invitations", invited_note, guest.current_url)
        guest.find_element(By.ID, "provider-local").click()
        click_stand_in_user(guest, invitee)
        checks.check("guest: lands on the dashboard, live", wait_live(guest), guest.current_url)
        checks.check("guest: in Northwind Talent as operator", whoami(guest) == f"{invitee} · operator"
                     and text_of(guest, "#brand-name") == a["name"], (whoami(guest), text_of(guest, "#brand-name")))
        session = page_fetch(guest, "GET", "/auth/session")
        checks.check("guest: the server's session is Northwind, operator", session["status"] == 200
                     and session["body"]["company"]["id"] == a["id"] and session["body"]["role"] == "operator", session)
        checks.check("guest (operator): the admin link shows Creators only, no invitations or keys",
                     visible(guest, "nav-admin") and guest.execute_script("return document.body.dataset.role") == "operator", whoami(guest))
        guest.execute_script("location.hash = '#/admin/creators'")
        wait_until(lambda: admin_links(guest), 5)
        checks.check("guest (operator): admin sections", admin_links(guest) == ["Creators"], admin_links(guest))
        guest.execute_script("location.hash = '#/admin/invitations'")
        refused = wait_until(lambda: text_of(guest, "#admin-body h1") == "Not available", 5)
        checks.check("guest (operator): the invitations page is not available, no form",
                     refused and not guest.find_elements(By.ID, "invitation-form"), text_of(guest, "#admin-body h1"))
        answer = page_fetch(guest, "GET", "/api/invitations")
        checks.check("guest (operator): the server refuses the invitations list", answer["status"] == 403, answer)
        status, members = owner_get(config, "/api/members")
        member = next((m for m in (members or {}).get("data", []) if m["email"] == invitee), None)
        checks.check("server: the invited email is a member, operator", member and member["role"] == "operator", member)

        # --- the link again, in another fresh browser: refused, nothing changes.
        again = new_driver()
        again.get(link)
        wait_until(lambda: again.find_elements(By.ID, "provider-local"), 10)
        again.find_element(By.ID, "provider-local").click()
        click_stand_in_user(again, invitee)
        error = wait_until(lambda: again.find_elements(By.ID, "error") and again.find_element(By.ID, "error").text, 15)
        checks.check("the link used again is refused (already used)", error and "already used" in error, error or again.current_url)
        checks.check("refused: no session cookie", again.get_cookie("ccr_access") is None, [c["name"] for c in again.get_cookies()])

        # --- alice's page shows it accepted.
        alice.find_element(By.ID, "invitations-refresh").click()
        accepted = wait_until(lambda: (row_where(alice, "invitations-table", "email", invitee) or {}).get("status") == "accepted", 10)
        row = row_where(alice, "invitations-table", "email", invitee) or {}
        checks.check("alice: the invitation shows accepted, no revoke button", accepted and row["cells"][2].startswith("accepted")
                     and not row["buttons"], row)
        status, body = owner_get(config, "/api/invitations")
        server = next((i for i in (body or {}).get("data", []) if i["email"] == invitee), {})
        checks.check("server: accepted", server.get("status") == "accepted" and server.get("acceptedAt"), server)

        # --- revoking a pending one in the page.
        other = f"erin.{tag}@newhire.test"
        alice.find_element(By.ID, "invitation-link-done").click()
        checks.check("Done hides the link and forgets it", not visible(alice, "invitation-link")
                     and alice.find_element(By.ID, "invitation-link-url").get_attribute("value") == "")
        alice.find_element(By.ID, "invitation-email").send_keys(other)
        alice.find_element(By.CSS_SELECTOR, "#invitation-form button[type=submit]").click()
        pending = wait_until(lambda: row_where(alice, "invitations-table", "email", other), 10)
        checks.check("a second invitation (viewer by default) is listed", pending and pending["status"] == "pending"
                     and pending["cells"][1] == "viewer", pending)
        alice.find_element(By.CSS_SELECTOR, f"#invitations-table tr[data-invitation-id='{pending['invitationId']}'] button.revoke-invitation").click()
        question = accept_confirm(alice)
        checks.check("revoke asks first", other in question, question)
        revoked = wait_until(lambda: (row_where(alice, "invitations-table", "email", other) or {}).get("status") == "revoked", 10)
        checks.check("the page shows it revoked", revoked, row_where(alice, "invitations-table", "email", other))
        status, body = owner_get(config, "/api/invitations")
        server = next((i for i in (body or {}).get("data", []) if i["email"] == other), {})
        checks.check("server: revoked", server.get("status") == "revoked", server)

        # --- user-controlled text is shown as text.
        hostile = "<svg/onload=window.__ccrxss=1>@agency.test"
        status, body = api(api_base, config["ownerToken"], "POST", "/api/invitations", {"email": hostile, "role": "viewer"})
        checks.check("server: an odd but valid email is accepted (API)", status == 201, (status, body))
        alice.find_element(By.ID, "invitations-refresh").click()
        shown = wait_until(lambda: row_where(alice, "invitations-table", "email", hostile), 10)
        checks.check("a hostile email is shown as text, nothing runs", shown and shown["cells"][0] == hostile
                     and not alice.execute_script("return window.__ccrxss || document.querySelectorAll('#invitations-table svg').length"),
                     shown)
        no_csp_violations(checks, alice, "alice")

        # --- bob (admin): only the roles below his own; the page goes away when he is demoted.
        bob = new_driver()
        open_provider(bob, checks, "bob", url + "/#/admin/invitations", "local", "Local test users")
        click_stand_in_user(bob, "bob@agency.test")
        checks.check("bob: live", wait_live(bob), text_of(bob, "#connection-text"))
        wait_until(lambda: bob.find_elements(By.ID, "invitation-form"), 10)
        options = [o.get_attribute("value") for o in bob.find_elements(By.CSS_SELECTOR, "#invitation-role option")]
        checks.check("bob (admin): may invite operators and viewers only", options == ["operator", "viewer"], options)
        status, members = owner_get(config, "/api/members")
        bob_id = next(m["userId"] for m in members["data"] if m["email"] == "bob@agency.test")
        status, body = api(api_base, config["ownerToken"], "PATCH", f"/api/members/{bob_id}", {"role": "operator"})
        demoted = time.time()
        checks.check("owner demotes bob to operator (API)", status == 200, (status, body))
        gone = wait_until(lambda: text_of(bob, "#admin-body h1") == "Not available" and not bob.find_elements(By.ID, "invitation-form")
                          and "Invitations" not in admin_links(bob) and "API keys" not in admin_links(bob), ACCESS_DEADLINE + 3)
        elapsed = time.time() - demoted
        checks.check(f"bob demoted: the invitations page and its menu entries go away within {ACCESS_DEADLINE:.0f} s",
                     gone and elapsed <= ACCESS_DEADLINE, f"{elapsed * 1000:.0f} ms" if gone else admin_links(bob))
        if gone:
            metric("demoted → invitations page gone", round(elapsed * 1000), "ms")
    finally:
        for driver in [alice, guest, again, bob]:
            if driver is not None:
                driver.quit()


# ----------------------------------------------------------------------------------------------
# scenario: an API key made in the page, used with curl, revoked in the page

def scenario_apikey(config, checks):
    url = config["dashboardUrl"]
    api_base = config["apiBase"]
    name = "weekly report " + secrets.token_hex(3)
    alice = new_driver()
    try:
        sign_in_alice(alice, checks, url, "keys")
        boxes = wait_until(lambda: alice.find_elements(By.CSS_SELECTOR, "#key-scopes input[type=checkbox]"), 10) or []
        offered = [box.get_attribute("value") for box in boxes]
        status, document, _ = http("GET", api_base + "/api/openapi.json")
        documented = (((document or {}).get("components") or {}).get("schemas") or {}).get("APIKeyScope", {}).get("enum")
        checks.check("the scopes offered are the API's (APIKeyScope of /api/openapi.json, = APIScope.all), in order",
                     documented and offered == documented, {"page": offered, "api": documented})

        # No scope chosen: the page says so and sends nothing.
        alice.find_element(By.ID, "key-name").send_keys(name)
        alice.find_element(By.CSS_SELECTOR, "#key-create-form button[type=submit]").click()
        said = wait_until(lambda: "at least one scope" in status_text(alice), 5)
        status, body = owner_get(config, "/api/keys")
        checks.check("no scope: refused in the page, nothing created", said and not (body or {}).get("data"), (status_text(alice), body))

        # events:read, 30 days.
        alice.find_element(By.CSS_SELECTOR, "#key-scopes input[value='events:read']").click()
        alice.find_element(By.ID, "key-expiry").send_keys("30")
        alice.find_element(By.CSS_SELECTOR, "#key-create-form button[type=submit]").click()
        key = wait_until(lambda: visible(alice, "key-secret") and alice.find_element(By.ID, "key-secret-value").get_attribute("value"), 10) or ""
        checks.check("the new key is shown: ccr_<prefix>_<secret>", KEY_PATTERN.match(key), key[:16] + "…")
        note_text = text_of(alice, "#key-secret-note") or ""
        checks.check("the page says to store it now: shown only once", "Store this key now" in note_text and "only this once" in note_text, note_text)
        prefix = key[4:16]
        row = wait_until(lambda: row_where(alice, "keys-table", "prefix", prefix), 10)
        checks.check("the key is listed: name, prefix, scopes, never used, active, revoke button",
                     row and row["cells"][0] == name and row["cells"][1] == f"ccr_{prefix}_…" and row["cells"][2] == "events:read"
                     and row["cells"][4] == "never" and row["cells"][5] != "never" and row["state"] == "active" and "Revoke" in row["buttons"],
                     row)
        checks.check("the list shows the prefix only, never the secret", key[17:] not in json.dumps(rows(alice, "keys-table")))
        alice.find_element(By.ID, "key-secret-copy").click()
        copied = wait_until(lambda: "copied" in status_text(alice).lower() or "ctrl+c" in status_text(alice).lower(), 5)
        checks.check("the copy button copies (or selects the key for Ctrl+C)", copied, status_text(alice))
        screenshot(alice, config, "dashboard-api-keys.png")
        status, body = owner_get(config, "/api/keys")
        server = next((k for k in (body or {}).get("data", []) if k["prefix"] == prefix), None)
        checks.check("server: the key with its name, scope and a 30-day expiry, not revoked",
                     server and server["name"] == name and server["scopes"] == ["events:read"] and server["revokedAt"] is None
                     and server["expiresAt"] and "key" not in server, server)
        checks.check("server: the list never carries the secret", key[17:] not in json.dumps(body))

        # --- the key with curl.
        status, body = curl(api_base + "/api/events?limit=5", key)
        checks.check("curl with the key: GET /api/events → 200", status == 200 and isinstance((body or {}).get("data"), list), (status, body))
        status, body = curl(api_base + "/api/creators", key)
        checks.check("curl with the key: GET /api/creators → 403 insufficient_scope", status == 403 and error_code(body) == "insufficient_scope",
                     (status, body))
        used = wait_until(lambda: next((k for k in (owner_get(config, "/api/keys")[1] or {}).get("data", []) if k["prefix"] == prefix), {})
                          .get("lastUsedAt"), 10, 0.5)
        checks.check("server: last used is recorded", used, used)

        def last_used_shown():
            alice.find_element(By.ID, "keys-refresh").click()
            time.sleep(0.3)
            return (row_where(alice, "keys-table", "prefix", prefix) or {}).get("cells", ["", "", "", "", "never"])[4] != "never"
        checks.check("the page shows when it was last used", wait_until(last_used_shown, 10, 0.5),
                     row_where(alice, "keys-table", "prefix", prefix))

        # Dismissed: the key is gone from the page.
        alice.find_element(By.ID, "key-secret-done").click()
        left = alice.execute_script("""
            const key = arguments[0];
            return document.body.textContent.includes(key) || [...document.querySelectorAll('input')].some(i => i.value.includes(key));""", key)
        checks.check("'I have stored it' removes the key from the page", not visible(alice, "key-secret") and not left)

        # --- revoke in the page; curl is refused within 5 s.
        alice.find_element(By.CSS_SELECTOR, f"#keys-table tr[data-prefix='{prefix}'] button.revoke-key").click()
        question = accept_confirm(alice)
        clicked = time.time()
        checks.check("revoke asks first, naming the key", name in question and prefix in question, question)
        revoked = wait_until(lambda: (row_where(alice, "keys-table", "prefix", prefix) or {}).get("state") == "revoked", 10)
        row = row_where(alice, "keys-table", "prefix", prefix) or {}
        checks.check("the page shows it revoked, no revoke button", revoked and row["cells"][6].startswith("revoked") and not row["buttons"], row)
        status, body = owner_get(config, "/api/keys")
        server = next((k for k in (body or {}).get("data", []) if k["prefix"] == prefix), {})
        checks.check("server: revokedAt set", server.get("revokedAt"), server)
        last = {}

        def refused():
            last["answer"] = curl(api_base + "/api/events?limit=5", key)
            return last["answer"][0] == 401
        gone = wait_until(refused, REVOKE_DEADLINE + 5, 0.2)
        elapsed = time.time() - clicked
        checks.check(f"curl with the revoked key → 401 within {REVOKE_DEADLINE:.0f} s of the click", gone and elapsed <= REVOKE_DEADLINE,
                     f"{elapsed * 1000:.0f} ms" if gone else last.get("answer"))
        if gone:
            metric("revoke click → curl refused", round(elapsed * 1000), "ms")
        status, body = curl(api_base + "/api/events?limit=5", key)
        checks.check("and stays refused", status == 401, (status, body))
        no_csp_violations(checks, alice, "alice")
    finally:
        alice.quit()


SCENARIOS = {"invitation": scenario_invitation, "apikey": scenario_apikey}

if __name__ == "__main__":
    run(lambda config, checks: SCENARIOS[config["scenario"]](config, checks))
