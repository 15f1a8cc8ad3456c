"""Walkie-talkie: a voice note in a community room reaches the operator room (who + where), and
an operator's voice answer goes back (reply to the relayed voice, or !jawab #room + next voice)."""
from __future__ import annotations

import pytest

from conftest import room

pytestmark = pytest.mark.asyncio(loop_scope="function")


def _is_bot_audio(room_id, bot_id):
    return lambda r, e: (r == room_id and e.get("sender") == bot_id
                         and (e.get("content") or {}).get("msgtype") == "m.audio")


async def test_voice_relay_both_ways(bridge_factory, user_factory, operator, provisioned):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    ojol, oproom = room(provisioned, "ojol-batang"), room(provisioned, "operator-polres")
    await operator.join(oproom)
    driver = await user_factory("ojol", join=[ojol])

    om, dm_ = operator.mark(), driver.mark()
    audio = await driver.upload_audio()
    await driver.send(ojol, audio)
    intro = await operator.wait_bot_text(oproom, bot_id, "pesan suara dari", start=om)
    assert driver.user_id in intro["content"]["body"] and "#ojol-batang" in intro["content"]["body"]
    _, relayed = await operator.wait_for(_is_bot_audio(oproom, bot_id), start=om)
    assert relayed["content"]["url"] == audio["url"]
    await driver.wait_bot_text(ojol, bot_id, "diteruskan ke operator", start=dm_)

    # Operator answers by replying to the relayed voice with a voice note
    dm_ = driver.mark()
    answer = await operator.upload_audio(b"OggS" + b"\1" * 300)
    answer["m.relates_to"] = {"m.in_reply_to": {"event_id": relayed["event_id"]}}
    await operator.send(oproom, answer)
    await driver.wait_bot_text(ojol, bot_id, "jawaban suara", start=dm_)
    _, back = await driver.wait_for(_is_bot_audio(ojol, bot_id), start=dm_)
    assert back["content"]["url"] == answer["url"]

    # !jawab #ojol-batang then the next voice note
    om = operator.mark()
    await operator.text(oproom, "!jawab #ojol-batang")
    await operator.wait_bot_text(oproom, bot_id, "berikutnya", start=om)
    dm_ = driver.mark()
    second = await operator.upload_audio(b"OggS" + b"\2" * 300)
    await operator.send(oproom, second)
    _, back2 = await driver.wait_for(_is_bot_audio(ojol, bot_id), start=dm_)
    assert back2["content"]["url"] == second["url"]

    # !jawab #ojol-batang sent as a reply to a voice note already in the operator room
    third = await operator.upload_audio(b"OggS" + b"\3" * 300)
    third_id = await operator.send(oproom, third)  # no target yet: stays among operators
    dm_ = driver.mark()
    await operator.text(oproom, "!jawab #ojol-batang",
                        **{"m.relates_to": {"m.in_reply_to": {"event_id": third_id}}})
    _, back3 = await driver.wait_for(_is_bot_audio(ojol, bot_id), start=dm_)
    assert back3["content"]["url"] == third["url"]

    # A non-operator cannot use !jawab
    staff = await user_factory("staf")
    await svc.bot.client.room_invite(oproom, staff.user_id)
    await staff.join(oproom)
    sm = staff.mark()
    await staff.text(oproom, "!jawab #ojol-batang")
    await staff.wait_bot_text(oproom, bot_id, "hanya operator", start=sm)
