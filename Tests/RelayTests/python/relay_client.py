"""A python-socketio client (the real third-party client) driven by a JSON plan, for the relay's
Swift tests. Prints one JSON object per line on stdout:

  {"type":"connect_reply","data":{…}}              the CONNECT reply (sid, pid, recovered)
  {"type":"connect","transport":"websocket"}       namespace connected
  {"type":"event","id":12,"companyId":"…",…}       an `event` as it came off the wire (in order)
  {"type":"ack","creatorId":"…","reply":{…}}        subscribe/unsubscribe acknowledgement
  {"type":"connect_error","data":{…}}              CONNECT refused
  {"type":"disconnect","reason":"…"}
  {"type":"done","events":N,"disconnects":N}        end of plan

Plan keys: url, token, transports ("websocket" | "polling" | "default": polling then upgrade),
subscribe [creatorId], unsubscribe [creatorId], seconds (how long to stay), exit_after_events,
reconnect (bool), recover (bool: on every (re)connect send lastEventId = highest id seen),
last_event_id (initial lastEventId), connect_retry (bool: retry the first connect).
"""
import inspect
import json
import sys
import threading
import time

import engineio
import socketio

plan = json.loads(sys.argv[1])
lock = threading.Lock()
state = {"highest": plan.get("last_event_id"), "events": 0, "disconnects": 0}
done = threading.Event()


def emit(record):
    with lock:
        sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
        sys.stdout.flush()


sio = socketio.Client(reconnection=plan.get("reconnect", False), reconnection_delay=0.2,
                      reconnection_delay_max=1.0, randomization_factor=0.2)


def auth():
    data = {"token": plan["token"]}
    if plan.get("recover") and state["highest"] is not None:
        data["lastEventId"] = state["highest"]
    return data


# Record events in wire order: handlers run on their own threads and may interleave.
original_receive = sio.eio._receive_packet


def receive_in_order(pkt):
    if pkt.packet_type == engineio.packet.MESSAGE and isinstance(pkt.data, str) and pkt.data.startswith("0{"):
        emit({"type": "connect_reply", "data": json.loads(pkt.data[1:])})
    if pkt.packet_type == engineio.packet.MESSAGE and isinstance(pkt.data, str) and pkt.data.startswith('2["event",'):
        try:
            args = json.loads(pkt.data[1:])
            event = args[1]
            record = {"type": "event", "id": event.get("id"), "companyId": event.get("companyId"),
                      "creatorId": event.get("creatorId"), "eventType": event.get("type"), "args": len(args) - 1}
            with lock:
                state["events"] += 1
                if state["highest"] is None or event.get("id", 0) > state["highest"]:
                    state["highest"] = event.get("id")
            emit(record)
            if plan.get("exit_after_events") and state["events"] >= plan["exit_after_events"]:
                done.set()
        except Exception as error:  # noqa: BLE001
            emit({"type": "malformed", "error": str(error), "data": pkt.data[:200]})
    original_receive(pkt)


sio.eio._receive_packet = receive_in_order


@sio.event
def connect():
    emit({"type": "connect", "transport": sio.transport()})
    for creator in plan.get("subscribe", []):
        reply = sio.call("subscribe", {"creatorId": creator}, timeout=10)
        emit({"type": "ack", "action": "subscribe", "creatorId": creator, "reply": reply})
    for creator in plan.get("unsubscribe", []):
        reply = sio.call("unsubscribe", {"creatorId": creator}, timeout=10)
        emit({"type": "ack", "action": "unsubscribe", "creatorId": creator, "reply": reply})
    emit({"type": "ready", "transport": sio.transport()})


@sio.event
def connect_error(data):
    emit({"type": "connect_error", "data": data})


@sio.event
def disconnect(reason=None):
    with lock:
        state["disconnects"] += 1
    emit({"type": "disconnect", "reason": str(reason)})


@sio.on("event")
def on_event(*args):
    pass


transports = {"websocket": ["websocket"], "polling": ["polling"]}.get(plan.get("transports", "default"))
options = {"auth": auth, "transports": transports, "wait_timeout": 10}
if "retry" in inspect.signature(sio.connect).parameters:  # python-socketio >= 5.10
    options["retry"] = plan.get("connect_retry", False)
try:
    sio.connect(plan["url"], **options)
except socketio.exceptions.ConnectionError as error:
    emit({"type": "connect_failed", "error": str(error)})
    emit({"type": "done", "events": state["events"], "disconnects": state["disconnects"]})
    sys.exit(0)

deadline = time.time() + plan.get("seconds", 10)
while time.time() < deadline and not done.is_set():
    time.sleep(0.05)
emit({"type": "transport", "transport": sio.transport() if sio.connected else None, "connected": sio.connected})
try:
    sio.disconnect()
except Exception:  # noqa: BLE001
    pass
emit({"type": "done", "events": state["events"], "disconnects": state["disconnects"]})
