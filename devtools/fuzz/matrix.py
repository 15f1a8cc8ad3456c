"""Matrix side of a fuzz run: a fuzz account (shared-secret registration, its rate limit lifted
by itself as admin), joined to the community room, and a liveness check of the bridge (it must
still answer `!status` after the flood)."""
from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid

import aiohttp

from matrix_bridge import synapse_ctl


async def fuzz_account(hs_url: str, secret: str, room_alias: str) -> tuple[str, str, str]:
    """(access_token, user_id, room_id) of a fresh admin account joined to room_alias."""
    local, pw = f"fuzz-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    await asyncio.to_thread(synapse_ctl.register_user, hs_url, secret, local, pw, True)
    login = await asyncio.to_thread(synapse_ctl.login, hs_url, local, pw)
    token, user_id = login["access_token"], login["user_id"]
    await asyncio.to_thread(synapse_ctl.override_ratelimit, hs_url, token, user_id)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
        alias = urllib.parse.quote(room_alias, safe="")
        async with s.post(f"{hs_url}/_matrix/client/v3/join/{alias}", json={}) as r:
            body = await r.json()
            if r.status != 200:
                raise RuntimeError(f"join {room_alias}: HTTP {r.status} {body}")
            return token, user_id, body["room_id"]


async def bridge_liveness(hs_url: str, token: str, room_id: str, bot_id: str, timeout: float = 300) -> str:
    """Sends `!status LK-2099-<random>` and waits for the bot's answer naming that id. The bridge
    handles one sender's messages in order, so this also waits for the whole fuzz backlog."""
    rid = f"LK-2099-{uuid.uuid4().int % 10**6:06d}"
    t0 = time.monotonic()
    room = urllib.parse.quote(room_id, safe="")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"},
                                     timeout=aiohttp.ClientTimeout(total=60)) as s:
        async with s.get(f"{hs_url}/_matrix/client/v3/sync", params={"timeout": "0"}) as r:
            since = (await r.json())["next_batch"]
        async with s.put(f"{hs_url}/_matrix/client/v3/rooms/{room}/send/m.room.message/{rid}",
                         json={"msgtype": "m.text", "body": f"!status {rid}"}) as r:
            if r.status != 200:
                return f"NO ANSWER (send: HTTP {r.status})"
        while time.monotonic() - t0 < timeout:
            async with s.get(f"{hs_url}/_matrix/client/v3/sync",
                             params={"since": since, "timeout": "10000"}) as r:
                data = await r.json()
            since = data.get("next_batch", since)
            events = (data.get("rooms", {}).get("join", {}).get(room_id, {}).get("timeline", {})
                      .get("events", []))
            for e in events:
                if e.get("sender") == bot_id and rid in str((e.get("content") or {}).get("body", "")):
                    return f"answered in {time.monotonic() - t0:.1f} s"
    return f"NO ANSWER within {timeout:.0f} s"
