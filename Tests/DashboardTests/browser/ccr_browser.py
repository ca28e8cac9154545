"""Shared helpers for the dashboard's real-browser tests and benchmark.

Headless Chromium from Debian (`chromium`, `chromium-driver`) driven by Selenium 4 from PyPI.
The Swift tests start these scripts as child processes with one JSON config file; a script
prints JSON lines on stdout:

    {"type": "check", "name": ..., "ok": true|false, "detail": ...}   one assertion
    {"type": "metric", "name": ..., "value": ..., "unit": ...}         one measured number
    {"type": "request", "action": ..., "id": ...}                       ask the Swift side to act
    {"type": "note", "text": ...}                                       anything worth printing
    {"type": "done"} / {"type": "error", "text": ...}                   the end

A request (stop the relay, start it again) is answered by the Swift side creating the file
`<workDirectory>/<id>.done` (or `<id>.failed` with a reason inside).
"""

import json
import os
import signal
import sys
import time
import traceback
import urllib.error
import urllib.request

CHROMIUM = os.environ.get("CCR_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CCR_CHROMEDRIVER", "/usr/bin/chromedriver")


def emit(record):
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def note(text):
    emit({"type": "note", "text": text})


def metric(name, value, unit=""):
    emit({"type": "metric", "name": name, "value": value, "unit": unit})


class Checks:
    """Records assertions without stopping at the first failure (a browser run is expensive)."""

    def __init__(self):
        self.failures = 0

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        if not ok:
            self.failures += 1
        emit({"type": "check", "name": name, "ok": ok, "detail": detail if isinstance(detail, str) else json.dumps(detail)})
        return ok


def load_config():
    with open(sys.argv[1], "r", encoding="utf-8") as handle:
        return json.load(handle)


_request_counter = [0]


def request(config, action, timeout=60):
    """Asks the Swift side to do something (e.g. stop-relay) and waits until it is done."""
    _request_counter[0] += 1
    request_id = f"request-{_request_counter[0]}-{action}"
    emit({"type": "request", "action": action, "id": request_id})
    done = os.path.join(config["workDirectory"], request_id + ".done")
    failed = os.path.join(config["workDirectory"], request_id + ".failed")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(done):
            return
        if os.path.exists(failed):
            with open(failed, "r", encoding="utf-8") as handle:
                raise RuntimeError(f"{action} failed: {handle.read()}")
        time.sleep(0.02)
    raise RuntimeError(f"{action}: no answer within {timeout} s")


def post_delivery(delivery):
    """POSTs a pre-signed EventSub delivery; returns (status, wall-clock seconds when answered)."""
    body = delivery["body"].encode("utf-8")
    req = urllib.request.Request(delivery["url"], data=body, method="POST")
    for name, value in delivery["headers"]:
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            response.read()
            return response.status, time.time()
    except urllib.error.HTTPError as error:
        return error.code, time.time()


def api(base, token, method, path, body=None):
    """A REST call as the given token; returns (status, parsed JSON or None)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, None


def new_driver(width=1600, height=1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in [
        "--headless=new",
        "--no-sandbox",  # tests run as root in containers
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        f"--window-size={width},{height}",
        "--lang=en-US",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_script_timeout(30)
    return driver


def wait_until(predicate, timeout=10.0, interval=0.02):
    """Polls `predicate` until it returns a truthy value; returns it (or the last falsy value)."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        try:
            value = predicate()
        except Exception:  # the page may be mid-render; try again
            value = None
        if value:
            return value
        time.sleep(interval)
    return value


def console_errors(driver):
    """Browser console errors (CSP violations show up here)."""
    try:
        return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    except Exception:
        return []


def run(main):
    """Runs a scenario function with the config; prints done/error and exits non-zero on failures."""
    # SIGTERM (the Swift side's timeout) unwinds normally, so every `finally: driver.quit()` runs
    # and no Chromium is left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    config = load_config()
    checks = Checks()
    try:
        main(config, checks)
    except Exception as error:  # report, so the Swift side can show it
        emit({"type": "error", "text": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()})
        sys.exit(2)
    emit({"type": "done", "failures": checks.failures})
    sys.exit(1 if checks.failures else 0)
