#!/usr/bin/env python3
"""Real-browser scenario for creators on YouTube, Rumble and Twitch, run by
Tests/DashboardTests/PlatformsBrowserTests.swift.

    python3 Tests/DashboardTests/browser/platforms_browser.py <config.json>

Scenario `platforms` (Northwind Talent, alice its owner):
1. The YouTube stand-in gets two channels (one whose name is markup), the Rumble stand-in an
   account with a channel key. Through the REST API (owner token) a YouTube-only creator (by its
   channel URL) and a Rumble-only creator (channel URL + the stand-in's livestream API URL) are
   added; the key never comes back.
2. alice signs in and, on the Creators page, adds the second YouTube channel to a Twitch creator
   with "Add channel" (a reference the API refuses first: its error message is shown).
3. `youtube-subscriptions` (asked of the Swift side) subscribes both YouTube channels at the
   stand-in's hub. On the live view: the stand-in's broadcasts go live and its hub pushes them
   (`youtube-webhook` → `youtube-status` → ingest → relay): each tile shows its YouTube badge live
   within LIVE_DEADLINE; the time from the go-live call to the tile is printed for both go-lives.
   The Rumble account goes live and `rumble-status` polls it; a Twitch creator goes live by
   a signed EventSub notification (and at the Twitch stand-in).
4. Every one of those tiles is live with the right platform badges (text, class, label), live
   tiles first; the feed names each row's platform; the hostile channel name and stream title are
   text everywhere; the REST API agrees.
5. alice removes the live YouTube channel of the Twitch creator on the Creators page (confirmed):
   the row, the server and the tile (Twitch only, offline) agree. No CSP violations throughout.
"""

import secrets
import string
import time

from ccr_browser import api, metric, new_driver, note, post_delivery, request, run, wait_until
from admin_pages_browser import accept_confirm, sign_in_alice, status_text
from signin_browser import http, no_csp_violations, screenshot, text_of, wait_live

from selenium.webdriver.common.by import By

HOSTILE = "<img src=x onerror=window.__ccrxss=1>"
LIVE_DEADLINE = 30.0       # YouTube: push → webhook → job worker (started on demand) → ingest → relay → tile
SUBSCRIBE_DEADLINE = 90.0  # youtube-subscriptions → hub → verification of intent → active
RUMBLE_DEADLINE = 150.0    # rumble-status runs every 60 s (and when asked here)
TWITCH_DEADLINE = 5.0


def youtube_channel_id():
    alphabet = string.ascii_letters + string.digits
    return "UC" + "".join(secrets.choice(alphabet) for _ in range(22))


def stand_in(config, key, method, path, body=None):
    status, parsed, text = http(method, config[key].rstrip("/") + path, body=body)
    return status, parsed if parsed is not None else text


def tiles(driver):
    return driver.execute_script("""
        return [...document.querySelectorAll('#grid .tile')].map(t => ({
          id: t.dataset.creatorId, live: t.dataset.live, name: t.querySelector('.tile-name').textContent,
          title: t.querySelector('.tile-title').textContent, viewers: t.querySelector('.tile-viewers').textContent,
          channels: [...t.querySelectorAll('.tile-channels .channel-badge')].map(b => ({
            platform: b.dataset.platform, channelId: b.dataset.channelId, live: b.dataset.live, text: b.textContent,
            label: b.getAttribute('aria-label'), tooltip: b.getAttribute('title'), classes: b.className })) }));""") or []


def tile(driver, creator_id):
    return next((t for t in tiles(driver) if t["id"] == creator_id), None)


def badge(found, platform):
    return next((c for c in (found or {}).get("channels", []) if c["platform"] == platform), None)


def badge_live(driver, creator_id, platform):
    found = tile(driver, creator_id)
    b = badge(found, platform)
    return found if found and found["live"] == "true" and b and b["live"] == "true" else None


def feed_rows(driver):
    return driver.execute_script("""
        return [...document.querySelectorAll('#feed .feed-item')].map(r => ({
          id: Number(r.dataset.eventId), type: r.dataset.type, creatorId: r.dataset.creatorId, platform: r.dataset.platform,
          platformText: r.querySelector('.feed-platform')?.textContent ?? null,
          who: r.querySelector('.feed-who').textContent, what: r.querySelector('.feed-what').textContent }));""") or []


def online_row(driver, creator_id, platform):
    return next((r for r in feed_rows(driver) if r["type"] == "stream.online" and r["creatorId"] == creator_id and r["platform"] == platform), None)


def admin_row(driver, creator_id):
    return driver.execute_script("""
        const tr = document.querySelector(`#creators-table tr[data-creator-id="${arguments[0]}"]`);
        if (!tr) return null;
        return { text: tr.textContent, channels: [...tr.querySelectorAll('.channel-item')].map(li => ({
          platform: li.dataset.platform, channelId: li.dataset.channelId, rowId: li.dataset.channelRowId,
          name: li.querySelector('.channel-name')?.textContent ?? '', removable: !!li.querySelector('button.remove-channel') })) };""",
                                 creator_id)


def add_channel_in_page(driver, creator_id, reference):
    """Opens the row's "Add channel", types the reference and submits."""
    row = f'#creators-table tr[data-creator-id="{creator_id}"]'
    details = driver.find_element(By.CSS_SELECTOR, f"{row} details.channel-add")
    if not details.get_attribute("open"):
        details.find_element(By.TAG_NAME, "summary").click()
    field = driver.find_element(By.CSS_SELECTOR, f"{row} form.channel-add-form input[name=channel]")
    field.clear()
    field.send_keys(reference)
    driver.find_element(By.CSS_SELECTOR, f"{row} form.channel-add-form button[type=submit]").click()


def active_subscriptions(config):
    status, body = stand_in(config, "youtubeStandInUrl", "GET", "/_stand-in/subscriptions")
    return {s["channel_id"] for s in (body or {}).get("subscriptions", []) if s.get("active")} if status == 200 else set()


def scenario_platforms(config, checks):
    url = config["dashboardUrl"]
    api_base = config["apiBase"]
    owner = config["ownerToken"]
    tag = secrets.token_hex(3)
    pixel = config["companyA"]["creators"][0]  # a Twitch creator who gets a YouTube channel in the page
    twitch = config["twitchCreator"]

    # --- 1. the stand-ins' channels, and two creators through the REST API.
    skyline = {"id": youtube_channel_id(), "handle": f"skyline{tag}", "title": f"{HOSTILE} Skyline {tag}"}
    pixel_yt = {"id": youtube_channel_id(), "handle": f"pixelyt{tag}", "title": f"Pixel on YouTube {tag}"}
    for channel in (skyline, pixel_yt):
        status, body = stand_in(config, "youtubeStandInUrl", "POST", "/_stand-in/channels", channel)
        checks.check(f"YouTube stand-in: channel @{channel['handle']} made", status == 201, (status, body))
    status, account = stand_in(config, "rumbleStandInUrl", "POST", "/_stand-in/accounts",
                               {"username": f"prairie_{tag}", "channel_name": f"Prairie{tag}"})
    checks.check("Rumble stand-in: an account with a channel key", status == 201 and (account or {}).get("api_url"), (status, account))
    account = account if isinstance(account, dict) else {}

    status, yt_creator = api(api_base, owner, "POST", "/api/creators",
                             {"displayName": f"Skyline {tag}", "channel": f"https://www.youtube.com/@{skyline['handle']}", "topics": ["music"]})
    yt_channels = (yt_creator or {}).get("channels") or []
    checks.check("REST: a YouTube-only creator added by its channel URL (201, the channel resolved through the Data API)",
                 status == 201 and [c.get("platform") for c in yt_channels] == ["youtube"] and yt_channels[0].get("channelId") == skyline["id"],
                 (status, yt_creator))
    status, rumble_creator = api(api_base, owner, "POST", "/api/creators",
                                 {"displayName": f"Prairie {tag}", "channel": f"https://rumble.com/c/Prairie{tag}", "apiUrl": account.get("api_url", "")})
    checks.check("REST: a Rumble-only creator added with its livestream API URL (201)",
                 status == 201 and [c.get("platform") for c in (rumble_creator or {}).get("channels") or []] == ["rumble"], (status, rumble_creator))
    checks.check("REST: the Rumble key is not in the answer", account.get("key") and account["key"] not in str(rumble_creator), "")
    yt_id = (yt_creator or {}).get("id", "")
    rumble_id = (rumble_creator or {}).get("id", "")

    alice = new_driver()
    try:
        # --- 2. "Add channel" on the Creators page.
        sign_in_alice(alice, checks, url, "creators")
        checks.check("Creators page: every creator listed, with its channels (a deep link too)",
                     wait_until(lambda: all(admin_row(alice, i) for i in (pixel["id"], yt_id, rumble_id)), 15), text_of(alice, "#creators-table"))
        add_channel_in_page(alice, pixel["id"], "https://example.com/not-a-channel")
        refused = wait_until(lambda: alice.execute_script(
            "return document.querySelector('#admin-body .status.error')?.textContent || null"), 15)
        _, expected = api(api_base, owner, "POST", f"/api/creators/{pixel['id']}/channels", {"channel": "https://example.com/not-a-channel"})
        message = ((expected or {}).get("error") or {}).get("message") or "?"
        checks.check("Add channel: a reference the API refuses shows the API's error message", refused and message in refused, (refused, message))
        add_channel_in_page(alice, pixel["id"], f"https://www.youtube.com/@{pixel_yt['handle']}")
        row = wait_until(lambda: (lambda r: r if r and any(c["platform"] == "youtube" for c in r["channels"]) else None)(admin_row(alice, pixel["id"])), 20)
        yt_item = next((c for c in (row or {}).get("channels", []) if c["platform"] == "youtube"), None)
        checks.check("Add channel: the row lists the YouTube channel next to Twitch, removable (Twitch is not)",
                     yt_item and yt_item["channelId"] == pixel_yt["id"] and yt_item["removable"]
                     and any(c["platform"] == "twitch" and not c["removable"] for c in row["channels"]), row or status_text(alice))
        status, server = api(api_base, owner, "GET", f"/api/creators/{pixel['id']}")
        checks.check("server: the creator has its Twitch and YouTube channels",
                     status == 200 and [c.get("platform") for c in server.get("channels", [])] == ["twitch", "youtube"], (status, server))
        sky_row = wait_until(lambda: admin_row(alice, yt_id), 10)
        checks.check("the hostile YouTube channel name is text on the Creators page",
                     sky_row and any(c["name"] == skyline["title"] for c in sky_row["channels"]), sky_row)
        status, platforms = api(api_base, owner, "GET", "/api/platforms")
        remaining = str(((platforms or {}).get("youtube") or {}).get("quota", {}).get("remaining", "?"))
        alice.find_element(By.CSS_SELECTOR, "#creators-refresh").click()  # the count moved since the page opened
        quota_line = wait_until(lambda: (lambda text: text if text and remaining in text else None)(alice.execute_script(
            "return document.querySelector('#youtube-quota')?.textContent || null")), 10) or text_of(alice, "#youtube-quota")
        checks.check("Creators page: today's YouTube quota left, as GET /api/platforms counts it",
                     status == 200 and quota_line and "units left" in quota_line and remaining in quota_line, (quota_line, platforms))
        rumble_field = alice.find_element(By.CSS_SELECTOR, "#creator-add-form input[name=apiUrl]")
        alice.find_element(By.CSS_SELECTOR, "#creator-add-form input[name=login]").send_keys("https://rumble.com/c/Someone")
        checks.check("the add form asks for the livestream API URL for a Rumble channel", wait_until(rumble_field.is_displayed, 5))

        # --- 3. subscriptions at the hub, then the live view.
        request(config, "enqueue-youtube-subscriptions")
        wanted = {skyline["id"], pixel_yt["id"]}
        subscribed = wait_until(lambda: wanted <= active_subscriptions(config), SUBSCRIBE_DEADLINE / 2, 0.25)
        if not subscribed:
            request(config, "enqueue-youtube-subscriptions")
            subscribed = wait_until(lambda: wanted <= active_subscriptions(config), SUBSCRIBE_DEADLINE / 2, 0.25)
        checks.check("youtube-subscriptions: both channels subscribed and verified at the hub", subscribed, sorted(active_subscriptions(config)))

        alice.execute_script("location.hash = '#/'")
        checks.check("alice: the live view, connected", wait_live(alice) and wait_until(lambda: tile(alice, yt_id), 10), text_of(alice, "#connection-text"))

        stream_title = f"{HOSTILE} live {tag}"
        for label, channel, creator_id, title, viewers in (
                ("1st go-live", skyline, yt_id, stream_title, 1234),
                ("2nd go-live", pixel_yt, pixel["id"], f"Pixel live on YouTube {tag}", 56)):
            started = time.time()
            status, body = stand_in(config, "youtubeStandInUrl", "POST", f"/_stand-in/channels/{channel['id']}/live",
                                    {"title": title, "concurrent_viewers": viewers})
            checks.check(f"YouTube stand-in: @{channel['handle']} goes live (pushed to its subscribers)",
                         status == 201 and (body or {}).get("delivery_ids"), (status, body))
            shown = wait_until(lambda: badge_live(alice, creator_id, "youtube"), LIVE_DEADLINE + 10, 0.01)
            elapsed = time.time() - started
            if shown:
                metric(f"YouTube push → tile live ({label})", round(elapsed * 1000), "ms")
            checks.check(f"YouTube ({label}): the tile shows the channel live within {LIVE_DEADLINE:.0f} s",
                         shown and elapsed <= LIVE_DEADLINE, f"{elapsed * 1000:.0f} ms" if shown else tile(alice, creator_id))

        status, body = stand_in(config, "rumbleStandInUrl", "POST", f"/_stand-in/accounts/{account.get('id', '')}/live",
                                {"title": f"Storm chasing {tag}", "watching_now": 342})
        checks.check("Rumble stand-in: the channel goes live", status == 200, (status, body))
        deadline = time.time() + RUMBLE_DEADLINE
        shown = None
        while not shown and time.time() < deadline:
            request(config, "enqueue-rumble-status")
            shown = wait_until(lambda: badge_live(alice, rumble_id, "rumble"), 15, 0.05)
        checks.check(f"Rumble: rumble-status polls the channel and its tile shows live within {RUMBLE_DEADLINE:.0f} s", shown,
                     tile(alice, rumble_id))

        status, body = stand_in(config, "twitchStandInUrl", "POST", "/_stand-in/streams",
                                {"user_id": twitch["twitchUserId"], "title": "Speedrun practice, any%", "game_name": "Celeste", "viewer_count": 2150})
        checks.check("Twitch stand-in: the stream is live (status reconciliation agrees)", status == 200, (status, body))
        status, _ = post_delivery(config["twitchOnline"])
        post_delivery(config["twitchTitle"])
        checks.check("Twitch: stream.online accepted", 200 <= status < 300, status)
        checks.check("Twitch: the tile shows the channel live", wait_until(lambda: badge_live(alice, twitch["id"], "twitch"), TWITCH_DEADLINE, 0.01),
                     tile(alice, twitch["id"]))

        # --- 4. the grid, the feed, escaping.
        time.sleep(0.5)
        sky, rum, tw, px = (tile(alice, i) for i in (yt_id, rumble_id, twitch["id"], pixel["id"]))
        checks.check("YouTube-only tile: live, one YouTube badge (text, class, label)",
                     sky and sky["live"] == "true" and [c["platform"] for c in sky["channels"]] == ["youtube"]
                     and sky["channels"][0]["text"].startswith("YouTube") and "platform-youtube" in sky["channels"][0]["classes"]
                     and sky["channels"][0]["label"].startswith("YouTube") and "live" in sky["channels"][0]["label"], sky)
        checks.check("YouTube-only tile: the viewers of the go-live (1,234)", sky and "1,234" in sky["viewers"], sky)
        checks.check("Rumble-only tile: live, one Rumble badge",
                     rum and rum["live"] == "true" and [c["platform"] for c in rum["channels"]] == ["rumble"]
                     and rum["channels"][0]["text"].startswith("Rumble") and "platform-rumble" in rum["channels"][0]["classes"], rum)
        checks.check("Twitch tile: live, one Twitch badge",
                     tw and tw["live"] == "true" and [c["platform"] for c in tw["channels"]] == ["twitch"]
                     and tw["channels"][0]["text"].startswith("Twitch") and "platform-twitch" in tw["channels"][0]["classes"], tw)
        checks.check("Twitch + YouTube tile: live because YouTube is (Twitch badge offline, YouTube live)",
                     px and px["live"] == "true" and [(c["platform"], c["live"]) for c in px["channels"]] == [("twitch", "false"), ("youtube", "true")], px)
        order = [t["id"] for t in tiles(alice)]
        live_ids = {yt_id, rumble_id, twitch["id"], pixel["id"]}
        checks.check("live tiles first", set(order[:4]) == live_ids, order)
        count = text_of(alice, "#grid-count") or ""
        checks.check("the count says 4 live", count.startswith("4 live"), count)

        checks.check("the hostile stream title is the tile's title, as text", sky and sky["title"] == stream_title, sky)
        checks.check("the hostile channel name and title are in the badge's label as text",
                     sky and skyline["title"] in (sky["channels"][0]["label"] or "") and stream_title in (sky["channels"][0]["tooltip"] or ""), sky)
        for creator_id, platform, text in ((yt_id, "youtube", "YouTube"), (rumble_id, "rumble", "Rumble"), (twitch["id"], "twitch", "Twitch")):
            row = wait_until(lambda: online_row(alice, creator_id, platform), 5)
            checks.check(f"feed: the go-live row names {text}", row and row["platformText"] == text, row)
        row = online_row(alice, yt_id, "youtube") or {}
        checks.check("feed: the YouTube go-live shows its title as text", row.get("what") == "went live: " + stream_title, row)
        probe = alice.execute_script("""
            return { injected: document.querySelectorAll('#grid img, #feed img, #grid script, #feed script, #grid iframe, #feed iframe, '
                                                         + '.tile-title *, .tile-last *, .feed-what *, .feed-who *, .channel-badge img').length,
                     flag: window.__ccrxss === undefined ? null : window.__ccrxss };""")
        checks.check("nothing from the markup became an element or ran", probe["injected"] == 0 and probe["flag"] is None, probe)

        status, listing = api(api_base, owner, "GET", "/api/creators")
        live_channels = {(c["id"], ch["platform"]) for c in (listing or {}).get("data", []) for ch in c.get("channels", []) if ch.get("live")}
        checks.check("server: the YouTube, Rumble and Twitch channels are live",
                     {(yt_id, "youtube"), (rumble_id, "rumble"), (twitch["id"], "twitch"), (pixel["id"], "youtube")} <= live_channels,
                     sorted(live_channels))

        alice.execute_script("window.scrollTo(0, 0); document.activeElement?.blur()")
        screenshot(alice, config, "dashboard-platforms.png")

        # --- 5. removing the live YouTube channel on the Creators page: the tile is Twitch-only and offline.
        alice.execute_script("location.hash = '#/admin/creators'")
        button = wait_until(lambda: alice.find_element(
            By.CSS_SELECTOR, f'#creators-table tr[data-creator-id="{pixel["id"]}"] li.channel-item[data-platform=youtube] button.remove-channel'), 10)
        button.click()
        question = accept_confirm(alice)
        checks.check("Remove asks first, naming the channel", "YouTube" in (question or "") and pixel["displayName"] in (question or ""), question)
        gone = wait_until(lambda: (lambda r: r and [c["platform"] for c in r["channels"]] == ["twitch"])(admin_row(alice, pixel["id"])), 15)
        checks.check("Remove: the row lists the Twitch channel only", gone, admin_row(alice, pixel["id"]) or status_text(alice))
        status, server = api(api_base, owner, "GET", f"/api/creators/{pixel['id']}")
        checks.check("server: the YouTube channel is gone", status == 200 and [c.get("platform") for c in server.get("channels", [])] == ["twitch"],
                     (status, server))
        alice.execute_script("location.hash = '#/'")
        after = wait_until(lambda: (lambda t: t if t and t["live"] == "false" and [c["platform"] for c in t["channels"]] == ["twitch"] else None)(
            tile(alice, pixel["id"])), 10)
        checks.check("the tile shows only Twitch and is offline", after, tile(alice, pixel["id"]))
        no_csp_violations(checks, alice, "alice")
    finally:
        alice.quit()


if __name__ == "__main__":
    run(lambda config, checks: scenario_platforms(config, checks))
