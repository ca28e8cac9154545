"""The relay's WebSocket framing against websocket-client (a third-party RFC 6455 client),
below Socket.IO. Sends a Socket.IO CONNECT split over three fragments with a WebSocket ping
between two of them (RFC 6455 5.4: control frames may come between fragments), then a
subscribe split over two fragments, then a close. Prints one JSON object per line:

  {"type":"open","data":"0{…}"}               the Engine.IO open packet
  {"type":"pong","data":"…"}                  the pong, with the ping's payload
  {"type":"text","data":"…"}                  each text message after that (CONNECT reply, ack)
  {"type":"close","code":N}                   the relay's close frame
  {"type":"done"}

Plan keys: url (ws://…/socket.io/?EIO=4&transport=websocket), token, creator_id.
"""
import json
import struct
import sys

import websocket

plan = json.loads(sys.argv[1])


def emit(record):
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def send_fragments(ws, data, pieces, between=None):
    """`data` as one text message in `pieces` frames; `between(ws)` runs after the first frame."""
    size = -(-len(data) // pieces)
    parts = [data[i:i + size] for i in range(0, len(data), size)]
    for index, part in enumerate(parts):
        opcode = websocket.ABNF.OPCODE_TEXT if index == 0 else websocket.ABNF.OPCODE_CONT
        ws.send_frame(websocket.ABNF.create_frame(part, opcode, fin=1 if index == len(parts) - 1 else 0))
        if index == 0 and between:
            between(ws)


def next_frame(ws):
    opcode, frame = ws.recv_data_frame(True)
    if opcode == websocket.ABNF.OPCODE_PONG:
        emit({"type": "pong", "data": frame.data.decode()})
    elif opcode == websocket.ABNF.OPCODE_TEXT:
        emit({"type": "text", "data": frame.data.decode()})
    elif opcode == websocket.ABNF.OPCODE_CLOSE:
        code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None
        emit({"type": "close", "code": code})
    return opcode, frame


ws = websocket.create_connection(plan["url"], timeout=10)
opcode, frame = ws.recv_data_frame(True)
emit({"type": "open", "data": frame.data.decode()})

send_fragments(ws, "40" + json.dumps({"token": plan["token"]}), 3, between=lambda ws: ws.ping("between fragments"))
seen = set()
while not {"pong", "connect"} <= seen:
    opcode, frame = next_frame(ws)
    if opcode == websocket.ABNF.OPCODE_PONG:
        seen.add("pong")
    elif opcode == websocket.ABNF.OPCODE_TEXT and frame.data.startswith(b"40"):
        seen.add("connect")

send_fragments(ws, "421" + json.dumps(["subscribe", {"creatorId": plan["creator_id"]}]), 2)
while True:
    opcode, frame = next_frame(ws)
    if opcode == websocket.ABNF.OPCODE_TEXT and frame.data.startswith(b"431"):
        break

ws.send_close(websocket.STATUS_NORMAL)
while True:
    opcode, frame = next_frame(ws)
    if opcode == websocket.ABNF.OPCODE_CLOSE:
        break
emit({"type": "done"})
