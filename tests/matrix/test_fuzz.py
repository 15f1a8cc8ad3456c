"""`make test`'s fuzz run (issue 13): 1,000 hypothesis-generated inputs (fixed seed, printed) to
Rasa's REST webhook and socket.io channel (the session's Rasa), the report API and the
#ojol-batang room of the session's real Synapse, read by a real bridge process started here.
Must give 0 5xx and no crash; both channels that answer asynchronously (socket.io, the bridge)
must still answer a normal message afterwards. `make fuzz` is the 10,000-input version."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from devtools.fuzz import campaign
from devtools.fuzz.probe import Server
from devtools.net import free_port, wait_http

from conftest import ROOT

pytestmark = pytest.mark.asyncio(loop_scope="function")
INPUTS = int(os.environ.get("FUZZ_INPUTS", 1000))
SEED = int(os.environ.get("FUZZ_SEED", 20261130))
TOKEN = "fuzz-token-0123456789abcdef"


@pytest.fixture
def bridge_proc(synapse, provisioned, rasa_url, tmp_path):
    port = free_port()
    log = tmp_path / "bridge.log"
    env = dict(os.environ, MATRIX_HOMESERVER=synapse.url, SYNAPSE_SERVER_NAME=synapse.server_name,
               MATRIX_BOT_PASSWORD=provisioned["bot_password"], BRIDGE_STATE_DIR=str(tmp_path / "bridge"),
               REPORTS_PORT=str(port), REPORTS_TOKEN=TOKEN, REPORTS_DB_URL=f"sqlite:///{tmp_path / 'r.db'}",
               RASA_URL=rasa_url, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "matrix_bridge", "--log-level", "INFO"], cwd=str(ROOT),
                            env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", 60, proc, "bridge")
        yield port, log
    finally:
        proc.terminate()
        proc.wait(20)


def stack_logs() -> dict:
    """Logs of the session's Rasa and action server (scripts/test.sh exports STACK_LOGS)."""
    d = os.environ.get("STACK_LOGS")
    return {n: Path(d) / f"{n}.log" for n in ("rasa", "actions")} if d else {}


def _port(url: str) -> int:
    return urlparse(url).port


async def test_fuzz_every_channel_no_5xx(synapse, rasa_url, actions_url, bridge_proc):
    port, log = bridge_proc
    reports_url = f"http://127.0.0.1:{port}"
    setup = campaign.Setup(
        rasa_url=rasa_url, reports_url=reports_url, reports_token=TOKEN,
        servers=[Server("rasa", _port(rasa_url), f"{rasa_url}/"),
                 Server("actions", _port(actions_url), f"{actions_url}/health"),
                 Server("bridge", port, f"{reports_url}/health"),
                 Server("synapse", synapse.port, f"{synapse.url}/health")],
        synapse_url=synapse.url, synapse_secret=synapse.secret,
        room_alias=f"#ojol-batang:{synapse.server_name}", bot_id=f"@kamtibmas-bot:{synapse.server_name}",
        logs={"bridge": log, **stack_logs()})
    t0 = time.monotonic()
    result = await campaign.run(setup, INPUTS, SEED, progress=lambda m: print("   ", m, flush=True))
    text = campaign.summary_text(result)
    out = ROOT / "out" / "fuzz"
    await asyncio.to_thread(campaign.write_report, {**result, "target": "make test"}, out)
    print(f"\nfuzz (make test): {result['inputs']} inputs, seed {SEED}, {result['5xx']} 5xx, "
          f"{len(result['crashes'])} crash(es), {time.monotonic() - t0:.0f} s\n{text}")
    assert result["inputs"] == INPUTS
    assert result["5xx"] == 0, text
    assert not result["crashes"], text
    assert all(v.startswith("answered") for v in result["liveness"].values()), text
