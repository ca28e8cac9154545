#!/usr/bin/env python3
"""Real-browser scenarios for the dashboard, run by Tests/DashboardTests/BrowserTests.swift.

    python3 Tests/DashboardTests/browser/dashboard_browser.py <config.json>

The config names the scenario (`live`, `roles`, `reconnect`), the dashboard URL, two companies
with creators and tokens, and pre-signed EventSub deliveries (signed by the project's
SignedDelivery on the Swift side) that this script posts to the router at the moment it needs.
"""

import os
import struct
import time
import zlib

from ccr_browser import Checks, api, console_errors, emit, metric, new_driver, note, post_delivery, request, run, wait_until

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

LIVE_TIMEOUT = 20.0
UPDATE_DEADLINE = 1.0  # the spec: tile and feed update within one second of the webhook's 2xx


# ----------------------------------------------------------------------------------------------
# page helpers (all reads go through small scripts: one round trip, consistent snapshot)

def open_with_token(driver, config, token):
    driver.get(config["dashboardUrl"] + "/?token=" + token)


def connection_state(driver):
    return driver.execute_script("return document.getElementById('connection').dataset.state")


def wait_live(driver, timeout=LIVE_TIMEOUT):
    return wait_until(lambda: connection_state(driver) == "live", timeout)


def tiles(driver):
    return driver.execute_script("""
        return [...document.querySelectorAll('#grid .tile')].map(t => ({
          id: t.dataset.creatorId, live: t.dataset.live, hidden: t.hidden,
          name: t.querySelector('.tile-name').textContent,
          title: t.querySelector('.tile-title').textContent,
          category: t.querySelector('.tile-category').textContent,
          last: t.querySelector('.tile-last').textContent,
          lastId: t.dataset.lastEventId || '' }));""")


def tile(driver, creator_id):
    for item in tiles(driver):
        if item["id"] == creator_id:
            return item
    return None


def feed_rows(driver):
    return driver.execute_script("""
        return [...document.querySelectorAll('#feed .feed-item')].map(r => ({
          id: Number(r.dataset.eventId), type: r.dataset.type, creatorId: r.dataset.creatorId,
          highlight: r.classList.contains('highlight'),
          who: r.querySelector('.feed-who').textContent, what: r.querySelector('.feed-what').textContent }));""")


def rows_containing(driver, text):
    return [row for row in feed_rows(driver) if text in row["what"]]


def post_and_wait(checks, driver, delivery, name, condition, deadline=UPDATE_DEADLINE):
    """Posts a delivery and polls the page until `condition()` holds; checks it held within
    `deadline` seconds of the webhook being accepted. Returns the observed latency (s) or None."""
    status, accepted = post_delivery(delivery)
    checks.check(f"{name}: webhook accepted", 200 <= status < 300, f"HTTP {status}")
    seen = wait_until(condition, timeout=deadline + 4.0, interval=0.01)
    latency = time.time() - accepted
    ok = bool(seen) and latency <= deadline + 0.05  # + one poll round trip of slack
    checks.check(f"{name}: visible within {deadline:.0f} s", ok, f"{latency * 1000:.0f} ms" if seen else "never seen")
    return latency if seen else None


def screenshot(driver, config, name, element=None):
    directory = config["artifactsDirectory"]
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    if element is not None:
        element.screenshot(path)
    else:
        driver.save_screenshot(path)
    emit({"type": "artifact", "path": path})
    return path


def png_bytes(width=64, height=64, rgb=(255, 136, 0)):
    """A small valid PNG (solid colour), without any imaging library."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def no_csp_violations(checks, driver, label):
    errors = [message for message in console_errors(driver) if "Content Security Policy" in message or "Refused to" in message]
    checks.check(f"{label}: no Content-Security-Policy violations", not errors, "; ".join(errors)[:500])


# ----------------------------------------------------------------------------------------------
# scenario: sign in, grid, live updates within a second, isolation, XSS, filters, screenshots

def scenario_live(config, checks):
    a = config["companyA"]
    b = config["companyB"]
    d = config["deliveries"]
    creators = {c["key"]: c for c in a["creators"]}
    driver_a = new_driver()
    driver_b = new_driver(1280, 800)
    try:
        # --- sign in with ?token=: the token moves to session storage and leaves the URL.
        open_with_token(driver_a, config, a["tokens"]["owner"])
        checks.check("A: live connection indicator", wait_live(driver_a), connection_state(driver_a))
        url_state = driver_a.execute_script("return {href: location.href, stored: sessionStorage.getItem('ccr.token')}")
        checks.check("A: token removed from the address bar", "token=" not in url_state["href"], url_state["href"])
        checks.check("A: token kept in session storage", url_state["stored"] == a["tokens"]["owner"])
        grid = wait_until(lambda: len(tiles(driver_a)) == len(a["creators"]) and tiles(driver_a), 10)
        checks.check("A: grid shows every creator of the company", grid and len(grid) == len(a["creators"]),
                     [t["name"] for t in (grid or [])])
        checks.check("A: tile names", sorted(t["name"] for t in grid or []) == sorted(c["displayName"] for c in a["creators"]))
        brand = driver_a.execute_script("return document.getElementById('brand-name').textContent")
        checks.check("A: company name in the top bar", brand == a["name"], brand)

        # --- without a token or a session the page sends the browser to the sign-in page; the
        # development sign-in (paste a token) stays at /#/token (company B, second browser).
        driver_b.get(config["dashboardUrl"] + "/")
        redirected = wait_until(lambda: "/auth/login?returnTo=%2F" in driver_b.current_url, 10)
        checks.check("B: without a token or session the page goes to sign-in", redirected, driver_b.current_url)
        driver_b.get(config["dashboardUrl"] + "/#/token")
        visible = wait_until(lambda: driver_b.find_element(By.ID, "view-signin").is_displayed(), 10)
        checks.check("B: development sign-in form at /#/token", visible)
        driver_b.find_element(By.ID, "signin-token").send_keys(b["tokens"]["owner"])
        driver_b.find_element(By.CSS_SELECTOR, "#signin-form button[type=submit]").click()
        checks.check("B: live after pasting a token", wait_live(driver_b), connection_state(driver_b))
        checks.check("B: grid shows only B's creators", wait_until(lambda: [t["name"] for t in tiles(driver_b)] == [b["creators"][0]["displayName"]], 10),
                     [t["name"] for t in tiles(driver_b)])

        # --- the rest of A's demo state (for the screenshots), then timed checks.
        for key in config.get("decor", []):
            post_delivery(d[key])
        star = creators["star"]
        latencies = []
        latencies.append(post_and_wait(checks, driver_a, d["star-online"], "go-live",
                                       lambda: (tile(driver_a, star["id"]) or {}).get("live") == "true"
                                       and any(r["type"] == "stream.online" and r["creatorId"] == star["id"] for r in feed_rows(driver_a))))
        row = next((r for r in feed_rows(driver_a) if r["type"] == "stream.online" and r["creatorId"] == star["id"]), None)
        checks.check("go-live row is highlighted", row and row["highlight"], row)
        first_tile = tiles(driver_a)[0]
        checks.check("live tiles sort first", first_tile["live"] == "true", first_tile)

        title = config["titles"]["star"]
        latencies.append(post_and_wait(checks, driver_a, d["star-title"], "title change",
                                       lambda: (tile(driver_a, star["id"]) or {}).get("title") == title and rows_containing(driver_a, title)))
        checks.check("tile shows the category", (tile(driver_a, star["id"]) or {}).get("category") == "Celeste", tile(driver_a, star["id"]))

        raid_target = creators["raided"]
        latencies.append(post_and_wait(checks, driver_a, d["raid"], "raid",
                                       lambda: any(r["type"] == "channel.raid" for r in feed_rows(driver_a))))
        raid_row = next((r for r in feed_rows(driver_a) if r["type"] == "channel.raid"), {})
        checks.check("raid row is highlighted and names the raider", raid_row.get("highlight") and "BigRaider" in raid_row.get("what", ""), raid_row)
        checks.check("raid shows on the target's tile", "raid from BigRaider" in (tile(driver_a, raid_target["id"]) or {}).get("last", ""),
                     tile(driver_a, raid_target["id"]))
        latencies.append(post_and_wait(checks, driver_a, d["hype"], "hype train",
                                       lambda: any(r["type"] == "channel.hype_train.begin" and r["highlight"] for r in feed_rows(driver_a))))
        latencies.append(post_and_wait(checks, driver_a, d["follow"], "follow", lambda: rows_containing(driver_a, "new follower: FanOne")))
        latencies.append(post_and_wait(checks, driver_a, d["cheer"], "cheer", lambda: rows_containing(driver_a, "cheered 500 bits")))
        seen = [l for l in latencies if l is not None]
        if seen:
            metric("webhook_to_dom_max_ms", round(max(seen) * 1000, 1), "ms")

        rows = feed_rows(driver_a)
        ids = [r["id"] for r in rows]
        checks.check("feed is newest first", ids == sorted(ids, reverse=True), ids[:20])
        checks.check("feed shows each event once", len(ids) == len(set(ids)), ids[:20])

        # --- screenshots for the artifacts (and the README), before the XSS payloads below
        driver_a.execute_script("window.scrollTo(0, 0); document.activeElement?.blur()")
        time.sleep(0.3)
        screenshot(driver_a, config, "dashboard-grid.png")
        screenshot(driver_a, config, "dashboard-feed.png", driver_a.find_element(By.CSS_SELECTOR, ".feed-panel"))

        # --- XSS: a stream title full of markup is shown as text, never parsed.
        xss_creator = creators["xss"]
        payload = config["titles"]["xss"]
        post_and_wait(checks, driver_a, d["xss-title"], "XSS title",
                      lambda: (tile(driver_a, xss_creator["id"]) or {}).get("title") == payload)
        # ... and a chat-derived name (the follower's display name) likewise.
        post_and_wait(checks, driver_a, d["xss-follow"], "XSS follower name",
                      lambda: rows_containing(driver_a, "new follower: " + config["titles"]["xssName"]))
        probe = driver_a.execute_script("""
            return { injected: document.querySelectorAll('#grid img, #feed img, #feed svg, #grid script, #feed script, #grid iframe, '
                                                         + '#feed iframe, .tile-title *, .tile-last *, .feed-what *, .feed-who *').length,
                     flag: window.__ccrXss === undefined ? null : window.__ccrXss, title: document.title };""")
        checks.check("XSS: no element was created from the title", probe["injected"] == 0, probe)
        checks.check("XSS: no script ran", probe["flag"] is None and "pwned" not in probe["title"], probe)
        checks.check("XSS: the feed shows the markup as text", bool(rows_containing(driver_a, payload)))

        # --- isolation: B saw nothing of A.
        time.sleep(1.0)
        b_rows = feed_rows(driver_b)
        a_ids = {r["id"] for r in feed_rows(driver_a)}
        b_text = driver_b.execute_script("return document.body.innerText")
        leaked = [c["displayName"] for c in a["creators"] if c["displayName"] in b_text] + [t for t in config["titles"].values() if t in b_text]
        checks.check("isolation: B's feed has none of A's events", not (a_ids & {r["id"] for r in b_rows}), b_rows)
        checks.check("isolation: B's page names none of A's creators or titles", not leaked, leaked)
        checks.check("isolation: B's grid still only B's creator", [t["name"] for t in tiles(driver_b)] == [b["creators"][0]["displayName"]])
        # ... and the other way round.
        b_creator = b["creators"][0]
        before = len(feed_rows(driver_a))
        post_and_wait(checks, driver_b, d["b-online"], "B go-live",
                      lambda: (tile(driver_b, b_creator["id"]) or {}).get("live") == "true")
        time.sleep(0.8)
        checks.check("isolation: A did not receive B's event", len(feed_rows(driver_a)) == before
                     and not any(r["creatorId"] == b_creator["id"] for r in feed_rows(driver_a)))

        # --- filters
        Select(driver_a.find_element(By.ID, "feed-creator")).select_by_value(star["id"])
        only_star = wait_until(lambda: feed_rows(driver_a) and all(r["creatorId"] == star["id"] for r in feed_rows(driver_a)), 3)
        checks.check("feed filter by creator", only_star, feed_rows(driver_a)[:5])
        checks.check("selecting a creator in the feed marks its tile",
                     driver_a.execute_script("return document.querySelector('.tile.selected')?.dataset.creatorId") == star["id"])
        Select(driver_a.find_element(By.ID, "feed-creator")).select_by_value("")
        Select(driver_a.find_element(By.ID, "feed-type")).select_by_value("highlights")
        highlights = wait_until(lambda: feed_rows(driver_a) and all(r["highlight"] for r in feed_rows(driver_a)), 3)
        checks.check("feed filter: highlights only", highlights, [r["type"] for r in feed_rows(driver_a)])
        Select(driver_a.find_element(By.ID, "feed-type")).select_by_value("")
        search = driver_a.find_element(By.ID, "grid-search")
        search.send_keys(star["displayName"][:5])
        visible = wait_until(lambda: [t["id"] for t in tiles(driver_a) if not t["hidden"]] == [star["id"]], 3)
        checks.check("grid search by name", visible, [t["name"] for t in tiles(driver_a) if not t["hidden"]])
        search.clear()
        search.send_keys(" ")
        search.clear()
        driver_a.execute_script("const s = document.getElementById('grid-search'); s.value = ''; s.dispatchEvent(new Event('input'));")
        topic = config["topicFilter"]
        Select(driver_a.find_element(By.ID, "grid-topic")).select_by_value(topic["topic"])
        by_topic = wait_until(lambda: sorted(t["id"] for t in tiles(driver_a) if not t["hidden"]) == sorted(topic["creatorIds"]), 3)
        checks.check("grid filter by topic", by_topic, [t["name"] for t in tiles(driver_a) if not t["hidden"]])
        Select(driver_a.find_element(By.ID, "grid-topic")).select_by_value("")

        no_csp_violations(checks, driver_a, "A")
        no_csp_violations(checks, driver_b, "B")

        # --- the Socket.IO client module on its own (it is independent of the page): acks for
        # creator-room subscriptions, a refused token, the backoff schedule.
        result = driver_a.execute_async_script("""
            const [token, ownCreator, foreignCreator, done] = arguments;
            (async () => {
              const { io, backoffDelay } = await import('/dashboard/socketio-client.js');
              const { relayUrl } = await (await fetch('/dashboard/config.json')).json();
              const out = {};
              const socket = io(relayUrl, { auth: { token } });
              await new Promise((resolve, reject) => { socket.on('connect', resolve); setTimeout(() => reject(new Error('no connect')), 10000); });
              out.connected = socket.connected;
              out.own = await socket.timeout(5000).emitWithAck('subscribe', { creatorId: ownCreator });
              out.foreign = await socket.timeout(5000).emitWithAck('subscribe', { creatorId: foreignCreator });
              socket.disconnect();
              out.afterDisconnect = { connected: socket.connected, active: socket.active };
              const refused = io(relayUrl, { auth: { token: 'not-a-token' } });
              out.refused = await new Promise((resolve) => {
                refused.on('connect_error', (error) => resolve({ message: error.message, active: refused.active }));
                setTimeout(() => resolve({ message: 'timeout', active: refused.active }), 10000);
              });
              refused.disconnect();
              out.backoff = [1, 2, 3, 4, 10].map((attempt) => [backoffDelay(attempt, {}, () => 0), backoffDelay(attempt, {}, () => 1)]);
              return out;
            })().then(done, (error) => done({ error: String(error) }));""", a["tokens"]["owner"], star["id"], b["creators"][0]["id"])
        checks.check("socket client: connects with the token", result.get("connected") is True, result)
        checks.check("socket client: subscribe to an own creator is acknowledged", result.get("own") == {"ok": True}, result.get("own"))
        checks.check("socket client: another company's creator is refused in the ack", "error" in (result.get("foreign") or {}), result.get("foreign"))
        checks.check("socket client: disconnect() stops it", result.get("afterDisconnect") == {"connected": False, "active": False}, result)
        refused = result.get("refused") or {}
        checks.check("socket client: a bad token gives connect_error and no retry", "Not authorized" in refused.get("message", "")
                     and refused.get("active") is False, refused)
        checks.check("socket client: backoff 1 s doubling to 5 s, jitter ±50 %",
                     result.get("backoff") == [[500, 1500], [1000, 3000], [2000, 5000], [2500, 5000], [2500, 5000]], result.get("backoff"))

        # --- sound toggle (remembered per browser)
        driver_a.find_element(By.ID, "toggle-sound").click()
        sound = driver_a.execute_script("""return { pressed: document.getElementById('toggle-sound').getAttribute('aria-pressed'),
                                                    saved: JSON.parse(localStorage.getItem('ccr.alerts') || '{}').sound };""")
        checks.check("sound toggle switches on and is remembered", sound["pressed"] == "true" and sound["saved"] is True, sound)
        driver_a.find_element(By.ID, "toggle-sound").click()

        # --- more screenshots: after the XSS payloads, and the other company's browser
        driver_a.execute_script("window.scrollTo(0, 0); document.activeElement?.blur()")
        time.sleep(0.3)
        screenshot(driver_a, config, "dashboard-xss-as-text.png")
        screenshot(driver_b, config, "dashboard-other-company.png")

        # --- sign out: the token leaves the tab and the socket closes
        driver_b.find_element(By.ID, "sign-out").click()
        signed_out = wait_until(lambda: driver_b.find_element(By.ID, "view-signin").is_displayed(), 5)
        state = driver_b.execute_script("return { token: sessionStorage.getItem('ccr.token'), state: document.getElementById('connection').dataset.state, tiles: document.querySelectorAll('#grid .tile').length }")
        checks.check("sign out clears the token, the socket and the grid", signed_out and state["token"] is None and state["state"] == "offline"
                     and state["tiles"] == 0, state)
    finally:
        driver_a.quit()
        driver_b.quit()


# ----------------------------------------------------------------------------------------------
# scenario: roles (viewer, operator, owner) and the admin pages

def admin_links(driver):
    return driver.execute_script("return [...document.querySelectorAll('#admin-nav a')].map(a => a.textContent)")


def fetch_status(driver, method, path, body):
    """A request from inside the page (same origin, the page's token), to show the server refuses."""
    return driver.execute_async_script("""
        const [method, path, body, done] = arguments;
        fetch(path, { method, headers: { 'Authorization': 'Bearer ' + sessionStorage.getItem('ccr.token'), 'Content-Type': 'application/json' },
                      body: JSON.stringify(body) }).then(r => done(r.status), e => done(String(e)));""", method, path, body)


def scenario_roles(config, checks):
    a = config["companyA"]
    api_base = config["apiBase"]

    # --- viewer: no admin navigation, admin URLs show nothing usable, and the API refuses.
    driver = new_driver()
    try:
        open_with_token(driver, config, a["tokens"]["viewer"])
        checks.check("viewer: signed in", wait_live(driver), connection_state(driver))
        hidden = driver.execute_script("return document.getElementById('nav-admin').hidden")
        checks.check("viewer: no Admin link", hidden is True)
        for section in ["creators", "members", "branding", "audit", "archives"]:
            driver.execute_script(f"location.hash = '#/admin/{section}'")
            shown = wait_until(lambda: driver.find_element(By.ID, "view-admin").is_displayed(), 3)
            content = driver.execute_script("""
                const body = document.getElementById('admin-body');
                return { heading: body.querySelector('h1')?.textContent, forms: body.querySelectorAll('form, button, input, select').length,
                         links: document.querySelectorAll('#admin-nav a').length };""")
            checks.check(f"viewer: #/admin/{section} offers no controls", shown and content["forms"] == 0 and content["links"] == 0
                         and content["heading"] == "Not available", content)
        checks.check("viewer: the server refuses adding a creator", fetch_status(driver, "POST", "/api/creators", {"login": "sneaky"}) == 403)
        checks.check("viewer: the server refuses changing branding", fetch_status(driver, "PUT", "/api/branding", {"primaryColor": "#000000"}) == 403)
        checks.check("viewer: the server refuses adding a member",
                     fetch_status(driver, "POST", "/api/members", {"email": "x@example.com", "role": "owner"}) == 403)
        driver.execute_script("location.hash = '#/'")
        screenshot(driver, config, "dashboard-viewer.png")
    finally:
        driver.quit()

    # --- operator: creators only.
    driver = new_driver()
    try:
        open_with_token(driver, config, a["tokens"]["operator"])
        checks.check("operator: signed in", wait_live(driver))
        driver.execute_script("location.hash = '#/admin/creators'")
        links = wait_until(lambda: admin_links(driver), 3)
        checks.check("operator: admin shows Creators only", links == ["Creators"], links)
        driver.execute_script("location.hash = '#/admin/members'")
        heading = wait_until(lambda: driver.execute_script("return document.querySelector('#admin-body h1')?.textContent") == "Not available", 3)
        checks.check("operator: members page not offered", heading)
    finally:
        driver.quit()

    # --- owner: every page works.
    driver = new_driver()
    try:
        open_with_token(driver, config, a["tokens"]["owner"])
        checks.check("owner: signed in", wait_live(driver))
        driver.execute_script("location.hash = '#/admin/creators'")
        links = wait_until(lambda: admin_links(driver), 3)
        checks.check("owner: every admin page", links == ["Creators", "Members", "Invitations", "Branding", "API keys", "Notifications", "Audit log", "Archives"], links)

        # creators: add by Twitch login (the local Twitch stand-in resolves any login), then remove.
        login = config["newCreatorLogin"]
        driver.find_element(By.CSS_SELECTOR, "#creator-add-form input[name=login]").send_keys(login)
        driver.find_element(By.CSS_SELECTOR, "#creator-add-form input[name=topics]").send_keys("newcomers, vip")
        driver.find_element(By.CSS_SELECTOR, "#creator-add-form button[type=submit]").click()
        added = wait_until(lambda: driver.execute_script(
            "return [...document.querySelectorAll('#creators-table tbody tr')].some(r => r.textContent.includes(arguments[0]))", login), 10)
        checks.check("owner: creator added through the admin page", added,
                     driver.execute_script("return document.querySelector('#admin-body .status')?.textContent"))
        driver.execute_script("location.hash = '#/'")
        tile_added = wait_until(lambda: any(login in (t["name"].lower()) for t in tiles(driver)), 5)
        checks.check("owner: the new creator has a tile", tile_added, [t["name"] for t in tiles(driver)])
        Select(driver.find_element(By.ID, "grid-topic")).select_by_value("vip")
        only = wait_until(lambda: [t["name"].lower() for t in tiles(driver) if not t["hidden"]] == [login], 3)
        checks.check("owner: its topics filter the grid", only, [t["name"] for t in tiles(driver) if not t["hidden"]])
        Select(driver.find_element(By.ID, "grid-topic")).select_by_value("")
        driver.execute_script("location.hash = '#/admin/creators'")
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#creators-table tbody tr"), 5)
        row = [r for r in driver.find_elements(By.CSS_SELECTOR, "#creators-table tbody tr") if login in r.text]
        if row:
            row[0].find_element(By.CSS_SELECTOR, "button.danger").click()
            driver.switch_to.alert.accept()
        removed = wait_until(lambda: not driver.execute_script(
            "return [...document.querySelectorAll('#creators-table tbody tr')].some(r => r.textContent.includes(arguments[0]))", login), 10)
        checks.check("owner: creator removed", bool(row) and removed)
        driver.execute_script("location.hash = '#/'")
        gone = wait_until(lambda: not any(login in t["name"].lower() for t in tiles(driver)), 5)
        checks.check("owner: its tile is gone", gone)

        # members: add one, change the role.
        driver.execute_script("location.hash = '#/admin/members'")
        form = wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#member-add-form"), 5)
        driver.find_element(By.CSS_SELECTOR, "#member-add-form input[name=email]").send_keys("ops@northwind.example")
        Select(driver.find_element(By.CSS_SELECTOR, "#member-add-form select[name=role]")).select_by_value("operator")
        driver.find_element(By.CSS_SELECTOR, "#member-add-form button[type=submit]").click()
        member_row = wait_until(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#members-table tbody tr") if "ops@northwind.example" in r.text], 10)
        checks.check("owner: member added", bool(form) and bool(member_row))
        if member_row:
            Select(member_row[0].find_element(By.CSS_SELECTOR, "select")).select_by_value("viewer")
            changed = wait_until(lambda: "is now viewer" in driver.execute_script("return document.querySelector('#admin-body .status').textContent"), 10)
            checks.check("owner: member role changed", changed)

        # branding: colours, name and a logo through the pre-signed upload URL.
        logo_path = os.path.join(config["workDirectory"], "logo.png")
        with open(logo_path, "wb") as handle:
            handle.write(png_bytes())
        if config["mode"] != "router":
            # The page is served by the harness's front server, so the object store (the router's
            # /objects) is another origin, which the local store does not allow for browser PUTs
            # (no CORS). Upload the logo the same way from here; the page then keeps it.
            status, upload = api(api_base, a["tokens"]["owner"], "POST", "/api/branding/logo-upload-url", {"contentType": "image/png"})
            import urllib.request
            put = urllib.request.Request(upload["url"], data=png_bytes(), method="PUT")
            for name, value in upload["headers"].items():
                put.add_header(name, value)
            urllib.request.urlopen(put, timeout=10).read()
            api(api_base, a["tokens"]["owner"], "PUT", "/api/branding", {"logoKey": upload["key"]})
            note("logo uploaded outside the page: the dashboard is not served by the router yet (front-server mode)")
        driver.execute_script("location.hash = '#/admin/branding'")
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#branding-form"), 5)
        def set_field(selector, value):
            element = driver.find_element(By.CSS_SELECTOR, selector)
            element.clear()
            element.send_keys(value)
        set_field("#branding-form input[name=displayName]", config["branding"]["displayName"])
        set_field("#branding-form input[name=primaryColor]", config["branding"]["primaryColor"])
        set_field("#branding-form input[name=accentColor]", config["branding"]["accentColor"])
        if config["mode"] == "router":
            driver.find_element(By.CSS_SELECTOR, "#branding-form input[name=logo]").send_keys(logo_path)
        driver.find_element(By.CSS_SELECTOR, "#branding-form button[type=submit]").click()
        saved = wait_until(lambda: driver.execute_script("return document.querySelector('#admin-body .status').textContent") == "Branding saved.", 10)
        checks.check("owner: branding saved", saved, driver.execute_script("return document.querySelector('#admin-body .status').textContent"))
        applied = driver.execute_script("""
            const root = getComputedStyle(document.documentElement);
            const logo = document.getElementById('brand-logo');
            return { primary: root.getPropertyValue('--brand-primary').trim(), accent: root.getPropertyValue('--brand-accent').trim(),
                     bar: getComputedStyle(document.querySelector('.topbar')).backgroundColor,
                     name: document.getElementById('brand-name').textContent,
                     logoShown: !logo.hidden, logoSrc: logo.getAttribute('src') };""")
        checks.check("branding: primary colour applied", applied["primary"] == config["branding"]["primaryColor"] and applied["bar"] == config["branding"]["primaryRGB"], applied)
        checks.check("branding: accent colour applied", applied["accent"] == config["branding"]["accentColor"], applied)
        checks.check("branding: name applied", applied["name"] == config["branding"]["displayName"], applied)
        loaded = wait_until(lambda: driver.execute_script(
            "const l = document.getElementById('brand-logo'); return !l.hidden && l.complete && l.naturalWidth === 64"), 10)
        checks.check("branding: logo shown (loaded under the CSP)", loaded, applied)
        # A reload starts from /api/me: the branding is the company's, not the page's memory.
        driver.refresh()
        wait_live(driver)
        reloaded = wait_until(lambda: driver.execute_script(
            "return getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()") == config["branding"]["primaryColor"], 10)
        checks.check("branding: still applied after a reload", reloaded)
        screenshot(driver, config, "dashboard-branded.png")

        # audit log and archives.
        driver.execute_script("location.hash = '#/admin/audit'")
        actions = wait_until(lambda: driver.execute_script(
            "return [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')].map(td => td.textContent)"), 10) or []
        checks.check("audit log lists the changes", {"creator.add", "creator.remove", "member.add", "member.role_change", "branding.update"} <= set(actions), actions)
        Select(driver.find_element(By.CSS_SELECTOR, "#audit-filter-form select[name=action]")).select_by_value("creator.add")
        driver.find_element(By.CSS_SELECTOR, "#audit-filter-form button[type=submit]").click()
        filtered = wait_until(lambda: (lambda values: values and set(values) == {"creator.add"})(driver.execute_script(
            "return [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')].map(td => td.textContent)")), 10)
        checks.check("audit log filter by action", filtered)
        driver.execute_script("location.hash = '#/admin/archives'")
        archives = wait_until(lambda: driver.execute_script("return document.querySelector('#admin-body .status')?.textContent"), 10)
        checks.check("archives page loads", archives and "No archived days" in archives, archives)
        no_csp_violations(checks, driver, "owner")
    finally:
        driver.quit()


# ----------------------------------------------------------------------------------------------
# scenario: the relay restarts; missed events show up exactly once

def scenario_reconnect(config, checks):
    a = config["companyA"]
    d = config["deliveries"]
    driver = new_driver()
    try:
        open_with_token(driver, config, a["tokens"]["owner"])
        checks.check("signed in and live", wait_live(driver), connection_state(driver))
        post_and_wait(checks, driver, d["pre"], "event before the restart", lambda: rows_containing(driver, "new follower: before_restart"))

        request(config, "stop-relay")
        down = wait_until(lambda: connection_state(driver) in ("reconnecting", "offline"), 15)
        checks.check("indicator leaves 'live' when the relay goes away", down, connection_state(driver))
        indicator = driver.execute_script("return document.getElementById('connection-text').textContent")
        note(f"indicator while the relay is down: {indicator}")
        screenshot(driver, config, "dashboard-reconnecting.png", driver.find_element(By.CSS_SELECTOR, ".topbar"))

        # Stored while no relay runs: the page polls REST (after=<last id>) while disconnected.
        for key in ["gap-1", "gap-2"]:
            status, _ = post_delivery(d[key])
            checks.check(f"{key}: accepted while the relay is down", 200 <= status < 300, f"HTTP {status}")
        by_rest = wait_until(lambda: rows_containing(driver, "gap_1") and rows_containing(driver, "gap_2"), 15)
        checks.check("missed events fetched over REST while disconnected", by_rest and connection_state(driver) != "live",
                     connection_state(driver))
        # ... and these come back through the relay's recovery (lastEventId in the CONNECT auth).
        for key in ["gap-3", "gap-4", "gap-5"]:
            status, _ = post_delivery(d[key])
            checks.check(f"{key}: accepted while the relay is down", 200 <= status < 300, f"HTTP {status}")
        rest_calls = "performance.getEntriesByType('resource').filter(e => e.name.includes('/api/events?after=')).length"
        rest_before = driver.execute_script("return " + rest_calls)
        request(config, "start-relay")
        checks.check("live again after the relay restarted", wait_live(driver, 30), connection_state(driver))
        complete = wait_until(lambda: all(rows_containing(driver, f"gap_{i}") for i in range(1, 6)), 10)
        checks.check("every missed event arrived", complete)
        # Which path brought gap_3..5: the relay's replay (lastEventId in the CONNECT auth), or the
        # page's own REST catch-up (relay refused to recover, or a poll ran before the reconnect).
        rest_after = driver.execute_script("return " + rest_calls)
        note("gap after the restart filled by " + ("the relay's recovery (no REST catch-up)" if rest_after == rest_before
                                                   else f"REST catch-up ({rest_after - rest_before} request(s) to /api/events?after=)"))
        for name in ["before_restart"] + [f"gap_{i}" for i in range(1, 6)]:
            count = len(rows_containing(driver, name))
            checks.check(f"{name} shown exactly once", count == 1, f"{count} rows")
        post_and_wait(checks, driver, d["after"], "event after the restart", lambda: rows_containing(driver, "new follower: after_restart"))
        time.sleep(0.5)
        checks.check("after_restart shown exactly once", len(rows_containing(driver, "after_restart")) == 1)

        rows = feed_rows(driver)
        ids = [r["id"] for r in rows]
        checks.check("no event id twice in the feed", len(ids) == len(set(ids)))
        status, listing = api(config["apiBase"], a["tokens"]["owner"], "GET", "/api/events?limit=100", None)
        stored = sorted(event["id"] for event in (listing or {}).get("data", []))
        checks.check("the feed holds exactly the stored events", sorted(ids) == stored, {"feed": sorted(ids), "stored": stored})
        no_csp_violations(checks, driver, "reconnect")
    finally:
        driver.quit()


SCENARIOS = {"live": scenario_live, "roles": scenario_roles, "reconnect": scenario_reconnect}

if __name__ == "__main__":
    run(lambda config, checks: SCENARIOS[config["scenario"]](config, checks))
