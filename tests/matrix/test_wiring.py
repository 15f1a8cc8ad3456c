"""The bridge's wiring without Synapse: the command table and its help texts, the shared retry
backoff, and status delivery against a real report store (temp SQLite) with a recording sender."""
from __future__ import annotations

import pytest

from matrix_bridge.handlers import commands as cmds
from matrix_bridge.status_delivery import StatusDelivery
from reports.backoff import Backoff, retry_delay
from reports.store import open_store


def test_every_command_is_declared_once_and_documented():
    names = [c.name for c in cmds.COMMANDS]
    assert len(names) == len(set(names))
    warga, operator = cmds.help_warga(), cmds.help_operator()
    for c in cmds.COMMANDS:
        assert c.who in (cmds.WARGA, cmds.OPERATOR, cmds.SEMUA)
        assert c.handler is not None or c.name == cmds.BANTUAN
        text = operator if c.who == cmds.OPERATOR else warga
        for usage, what in c.help:
            assert f"• {usage} — {what}" in text
        if c.who == cmds.OPERATOR:
            assert c.name not in warga
    assert warga.endswith("Darurat? Telepon 110 atau 112.")


def test_backoff_doubles_up_to_five_minutes():
    assert [retry_delay(n) for n in range(10)] == [3, 6, 12, 24, 48, 96, 192, 300, 300, 300]
    now = [100.0]
    b = Backoff(clock=lambda: now[0])
    assert b.due("n1")
    b.failed("n1", attempts=1)
    assert not b.due("n1") and b.due("n2")
    now[0] += 6
    assert b.due("n1")
    b.failed("n1", attempts=2)
    b.succeeded("n1")
    assert b.due("n1")


class Sender:
    """Matrix side for StatusDelivery: records sends; fails while `down`."""
    operator_room = "!op:test"

    def __init__(self):
        self.down = False
        self.sent: list[tuple[str, dict, str]] = []

    async def send(self, room, content, txn_id=None):
        if self.down:
            return None
        self.sent.append((room, content, txn_id))
        return f"$ev{len(self.sent)}"


def new_report(**kw):
    return {"jenis": "kecelakaan_lalu_lintas", "lokasi": "Jl. Gajah Mada, Batang", "waktu": "barusan",
            "deskripsi": "Motor menabrak pagar.", "kanal": "matrix", "pelapor": "@warga:test",
            "ruang": "!dm:test", "idempotency_key": "wiring-1", **kw}


@pytest.mark.asyncio(loop_scope="function")
async def test_status_delivery_card_status_and_backoff(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'reports.db'}")
    sender = Sender()
    delivery = StatusDelivery(sender, store)
    report, _ = store.create(new_report())
    sender.down = True
    assert await delivery.deliver_pending() == 0
    [pending] = store.pending_notifications(target="operator")
    assert pending["attempts"] == 1
    sender.down = False
    assert await delivery.deliver_pending() == 0  # waits for its backoff (3 s)
    delivery.backoff = Backoff()  # as after a restart: every pending item is tried once
    assert await delivery.deliver_pending() == 1
    room, content, txn = sender.sent[0]
    assert room == sender.operator_room and report["id"] in content["body"]
    assert txn == f"notif-{pending['notif_id']}"
    assert store.find_by_operator_event("$ev1")["id"] == report["id"]
    store.update_status(report["id"], "diterima", "@op:test")
    assert await delivery.deliver_pending() == 1
    room, content, _ = sender.sent[1]
    assert room == "!dm:test" and "sudah diterima petugas" in content["body"]
    assert content["m.mentions"] == {"user_ids": ["@warga:test"]}
    assert store.pending_notifications(target=None) == []
    store.close()
