"""Provisioning is idempotent and sets the roles: bot PL 100 everywhere, operators PL 50,
announcement room events_default 50, community room public join."""
from __future__ import annotations

import pytest

from conftest import make_config, room

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def test_provision_twice_changes_nothing(synapse, provisioned, tmp_path, bridge_factory, rasa_url):
    from matrix_bridge.provision import provision
    cfg = make_config(synapse, tmp_path / "p", rasa_url=rasa_url)
    # Same record, same accounts: copy the first run's record so passwords are known
    cfg.provision_path.parent.mkdir(parents=True, exist_ok=True)
    import json
    cfg.provision_path.write_text(json.dumps({k: v for k, v in provisioned.items() if k != "changes"}))
    again = await provision(cfg, synapse.secret, operators=["operator"], community=["ojol-batang"],
                            log=lambda *_: None)
    assert again["changes"] == []
    assert again["rooms"] == provisioned["rooms"]

    svc = await bridge_factory()
    c = svc.bot.client
    bot_id, op_id = svc.cfg.bot_user_id, f"@operator:{synapse.server_name}"
    for alias in ("operator-polres", "siaran-kamtibmas", "ojol-batang"):
        pl = (await c.room_get_state_event(room(provisioned, alias), "m.room.power_levels")).content
        assert pl["users"][bot_id] == 100 and pl["users"][op_id] == 50
    announce = (await c.room_get_state_event(room(provisioned, "siaran-kamtibmas"),
                                             "m.room.power_levels")).content
    assert announce["events_default"] == 50
    jr = (await c.room_get_state_event(room(provisioned, "ojol-batang"), "m.room.join_rules")).content
    assert jr["join_rule"] == "public"
    jr = (await c.room_get_state_event(room(provisioned, "operator-polres"), "m.room.join_rules")).content
    assert jr["join_rule"] == "invite"
    cr = (await c.room_get_state_event(room(provisioned, "ojol-batang"), "m.room.create")).content
    assert cr["room_version"] == "11"
    assert await svc.bot.is_operator(op_id)
    assert not await svc.bot.is_operator("@someone:" + synapse.server_name)
