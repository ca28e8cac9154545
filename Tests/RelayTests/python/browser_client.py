"""The official JavaScript socket.io-client v4 in headless Chromium (Debian's chromium and
chromium-driver, Selenium from PyPI) against the relay. The client's browser build is loaded
from the PyPI package that ships it (see browser-client.txt), served with a test page from a
throwaway loopback HTTP server. Prints JSON lines:

  {"type":"check","name":…,"ok":…,"detail":…}   one assertion
  {"type":"request","action":"publish"|"restart","id":…}   the Swift side acts, then creates <workDirectory>/<id>.done
  {"type":"done","failures":N} / {"type":"error","text":…}

Config (JSON file, argv[1]): relayURL, token, badToken, shortToken, workDirectory.
"""
import http.server
import importlib.util
import json
import os
import sys
import threading
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

config = json.load(open(sys.argv[1], encoding="utf-8"))
failures = 0
request_counter = 0


def emit(record):
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def check(name, ok, detail=""):
    global failures
    if not ok:
        failures += 1
    emit({"type": "check", "name": name, "ok": bool(ok), "detail": json.dumps(detail)})


def request(action):
    global request_counter
    request_counter += 1
    ident = f"r{request_counter}"
    emit({"type": "request", "action": action, "id": ident})
    path = os.path.join(config["workDirectory"], ident + ".done")
    deadline = time.time() + 60
    while not os.path.exists(path):
        if time.time() > deadline:
            raise RuntimeError(f"request {action} not answered")
        time.sleep(0.05)


def client_script_path():
    spec = importlib.util.find_spec("nicegui")
    return os.path.join(list(spec.submodule_search_locations)[0], "static", "socket.io.min.js")


PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><script src="/socket.io.min.js"></script></head>
<body><script>
window.sockets = {};
window.open_socket = function (name, options) {
  const record = {connects: 0, events: [], errors: [], disconnects: [], recovered: [], transports: []};
  const socket = io(window.RELAY, Object.assign({reconnectionDelay: 200, reconnectionDelayMax: 1000}, options));
  record.socket = socket;
  socket.on("connect", () => { record.connects += 1; record.recovered.push(socket.recovered); record.transports.push(socket.io.engine.transport.name); });
  socket.on("event", (...args) => { record.events.push({id: args[0].id, args: args.length}); record.lastId = args[0].id; });
  socket.on("connect_error", (error) => { record.errors.push(error.message); });
  socket.on("disconnect", (reason) => { record.disconnects.push(reason); });
  window.sockets[name] = record;
};
window.state = function (name) {
  const r = window.sockets[name];
  return {connects: r.connects, events: r.events, errors: r.errors, disconnects: r.disconnects, recovered: r.recovered,
          transports: r.transports, transport: r.socket.io.engine ? r.socket.io.engine.transport.name : null,
          connected: r.socket.connected, active: r.socket.active};
};
</script></body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/socket.io.min.js":
            body = open(client_script_path(), "rb").read()
            kind = "text/javascript"
        else:
            body = PAGE
            kind = "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    version = open(client_script_path(), encoding="utf-8").read(200)
    check("client build is socket.io-client v4", "Socket.IO v4." in version, version[:40])
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CCR_CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CCR_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        driver.execute_script("window.RELAY = arguments[0];", config["relayURL"])

        def state(name):
            return driver.execute_script("return window.state(arguments[0]);", name)

        def wait(name, condition, seconds=20):
            deadline = time.time() + seconds
            current = state(name)
            while time.time() < deadline and not condition(current):
                time.sleep(0.05)
                current = state(name)
            return current

        def open_socket(name, options_js):
            driver.execute_script(f"window.open_socket(arguments[0], {options_js});", name)

        token = json.dumps(config["token"])
        # 1-3: websocket-only, polling-only, default (polling, then upgrade).
        for name, transports, final in [("websocket", '["websocket"]', "websocket"), ("polling", '["polling"]', "polling"),
                                        ("default", '["polling", "websocket"]', "websocket")]:
            open_socket(name, f'{{transports: {transports}, auth: {{token: {token}}}}}')
            current = wait(name, lambda s: s["connects"] >= 1)
            check(f"{name}: connects", current["connects"] == 1, current)
            current = wait(name, lambda s: s["transport"] == final, 10)
            check(f"{name}: transport ends as {final}", current["transport"] == final, current)
            request("publish")
            current = wait(name, lambda s: len(s["events"]) >= 1)
            check(f"{name}: receives a live event", len(current["events"]) == 1 and current["events"][0]["args"] == 1, current)
            driver.execute_script("window.sockets[arguments[0]].socket.disconnect();", name)

        # 4-5: reconnect after a relay restart, recovering what was missed: connection-state
        # recovery (offsets: true, then pid + offset) and a lastEventId callback.
        open_socket("offsets", f'{{transports: ["websocket"], auth: {{token: {token}, offsets: true}}}}')
        # Each socket remembers its own last id: one that recovered first must not move the other's.
        open_socket("lastEventId", f'{{auth: (cb) => cb({{token: {token}, lastEventId: window.sockets.lastEventId.lastId}})}}')
        for name in ["offsets", "lastEventId"]:
            check(f"{name}: connects", wait(name, lambda s: s["connects"] >= 1)["connects"] == 1, state(name))
        request("publish")
        for name in ["offsets", "lastEventId"]:
            current = wait(name, lambda s: len(s["events"]) >= 1)
            check(f"{name}: receives a live event", len(current["events"]) == 1, current)
        check("offsets: the event carries its offset argument", state("offsets")["events"][0]["args"] == 2, state("offsets"))
        request("restart")  # the relay goes down, two events are stored meanwhile, it comes back
        for name in ["offsets", "lastEventId"]:
            current = wait(name, lambda s: s["connects"] >= 2 and len(s["events"]) >= 3, 30)
            ids = [event["id"] for event in current["events"]]
            check(f"{name}: reconnects after the restart", current["connects"] == 2, current)
            check(f"{name}: missed events recovered once, in order", len(ids) == 3 and ids == sorted(set(ids)), current)
        check("offsets: socket.recovered after the restart", state("offsets")["recovered"] == [False, True], state("offsets"))
        request("publish")
        for name in ["offsets", "lastEventId"]:
            current = wait(name, lambda s: len(s["events"]) >= 4)
            check(f"{name}: live again after the restart", len(current["events"]) == 4, current)
            driver.execute_script("window.sockets[arguments[0]].socket.disconnect();", name)

        # 6: a refused token.
        open_socket("bad", f'{{transports: ["websocket"], auth: {{token: {json.dumps(config["badToken"])}}}}}')
        current = wait("bad", lambda s: len(s["errors"]) >= 1)
        check("bad token: connect_error", len(current["errors"]) == 1 and current["errors"][0].startswith("Not authorized"), current)
        time.sleep(0.5)
        current = state("bad")
        check("bad token: never connected, not retrying", current["connects"] == 0 and not current["active"], current)

        # 7: the token expires while connected: the relay sends DISCONNECT.
        open_socket("expiring", f'{{transports: ["websocket"], auth: {{token: {json.dumps(config["shortToken"])}}}}}')
        check("expiring token: connects", wait("expiring", lambda s: s["connects"] >= 1)["connects"] == 1, state("expiring"))
        current = wait("expiring", lambda s: len(s["disconnects"]) >= 1, 30)
        check("expiring token: io server disconnect on expiry", current["disconnects"] == ["io server disconnect"], current)
    finally:
        driver.quit()
        server.shutdown()
    emit({"type": "done", "failures": failures})


try:
    main()
except Exception:  # noqa: BLE001
    emit({"type": "error", "text": traceback.format_exc()})
    sys.exit(1)
