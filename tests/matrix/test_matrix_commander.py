"""End-to-end with a real third-party client: matrix-commander (PyPI) files a report in
#ojol-batang by plain messages; an operator accepts it; matrix-commander reads the bot's answers."""
from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path

import pytest

from conftest import ROOT, room

pytestmark = pytest.mark.asyncio(loop_scope="function")

MCTOOL = ROOT / ".venv" / "mctool"


@pytest.fixture(scope="session")
def matrix_commander() -> str:
    """Path to matrix-commander from .venv/mctool, which set-up installs (scripts/setup.sh ->
    scripts/venv.sh mctool). Nothing is installed while the tests run: missing means FAIL."""
    exe = os.environ.get("MATRIX_COMMANDER") or str(MCTOOL / "bin" / "matrix-commander")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"matrix-commander not found at {exe}: run `scripts/venv.sh mctool` "
                    "(make test does it in set-up) or set MATRIX_COMMANDER")
    return exe


class MC:
    def __init__(self, exe: str, workdir: Path):
        self.exe, self.dir = exe, workdir

    async def run(self, *args: str, timeout: float = 60) -> str:
        proc = await asyncio.create_subprocess_exec(
            self.exe, "-c", str(self.dir / "creds.json"), "-s", str(self.dir / "store"), *args,
            cwd=str(self.dir), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
        assert proc.returncode == 0, f"matrix-commander {args} failed: {err.decode()[-2000:]}"
        return out.decode()

    async def tail(self, room_id: str, n: int = 10) -> list[dict]:
        out = await self.run("-r", room_id, "--tail", str(n), "--listen-self", "-o", "JSON")
        return [json.loads(line)["source"] for line in out.splitlines() if line.startswith("{")]

    async def wait_bot(self, room_id: str, bot_id: str, contains: str, after_ts: int,
                       timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in await self.tail(room_id, 10):
                body = (ev.get("content") or {}).get("body", "")
                if ev.get("sender") == bot_id and ev.get("origin_server_ts", 0) >= after_ts \
                        and contains.lower() in body.lower():
                    return ev
            await asyncio.sleep(0.5)
        raise AssertionError(f"matrix-commander never saw a bot message containing {contains!r}")


async def test_report_via_matrix_commander(matrix_commander, synapse, bridge_factory, operator, provisioned,
                                           tmp_path):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    ojol, oproom = room(provisioned, "ojol-batang"), room(provisioned, "operator-polres")
    await operator.join(oproom)
    uid = synapse.register("mcwarga", "mc-pass-123")
    mc = MC(matrix_commander, tmp_path)
    await mc.run("--login", "password", "--homeserver", synapse.url, "--user-login", uid,
                 "--password", "mc-pass-123", "--device", "mc-test", "--room-default", ojol)
    await mc.run("--room-join", ojol)

    async def say(text: str, expect: str) -> dict:
        t0 = int(time.time() * 1000) - 50
        await mc.run("-r", ojol, "-m", text)
        return await mc.wait_bot(ojol, bot_id, expect, t0)

    ev = await say("!bantuan", "!lapor")
    assert "110" in ev["content"]["body"]
    await say("!lapor kecelakaan", "lokasi")
    await say("Jl. Jenderal Sudirman depan SPBU Batang", "kapan")
    await say("barusan", "ceritakan")
    await say("Pengendara motor jatuh karena jalan berlubang.", "lewati")
    ev = await say("lewati", "nomor LK-")
    rid = re.search(r"LK-\d{4}-\d{6}", ev["content"]["body"]).group(0)
    assert svc.store.get(rid)["pelapor"] == uid

    # Operator accepts; matrix-commander reads the notification
    t0 = int(time.time() * 1000) - 50
    await operator.text(oproom, f"!terima {rid}")
    ev = await mc.wait_bot(ojol, bot_id, f"{rid}", t0)
    assert "diterima" in ev["content"]["body"].lower()
