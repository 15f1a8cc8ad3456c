"""What an event handler gets: the event (`Ctx`) and the services it uses (`Deps`), wired once by
the service (as in nio-template/maubot: handlers receive their client, store, state and config
instead of reaching into the bot)."""
from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import formatting as fmt
from .config import Config
from .rasa_client import RasaClient
from .state import BridgeState

if TYPE_CHECKING:  # imported for type hints only (no import cycle at run time)
    from .bot import KamtibmasBot
    from .bulletins import BulletinService
    from .status_delivery import StatusDelivery


class FloodLimiter:
    """At most `limit` hits per key within `window_s` seconds."""

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


@dataclass
class Deps:
    cfg: Config
    matrix: "KamtibmasBot"          # sending, rooms, operator permission
    store: Any                      # reports.store.ReportStore
    state: BridgeState
    rasa: RasaClient
    bulletins: "BulletinService"
    delivery: "StatusDelivery"      # wake() after a report or a status change
    question_limiter: FloodLimiter
    report_limiter: FloodLimiter
    handoff: Any = None             # matrix_bridge.handoff.HandoffService (human handoff)


@dataclass
class Ctx:
    """One incoming event being handled, with the services its handler uses."""
    deps: Deps
    room_id: str
    event: dict
    kind: str  # "dm" | "community" | "operator" | "announce"
    _n: int = field(default=0)

    # the services, by name
    @property
    def cfg(self) -> Config:
        return self.deps.cfg

    @property
    def matrix(self) -> "KamtibmasBot":
        return self.deps.matrix

    @property
    def store(self):
        return self.deps.store

    @property
    def state(self) -> BridgeState:
        return self.deps.state

    # the event
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
            return await self.matrix.send(self.room_id, fmt.notice(text, reply_to=target), self.txn())
        if self.kind == "dm":
            content = fmt.notice(text, reply_to=self.event_id)
        else:
            mention_user = mention or (mention is None and self.kind == "community")
            content = fmt.notice(text, reply_to=self.event_id,
                                 thread_root=self.thread_root or self.event_id,
                                 mention=self.sender if mention_user else None)
        return await self.matrix.send(self.room_id, content, self.txn())
