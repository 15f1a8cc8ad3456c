"""Idempotent provisioning of the Kamtibmas Matrix setup.

    python -m matrix_bridge.provision [--operator NAME ...] [--community ALIAS ...]

Creates (only when missing): the bot account @kamtibmas-bot, dev operator account(s) (passwords
generated once and kept in var/bridge/provision.json, mode 600), the operator room
#operator-polres (invite only), the announcement room #siaran-kamtibmas (public, only PL>=50 may
post: events_default 50) and community rooms (#ojol-batang, public join). The bot has PL 100
everywhere, operators PL 50. Running it again changes nothing (prints "no changes").
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, RoomPreset, RoomVisibility

from . import synapse_ctl
from .config import Config, load_config

ROOMS = {
    "operator": {"name": "Operator Polres Batang", "topic": "Ruang kerja operator: laporan masuk, "
                 "tindak lanjut, pesan suara warga. Ketik !bantuan.", "public": False, "events_default": 0},
    "announce": {"name": "Siaran Kamtibmas Polres Batang", "topic": "Siaran resmi Polres Batang. "
                 "Darurat: 110 / 112.", "public": True, "events_default": 50},
    "community": {"name": None, "topic": "Ruang komunitas. Sebut bot untuk bertanya, ketik !lapor untuk "
                  "melapor, kirim pesan suara untuk operator. Darurat: 110 / 112.", "public": True,
                  "events_default": 0},
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


async def _login(hs: str, user_id: str, password: str) -> AsyncClient:
    c = AsyncClient(hs, user_id, config=AsyncClientConfig(encryption_enabled=False))
    r = await c.login(password, device_name="kamtibmas-provision")
    if not isinstance(r, LoginResponse):
        await c.close()
        raise RuntimeError(f"login {user_id} failed: {r}")
    return c


async def _state(c: AsyncClient, room_id: str, etype: str, key: str = "") -> dict | None:
    r = await c.room_get_state_event(room_id, etype, key)
    return getattr(r, "content", None)


async def provision(cfg: Config, shared_secret: str, operators: list[str] | None = None,
                    community: list[str] | None = None, log=print) -> dict:
    """Returns the provision record (also written to cfg.provision_path) with a 'changes' list."""
    path = cfg.provision_path
    rec = _load(path)
    changes: list[str] = []
    operators = operators if operators is not None else rec.get("operators_localparts", ["operator"])
    community = community if community is not None else list(cfg.community_aliases)
    server = cfg.server_name
    hs = cfg.homeserver

    # Accounts
    rec.setdefault("bot_password", cfg.bot_password or secrets.token_urlsafe(18))
    pw = rec.setdefault("operator_passwords", {})
    users = [(cfg.bot_localpart, rec["bot_password"], cfg.bot_display_name)]
    for op in operators:
        pw.setdefault(op, secrets.token_urlsafe(12))
        users.append((op, pw[op], f"Operator {op}"))
    for local, password, display in users:
        res = synapse_ctl.register_user(hs, shared_secret, local, password, displayname=display)
        if not res.get("exists"):
            changes.append(f"created user @{local}:{server}")
    rec["operators_localparts"] = operators
    op_ids = [f"@{o}:{server}" for o in operators]
    bot_id = cfg.bot_user_id

    bot = await _login(hs, bot_id, rec["bot_password"])
    try:
        specs = [(cfg.operator_alias, "operator"), (cfg.announce_alias, "announce")]
        specs += [(a, "community") for a in community]
        rooms = {}
        for alias_local, kind in specs:
            spec = ROOMS[kind]
            alias = cfg.alias(alias_local)
            users_pl = {bot_id: 100, **{u: 50 for u in op_ids}}
            r = await bot.room_resolve_alias(alias)
            room_id = getattr(r, "room_id", None)
            if not room_id:
                name = spec["name"] or alias_local.replace("-", " ").title()
                cr = await bot.room_create(
                    visibility=RoomVisibility.public if spec["public"] else RoomVisibility.private,
                    alias=alias_local.split(":")[0].lstrip("#"), name=name, topic=spec["topic"],
                    room_version="11",
                    preset=RoomPreset.public_chat if spec["public"] else RoomPreset.private_chat,
                    invite=op_ids if kind != "community" else (),
                    power_level_override={"users": users_pl, "events_default": spec["events_default"],
                                          "invite": 50, "state_default": 50},
                    initial_state=[{"type": "m.room.history_visibility", "state_key": "",
                                    "content": {"history_visibility": "shared"}}])
                room_id = getattr(cr, "room_id", None)
                if not room_id:
                    raise RuntimeError(f"create {alias} failed: {cr}")
                changes.append(f"created room {alias} ({room_id})")
            else:
                await bot.join(room_id)
                pl = await _state(bot, room_id, "m.room.power_levels") or {}
                want_users = dict(pl.get("users") or {})
                want_users.update(users_pl)
                new = dict(pl, users=want_users, events_default=spec["events_default"])
                if new != pl:
                    await bot.room_put_state(room_id, "m.room.power_levels", new)
                    changes.append(f"updated power levels in {alias}")
                if kind != "community":
                    for u in op_ids:
                        m = await _state(bot, room_id, "m.room.member", u)
                        if not m or m.get("membership") not in ("join", "invite"):
                            await bot.room_invite(room_id, u)
                            changes.append(f"invited {u} to {alias}")
            rooms[alias] = room_id
        rec["rooms"] = rooms
    finally:
        await bot.close()

    # Dev operators join their rooms (the invites are accepted once).
    for op in operators:
        uid = f"@{op}:{server}"
        c = None
        for alias_local, kind in specs:
            if kind == "community":
                continue
            room_id = rec["rooms"][cfg.alias(alias_local)]
            if c is None:
                c = await _login(hs, uid, pw[op])
            m = await _state(c, room_id, "m.room.member", uid)
            if not m or m.get("membership") != "join":
                await c.join(room_id)
                changes.append(f"{uid} joined {cfg.alias(alias_local)}")
        if c is not None:
            await c.close()

    rec["homeserver"] = hs
    rec["server_name"] = server
    rec["bot_user_id"] = bot_id
    old = _load(path)
    if {k: v for k, v in old.items() if k != "changes"} != rec:
        changes.append(f"wrote {path}")
    _save(path, rec)
    for ch in changes:
        log(f"  + {ch}")
    if not changes:
        log("provision: no changes (everything already in place)")
    return dict(rec, changes=changes)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m matrix_bridge.provision")
    p.add_argument("--config", default=None)
    p.add_argument("--operator", action="append", help="dev operator localpart (default: operator)")
    p.add_argument("--community", action="append",
                   help="community room alias localpart (default: ojol-batang)")
    p.add_argument("--synapse-dir",
                   default=os.environ.get("SYNAPSE_DIR", str(synapse_ctl.REPO / "var" / "synapse")))
    a = p.parse_args(argv)
    import logging
    logging.getLogger("nio.responses").setLevel(logging.CRITICAL)  # noisy schema warnings
    cfg = load_config(a.config)
    secret = os.environ.get("SYNAPSE_REGISTRATION_SECRET") or synapse_ctl.shared_secret(Path(a.synapse_dir))
    rec = asyncio.run(provision(cfg, secret, operators=a.operator, community=a.community))
    print(f"bot: {rec['bot_user_id']}  homeserver: {rec['homeserver']}")
    for op, pw in rec["operator_passwords"].items():
        print(f"dev operator: @{op}:{rec['server_name']}  password: {pw}  (stored in {cfg.provision_path})")
    for alias, rid in rec["rooms"].items():
        print(f"room {alias} -> {rid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
