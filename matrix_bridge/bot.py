"""Matrix client, sync loop and event dispatch for Ngobrol Kamtibmas.

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
from dataclasses import dataclass, field

import aiohttp
from nio import AsyncClient, AsyncClientConfig, LoginResponse, SyncError, SyncResponse

from . import formatting as fmt
from .config import Config
from .rasa_client import RasaClient
from .state import BridgeState

log = logging.getLogger("matrix_bridge")

OPERATOR_COMMANDS = {"!terima", "!tangani", "!selesai", "!tolak", "!siaran", "!jawab", "!laporan"}


@dataclass
class Ctx:
    """One incoming event being handled."""
    bot: "KamtibmasBot"
    room_id: str
    event: dict
    kind: str  # "dm" | "community" | "operator" | "announce"
    _n: int = field(default=0)

    @property
    def sender(self) -> str:
        return self.event["sender"]

    @property
    def event_id(self) -> str:
        return self.event["event_id"]

    @property
    def content(self) -> dict:
        return self.event.get("content") or {}

    @property
    def msgtype(self) -> str | None:
        return self.content.get("msgtype")

    def txn(self) -> str:
        self._n += 1
        return f"{self.event_id}|{self._n}"

    @property
    def thread_root(self) -> str | None:
        rel = self.content.get("m.relates_to") or {}
        if rel.get("rel_type") == "m.thread":
            return rel.get("event_id")
        return None

    @property
    def reply_to_event(self) -> str | None:
        rel = self.content.get("m.relates_to") or {}
        return (rel.get("m.in_reply_to") or {}).get("event_id")

    async def reply(self, text: str, mention: bool | None = None) -> str | None:
        """Reply as m.notice: threaded in group rooms, a plain reply in DMs."""
        if self.event.get("type") == "m.reaction":
            target = (self.content.get("m.relates_to") or {}).get("event_id")
            return await self.bot.send(self.room_id, fmt.notice(text, reply_to=target), self.txn())
        if self.kind == "dm":
            content = fmt.notice(text, reply_to=self.event_id)
        else:
            content = fmt.notice(text, reply_to=self.event_id,
                                 thread_root=self.thread_root or self.event_id,
                                 mention=self.sender if (mention or mention is None and self.kind == "community") else None)
        return await self.bot.send(self.room_id, content, self.txn())


class FloodLimiter:
    def __init__(self, limit: int, window_s: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window_s, clock
        self.hits: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def allow(self, key: str) -> bool:
        now = self.clock()
        q = self.hits[key]
        while q and now - q[0] > self.window:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        return True


class KamtibmasBot:
    def __init__(self, cfg: Config, reports_store, state: BridgeState | None = None, clock=None):
        self.cfg = cfg
        self.store = reports_store
        self.state = state or BridgeState(cfg.db_path)
        self.clock = clock  # injectable wall clock for bulletins (callable -> aware datetime)
        self.client: AsyncClient | None = None
        self.http: aiohttp.ClientSession | None = None
        self.rasa: RasaClient | None = None
        self.room_ids: dict[str, str] = {}       # alias -> room id
        self.room_kind: dict[str, str] = {}      # room id -> operator|announce|community
        self._pl_cache: dict[str, dict] = {}
        self._outbox_wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.q_limiter = FloodLimiter(cfg.flood_questions, cfg.flood_window_s)
        self.r_limiter = FloodLimiter(cfg.flood_reports, cfg.flood_report_window_s)
        self.synced = asyncio.Event()  # set after the first successful sync (tests/bench)
        self.bulletins = None  # set by siaran.BulletinService
        self.handled_count = 0

    # ------------------------------------------------------------------ setup
    async def login(self) -> None:
        cfg = self.cfg
        self.client = AsyncClient(cfg.homeserver, cfg.bot_user_id,
                                  config=AsyncClientConfig(store_sync_tokens=False, encryption_enabled=False,
                                                           request_timeout=cfg.sync_timeout_ms / 1000 + 30))
        token, device = self.state.get("access_token"), self.state.get("device_id")
        if token and device:
            self.client.restore_login(cfg.bot_user_id, device, token)
            who = await self.client.whoami()
            if getattr(who, "user_id", None) == cfg.bot_user_id:
                log.info("reusing access token for %s (device %s)", cfg.bot_user_id, device)
                return
            log.warning("stored access token rejected; logging in again")
        if not cfg.bot_password:
            raise RuntimeError("bot password unknown: run `python -m matrix_bridge.provision` or set MATRIX_BOT_PASSWORD")
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
                raise RuntimeError(f"room {cfg.alias(alias)} not found: run `python -m matrix_bridge.provision`")
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

    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        self.rasa = RasaClient(self.http, self.cfg.rasa_url, self.cfg.rasa_timeout_s)
        await self.login()
        await self.setup_rooms()

    async def close(self) -> None:
        self._stop.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.client:
            await self.client.close()
        if self.http:
            await self.http.close()

    # ------------------------------------------------------------------ sending
    async def send(self, room_id: str, content: dict, txn_id: str | None = None,
                   event_type: str = "m.room.message") -> str | None:
        """room_send with retries on connection loss (nio itself retries 429 / timeouts).
        A stable txn_id makes retries and post-crash re-sends idempotent."""
        delay = 0.5
        for attempt in range(8):
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
        while not self._stop.is_set():
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
                sources = await self._backfill(room_id, info.timeline.prev_batch, max(floor, joined_ms)) + sources
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
            resp = await self.client.room_messages(room_id, start=token, limit=100,
                                                   message_filter={"types": ["m.room.message", "m.reaction",
                                                                             "m.room.encrypted"]})
            chunk = getattr(resp, "chunk", None)
            if not chunk:
                break
            stop = False
            for ev in chunk:  # newest first
                src = getattr(ev, "source", None) or {}
                if src.get("origin_server_ts", 0) < floor_ms or self.state.is_processed(src.get("event_id", "")):
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
                    await self.notice(room_id, "Maaf, terjadi kendala di sistem kami. Silakan coba lagi "
                                      "sebentar lagi. " + fmt.DARURAT, txn_id=f"{ev['event_id']}|err",
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
        from .handlers import dispatch
        ctx = Ctx(self, room_id, ev, self.classify(room_id))
        await dispatch(ctx)

    # ------------------------------------------------------------------ outbox
    def wake_outbox(self, *_args) -> None:
        self._outbox_wake.set()

    async def outbox_loop(self) -> None:
        from .handlers.lapor import deliver_outbox
        while not self._stop.is_set():
            try:
                await deliver_outbox(self)
            except Exception:  # noqa: BLE001
                log.exception("outbox delivery failed")
            try:
                await asyncio.wait_for(self._outbox_wake.wait(), self.cfg.outbox_interval_s)
            except asyncio.TimeoutError:
                pass
            self._outbox_wake.clear()

    def spawn(self, coro) -> asyncio.Task:
        t = asyncio.create_task(coro)
        self._tasks.append(t)
        return t
