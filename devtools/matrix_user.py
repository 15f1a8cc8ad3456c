"""A real Matrix client (matrix-nio) acting as a person, for the Matrix tests and
scripts/bench_matrix.py. Needs matrix-nio (bridge venv)."""
from __future__ import annotations

import asyncio
import time
import uuid

from nio import AsyncClient, AsyncClientConfig, LoginResponse, RoomPreset


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


class MxUser:
    """A real Matrix client (matrix-nio) acting as a person in tests."""

    def __init__(self, hs: str, user_id: str, password: str):
        self.hs, self.user_id, self.password = hs, user_id, password
        self.client = AsyncClient(hs, user_id, config=AsyncClientConfig(encryption_enabled=False))
        self.since: str | None = None
        self.events: list[tuple[str, dict]] = []  # (room_id, event source) in arrival order
        self.t0_ms = 0

    async def login(self) -> "MxUser":
        # Only events after login count: joining a room returns some of its older timeline.
        self.t0_ms = int(time.time() * 1000)
        r = await self.client.login(self.password, device_name="test")
        assert isinstance(r, LoginResponse), r
        s = await self.client.sync(timeout=0)
        self.since = s.next_batch
        return self

    async def close(self) -> None:
        await self.client.close()

    async def join(self, room: str) -> str:
        r = await self.client.join(room)
        assert getattr(r, "room_id", None), r
        return r.room_id

    async def send(self, room_id: str, content: dict, etype: str = "m.room.message") -> str:
        r = await self.client.room_send(room_id, etype, content)
        assert getattr(r, "event_id", None), r
        return r.event_id

    async def text(self, room_id: str, body: str, **extra) -> str:
        return await self.send(room_id, {"msgtype": "m.text", "body": body, **extra})

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        return await self.send(room_id, {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id,
                                                          "key": key}}, etype="m.reaction")

    async def pump(self, timeout_ms: int = 500) -> None:
        r = await self.client.sync(timeout=timeout_ms, since=self.since,
                                   sync_filter={"room": {"timeline": {"limit": 1000}}})
        if not hasattr(r, "next_batch"):
            await asyncio.sleep(0.2)
            return
        self.since = r.next_batch
        for room_id, info in r.rooms.join.items():
            for ev in info.timeline.events:
                if ev.source.get("origin_server_ts", 0) >= self.t0_ms:
                    self.events.append((room_id, ev.source))
        for room_id in r.rooms.invite:
            self.events.append((room_id, {"type": "invite", "room_id": room_id}))

    async def wait_for(self, pred, timeout: float = 30.0, start: int = 0) -> tuple[str, dict]:
        """Wait until an event (room_id, source) with pred(room_id, source) arrives. Events seen
        earlier (index >= start) count too."""
        deadline = time.monotonic() + timeout
        i = start
        while True:
            while i < len(self.events):
                room_id, ev = self.events[i]
                i += 1
                if pred(room_id, ev):
                    return room_id, ev
            if time.monotonic() > deadline:
                bodies = [(r[:12], e.get("sender"), (e.get("content") or {}).get("body", "")[:80])
                          for r, e in self.events[start:]]
                raise AssertionError(f"timeout waiting for event; seen: {bodies}")
            await self.pump()

    def mark(self) -> int:
        return len(self.events)

    async def wait_bot_text(self, room_id: str, bot_id: str, contains: str = "", timeout: float = 30.0,
                            start: int = 0) -> dict:
        _, ev = await self.wait_for(
            lambda r, e: r == room_id and e.get("sender") == bot_id and e.get("type") == "m.room.message"
            and contains.lower() in (e.get("content") or {}).get("body", "").lower(), timeout, start)
        return ev

    async def dm(self, bot_id: str, timeout: float = 30.0) -> str:
        """Create a DM room with the bot and wait until the bot joined."""
        r = await self.client.room_create(is_direct=True, invite=[bot_id],
                                          preset=RoomPreset.trusted_private_chat)
        room_id = r.room_id
        await self.wait_for(lambda rid, e: rid == room_id and e.get("type") == "m.room.member"
                            and e.get("state_key") == bot_id
                            and (e.get("content") or {}).get("membership") == "join", timeout)
        return room_id

    async def upload_audio(self, data: bytes = b"\x1aE\xdf\xa3" + b"\0" * 200) -> dict:
        import io
        r, _ = await self.client.upload(io.BytesIO(data), content_type="audio/ogg", filename="suara.ogg",
                                        filesize=len(data))
        return {"msgtype": "m.audio", "body": "suara.ogg", "url": r.content_uri,
                "info": {"mimetype": "audio/ogg", "size": len(data), "duration": 1500},
                "org.matrix.msc3245.voice": {}}

    async def upload_image(self) -> dict:
        import io
        data = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
        r, _ = await self.client.upload(io.BytesIO(data), content_type="image/png", filename="foto.png",
                                        filesize=len(data))
        return {"msgtype": "m.image", "body": "foto.png", "url": r.content_uri,
                "info": {"mimetype": "image/png", "size": len(data)}}
