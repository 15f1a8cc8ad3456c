"""`make run` (`python3 -m scripts.servers run`): everything in the foreground on 127.0.0.1;
Ctrl-C stops it all. The edge (Caddy) on EDGE_PORT (8080) is the public entrance.

Start-up runs in parallel what does not depend on each other: the action server and Rasa (whose
model load is the longest step) are launched first and load while Synapse starts, the rooms are
provisioned and the Kamtibmas service, dashboard, web chat server and edge come up; then it waits
for Rasa. Each step prints the seconds since the start, so the console shows where the time goes.

WORKERS=N (N >= 1) runs N Rasa workers sharing one preloaded model (scripts/rasa_workers.py) with
Redis as tracker store and lock store: REDIS_URL if set, else a local redis-server started here
(127.0.0.1 only, state in var/redis/). WORKERS unset: one Rasa process, SQLite tracker store
(or Redis when REDIS_URL is set), as before. TRACKER_DB_URL=postgresql://user:pw@host:port/db
keeps the conversations in PostgreSQL instead (masked SQL tracker store; locks stay in Redis when
Redis is used).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import var_layout
from scripts import redis_server
from scripts.servers import (
    ROOT,
    VENV,
    current_model,
    launch_actions,
    launch_rasa,
    rasa_token,
    start_edge,
    start_webchat,
    write_endpoints,
)
from scripts.supervise import Outside, Stack, Supervisor


def workers_setting() -> int | None:
    """WORKERS as a positive int, None when unset; a wrong value stops `make run` with advice."""
    raw = os.environ.get("WORKERS", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        sys.exit(f"ERROR: WORKERS={raw!r}: give the number of Rasa workers, e.g. WORKERS=2")
    return int(raw)


def cmd_run() -> None:
    t0 = time.monotonic()

    def step(text: str) -> None:
        print(f"==> [{time.monotonic() - t0:5.1f} s] {text}", flush=True)

    port = lambda name, default: int(os.environ.get(name, default))  # noqa: E731
    rasa_port, actions_port = port("RASA_PORT", 5005), port("ACTIONS_PORT", 5055)
    webchat_port, synapse_port = port("WEBCHAT_PORT", 8081), port("SYNAPSE_PORT", 8008)
    reports_port, edge_port = port("REPORTS_PORT", 8090), port("EDGE_PORT", 8080)
    dashboard_port = port("DASHBOARD_PORT", 8091)
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    edge_url = f"http://127.0.0.1:{edge_port}"
    synapse_url = f"http://127.0.0.1:{synapse_port}"
    token = rasa_token()
    workers = workers_setting()
    bridge_py = str(VENV / "bridge" / "bin" / "python")
    stack = Stack(var_layout.LOGS)
    logs = var_layout.relative(var_layout.LOGS)
    synapse = [str(ROOT / "scripts" / "synapse.sh")]
    shared_env = {"RASA_URL": rasa_url, "RASA_TOKEN": token, "REPORTS_PORT": str(reports_port),
                  "REPORTS_API_URL": f"http://127.0.0.1:{reports_port}", "SYNAPSE_PORT": str(synapse_port),
                  "SYNAPSE_PUBLIC_BASEURL": f"{edge_url}/", "DASHBOARD_PORT": str(dashboard_port),
                  "SYNAPSE_DIR": str(var_layout.SYNAPSE_DIR)}

    def bye(*_):
        print("\n==> stopping all services ...", flush=True)
        stack.stop()
        subprocess.run(synapse + ["stop"], cwd=ROOT, env={**os.environ, **shared_env})  # its SYNAPSE_DIR
        print("==> stopped.", flush=True)
        sys.exit(0)

    def run_step(what: str, cmd: list[str]) -> None:
        step(what)
        env = {**os.environ, "PYTHONPATH": str(ROOT), **shared_env}
        if subprocess.run(cmd, cwd=ROOT, env=env).returncode:
            raise RuntimeError(f"{what} failed")

    signal.signal(signal.SIGINT, bye)
    signal.signal(signal.SIGTERM, bye)
    redis_url = os.environ.get("REDIS_URL")
    store = f"Redis {redis_url}" if redis_url else f"SQLite {var_layout.relative(var_layout.TRACKER_DB)}"
    try:
        if workers and not redis_url:
            redis_port = port("REDIS_PORT", 6379)
            step(f"starting redis-server on 127.0.0.1:{redis_port} (WORKERS={workers}; state in "
                 f"{var_layout.relative(var_layout.VAR / 'redis')}/)")
            redis_url = redis_server.start(stack, redis_port, var_layout.VAR / "redis")
            store = f"Redis {redis_url} (local redis-server, var/redis/)"
        elif workers:
            store = f"Redis {redis_url}"
        sql_url = os.environ.get("TRACKER_DB_URL") or None
        if sql_url:
            locks = f" (locks: Redis {redis_url})" if redis_url else ""
            store = f"PostgreSQL {sql_url.split('@')[-1]}{locks}"  # no password on the console
        endpoints = write_endpoints(var_layout.ENDPOINTS, f"http://127.0.0.1:{actions_port}",
                                    redis_url=redis_url, sql_url=sql_url)
        rasa_what = f"Rasa ({workers} workers, one shared model)" if workers and workers > 1 else "Rasa"
        step(f"launching the action server and {rasa_what}; the model loads in the background")
        launch_actions(stack, actions_port, shared_env)
        launch_rasa(stack, rasa_port, endpoints, current_model(), extra_env=shared_env, token=token,
                    workers=workers or 1)
        run_step("starting the Synapse homeserver", synapse + ["start"])
        run_step("provisioning rooms and accounts (idempotent)", [bridge_py, "-m", "matrix_bridge.provision"])
        step("starting the Kamtibmas service (bridge, report API, bulletins) and the operator dashboard")
        stack.start("bridge", [bridge_py, "-m", "matrix_bridge"], shared_env,
                    health=f"http://127.0.0.1:{reports_port}/health")
        stack.start("dashboard", [bridge_py, "-m", "dashboard"], shared_env,
                    health=f"http://127.0.0.1:{dashboard_port}/operator/api/health", timeout=30)
        stack.wait_ready("bridge", "Kamtibmas service")
        stack.wait_ready("dashboard", "operator dashboard")
        step("starting the web chat server and the edge")
        webchat_url = start_webchat(stack, webchat_port, rasa_url, token)
        start_edge(stack, edge_port, webchat_url, rasa_url, synapse_url, var_layout.VAR / "edge",
                   f"http://127.0.0.1:{dashboard_port}")
        step("waiting for the action server and Rasa (model load)")
        stack.wait_ready("actions", "action server")
        stack.wait_ready("rasa", "rasa (loading the model)")
    except Exception as e:  # noqa: BLE001 - report and stop everything
        synapse_dir = var_layout.relative(var_layout.SYNAPSE_DIR)
        print(f"ERROR: {e}. Logs: {logs}/ and {synapse_dir}/", file=sys.stderr)
        bye()
    step("READY")
    rows = [("PUBLIC ENTRANCE (edge, Caddy): web chat page", edge_url),
            ("  Matrix homeserver URL for Element", edge_url),
            ("  socket.io (widget)", f"{edge_url}/socket.io/"),
            ("Internal (loopback only, not via the edge):", ""),
            (f"  Rasa{f' ({workers} workers)' if workers else ''}: REST, socket.io, HTTP API (token)",
             rasa_url),
            ("  Rasa API token", "var/rasa/api.token (RASA_TOKEN overrides)"),
            ("  REST webhook (bridge)", f"{rasa_url}/webhooks/rest/webhook"),
            ("  Action server", f"http://127.0.0.1:{actions_port}"),
            ("  Web chat server", webchat_url),
            ("  Tracker store" + (" and lock store" if redis_url else ""), store),
            ("  Synapse polres.localhost", synapse_url),
            ("  Operator dashboard (edge route /operator/)", f"http://127.0.0.1:{dashboard_port}/operator/"),
            (f"  Kamtibmas report API (token: {var_layout.relative(var_layout.REPORTS_TOKEN)})", f"http://127.0.0.1:{reports_port}"),
            ("  Operator account", var_layout.relative(var_layout.BRIDGE_DIR / "provision.json"))]
    print(f"\n==> Everything runs on 127.0.0.1 (logs in {logs}/), ready after "
          f"{time.monotonic() - t0:.1f} s:")
    for what, where in rows:
        print(f"    {what:50s} {where}")
    print("\nPress Ctrl-C to stop everything. A process that crashes is restarted (log: "
          f"{logs}/supervisor.log).", flush=True)
    synapse_watch = Outside(var_layout.SYNAPSE_DIR / "synapse.pid", synapse + ["start"],
                            f"{synapse_url}/health", {**os.environ, "PYTHONPATH": str(ROOT), **shared_env},
                            var_layout.LOGS / "synapse.log")
    Supervisor(stack, var_layout.LOGS / "supervisor.log", outside={"synapse": synapse_watch}).run()
