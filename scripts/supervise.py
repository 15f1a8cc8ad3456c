"""Supervision of the processes `make run` started (scripts/servers.py Stack), standard library
only. After start-up a child that exits is started again with the same command, environment and
readiness check, after an exponential backoff (1 s, 2 s, 4 s ... at most 30 s); the delay goes
back to 1 s once the child has stayed up for a while. The other children keep serving meanwhile.
Every event is printed in plain words and appended to var/logs/supervisor.log:

    [supervisor] 09:12:03 actions (pid 4242) stopped: killed by SIGKILL (exit -9); restart attempt 1 in 1 s
    [supervisor] 09:12:04 actions: restart attempt 1 started (pid 4301); waiting for http://.../health
    [supervisor] 09:12:11 actions is serving again (pid 4301, ready 7.1 s after the restart)

One loop, no threads: a child whose readiness is pending (Rasa reloads its model for 1-2 min)
does not hold up the watch on the others.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from devtools.net import http_ok, wait_http
from var_layout import ROOT


@dataclass
class Spec:
    """How a child was started: what a restart repeats (same command, env and readiness check)."""
    cmd: list[str]
    env: dict
    health: str | None = None  # URL that answers 2xx once the child serves
    timeout: float = 60.0      # seconds allowed to become ready


class Stack:
    """A set of child processes, each with a log file, stopped together (and restarted one by one
    by the Supervisor below under `make run`)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.specs: dict[str, Spec] = {}

    def start(self, name: str, cmd: list[str], env: dict | None = None, health: str | None = None,
              timeout: float = 60.0) -> subprocess.Popen:
        # PYTHONPATH: the children run this checkout's code, whatever the venv has installed.
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                    "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore::DeprecationWarning",
                    **(env or {})}
        self.specs[name] = Spec(cmd, full_env, health, timeout)
        proc = self._spawn(name)
        self.procs.append((name, proc))
        return proc

    def _spawn(self, name: str) -> subprocess.Popen:
        spec = self.specs[name]
        with open(self.log_dir / f"{name}.log", "ab") as log:
            return subprocess.Popen(spec.cmd, cwd=ROOT, env=spec.env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def restart(self, name: str) -> subprocess.Popen:
        """Starts `name` again (its old process must have exited); does not wait for readiness."""
        proc = self._spawn(name)
        self.procs = [(n, proc if n == name else p) for n, p in self.procs]
        return proc

    def wait_ready(self, name: str, what: str = "") -> None:
        """Waits for the readiness URL `name` was started with; fails early if it exits."""
        spec = self.specs[name]
        wait_http(spec.health, spec.timeout, dict(self.procs)[name], what or name)

    def kill(self, name: str) -> None:
        for n, proc in self.procs:
            if n == name and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def stop(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for _, proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass



BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0  # up this long after being ready: the next crash starts the backoff at 1 s again


def describe_exit(code: int | None) -> str:
    """'exit 3' / 'killed by SIGKILL (exit -9)' for a Popen returncode."""
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name} (exit {code})"
        except ValueError:
            return f"killed by signal {-code} (exit {code})"
    return f"exit {code}"


@dataclass
class Outside:
    """A service that runs detached (Synapse: `scripts/synapse.sh start` leaves it running with a
    pid file). It counts as down when the pid in `pid_file` is gone; `start` brings it back."""
    pid_file: Path
    start: list[str]
    health: str
    env: dict
    log: Path
    timeout: float = 120.0

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None


@dataclass
class Watch:
    """Supervision state of one child of the stack."""
    name: str
    attempt: int = 0              # restart attempts since the last stable period
    restarts: int = 0             # restarts in total (for the summary)
    restart_at: float | None = None
    starting_since: float | None = None
    ready_since: float | None = field(default_factory=time.monotonic)
    last_pid: int | None = None


class Supervisor:
    """Watches every child of `stack` (a scripts.servers.Stack whose children were started with
    their readiness URL); `tick()` does one round, `run()` loops until interrupted."""

    def __init__(self, stack, log_file: Path | None = None, *, backoff_start: float = BACKOFF_START_S,
                 backoff_max: float = BACKOFF_MAX_S, stable_after: float = STABLE_AFTER_S,
                 clock: Callable[[], float] = time.monotonic, out=None,
                 outside: dict[str, Outside] | None = None):
        self.stack = stack
        self.log_file = log_file
        self.backoff_start, self.backoff_max, self.stable_after = backoff_start, backoff_max, stable_after
        self.clock = clock
        self.out = out or sys.stderr
        self.outside = outside or {}
        self._starters: list[subprocess.Popen] = []  # start commands of outside services (reaped)
        self.watches = {name: Watch(name, ready_since=clock())
                        for name in [*dict(stack.procs), *self.outside]}

    def say(self, text: str) -> None:
        line = f"[supervisor] {time.strftime('%H:%M:%S')} {text}"
        print(line, file=self.out, flush=True)
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def delay(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_start * 2 ** max(0, attempt - 1))

    def _schedule(self, w: Watch, pid: int | None, why: str, log: Path | None = None) -> None:
        w.attempt += 1
        d = self.delay(w.attempt)
        w.restart_at = self.clock() + d
        w.starting_since = w.ready_since = None
        log = log or self.stack.log_dir / f"{w.name}.log"
        self.say(f"{w.name} (pid {pid}) {why}; restart attempt {w.attempt} in {d:g} s "
                 f"(log: {log})")

    def _tick_outside(self, now: float) -> None:
        self._starters = [p for p in self._starters if p.poll() is None]
        for name, o in self.outside.items():
            w = self.watches[name]
            if w.restart_at is not None:
                if now >= w.restart_at:
                    w.restart_at, w.starting_since = None, now
                    w.restarts += 1
                    with open(o.log, "ab") as log:
                        self._starters.append(subprocess.Popen(
                            o.start, cwd=ROOT, env=o.env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True))
                    self.say(f"{name}: restart attempt {w.attempt} started; waiting for {o.health}")
                continue
            if w.starting_since is not None:
                if http_ok(o.health):
                    self.say(f"{name} is serving again (pid {o.pid()}, ready "
                             f"{now - w.starting_since:.1f} s after the restart)")
                    w.starting_since, w.ready_since, w.last_pid = None, now, o.pid()
                elif now - w.starting_since > o.timeout:
                    self._schedule(w, o.pid(), f"not ready after {o.timeout:g} s", o.log)
                continue
            pid = o.pid()
            if pid is None:
                self._schedule(w, w.last_pid, "stopped (its process is gone)", o.log)
            else:
                w.last_pid = pid
                if w.attempt and w.ready_since is not None and now - w.ready_since >= self.stable_after:
                    w.attempt = 0

    def tick(self) -> None:
        now = self.clock()
        for name, proc in list(self.stack.procs):
            w = self.watches.setdefault(name, Watch(name, ready_since=now))
            if w.restart_at is not None:  # waiting out the backoff
                if now >= w.restart_at:
                    w.restart_at = None
                    new = self.stack.restart(name)
                    w.restarts += 1
                    w.starting_since = now
                    spec = self.stack.specs[name]
                    # the URL without its query: Rasa's carries the API token, which no log shows
                    what = f"waiting for {spec.health.split('?')[0]}" if spec.health else "no readiness check"
                    self.say(f"{name}: restart attempt {w.attempt} started (pid {new.pid}); {what}")
                continue
            code = proc.poll()
            if code is not None:
                stage = "died while starting" if w.starting_since is not None else "stopped"
                self._schedule(w, proc.pid, f"{stage}: {describe_exit(code)}")
                continue
            if w.starting_since is not None:  # restarted, readiness pending
                spec = self.stack.specs[name]
                if spec.health is None or http_ok(spec.health):
                    self.say(f"{name} is serving again (pid {proc.pid}, ready "
                             f"{now - w.starting_since:.1f} s after the restart)")
                    w.starting_since, w.ready_since = None, now
                elif now - w.starting_since > spec.timeout:
                    self.stack.kill(name)
                    proc.wait(10)
                    self._schedule(w, proc.pid, f"not ready after {spec.timeout:g} s, stopped it")
            elif w.attempt and w.ready_since is not None and now - w.ready_since >= self.stable_after:
                self.say(f"{name} has been up {self.stable_after:g} s: next restart delay back to "
                         f"{self.backoff_start:g} s")
                w.attempt = 0

    def tick_all(self) -> None:
        self.tick()
        self._tick_outside(self.clock())

    def run(self, interval: float = 0.5, stop=None) -> None:
        """Loops until interrupted (or until `stop`, a threading.Event, is set)."""
        self.say("watching " + ", ".join([f"{n} (pid {p.pid})" for n, p in self.stack.procs]
                                         + [f"{n} (pid {o.pid()})" for n, o in self.outside.items()])
                 + f"; a crashed process is restarted after {self.backoff_start:g} s, doubling up to "
                   f"{self.backoff_max:g} s")
        while stop is None or not stop.is_set():
            self.tick_all()
            time.sleep(interval)

