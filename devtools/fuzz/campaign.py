"""One fuzz campaign: draw the inputs (seeded), send them channel by channel, check that every
server still answers with the same pid, and report 5xx, crashes, memory growth and the errors the
servers logged meanwhile. `write_report` puts JSON + a short text summary into out/fuzz/."""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import inputs, probe, targets

SHARE = {"rest": 0.35, "socketio": 0.25, "reports": 0.25, "matrix": 0.15}


@dataclass
class Setup:
    """Where the servers are. Matrix fields may stay empty to leave the Matrix room out."""
    rasa_url: str
    reports_url: str
    reports_token: str
    servers: list[probe.Server]
    synapse_url: str = ""
    synapse_secret: str = ""
    room_alias: str = ""
    bot_id: str = ""
    logs: dict[str, Path] = field(default_factory=dict)  # server name -> its log file


def split(total: int, channels: list[str]) -> dict[str, int]:
    shares = {c: SHARE[c] for c in channels}
    s = sum(shares.values())
    counts = {c: int(total * v / s) for c, v in shares.items()}
    counts[channels[0]] += total - sum(counts.values())
    return counts


def _log_sizes(logs: dict[str, Path]) -> dict[str, int]:
    return {n: (p.stat().st_size if p.exists() else 0) for n, p in logs.items()}


def _logged_errors(logs: dict[str, Path], since: dict[str, int]) -> dict[str, dict]:
    """Tracebacks and ERROR lines each server logged during the run (with a few samples)."""
    out = {}
    for name, path in logs.items():
        if not path.exists():
            continue
        with open(path, "rb") as fh:
            fh.seek(since.get(name, 0))
            lines = fh.read().decode("utf-8", "replace").splitlines()
        errs = [ln for ln in lines if "Traceback (most recent call last)" in ln or " ERROR " in ln
                or ln.startswith("ERROR")]
        exc = [ln for ln in lines if ln and not ln.startswith((" ", "\t")) and "Error:" in ln]
        out[name] = {"error_lines": len(errs), "tracebacks": sum("Traceback" in ln for ln in errs),
                     "samples": (errs[:5] + exc[:5])[:8]}
    return out


async def run(setup: Setup, total: int, seed: int, channels: list[str] | None = None,
              progress=print) -> dict:
    channels = [c for c in (channels or list(SHARE)) if c != "matrix" or setup.synapse_url]
    counts = split(total, channels)
    t0 = time.monotonic()
    strategies = {"rest": inputs.rest_case, "socketio": inputs.socketio_case,
                  "reports": inputs.report_case, "matrix": inputs.matrix_case}
    cases = {}
    for i, c in enumerate(channels):
        cases[c] = await asyncio.to_thread(inputs.generate, strategies[c], counts[c], seed + 1000 * i)
        progress(f"generated {counts[c]} {c} inputs (seed {seed + 1000 * i})")
    before, sizes = probe.snapshot(setup.servers), _log_sizes(setup.logs)
    progress("before: " + ", ".join(f"{n} pid {s['pid']} {s['rss_mb']} MB" for n, s in before.items()))
    tallies, liveness = [], {}
    for c in channels:
        progress(f"sending {counts[c]} inputs to {c} ...")
        phase_sizes = _log_sizes(setup.logs)
        if c == "rest":
            tally = await targets.fuzz_rest(setup.rasa_url, cases[c])
        elif c == "socketio":
            tally = await targets.fuzz_socketio(setup.rasa_url, cases[c])
            liveness["socketio"] = tally.notes[-1]
        elif c == "reports":
            tally = await targets.fuzz_reports(setup.reports_url, setup.reports_token, cases[c])
        else:
            from .matrix import bridge_liveness, fuzz_account
            token, _, room_id = await fuzz_account(setup.synapse_url, setup.synapse_secret, setup.room_alias)
            tally = await targets.fuzz_matrix(setup.synapse_url, token, room_id, cases[c])
            progress("matrix: waiting for the bridge to work through the backlog and answer !status ...")
            liveness["matrix_bridge"] = await bridge_liveness(setup.synapse_url, token, room_id, setup.bot_id)
        errs = _logged_errors(setup.logs, phase_sizes)
        tally.server_errors = {n: e["tracebacks"] for n, e in errs.items() if e["tracebacks"]}
        progress(f"  {c}: {tally.sent} sent, {tally.n_5xx} 5xx, statuses {dict(tally.statuses)}, "
                 f"tracebacks in server logs {tally.server_errors or 'none'} ({tally.seconds:.0f} s)")
        tallies.append(tally)
    await asyncio.sleep(2)  # let the last requests finish before the after-snapshot
    after = probe.snapshot(setup.servers)
    crashes, memory = probe.compare(before, after)
    return {"seed": seed, "inputs": sum(t.sent for t in tallies), "5xx": sum(t.n_5xx for t in tallies),
            "crashes": crashes, "liveness": liveness, "memory": memory,
            "channels": [t.as_dict() for t in tallies], "servers_before": before, "servers_after": after,
            "logged_errors": _logged_errors(setup.logs, sizes), "seconds": round(time.monotonic() - t0, 1)}


def summary_text(r: dict) -> str:
    lines = [f"fuzz run: {r['inputs']} inputs (seed {r['seed']}), {r['5xx']} 5xx, "
             f"{len(r['crashes'])} crash(es), {r['seconds']:.0f} s"]
    for c in r["channels"]:
        lines.append(f"  {c['channel']:10s} {c['sent']:6d} sent  {c['5xx']:4d} 5xx  statuses {c['statuses']}"
                     + (f"  transport errors {c['transport_errors']}" if c["transport_errors"] else ""))
        if "answered" in c["kinds"] or "unanswered" in c["kinds"]:
            lines.append(f"      well-formed messages answered: {c['kinds'].get('answered', 0)}, "
                         f"not answered within the wait: {c['kinds'].get('unanswered', 0)}")
        if c["server_tracebacks"]:
            lines.append(f"      tracebacks logged by the servers meanwhile: {c['server_tracebacks']}")
        for s in c["samples_5xx"][:3]:
            lines.append(f"      5xx e.g. [{s['kind']}] {s['status']} body={s['body'][:60]!r}")
    for name, how in r["liveness"].items():
        lines.append(f"  liveness {name}: {how}")
    for cr in r["crashes"]:
        lines.append(f"  CRASH {cr['server']}: pid {cr['pid_before']} -> {cr['pid_after']}, "
                     f"healthy after: {cr['healthy_after']}")
    lines.append("  memory (RSS MB before -> after):")
    for name, m in r["memory"].items():
        lines.append(f"      {name:10s} {m['rss_mb_before']} -> {m['rss_mb_after']} "
                     f"(growth {m['growth_mb']})")
    for name, e in r["logged_errors"].items():
        if e["error_lines"]:
            lines.append(f"  {name} logged {e['error_lines']} error line(s), {e['tracebacks']} traceback(s)")
    return "\n".join(lines) + "\n"


def write_report(r: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    js, txt = out_dir / f"fuzz-{stamp}.json", out_dir / f"fuzz-{stamp}.txt"
    js.write_text(json.dumps(r, indent=1, ensure_ascii=False, default=str))
    txt.write_text(summary_text(r))
    for src, name in ((js, "latest.json"), (txt, "latest.txt")):
        (out_dir / name).write_text(src.read_text())
    return js, txt
