"""Bridge configuration: defaults < YAML file (KAMTIBMAS_CONFIG or --config) < environment.

Provisioning (python -m matrix_bridge.provision) writes var/bridge/provision.json with the bot
password and room ids; it is read here when present so `make run` needs no extra settings.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import var_layout

DEFAULT_BULLETIN_TIMES = {"pagi": "06:00", "siang": "12:00", "malam": "18:00"}


@dataclass
class Config:
    homeserver: str = "http://127.0.0.1:8008"
    server_name: str = "polres.localhost"
    bot_localpart: str = "kamtibmas-bot"
    bot_password: str | None = None
    bot_display_name: str = "Kamtibmas Polres Batang"
    rasa_url: str = "http://127.0.0.1:5005"
    state_dir: Path = var_layout.BRIDGE_DIR
    # Rooms (aliases without '#' and server part)
    operator_alias: str = "operator-polres"
    announce_alias: str = "siaran-kamtibmas"
    community_aliases: list[str] = field(default_factory=lambda: ["ojol-batang"])
    # Report API served inside this process
    reports_host: str = "127.0.0.1"
    reports_port: int = 8090
    reports_token: str | None = None
    serve_reports_api: bool = True
    # Bulletins
    timezone: str = "Asia/Jakarta"
    bulletin_times: dict = field(default_factory=lambda: dict(DEFAULT_BULLETIN_TIMES))
    bulletin_grace_minutes: int = 90
    bulletin_rooms: list[str] | None = None  # aliases; None = announcement + all community rooms
    # Behaviour
    operator_level: int = 50
    flood_questions: int = 8          # max questions per sender per window
    flood_reports: int = 3            # max new reports per sender per window
    flood_window_s: int = 60
    flood_report_window_s: int = 600
    rasa_timeout_s: float = 30.0
    lapor_intent_threshold: float = 0.6
    outbox_interval_s: float = 2.0
    sync_timeout_ms: int = 30000
    # Human handoff (matrix_bridge/handoff.py): where operator messages for web citizens are pushed
    # (the web chat gateway's route on Rasa; default <rasa_url>/webhooks/socketio/handoff/push)
    handoff_push_url: str | None = None
    handoff_interval_s: float = 1.0

    @property
    def bot_user_id(self) -> str:
        return f"@{self.bot_localpart}:{self.server_name}"

    def alias(self, local: str) -> str:
        local = local.lstrip("#")
        if ":" in local:
            return "#" + local
        return f"#{local}:{self.server_name}"

    @property
    def db_path(self) -> Path:
        return Path(self.state_dir) / "bridge.db"

    @property
    def handoff_db_path(self) -> Path:
        return Path(self.state_dir) / var_layout.HANDOFF_DB.name

    @property
    def provision_path(self) -> Path:
        return Path(self.state_dir) / "provision.json"


_ENV = {
    "MATRIX_HOMESERVER": ("homeserver", str),
    "SYNAPSE_SERVER_NAME": ("server_name", str),
    "MATRIX_BOT_USER": ("bot_localpart", str),
    "MATRIX_BOT_PASSWORD": ("bot_password", str),
    "RASA_URL": ("rasa_url", str),
    "BRIDGE_STATE_DIR": ("state_dir", Path),
    "REPORTS_PORT": ("reports_port", int),
    "REPORTS_TOKEN": ("reports_token", str),
    "KAMTIBMAS_TZ": ("timezone", str),
    "HANDOFF_PUSH_URL": ("handoff_push_url", str),
}


def load_config(path: str | os.PathLike | None = None, **overrides) -> Config:
    cfg = Config()
    if os.environ.get("SYNAPSE_PORT") and not os.environ.get("MATRIX_HOMESERVER"):
        cfg.homeserver = f"http://127.0.0.1:{os.environ['SYNAPSE_PORT']}"
    path = path or os.environ.get("KAMTIBMAS_CONFIG")
    if path:
        import yaml
        data = yaml.safe_load(Path(path).read_text()) or {}
        for k, v in data.items():
            if not hasattr(cfg, k):
                raise ValueError(f"unknown config key {k!r} in {path}")
            setattr(cfg, k, Path(v) if k == "state_dir" else v)
    for env, (attr, typ) in _ENV.items():
        if os.environ.get(env):
            setattr(cfg, attr, typ(os.environ[env]))
    if os.environ.get("BULLETIN_TIMES"):  # "pagi=06:00,siang=12:00,malam=18:00"
        cfg.bulletin_times = dict(p.split("=", 1) for p in os.environ["BULLETIN_TIMES"].split(","))
    for k, v in overrides.items():
        setattr(cfg, k, v)
    cfg.state_dir = Path(cfg.state_dir)
    if cfg.bot_password is None and cfg.provision_path.exists():
        prov = json.loads(cfg.provision_path.read_text())
        cfg.bot_password = prov.get("bot_password")
    if cfg.reports_token is None:
        tok = var_layout.REPORTS_TOKEN
        if tok.exists():
            cfg.reports_token = tok.read_text().strip()
    return cfg
