"""`make fuzz`: property-based fuzzing of every public input (issue 13), run in .venv/bridge.

    python -m scripts.fuzz                 # against `make run` (default ports, var/)
    python -m scripts.fuzz --start         # starts its own stack (`scripts.servers run` on free
                                           # ports with a temporary var dir), fuzzes it, stops it
    python -m scripts.fuzz --inputs 1000 --seed 7 --channels rest,reports

Sends --inputs (default 10,000) hypothesis-generated inputs to Rasa's REST webhook, Rasa's
socket.io channel, the report API and the #ojol-batang Matrix room (read by the bridge); reports
5xx, crashes (a server whose pid changed or that stopped answering its health check), memory
growth (RSS before/after from /proc) and the errors the servers logged; writes
out/fuzz/fuzz-<time>.json and .txt (and latest.*). Exit status 1 when there was a 5xx or a crash.
The ports and var dir are read like `scripts.servers run` reads them (RASA_PORT, ..., CHATPOLISI_VAR).
Note: against `make run`, well-formed inputs create real (test) reports and conversations.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import var_layout
from devtools.fuzz import campaign
from devtools.fuzz.probe import Server
from devtools.net import free_port

ROOT = var_layout.ROOT
PORTS = {"RASA_PORT": 5005, "ACTIONS_PORT": 5055, "WEBCHAT_PORT": 8081, "SYNAPSE_PORT": 8008,
         "REPORTS_PORT": 8090, "EDGE_PORT": 8080, "DASHBOARD_PORT": 8091}


def setup_for(ports: dict[str, int], var: Path) -> campaign.Setup:
    """Where a `scripts.servers run` stack with these ports and var dir listens."""
    from matrix_bridge import synapse_ctl
    u = lambda name: f"http://127.0.0.1:{ports[name]}"  # noqa: E731
    token = os.environ.get("REPORTS_TOKEN") or (var / "reports.token").read_text().strip()
    servers = [Server("rasa", ports["RASA_PORT"], u("RASA_PORT") + "/"),
               Server("actions", ports["ACTIONS_PORT"], u("ACTIONS_PORT") + "/health"),
               Server("bridge", ports["REPORTS_PORT"], u("REPORTS_PORT") + "/health"),
               Server("synapse", ports["SYNAPSE_PORT"], u("SYNAPSE_PORT") + "/health"),
               Server("webchat", ports["WEBCHAT_PORT"], u("WEBCHAT_PORT") + "/healthz"),
               Server("edge", ports["EDGE_PORT"], u("EDGE_PORT") + "/healthz")]
    logs = {n: var / "logs" / f"{n}.log" for n in ("rasa", "actions", "bridge", "webchat", "edge")}
    return campaign.Setup(rasa_url=u("RASA_PORT"), reports_url=u("REPORTS_PORT"), reports_token=token,
                          servers=servers, synapse_url=u("SYNAPSE_PORT"),
                          synapse_secret=synapse_ctl.shared_secret(var / "synapse"),
                          room_alias="#ojol-batang:polres.localhost",
                          bot_id="@kamtibmas-bot:polres.localhost", logs=logs)


def start_stack(var: Path) -> tuple[subprocess.Popen, dict[str, int]]:
    """`scripts.servers run` on free ports with `var` as its state directory; returns once it
    says everything is up (Rasa loads its model: 2-4 min)."""
    ports = {k: free_port() for k in PORTS}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "CHATPOLISI_VAR": str(var),
           "PYTHONPATH": str(ROOT)}
    env.pop("RASA_TOKEN", None)
    env.pop("REPORTS_TOKEN", None)
    var.mkdir(parents=True, exist_ok=True)
    out = open(var / "run.log", "ab")
    proc = subprocess.Popen([str(ROOT / ".venv" / "rasa" / "bin" / "python"), "-m", "scripts.servers", "run"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        text = (var / "run.log").read_text(errors="replace")
        if "Press Ctrl-C" in text:
            return proc, ports
        if proc.poll() is not None:
            raise RuntimeError(f"scripts.servers run exited ({proc.returncode}):\n{text[-3000:]}")
        time.sleep(2)
    stop_stack(proc)
    raise TimeoutError("scripts.servers run not up after 900 s; see " + str(var / "run.log"))


def stop_stack(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 20261130)))
    ap.add_argument("--channels", default=",".join(campaign.SHARE))
    ap.add_argument("--start", action="store_true", help="start (and stop) a stack of its own")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "fuzz")
    a = ap.parse_args(argv)
    proc = None
    if a.start:
        var = Path(tempfile.mkdtemp(prefix="fuzz-stack-"))
        print(f"==> starting a stack of its own (state and logs: {var}) ...", flush=True)
        proc, ports = start_stack(var)
    else:
        var = var_layout.VAR
        ports = {k: int(os.environ.get(k, v)) for k, v in PORTS.items()}
    try:
        setup = setup_for(ports, var)
        result = asyncio.run(campaign.run(setup, a.inputs, a.seed, a.channels.split(","),
                                          progress=lambda m: print("    " + m, flush=True)))
        result["target"] = "own stack (--start)" if a.start else "make run"
    finally:
        if proc is not None:
            stop_stack(proc)
    js, txt = campaign.write_report(result, a.out)
    print("\n" + txt.read_text() + f"written: {var_layout.relative(js)}, {var_layout.relative(txt)}")
    return 1 if result["5xx"] or result["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
