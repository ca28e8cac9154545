"""python-socketio's AsyncClient (aiohttp transport) with default transports: polling first,
then the WebSocket upgrade on a pooled keep-alive connection. Prints JSON lines like
relay_client.py: connect, event, disconnect, connect_error, ready, transport, done.

Plan keys: url, token, seconds, exit_after_events, recover (send lastEventId = highest id seen
on every reconnect).
"""
import asyncio
import json
import sys

import socketio

plan = json.loads(sys.argv[1])
state = {"highest": None, "events": 0}


def emit(record):
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def main():
    done = asyncio.Event()
    sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1.0, randomization_factor=0.2)

    def auth():
        data = {"token": plan["token"]}
        if plan.get("recover") and state["highest"] is not None:
            data["lastEventId"] = state["highest"]
        return data

    @sio.event
    async def connect():
        emit({"type": "connect", "transport": sio.transport()})

    @sio.event
    async def disconnect(*args):
        emit({"type": "disconnect", "reason": str(args[0]) if args else ""})

    @sio.event
    async def connect_error(data):
        emit({"type": "connect_error", "data": data if isinstance(data, dict) else {"message": str(data)}})

    @sio.on("event")
    async def on_event(event, *rest):
        state["events"] += 1
        if state["highest"] is None or event.get("id", 0) > state["highest"]:
            state["highest"] = event.get("id")
        emit({"type": "event", "id": event.get("id"), "companyId": event.get("companyId"), "args": 1 + len(rest)})
        if plan.get("exit_after_events") and state["events"] >= plan["exit_after_events"]:
            done.set()

    try:
        await sio.connect(plan["url"], auth=auth, wait_timeout=10)
    except Exception as error:  # noqa: BLE001
        emit({"type": "connect_failed", "error": str(error)})
        return
    emit({"type": "ready", "transport": sio.transport()})
    try:
        await asyncio.wait_for(done.wait(), timeout=plan.get("seconds", 10))
    except asyncio.TimeoutError:
        pass
    emit({"type": "transport", "transport": sio.transport()})
    await sio.disconnect()
    emit({"type": "done", "events": state["events"]})


asyncio.run(main())
