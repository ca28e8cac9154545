#!/usr/bin/env python3
"""Real-browser scenario for linking a creator's Twitch account, run by
Tests/DashboardTests/CreatorLinkBrowserTests.swift.

    python3 Tests/DashboardTests/browser/creator_link_browser.py <config.json>

Scenario `link`: alice (owner) signs in through the OIDC stand-in, adds a creator on the Creators
page (the local Twitch stand-in resolves the login, so the creator's Twitch user id is the
stand-in user's), sees "Not linked" and the default event types, clicks "Copy link for the
creator" and reads the link from #creator-link-url. The creator (a new tab of the same browser)
opens the link, continues to Twitch (the stand-in's consent page), signs in with their login and
authorizes; the callback page says linked. Then:
- the stand-in lists enabled channel.follow, channel.subscribe and channel.cheer subscriptions
  for the creator within a few seconds (measured from the callback page's response: the metric
  `callback page → enabled channel.follow subscription`);
- alice's row shows Linked; a follow sent through the stand-in (`POST /_stand-in/trigger`)
  reaches her live feed;
- choosing chat messages in the row's event types saves them (PATCH) and shows the scopes a new
  link needs; choosing them off again clears that;
- the creator disconnects the app on Twitch (`POST /_stand-in/users/{id}/disconnect`): the
  follow/sub/cheer subscriptions stop being enabled and are deleted by the renewal, and the row
  shows Revoked; Unlink (with a confirmation) then forgets the link: Not linked.

Every check looks at the page (DOM) and at the servers (the stand-in's Helix and control
endpoints, the REST API with the owner's development token).
"""

import json
import secrets
import time
import urllib.parse

from ccr_browser import api, metric, new_driver, note, run, wait_until
from admin_pages_browser import accept_confirm, sign_in_alice, status_text
from signin_browser import http, no_csp_violations, screenshot, text_of

from selenium.webdriver.common.by import By

LINKED_TYPES = ["channel.follow", "channel.subscribe", "channel.cheer"]
SUBSCRIPTION_DEADLINE = 5.0   # the backend promises the subscriptions "within about 2 s" of the callback
REMOVAL_DEADLINE = 30.0       # after a disconnect: the revoke notification, then a renewal deletes them
ROW_DEADLINE = 25.0           # the page polls every 10 s; the test also clicks Refresh
FEED_DEADLINE = 10.0


# ----------------------------------------------------------------------------------------------
# the Twitch stand-in

class StandIn:
    """The stand-in's Helix (with an app access token, as the product uses it) and control endpoints."""

    def __init__(self, config):
        self.base = config["twitchStandInUrl"].rstrip("/")
        self.client_id = config.get("twitchClientId", "local-client-id")
        self.client_secret = config.get("twitchClientSecret", "local-client-secret")
        self.token = None

    def app_token(self):
        if self.token is None:
            form = urllib.parse.urlencode({"client_id": self.client_id, "client_secret": self.client_secret,
                                           "grant_type": "client_credentials"})
            status, body, text = http("POST", self.base + "/oauth2/token?" + form)
            if status != 200 or not (body or {}).get("access_token"):
                raise RuntimeError(f"the stand-in gave no app token: {status} {text[:300]}")
            self.token = body["access_token"]
        return self.token

    def subscriptions(self, user_id):
        """Every subscription whose condition names `user_id` (all pages): [{type, status, condition, …}]."""
        found = []
        cursor = None
        for _ in range(20):
            query = {"user_id": user_id}
            if cursor:
                query["after"] = cursor
            status, body, text = http("GET", self.base + "/helix/eventsub/subscriptions?" + urllib.parse.urlencode(query),
                                      headers={"Authorization": "Bearer " + self.app_token(), "Client-Id": self.client_id})
            if status == 401:
                self.token = None
                continue
            if status != 200:
                raise RuntimeError(f"GET /helix/eventsub/subscriptions → {status} {text[:300]}")
            found += body.get("data", [])
            cursor = (body.get("pagination") or {}).get("cursor")
            if not cursor:
                break
        return found

    def control(self, method, path, body=None):
        status, parsed, text = http(method, self.base + path, body=body)
        return status, parsed if parsed is not None else text


def enabled_types(subscriptions):
    return sorted({s["type"] for s in subscriptions if s.get("status") == "enabled"})


def summary(subscriptions):
    return sorted(f'{s.get("type")}:{s.get("status")}' for s in subscriptions)


# ----------------------------------------------------------------------------------------------
# the Creators page

def creator_row(driver, login):
    """The row of `login` on the Creators page: its data attributes, badge, buttons, event type boxes."""
    return driver.execute_script("""
        const tr = [...document.querySelectorAll('#creators-table tbody tr')].find(r => r.dataset.login === arguments[0]);
        if (!tr) return null;
        const badge = tr.querySelector('.link-status');
        return { ...tr.dataset,
          badge: badge ? badge.textContent : null, badgeStatus: badge ? badge.dataset.status : null,
          badgeTitle: badge ? badge.getAttribute('title') : null,
          missing: tr.querySelector('.missing-scopes')?.textContent ?? null,
          buttons: [...tr.querySelectorAll('button')].map(b => b.textContent),
          copyLink: !!tr.querySelector('button.copy-link'), unlink: !!tr.querySelector('button.unlink'),
          types: [...tr.querySelectorAll('input.event-type')].map(b => ({ value: b.value, checked: b.checked, disabled: b.disabled })) };""",
                                 login)


def checked_types(row):
    return [t["value"] for t in (row or {}).get("types", []) if t["checked"]]


def row_button(driver, login, css):
    return driver.find_element(By.CSS_SELECTOR, f"#creators-table tbody tr[data-login='{login}'] {css}")


def wait_for_badge(driver, login, status, timeout=ROW_DEADLINE):
    """Clicks Refresh now and then until the row's badge is `status`; the row (or the last one seen)."""
    last = {"clicked": time.time()}

    def shown():
        last["row"] = creator_row(driver, login)
        if (last["row"] or {}).get("badgeStatus") == status:
            return last["row"]
        if time.time() - last["clicked"] >= 2:
            driver.find_element(By.ID, "creators-refresh").click()
            last["clicked"] = time.time()
        return None
    return wait_until(shown, timeout, 0.25) or last.get("row")


def feed_rows(driver):
    return driver.execute_script("""
        return [...document.querySelectorAll('#feed .feed-item')].map(r => ({
          id: Number(r.dataset.eventId), type: r.dataset.type, creatorId: r.dataset.creatorId,
          who: r.querySelector('.feed-who')?.textContent ?? '', what: r.querySelector('.feed-what')?.textContent ?? '' }));""") or []


# ----------------------------------------------------------------------------------------------
# scenario

def scenario_link(config, checks):
    url = config["dashboardUrl"]
    api_base = config["apiBase"]
    owner = config["ownerToken"]
    login = config["newCreatorLogin"]
    stand_in = StandIn(config)
    driver = new_driver()
    try:
        # --- alice adds the creator on the Creators page.
        sign_in_alice(driver, checks, url, "creators")
        wait_until(lambda: driver.find_elements(By.ID, "creator-add-form"), 10)
        driver.find_element(By.CSS_SELECTOR, "#creator-add-form input[name=login]").send_keys(login)
        driver.find_element(By.CSS_SELECTOR, "#creator-add-form button[type=submit]").click()
        row = wait_until(lambda: (lambda r: r if r and r.get("badgeStatus") else None)(creator_row(driver, login)), 15)
        checks.check("the creator is added and listed with a link badge", row, status_text(driver))
        if not row:
            raise RuntimeError(f"the creator {login} did not appear with a badge: {status_text(driver)}")
        creator_id, twitch_id = row["creatorId"], row["twitchUserId"]
        checks.check("the new creator is Not linked, with 'Copy link for the creator' and no Unlink",
                     row["badge"] == "Not linked" and row["copyLink"] and not row["unlink"], row)
        checks.check("the event types: the catalog's 8, the defaults chosen (follows, subs, gifts, resubs, cheers, hype trains; not chat)",
                     [t["value"] for t in row["types"]] == ["channel.follow", "channel.subscribe", "channel.subscription.gift",
                                                             "channel.subscription.message", "channel.cheer", "channel.hype_train.begin",
                                                             "channel.hype_train.end", "channel.chat.message"]
                     and checked_types(row) == ["channel.follow", "channel.subscribe", "channel.subscription.gift",
                                                "channel.subscription.message", "channel.cheer", "channel.hype_train.begin",
                                                "channel.hype_train.end"]
                     and not any(t["disabled"] for t in row["types"]), row["types"])
        status, body = api(api_base, owner, "GET", f"/api/creators/{creator_id}")
        twitch = (body or {}).get("twitch") or {}
        checks.check("server: unlinked, the same event types enabled", status == 200 and twitch.get("status") == "unlinked"
                     and twitch.get("eventTypes") == checked_types(row), (status, twitch))

        # --- the link.
        row_button(driver, login, "button.copy-link").click()
        link = wait_until(lambda: driver.find_element(By.ID, "creator-link-url").get_attribute("value"), 10) or ""
        checks.check("the link is shown in #creator-link-url: the router's /creator-link/<state>",
                     link.startswith(api_base + "/creator-link/") and len(link) > len(api_base + "/creator-link/") + 16, link)
        expiry = text_of(driver, "#creator-link-expiry") or ""
        checks.check("its expiry is shown", expiry.strip() != "" and driver.find_element(By.ID, "creator-link-expiry").get_attribute("datetime"),
                     expiry)
        checks.check("the panel names the creator and the scopes", login in (text_of(driver, "#creator-link-title") or "")
                     and "moderator:read:followers" in (text_of(driver, "#creator-link-scopes") or ""),
                     (text_of(driver, "#creator-link-title"), text_of(driver, "#creator-link-scopes")))
        said = status_text(driver)
        checks.check("the status says the link was copied or is to be copied by hand", "Link for" in said, said)
        note(f"status after 'Copy link for the creator': {said}")
        if not link:
            raise RuntimeError("no link to open")

        # --- the creator, in a new tab: the link page, the stand-in's consent page, the callback.
        # (The harness links its seeded creators with `ccr-local creator add --link`, which turns
        # the stand-in's auto-approval off again; the creator here sees the consent page.)
        dashboard_tab = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(link)
        agency = wait_until(lambda: text_of(driver, "#agency"), 10)
        checks.check("the link page names the agency and the creator", agency == config["companyA"]["name"]
                     and text_of(driver, "#creator") and login in (driver.find_element(By.TAG_NAME, "body").text), (agency, driver.current_url))
        authorize_url = driver.find_element(By.ID, "authorize").get_attribute("href") or ""
        checks.check("Continue to Twitch points at the stand-in's /oauth2/authorize for our callback",
                     authorize_url.startswith(stand_in.base + "/oauth2/authorize?") and "creator-link%2Fcallback" in authorize_url, authorize_url)
        driver.find_element(By.ID, "authorize").click()
        consent = wait_until(lambda: driver.current_url.startswith(stand_in.base) and driver.find_elements(By.ID, "login"), 15)
        checks.check("Continue to Twitch opens the stand-in's consent page", consent,
                     {"url": driver.current_url, "page": driver.find_element(By.TAG_NAME, "body").text[:400]})
        scopes_asked = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#scopes code")]
        checks.check("the consent page asks for the scopes of follows, subs and cheers",
                     all(scope in scopes_asked for scope in ["moderator:read:followers", "channel:read:subscriptions", "bits:read"]),
                     scopes_asked)
        driver.find_element(By.ID, "login").send_keys(login)
        driver.find_element(By.ID, "authorize").click()
        outcome = wait_until(lambda: driver.find_element(By.ID, "result").get_attribute("data-outcome")
                             if driver.find_elements(By.ID, "result") else None, 15)
        seen = time.time()
        checks.check("the callback page says linked", outcome == "linked",
                     (outcome, driver.current_url, (driver.find_element(By.TAG_NAME, "body").text if driver.find_elements(By.TAG_NAME, "body") else "")[:400]))
        # When the callback's answer arrived (the renewal was asked for before it was sent).
        answered = driver.execute_script("""
            const entry = performance.getEntriesByType('navigation')[0];
            return entry ? (performance.timeOrigin + entry.responseStart) / 1000 : null;""") or seen
        checks.check("the callback page is /creator-link/callback", "/creator-link/callback" in driver.current_url, driver.current_url)

        # --- the stand-in: enabled follow/sub/cheer subscriptions for the broadcaster.
        last = {}
        follow_at = {}

        def subscribed():
            last["subs"] = stand_in.subscriptions(twitch_id)
            types = enabled_types(last["subs"])
            if "channel.follow" in types and "follow" not in follow_at:
                follow_at["follow"] = time.time()
            return all(t in types for t in LINKED_TYPES)
        ok = wait_until(subscribed, SUBSCRIPTION_DEADLINE + 10, 0.1)
        if "follow" in follow_at:
            latency = follow_at["follow"] - answered
            metric("callback page → enabled channel.follow subscription", round(latency, 3), "s")
        else:
            latency = None
        checks.check(f"the stand-in lists enabled {', '.join(LINKED_TYPES)} subscriptions for the creator within {SUBSCRIPTION_DEADLINE:.0f} s",
                     ok and latency is not None and latency <= SUBSCRIPTION_DEADLINE,
                     {"seconds": None if latency is None else round(latency, 3), "subscriptions": summary(last.get("subs", []))})
        note("subscriptions after linking: " + ", ".join(summary(last.get("subs", []))))
        status, authorization = stand_in.control("GET", f"/_stand-in/users/{twitch_id}/authorization")
        checks.check("the stand-in: the creator granted our client the scopes", status == 200
                     and "moderator:read:followers" in (authorization or {}).get("scopes", []), (status, authorization))
        driver.close()
        driver.switch_to.window(dashboard_tab)

        # --- alice's row: Linked.
        row = wait_for_badge(driver, login, "linked")
        checks.check("alice's row shows Linked, with Unlink", (row or {}).get("badge") == "Linked" and row.get("unlink")
                     and not row.get("missing"), row)
        status, body = api(api_base, owner, "GET", f"/api/creators/{creator_id}")
        twitch = (body or {}).get("twitch") or {}
        checks.check("server: linked, the scopes granted, nothing missing", twitch.get("status") == "linked"
                     and "bits:read" in twitch.get("scopes", []) and twitch.get("missingScopes") == [] and twitch.get("linkedAt"), twitch)
        screenshot(driver, config, "dashboard-creator-linked.png")

        # --- a follow through the stand-in reaches the live feed.
        driver.execute_script("location.hash = '#/'")
        follower = "LinkFan" + secrets.token_hex(3)
        event = {
            "user_id": str(secrets.randbelow(9_000_000) + 1_000_000), "user_login": follower.lower(), "user_name": follower,
            "broadcaster_user_id": twitch_id, "broadcaster_user_login": login, "broadcaster_user_name": login,
            "followed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        sent = time.time()
        status, answer = stand_in.control("POST", "/_stand-in/trigger", {"type": "channel.follow", "version": "2", "event": event})
        deliveries = (answer or {}).get("deliveries", []) if isinstance(answer, dict) else []
        checks.check("the stand-in delivered the follow to our webhook (2xx)", status == 200 and deliveries
                     and all(200 <= (d.get("status") or 0) < 300 for d in deliveries), (status, answer))
        arrived = wait_until(lambda: [r for r in feed_rows(driver) if r["type"] == "channel.follow" and r["creatorId"] == creator_id
                                      and follower in (r["who"] + " " + r["what"])], FEED_DEADLINE)
        if arrived:
            metric("stand-in trigger → follow in the live feed", round((time.time() - sent) * 1000), "ms")
        checks.check("the follow reaches alice's live feed", arrived, [r for r in feed_rows(driver)][:5])

        # --- event types: chat on (saved, the scopes a new link needs shown), then off again.
        driver.execute_script("location.hash = '#/admin/creators'")
        wait_until(lambda: creator_row(driver, login), 10)
        row_button(driver, login, "details.event-types summary").click()
        row_button(driver, login, "input.event-type[value='channel.chat.message']").click()
        row = wait_until(lambda: (lambda r: r if r and "channel.chat.message" in checked_types(r) and r.get("missing") else None)(
            creator_row(driver, login)), 10)
        checks.check("choosing chat messages saves and shows the missing scopes (a new link is needed)",
                     row and "user:read:chat" in row["missing"], (creator_row(driver, login), status_text(driver)))
        status, body = api(api_base, owner, "GET", f"/api/creators/{creator_id}")
        twitch = (body or {}).get("twitch") or {}
        checks.check("server: chat enabled, its scopes missing, still linked", "channel.chat.message" in twitch.get("eventTypes", [])
                     and "user:read:chat" in twitch.get("missingScopes", []) and twitch.get("status") == "linked", twitch)
        wait_until(lambda: not any(t["disabled"] for t in (creator_row(driver, login) or {}).get("types", [{"disabled": True}])), 5)
        row_button(driver, login, "input.event-type[value='channel.chat.message']").click()
        row = wait_until(lambda: (lambda r: r if r and "channel.chat.message" not in checked_types(r) and not r.get("missing")
                                  and not any(t["disabled"] for t in r["types"]) else None)(creator_row(driver, login)), 10)
        status, body = api(api_base, owner, "GET", f"/api/creators/{creator_id}")
        twitch = (body or {}).get("twitch") or {}
        checks.check("choosing chat off again saves; nothing missing", row and "channel.chat.message" not in twitch.get("eventTypes", [])
                     and twitch.get("missingScopes") == [], (row, twitch))

        # --- the creator disconnects the app on Twitch.
        status, answer = stand_in.control("POST", f"/_stand-in/users/{twitch_id}/disconnect")
        disconnected = time.time()
        revoked_types = sorted({s.get("type") for s in (answer or {}).get("revokedSubscriptions", [])}) if isinstance(answer, dict) else []
        notified = (answer or {}).get("notifications", []) if isinstance(answer, dict) else []
        checks.check("disconnect: the stand-in revoked the follow/sub/cheer subscriptions", status == 200
                     and all(t in revoked_types for t in LINKED_TYPES), (status, revoked_types))
        checks.check("disconnect: user.authorization.revoke reached our webhook (2xx)", notified
                     and all(200 <= (n.get("status") or 0) < 300 for n in notified), notified)

        def not_enabled():
            last["subs"] = stand_in.subscriptions(twitch_id)
            return not any(t in enabled_types(last["subs"]) for t in LINKED_TYPES)
        checks.check("no follow/sub/cheer subscription of the creator is enabled any more", wait_until(not_enabled, 5, 0.25),
                     summary(last.get("subs", [])))

        def removed():
            last["subs"] = stand_in.subscriptions(twitch_id)
            return not any(s["type"] in LINKED_TYPES for s in last["subs"])
        gone = wait_until(removed, REMOVAL_DEADLINE, 0.5)
        elapsed = time.time() - disconnected
        if gone:
            metric("disconnect → follow/sub/cheer subscriptions deleted at the stand-in", round(elapsed, 2), "s")
        checks.check(f"the follow/sub/cheer subscriptions disappear from the stand-in within {REMOVAL_DEADLINE:.0f} s", gone,
                     {"seconds": round(elapsed, 2), "subscriptions": summary(last.get("subs", []))})

        row = wait_for_badge(driver, login, "revoked")
        checks.check("alice's row shows Revoked (the problem as the badge's title), with Unlink",
                     (row or {}).get("badge") == "Revoked" and row.get("unlink"), row)
        note(f"revoked badge title: {(row or {}).get('badgeTitle')}")
        status, body = api(api_base, owner, "GET", f"/api/creators/{creator_id}")
        twitch = (body or {}).get("twitch") or {}
        checks.check("server: revoked, needs relink", twitch.get("status") == "revoked" and twitch.get("needsRelink") is True, twitch)
        screenshot(driver, config, "dashboard-creator-revoked.png")

        # --- Unlink forgets the revoked link.
        row_button(driver, login, "button.unlink").click()
        question = accept_confirm(driver)
        checks.check("Unlink asks first, naming the creator", login in question, question)
        row = wait_for_badge(driver, login, "unlinked", 10)
        checks.check("after Unlink the row shows Not linked, no Unlink button", (row or {}).get("badge") == "Not linked"
                     and not row.get("unlink") and row.get("copyLink"), (row, status_text(driver)))
        status, body = api(api_base, owner, "GET", f"/api/creators/{creator_id}")
        checks.check("server: unlinked", ((body or {}).get("twitch") or {}).get("status") == "unlinked", body)
        no_csp_violations(checks, driver, "alice")
    finally:
        driver.quit()


SCENARIOS = {"link": scenario_link}

if __name__ == "__main__":
    run(lambda config, checks: SCENARIOS[config["scenario"]](config, checks))
