"""`rasa run` with N Sanic workers that share ONE loaded model (Rasa venv; `WORKERS=N make run`).

    SANIC_WORKERS=2 python -m scripts.rasa_workers run --enable-api ... (rasa run's own arguments)

Plain `rasa run` with SANIC_WORKERS=N forks N workers first and every worker then loads the whole
model itself (a `before_server_start` listener). Sanic 21.12 forks its workers (multiprocessing
"fork" context, sanic.server.runners.serve_multiple), so this entry point:

1. loads the model graph ONCE in the main process, before Sanic forks, all but its TensorFlow
   components (rasa.core.run.serve_application is wrapped): the spaCy pipeline and lookups, the
   featurizers' vocabularies, rules, memoization and domain are shared copy-on-write, and
   `gc.freeze()` keeps the workers' garbage collector from writing to (and so copying) them.
   TensorFlow cannot be shared this way: once its runtime has run an op, a tf.function called in a
   forked child waits forever for thread pools that exist only in the parent (measured, see
   docs/scaling.md), so each worker loads the DIET classifier and TED policy itself after the fork;
2. makes MessageProcessor._load_model return the preloaded graph in the workers: each worker still
   builds its own Agent, tracker store, lock store and HTTP sessions after the fork (no socket or
   database connection crosses a fork);
3. lets the first workers start serving together once all have loaded (so Rasa's /status, the
   readiness check, means every worker is ready);
4. replaces Sanic's serve_multiple by one that forks a worker again when one dies (SIGKILL, OOM);
   Sanic's own version just waits for the others, so a killed worker is never replaced. The other
   workers keep serving while the replacement loads its TensorFlow components.

Ordering and safety across workers come from the Redis lock store (rasa_stores/lock_store.py:
one turn of a conversation at a time, in ticket order, atomic ticket operations) and the Redis
tracker store (scripts/servers.py writes both into the endpoints when WORKERS is set). Measured
memory and throughput: docs/scaling.md.
With SANIC_WORKERS unset or 1 this is exactly `rasa run`. scripts/servers.py starts every Rasa
through it, with the API token in RASA_AUTH_TOKEN (added as `--auth-token` inside the process, so
it never appears in `ps`).
"""
from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from typing import Any

logger = logging.getLogger("scripts.rasa_workers")

_PRELOADED: dict[str, tuple] = {}
_DEFERRED: list = []  # GraphNodes of TensorFlow components: loaded in each worker after the fork
RESPAWN_DELAY_S = (0.5, 1.0, 2.0, 5.0, 10.0)  # a worker that keeps dying is forked again more slowly


def workers() -> int:
    try:
        return max(1, int(os.environ.get("SANIC_WORKERS", "1")))
    except ValueError:
        return 1


def _key(model_path: Any) -> str:
    return os.path.realpath(str(model_path))


def _uses_tensorflow(component_class: type) -> bool:
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    return issubclass(component_class, (DIETClassifier, TEDPolicy))


def preload(model_path: Any) -> None:
    """Loads the model graph in this (the main) process, all but its TensorFlow components.

    TensorFlow is not fork-safe: once its runtime ran an op, its thread pools exist only in the
    process that created them, and a tf.function called in a forked child waits forever
    (measured: docs/scaling.md). So the DIET classifier and TED policy are loaded by each worker
    after the fork, from the unpacked model kept for this process's lifetime; everything else
    (spaCy, lookups, featurizer vocabularies, rules, memoization, domain) is shared."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    from rasa.engine import loader
    from rasa.engine.graph import GraphNode
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    started = time.monotonic()
    original_load = GraphNode._load_component

    def load_or_defer(node: GraphNode, **kwargs: Any) -> None:
        if not kwargs and _uses_tensorflow(node._component_class):
            _DEFERRED.append(node)
            return
        original_load(node, **kwargs)

    if os.path.isdir(str(model_path)):  # rasa run --model DIR: the newest model in it
        return
    unpacked = tempfile.mkdtemp(prefix="rasa-workers-model-")
    atexit.register(shutil.rmtree, unpacked, True)
    GraphNode._load_component = load_or_defer
    try:
        metadata, runner = loader.load_predict_graph_runner(
            Path(unpacked), Path(model_path), LocalModelStorage, DaskGraphRunner)
    finally:
        GraphNode._load_component = original_load
    _PRELOADED[_key(model_path)] = (os.path.basename(str(model_path)), metadata, runner)
    gc.collect()
    gc.freeze()  # objects alive now are never scanned (nor their pages written) by the workers' GC
    logger.info("model %s loaded once in the main process (pid %d) in %.1f s, except %s (loaded "
                "by each worker); forking %d workers", model_path, os.getpid(),
                time.monotonic() - started,
                ", ".join(n._component_class.__name__ for n in _DEFERRED) or "nothing", workers())


def load_deferred() -> None:
    """In a worker: loads the TensorFlow components preload() left out (once)."""
    pending = [node for node in _DEFERRED if node._component is None]
    if not pending:
        return
    started = time.monotonic()
    for node in pending:
        node._load_component()
    logger.info("worker %d loaded %d TensorFlow components in %.1f s", os.getpid(), len(pending),
                time.monotonic() - started)


def install() -> None:
    """Patches Rasa and Sanic as described in the module docstring (only when SANIC_WORKERS > 1)."""
    import rasa.core.run
    import sanic.app
    from rasa.core.processor import MessageProcessor

    original_serve = rasa.core.run.serve_application

    @functools.wraps(original_serve)  # rasa.api.run passes the kwargs its signature names
    def serve_application(*args: Any, **kwargs: Any) -> None:
        model_path = args[0] if args else kwargs.get("model_path")  # rasa.api.run: positional
        if model_path:
            preload(model_path)
        return original_serve(*args, **kwargs)

    original_load = MessageProcessor._load_model

    def _load_model(model_path: Any) -> tuple:
        preloaded = _PRELOADED.get(_key(model_path))
        if preloaded is None:
            return original_load(model_path)
        load_deferred()
        return preloaded

    rasa.core.run.serve_application = serve_application
    MessageProcessor._load_model = staticmethod(_load_model)
    sanic.app.serve_multiple = serve_multiple


def serve_multiple(server_settings: dict, workers: int) -> None:
    """sanic.server.runners.serve_multiple (Sanic 21.12) with dead workers forked again."""
    import asyncio

    from sanic.server.runners import bind_socket, serve, trigger_events

    server_settings["reuse_port"] = True
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)
    sock = server_settings.get("sock")
    if sock is None:
        sock = bind_socket(server_settings["host"], server_settings["port"],
                           backlog=server_settings["backlog"])
        sock.set_inheritable(True)
        server_settings.update(sock=sock, host=None, port=None)
    mp = multiprocessing.get_context("fork")
    stopping = False
    # The first workers start serving together, once every one of them has loaded its TensorFlow
    # components: Rasa's /status (the readiness check) then means "all workers ready".
    barrier = mp.Barrier(workers)

    def worker(start_together: bool) -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # the main process's handler is not ours;
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # Sanic installs its own once serving
        load_deferred()
        if start_together:
            try:
                barrier.wait(timeout=900)
            except threading.BrokenBarrierError:  # a sibling died while loading: serve anyway
                pass
        serve(**server_settings)

    def fork(start_together: bool = False) -> multiprocessing.Process:
        proc = mp.Process(target=worker, args=(start_together,), daemon=True)
        proc.start()
        return proc

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        logger.info("Received signal %s. Shutting down.", signal.Signals(signum).name)
        stopping = True
        for proc in procs:
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGTERM)

    procs: list[multiprocessing.Process] = []
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    procs += [fork(start_together=True) for _ in range(workers)]
    logger.info("workers: %s", ", ".join(str(p.pid) for p in procs))
    deaths: list[float] = []
    while not stopping:
        multiprocessing.connection.wait([p.sentinel for p in procs], timeout=1.0)
        for i, proc in enumerate(procs):
            if stopping or proc.is_alive():
                continue
            barrier.abort()  # died while loading: its siblings must not wait for it
            now = time.monotonic()
            deaths = [t for t in deaths if now - t < 60] + [now]
            delay = RESPAWN_DELAY_S[min(len(deaths), len(RESPAWN_DELAY_S)) - 1]
            logger.warning("worker %d stopped (exit %s); forking a new one in %.1f s",
                           proc.pid, proc.exitcode, delay)
            time.sleep(delay)
            if not stopping:
                procs[i] = fork()
                logger.warning("worker %d replaces worker %d", procs[i].pid, proc.pid)
    for proc in procs:
        proc.join(15)
        if proc.is_alive():
            proc.kill()
    trigger_events(main_stop, loop)
    sock.close()
    loop.close()


def main() -> None:
    if workers() > 1:
        install()
    from rasa.__main__ import main as rasa_main
    sys.argv[0] = "rasa"
    # The API token comes in the environment (readable by this user only), not on the command
    # line (readable by every local user); changing sys.argv does not change /proc/<pid>/cmdline.
    token = os.environ.pop("RASA_AUTH_TOKEN", "")
    if token:
        sys.argv.append(f"--auth-token={token}")
    rasa_main()


if __name__ == "__main__":
    main()
