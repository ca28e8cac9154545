#!/usr/bin/env python3
"""Real-browser scenario for the notifications page, run by
Tests/DashboardTests/NotificationsBrowserTests.swift.

    python3 Tests/DashboardTests/browser/notifications_browser.py <config.json>

Scenario `notifications`: alice (owner) signs in through the OIDC stand-in and opens
#/admin/notifications. A webhook is made on the Discord stand-in (its control endpoint); she
creates a Discord destination with that URL and a go-live title template in the form; the row
shows the kind, the URL hint (never the URL) and "enabled". Preview shows the embed title as
rendered by the server; Send test queues a message: the delivery log shows it `delivered`
(attempts, response code, latency) and the stand-in received exactly one message, whose embed
title is the previewed one. A destination whose name and template carry markup
(`<img src=x onerror=…>`, made through the API) is listed and previewed as text, nothing runs;
Delete (confirmed) removes it in the page and on the server.

Every check looks at the page (DOM) and at the servers (the stand-in's control endpoints, the
REST API with the owner's development token).
"""

import secrets
import time
import urllib.parse

from ccr_browser import api, metric, new_driver, run, wait_until
from admin_pages_browser import accept_confirm, row_where, rows, sign_in_alice, status_text
from signin_browser import admin_links, http, no_csp_violations, screenshot, text_of

from selenium.webdriver.common.by import By

DELIVERY_DEADLINE = 20.0  # queued → delivered at the stand-in (the p99 is 1 s; the page polls every second)
HOSTILE = "<img src=x onerror=window.__ccrxss=1>"


def make_webhook(config, checks, name):
    """A webhook on the Discord stand-in: (id, url)."""
    status, body, _ = http("POST", config["discordStandInUrl"].rstrip("/") + "/_stand-in/webhooks", body={"name": name})
    checks.check(f"stand-in: webhook {name} made", status == 201 and (body or {}).get("url"), (status, body))
    return (body or {}).get("id"), (body or {}).get("url", "")


def stand_in_messages(config, webhook_id):
    query = urllib.parse.urlencode({"webhook_id": webhook_id})
    status, body, _ = http("GET", config["discordStandInUrl"].rstrip("/") + "/_stand-in/messages?" + query)
    return (body or {}).get("messages", []) if status == 200 else None


def message_titles(message):
    """The embed titles of a message the stand-in recorded (its raw body, parsed or not)."""
    body = message.get("body", message)
    if isinstance(body, str):
        import json
        try:
            body = json.loads(body)
        except ValueError:
            return []
    return [embed.get("title") for embed in (body or {}).get("embeds", []) if isinstance(embed, dict)]


def click_row_button(driver, destination_id, css_class):
    driver.find_element(By.CSS_SELECTOR, f"#notifications-table tr[data-destination-id='{destination_id}'] button.{css_class}").click()


def preview_title(driver):
    return text_of(driver, "#notification-preview .preview-title")


def scenario_notifications(config, checks):
    url = config["dashboardUrl"]
    tag = secrets.token_hex(3)
    name = f"Go-live channel {tag}"
    title_template = "Go-live alert for {creator.displayName}"
    alice = new_driver()
    try:
        sign_in_alice(alice, checks, url, "notifications")
        checks.check("owner: the admin menu has Notifications", "Notifications" in admin_links(alice), admin_links(alice))
        form = wait_until(lambda: alice.find_elements(By.ID, "notification-form"), 10)
        checks.check("owner: the notifications page with its form", form and text_of(alice, "#admin-body h1") == "Notifications",
                     text_of(alice, "#admin-body h1"))
        kinds = [o.get_attribute("value") for o in alice.find_elements(By.CSS_SELECTOR, "#notification-kind option")]
        checks.check("the form offers discord, slack and webhook", kinds == ["discord", "slack", "webhook"], kinds)

        # --- create a Discord destination pointing at a stand-in webhook.
        webhook_id, webhook_url = make_webhook(config, checks, "go-live-" + tag)
        alice.find_element(By.ID, "notification-name").send_keys(name)
        alice.find_element(By.ID, "notification-url").send_keys(webhook_url)
        alice.find_element(By.ID, "notification-title").send_keys(title_template)
        alice.find_element(By.CSS_SELECTOR, "#notification-form button[type=submit]").click()
        listed = wait_until(lambda: next((r for r in rows(alice, "notifications-table") if r["cells"][0] == name), None), 10)
        checks.check("the destination is listed: discord, enabled, go-live, all creators, 10 min",
                     listed and listed["kind"] == "discord" and listed["state"] == "enabled" and listed["cells"][3] == "Goes live"
                     and listed["cells"][4] == "all creators" and listed["cells"][5] == "10 min", listed or status_text(alice))
        destination_id = (listed or {}).get("destinationId", "")
        webhook_token = webhook_url.rstrip("/").rsplit("/", 1)[-1]
        checks.check("the page shows a URL hint, never the webhook's token", listed and listed["cells"][2] and webhook_token not in listed["cells"][2],
                     (listed or {}).get("cells"))
        checks.check("no signing secret for a Discord destination", not alice.find_element(By.ID, "notification-secret").is_displayed())
        status, server = api(config["apiBase"], config["ownerToken"], "GET", f"/api/notifications/destinations/{destination_id}")
        checks.check("server: the destination as created (template, cooldown 600 s, no URL)",
                     status == 200 and server["name"] == name and server["kind"] == "discord" and server["cooldownSeconds"] == 600
                     and server["templates"].get("stream.online", {}).get("title") == title_template and webhook_token not in str(server),
                     (status, server))

        # --- preview: the embed title as the server renders it.
        click_row_button(alice, destination_id, "preview-destination")
        title = wait_until(lambda: preview_title(alice), 10) or ""
        checks.check("Preview shows the rendered embed title", title.startswith("Go-live alert for ") and "{" not in title, title)
        body_text = text_of(alice, "#notification-preview pre") or ""
        checks.check("the preview carries the exact body (allowed_mentions included)", "allowed_mentions" in body_text, body_text[:300])
        screenshot(alice, config, "dashboard-notifications.png")

        # --- send a test: delivered once, shown in the log.
        click_row_button(alice, destination_id, "test-destination")
        clicked = time.time()

        def delivered():
            found = rows(alice, "notification-deliveries")
            if not found or found[0].get("status") != "delivered":
                if time.time() - clicked > 15:  # the page polls by itself; Refresh log is the user's way too
                    alice.find_element(By.ID, "notification-deliveries-refresh").click()
                return None
            return found[0]
        log_row = wait_until(delivered, DELIVERY_DEADLINE, 0.25)
        checks.check("the delivery log shows the test delivered (attempts 1, a 2xx response, a latency)",
                     log_row and log_row["cells"][2] == "delivered" and log_row["cells"][3] == "1" and log_row["cells"][4].startswith("2")
                     and log_row["cells"][5].endswith(" ms") and "test" in log_row["cells"][1],
                     log_row or rows(alice, "notification-deliveries") or status_text(alice))
        if log_row:
            metric("Send test click → delivered in the page", round((time.time() - clicked) * 1000), "ms")
        messages = wait_until(lambda: stand_in_messages(config, webhook_id), 5) or []
        time.sleep(1.0)  # a duplicate would arrive right after the first
        messages = stand_in_messages(config, webhook_id) or []
        checks.check("the stand-in received exactly one message", len(messages) == 1, len(messages))
        titles = message_titles(messages[0]) if messages else []
        checks.check("its embed title is the previewed one", titles == [title], (titles, title))

        # --- markup in a name and a template is text.
        hostile_webhook_id, hostile_url = make_webhook(config, checks, "hostile-" + tag)
        hostile_name = f"{HOSTILE} {tag}"
        status, created = api(config["apiBase"], config["ownerToken"], "POST", "/api/notifications/destinations", {
            "kind": "discord", "name": hostile_name, "url": hostile_url,
            "templates": {"stream.online": {"title": HOSTILE + " {creator.displayName}", "description": "<b>bold?</b>"}}})
        checks.check("server: a destination named with markup is accepted (API)", status == 201, (status, created))
        hostile_id = (created or {}).get("id", "")
        alice.find_element(By.ID, "notifications-refresh").click()
        shown = wait_until(lambda: row_where(alice, "notifications-table", "destinationId", hostile_id), 10)
        checks.check("the hostile name is shown as text", shown and shown["cells"][0] == hostile_name, shown)
        click_row_button(alice, hostile_id, "preview-destination")
        hostile_title = wait_until(lambda: (preview_title(alice) or "").startswith("<img") and preview_title(alice), 10) or preview_title(alice)
        checks.check("the hostile template previews as text", (hostile_title or "").startswith(HOSTILE), hostile_title)
        ran = alice.execute_script("return window.__ccrxss || document.querySelectorAll('#admin-body img, #admin-body b').length")
        checks.check("nothing from the markup ran or became an element", not ran, ran)

        # --- delete it in the page.
        click_row_button(alice, hostile_id, "delete-destination")
        question = accept_confirm(alice)
        checks.check("Delete asks first, naming the destination", hostile_name in (question or ""), question)
        gone = wait_until(lambda: row_where(alice, "notifications-table", "destinationId", hostile_id) is None, 10)
        checks.check("the page no longer lists it, nor shows its preview", gone and not alice.find_element(By.ID, "notification-detail").is_displayed())
        status, _ = api(config["apiBase"], config["ownerToken"], "GET", f"/api/notifications/destinations/{hostile_id}")
        checks.check("server: deleted (404)", status == 404, status)
        checks.check("the stand-in got nothing for the deleted one", stand_in_messages(config, hostile_webhook_id) == [])
        checks.check("the first destination is still listed", row_where(alice, "notifications-table", "destinationId", destination_id) is not None)
        no_csp_violations(checks, alice, "alice")
    finally:
        alice.quit()


if __name__ == "__main__":
    run(lambda config, checks: scenario_notifications(config, checks))
