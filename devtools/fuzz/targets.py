"""Delivering generated cases to the four channels (aiohttp, python-socketio). Each `fuzz_*`
coroutine returns a Tally: how many inputs were sent, the HTTP status classes, the 5xx samples,
and transport errors (a refused connection or a timeout means the server stopped answering)."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=120)


@dataclass
class Tally:
    channel: str
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)       # transport errors by type
    samples_5xx: list = field(default_factory=list)         # (kind, status, body excerpt, reply)
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    server_errors: dict = field(default_factory=dict)     # server -> tracebacks it logged meanwhile

    @property
    def n_5xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if isinstance(s, int) and s >= 500)

    def record(self, kind: str, status: int | str, body: bytes = b"", reply: str = "") -> None:
        self.sent += 1
        self.kinds[kind] += 1
        self.statuses[status] += 1
        if isinstance(status, int) and status >= 500 and len(self.samples_5xx) < 25:
            self.samples_5xx.append({"kind": kind, "status": status,
                                     "body": body[:200].decode("utf-8", "replace"), "reply": reply[:200]})

    def as_dict(self) -> dict:
        return {"channel": self.channel, "sent": self.sent, "5xx": self.n_5xx,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=str)},
                "kinds": dict(self.kinds), "transport_errors": dict(self.errors),
                "samples_5xx": self.samples_5xx, "seconds": round(self.seconds, 1), "notes": self.notes,
                "server_tracebacks": self.server_errors}


async def _pool(cases, worker, concurrency: int) -> None:
    queue: asyncio.Queue = asyncio.Queue()
    for c in cases:
        queue.put_nowait(c)

    async def run():
        while not queue.empty():
            await worker(queue.get_nowait())
    await asyncio.gather(*(run() for _ in range(concurrency)))


async def _post(session, tally: Tally, method: str, url: str, kind: str, body: bytes, headers=None) -> None:
    try:
        async with session.request(method, url, data=body if method != "GET" else None,
                                   headers={"Content-Type": "application/json", **(headers or {})}) as r:
            reply = await r.text(errors="replace")
            tally.record(kind, r.status, body, reply)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        tally.errors[type(exc).__name__] += 1
        tally.record(kind, "no_answer", body)


async def fuzz_rest(rasa_url: str, cases, concurrency: int = 4) -> Tally:
    """cases: (kind, body) from inputs.rest_case, POSTed to /webhooks/rest/webhook."""
    tally, t0 = Tally("rest"), time.monotonic()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        await _pool(cases, lambda c: _post(session, tally, "POST", f"{rasa_url}/webhooks/rest/webhook", *c),
                    concurrency)
    tally.seconds = time.monotonic() - t0
    return tally


async def fuzz_reports(api_url: str, token: str, cases, concurrency: int = 4) -> Tally:
    """cases: (method, what, id/query, (kind, body), auth) from inputs.report_case."""
    tally, t0 = Tally("report_api"), time.monotonic()
    auth = {"ok": {"Authorization": f"Bearer {token}"}, "none": {},
            "wrong": {"Authorization": "Bearer salah-token-0123456789"}}

    async def one(case):
        method, what, arg, (kind, body), who = case
        q = urllib.parse.quote(arg, safe="")
        path = {"create": "/v1/reports", "status": f"/v1/reports/{q}/status",
                "list": f"/v1/reports?pelapor={q}&status={q[:10]}", "one": f"/v1/reports/{q}"}[what]
        await _post(session, tally, method, api_url + path, f"{what}:{kind}:{who}", body, auth[who])

    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        await _pool(cases, one, concurrency)
    tally.seconds = time.monotonic() - t0
    return tally


async def fuzz_socketio(rasa_url: str, cases, clients: int = 6, answer_wait: float = 4.0) -> Tally:
    """cases: (event, data) from inputs.socketio_case, emitted over Rasa's socket.io channel by
    `clients` connections. A dropped connection counts as a transport error; at the end a fresh
    connection must still get an answer to a normal question ("liveness")."""
    import socketio
    tally, t0 = Tally("socketio"), time.monotonic()
    chunks = [cases[i::clients] for i in range(clients)]

    async def client(chunk):
        sio = socketio.AsyncClient(reconnection=False)
        answered = asyncio.Event()
        sio.on("bot_uttered", lambda data: answered.set())
        sid = f"fuzz-{uuid.uuid4().hex}"
        last = None
        try:
            for event, data in chunk:
                if not sio.connected:
                    if last is not None:  # the server dropped the connection after the previous input
                        tally.errors["disconnected"] += 1
                        if len(tally.notes) < 10:
                            tally.notes.append(f"connection dropped after {last[0]} {repr(last[1])[:80]}")
                    await sio.connect(rasa_url, socketio_path="/socket.io", transports=["websocket"],
                                      wait_timeout=30)
                    await sio.emit("session_request", {"session_id": sid})
                last = (event, data)
                kind = f"{event}:{type(data).__name__}"
                if event == "user_uttered" and isinstance(data, dict) and "session_id" not in data:
                    data = {**data, "session_id": sid}  # as the widget sends it (a wrong one is a case too)
                answered.clear()
                try:
                    await sio.emit(event, data)
                    tally.record(kind, "sent")
                except Exception as exc:  # noqa: BLE001 - a client-side refusal (e.g. not serialisable)
                    tally.errors[type(exc).__name__] += 1
                    tally.record(kind, "not_sent")
                    continue
                # pace like a user: wait for the answer to a well-formed message (bad ones get none)
                well_formed = (isinstance(data, dict) and isinstance(data.get("message"), str)
                               and data.get("session_id") == sid)
                if well_formed:
                    try:
                        await asyncio.wait_for(answered.wait(), answer_wait)
                        tally.kinds["answered"] += 1
                    except asyncio.TimeoutError:
                        tally.kinds["unanswered"] += 1
                else:
                    await asyncio.sleep(0.05)
        finally:
            await sio.disconnect()

    await asyncio.gather(*(client(c) for c in chunks))
    tally.notes.append(await socketio_liveness(rasa_url))
    tally.seconds = time.monotonic() - t0
    return tally


async def socketio_liveness(rasa_url: str, text: str = "halo", timeout: float = 120) -> str:
    """'answered in N s' or 'NO ANSWER' for a normal message on a fresh socket.io connection."""
    import socketio
    sio = socketio.AsyncClient(reconnection=False)
    got = asyncio.Event()
    sio.on("bot_uttered", lambda data: got.set())
    t0 = time.monotonic()
    try:
        await sio.connect(rasa_url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30)
        sid = f"fuzz-live-{uuid.uuid4().hex}"
        await sio.emit("session_request", {"session_id": sid})
        await sio.emit("user_uttered", {"message": text, "session_id": sid})
        await asyncio.wait_for(got.wait(), timeout)
        return f"answered in {time.monotonic() - t0:.1f} s"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"NO ANSWER ({type(exc).__name__}: {exc})"
    finally:
        await sio.disconnect()


async def fuzz_matrix(hs_url: str, access_token: str, room_id: str, cases, concurrency: int = 3) -> Tally:
    """cases: message contents from inputs.matrix_case, sent into room_id (e.g. #ojol-batang,
    where the bridge reads them). Synapse's own 4xx (e.g. an event over 64 KiB) are normal."""
    tally, t0 = Tally("matrix"), time.monotonic()
    hdr = {"Authorization": f"Bearer {access_token}"}
    room = urllib.parse.quote(room_id, safe="")

    async def one(content):
        body = json.dumps(content, ensure_ascii=False).encode("utf-8", "surrogatepass")
        url = f"{hs_url}/_matrix/client/v3/rooms/{room}/send/m.room.message/fuzz{uuid.uuid4().hex}"
        msgtype = content.get("msgtype") if isinstance(content, dict) else None
        kind = (msgtype[:20] if isinstance(msgtype, str) and msgtype.isascii()
                else f"msgtype:{type(msgtype).__name__}")
        await _post(session, tally, "PUT", url, kind, body, hdr)

    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        await _pool(cases, one, concurrency)
    tally.seconds = time.monotonic() - t0
    return tally
