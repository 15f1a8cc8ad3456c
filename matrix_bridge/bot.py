"""Matrix side of Ngobrol Kamtibmas: client, rooms, sending, permissions, the sync loop, and the
hand-over of each new event to `on_event` (wired by the service to handlers.dispatch).

Reliability model (exactly-once):
- the access token and device id are stored and reused, so transaction ids (derived from the
  source event id) deduplicate retried sends across restarts;
- each event is checked against / recorded in the `processed` table after handling;
- the sync token is persisted only AFTER every event of the batch was handled.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Awaitable, Callable

import aiohttp
from nio import AsyncClient, AsyncClientConfig, LoginResponse, SyncError, SyncResponse

from reports.vocabulary import DARURAT

from . import formatting as fmt
from .config import Config
from .state import BridgeState

EventHandler = Callable[[str, dict, str], Awaitable[None]]  # (room id, event, room kind)
ERROR_NOTICE = "Maaf, terjadi kendala di sistem kami. Silakan coba lagi sebentar lagi. " + DARURAT

log = logging.getLogger("matrix_bridge")

class KamtibmasBot:
    def __init__(self, cfg: Config, state: BridgeState, on_event: EventHandler | None = None):
        self.cfg = cfg
        self.state = state  # sync token, access token, processed events, join times
        self.on_event = on_event
        self.client: AsyncClient | None = None
        self.room_ids: dict[str, str] = {}       # alias -> room id
        self.room_kind: dict[str, str] = {}      # room id -> operator|announce|community
        self._pl_cache: dict[str, dict] = {}
        self.stopping = asyncio.Event()  # set by stop(): the sync loop ends
        self.synced = asyncio.Event()  # set after the first successful sync (tests/bench)
        self.handled_count = 0

    # ------------------------------------------------------------------ setup
    async def login(self) -> None:
        cfg = self.cfg
        client_cfg = AsyncClientConfig(store_sync_tokens=False, encryption_enabled=False,
                                       request_timeout=cfg.sync_timeout_ms / 1000 + 30)
        self.client = AsyncClient(cfg.homeserver, cfg.bot_user_id, config=client_cfg)
        token, device = self.state.get("access_token"), self.state.get("device_id")
        if token and device:
            self.client.restore_login(cfg.bot_user_id, device, token)
            who = await self.client.whoami()
            if getattr(who, "user_id", None) == cfg.bot_user_id:
                log.info("reusing access token for %s (device %s)", cfg.bot_user_id, device)
                return
            log.warning("stored access token rejected; logging in again")
        if not cfg.bot_password:
            raise RuntimeError("bot password unknown: run `python -m matrix_bridge.provision` or set "
                               "MATRIX_BOT_PASSWORD")
        resp = await self.client.login(cfg.bot_password, device_name="kamtibmas-bridge")
        if not isinstance(resp, LoginResponse):
            raise RuntimeError(f"bot login failed: {resp}")
        self.state.set("access_token", resp.access_token)
        self.state.set("device_id", resp.device_id)

    async def resolve_alias(self, alias: str) -> str | None:
        alias = self.cfg.alias(alias) if not alias.startswith("!") else alias
        if alias.startswith("!"):
            return alias
        if alias in self.room_ids:
            return self.room_ids[alias]
        resp = await self.client.room_resolve_alias(alias)
        rid = getattr(resp, "room_id", None)
        if rid:
            self.room_ids[alias] = rid
        return rid

    async def setup_rooms(self) -> None:
        cfg = self.cfg
        spec = [(cfg.operator_alias, "operator"), (cfg.announce_alias, "announce")]
        spec += [(a, "community") for a in cfg.community_aliases]
        for alias, kind in spec:
            rid = await self.resolve_alias(alias)
            if not rid:
                raise RuntimeError(f"room {cfg.alias(alias)} not found: run "
                                   "`python -m matrix_bridge.provision`")
            self.room_kind[rid] = kind
            joined = await self.client.join(rid)
            if not getattr(joined, "room_id", None):
                log.warning("could not join %s: %s", alias, joined)

    @property
    def operator_room(self) -> str:
        return self.room_ids[self.cfg.alias(self.cfg.operator_alias)]

    @property
    def announce_room(self) -> str:
        return self.room_ids[self.cfg.alias(self.cfg.announce_alias)]

    def community_rooms(self) -> list[str]:
        return [r for r, k in self.room_kind.items() if k == "community"]

    def room(self, room_id: str):
        """nio's MatrixRoom (members, names) or None."""
        return self.client.rooms.get(room_id) if self.client else None

    async def event_content(self, room_id: str, event_id: str) -> dict:
        """Content of one event ({} when it cannot be fetched)."""
        resp = await self.client.room_get_event(room_id, event_id)
        ev = getattr(resp, "event", None)
        return (getattr(ev, "source", None) or {}).get("content") or {}

    async def start(self) -> None:
        await self.login()
        await self.setup_rooms()

    def stop(self) -> None:
        """Ask the sync loop to end (it finishes the batch it is handling)."""
        self.stopping.set()

    async def close(self) -> None:
        self.stop()
        if self.client:
            await self.client.close()

    # ------------------------------------------------------------------ sending
    async def send(self, room_id: str, content: dict, txn_id: str | None = None,
                   event_type: str = "m.room.message") -> str | None:
        """room_send with retries on connection loss (nio itself retries 429 / timeouts).
        A stable txn_id makes retries and post-crash re-sends idempotent."""
        delay = 0.5
        for _attempt in range(8):
            try:
                resp = await self.client.room_send(room_id, event_type, content, tx_id=txn_id)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                log.warning("send to %s failed (%s); retry in %.1fs", room_id, e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            eid = getattr(resp, "event_id", None)
            if eid:
                return eid
            status = getattr(resp, "status_code", None)
            log.warning("send to %s failed: %s", room_id, resp)
            if status in ("M_FORBIDDEN", "M_UNKNOWN_TOKEN", "M_NOT_FOUND"):
                return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)
        return None

    async def notice(self, room_id: str, text: str, txn_id: str | None = None, **kw) -> str | None:
        return await self.send(room_id, fmt.notice(text, **kw), txn_id)

    # ------------------------------------------------------------------ permissions
    async def power_level(self, room_id: str, user_id: str) -> int:
        pl = self._pl_cache.get(room_id)
        if pl is None:
            resp = await self.client.room_get_state_event(room_id, "m.room.power_levels")
            pl = getattr(resp, "content", None) or {}
            self._pl_cache[room_id] = pl
        users = pl.get("users") or {}
        return int(users.get(user_id, pl.get("users_default", 0)))

    async def is_operator(self, user_id: str) -> bool:
        return await self.power_level(self.operator_room, user_id) >= self.cfg.operator_level

    # ------------------------------------------------------------------ sync loop
    async def run(self) -> None:
        """Sync forever; persist the token after the batch was handled."""
        since = self.state.get("sync_token")
        first = True
        delay = 1.0
        while not self.stopping.is_set():
            try:
                resp = await self.client.sync(timeout=0 if first else self.cfg.sync_timeout_ms,
                                              since=since, full_state=first or None,
                                              sync_filter={"room": {"timeline": {"limit": 200}}})
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                log.warning("sync failed (%s); retry in %.0fs", e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)
                continue
            if isinstance(resp, SyncError) or not isinstance(resp, SyncResponse):
                log.warning("sync error %s; retry in %.0fs", resp, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)
                continue
            delay = 1.0
            if since is None:
                # Very first start: skip all history, remember when we started.
                self.state.set("history_floor_ms", str(int(time.time() * 1000)))
                await self._accept_invites(resp)
            else:
                await self.handle_sync(resp)
            since = resp.next_batch
            self.state.set("sync_token", since)
            first = False
            self.synced.set()

    async def _accept_invites(self, resp: SyncResponse) -> None:
        for room_id in resp.rooms.invite:
            r = await self.client.join(room_id)
            if getattr(r, "room_id", None):
                self.state.set(f"joined_ms:{room_id}", str(int(time.time() * 1000)))
                log.info("joined %s after invite", room_id)

    async def handle_sync(self, resp: SyncResponse) -> None:
        await self._accept_invites(resp)
        floor = int(self.state.get("history_floor_ms", "0"))
        groups: dict[tuple, list] = collections.OrderedDict()
        for room_id, info in resp.rooms.join.items():
            for ev in info.state:
                if getattr(ev, "source", {}).get("type") == "m.room.power_levels":
                    self._pl_cache.pop(room_id, None)
            joined_ms = int(self.state.get(f"joined_ms:{room_id}", "0"))
            sources = [getattr(ev, "source", None) or {} for ev in info.timeline.events]
            if info.timeline.limited and info.timeline.prev_batch:
                backfill = await self._backfill(room_id, info.timeline.prev_batch, max(floor, joined_ms))
                sources = backfill + sources
            for src in sources:
                etype, eid, sender = src.get("type"), src.get("event_id"), src.get("sender")
                if not eid or not etype:
                    continue
                if etype == "m.room.power_levels":
                    self._pl_cache.pop(room_id, None)
                if sender == self.cfg.bot_user_id:
                    continue
                if src.get("origin_server_ts", 0) < max(floor, joined_ms):
                    continue
                if etype not in ("m.room.message", "m.reaction", "m.room.encrypted"):
                    continue
                if self.state.is_processed(eid):
                    continue
                groups.setdefault((room_id, sender), []).append(src)
        if groups:
            await asyncio.gather(*(self._handle_group(room, evs) for (room, _), evs in groups.items()))

    async def _backfill(self, room_id: str, token: str, floor_ms: int, cap: int = 2000) -> list[dict]:
        """A 'limited' timeline skipped events (long downtime / big burst): page back until
        events we already processed or history older than the floor, so nothing is lost."""
        older: list[dict] = []
        while token and len(older) < cap:
            types = ["m.room.message", "m.reaction", "m.room.encrypted"]
            resp = await self.client.room_messages(room_id, start=token, limit=100,
                                                   message_filter={"types": types})
            chunk = getattr(resp, "chunk", None)
            if not chunk:
                break
            stop = False
            for ev in chunk:  # newest first
                src = getattr(ev, "source", None) or {}
                too_old = src.get("origin_server_ts", 0) < floor_ms
                if too_old or self.state.is_processed(src.get("event_id", "")):
                    stop = True
                    break
                older.append(src)
            if stop:
                break
            token = getattr(resp, "end", None)
        log.info("backfilled %d events in %s", len(older), room_id)
        return list(reversed(older))

    async def _handle_group(self, room_id: str, events: list[dict]) -> None:
        for ev in events:
            log.debug("handling %s %s from %s in %s (ts %s)", ev.get("type"), ev.get("event_id"),
                      ev.get("sender"), room_id, ev.get("origin_server_ts"))
            try:
                await self.handle_event(room_id, ev)
            except Exception:  # noqa: BLE001 - never crash the loop, never show a trace
                log.exception("handler failed for %s", ev.get("event_id"))
                try:
                    await self.notice(room_id, ERROR_NOTICE, txn_id=f"{ev['event_id']}|err",
                                      reply_to=ev["event_id"])
                except Exception:  # noqa: BLE001
                    log.exception("could not send error notice")
            self.state.mark_processed(ev["event_id"], room_id)
            self.handled_count += 1

    def classify(self, room_id: str) -> str:
        kind = self.room_kind.get(room_id)
        if kind:
            return kind
        room = self.client.rooms.get(room_id)
        if room is not None and room.member_count <= 2:
            return "dm"
        return "community"

    async def handle_event(self, room_id: str, ev: dict) -> None:
        if self.on_event is not None:
            await self.on_event(room_id, ev, self.classify(room_id))
