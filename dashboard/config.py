"""Dashboard settings from the environment (defaults suit `make run` on one machine).

  DASHBOARD_HOST / DASHBOARD_PORT   where it listens (127.0.0.1:8091; loopback only: the public
                                    entrance forwards /operator/ here; DASHBOARD_ALLOW_NONLOOPBACK=1
                                    for a container network that publishes no ports)
  MATRIX_HOMESERVER                 Synapse client API the logins are checked against
                                    (default http://127.0.0.1:${SYNAPSE_PORT:-8008})
  SYNAPSE_SERVER_NAME               polres.localhost
  DASHBOARD_OPERATOR_ROOM           alias of the operator room (#operator-polres:<server name>)
  DASHBOARD_OPERATOR_LEVEL          minimum power level there (50)
  DASHBOARD_SESSION_IDLE_MIN        idle session lifetime in minutes (30)
  DASHBOARD_SESSION_MAX_HOURS       absolute session lifetime in hours (12)
  DASHBOARD_RECHECK_MIN             re-read the operator's power level this often (5)
  DASHBOARD_COOKIE_SECURE           auto (Secure when the request came over HTTPS, directly or as
                                    X-Forwarded-Proto: https from the proxy) | always | never (dev)
  DASHBOARD_SLA_HOURS               open reports older than this are highlighted (24)
  DASHBOARD_TILE_URL                map tiles, {z}/{x}/{y}; empty = no tiles (plain background)
  DASHBOARD_TILE_ATTRIBUTION        tile attribution text
  DASHBOARD_MAP_CENTER              "lat,lon,zoom" before any report has coordinates (Batang)
  REPORTS_DB_URL                    the report store (see reports.store.open_store)
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
PREFIX = "/operator"


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8091
    homeserver: str = "http://127.0.0.1:8008"
    server_name: str = "polres.localhost"
    operator_room: Optional[str] = None
    operator_level: int = 50
    session_idle_s: float = 30 * 60
    session_max_s: float = 12 * 3600
    recheck_s: float = 5 * 60
    cookie_secure: str = "auto"
    sla_hours: float = 24.0
    tile_url: str = OSM_TILES
    tile_attribution: str = OSM_ATTRIBUTION
    map_center: tuple = (-6.9086, 109.7303, 11)
    db_url: Optional[str] = None

    @property
    def operator_alias(self) -> str:
        return self.operator_room or f"#operator-polres:{self.server_name}"

    @property
    def tile_origin(self) -> Optional[str]:
        """scheme://host[:port] of the tiles, for the Content-Security-Policy (None: no tiles)."""
        if not self.tile_url:
            return None
        parts = urlsplit(self.tile_url.replace("{s}", "a"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"DASHBOARD_TILE_URL must be an http(s) URL, got {self.tile_url!r}")
        host = parts.netloc
        if "{s}" in self.tile_url:  # subdomains a/b/c
            host = "*." + host.split(".", 1)[1]
        return f"{parts.scheme}://{host}"


def _loopback(host: str) -> str:
    if os.environ.get("DASHBOARD_ALLOW_NONLOOPBACK") == "1":  # a container network without published ports
        return host
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"DASHBOARD_HOST={host} is not a loopback address; only the public entrance "
                         "listens beyond loopback (it forwards /operator/ to the dashboard)")
    return host


def load(**overrides) -> Settings:
    env = os.environ
    s = Settings()
    s.host = _loopback(env.get("DASHBOARD_HOST") or s.host)
    s.port = int(env.get("DASHBOARD_PORT") or s.port)
    s.homeserver = (env.get("MATRIX_HOMESERVER")
                    or f"http://127.0.0.1:{env.get('SYNAPSE_PORT') or 8008}").rstrip("/")
    s.server_name = env.get("SYNAPSE_SERVER_NAME") or s.server_name
    s.operator_room = env.get("DASHBOARD_OPERATOR_ROOM") or None
    s.operator_level = int(env.get("DASHBOARD_OPERATOR_LEVEL") or s.operator_level)
    s.session_idle_s = float(env.get("DASHBOARD_SESSION_IDLE_MIN") or 30) * 60
    s.session_max_s = float(env.get("DASHBOARD_SESSION_MAX_HOURS") or 12) * 3600
    s.recheck_s = float(env.get("DASHBOARD_RECHECK_MIN") or 5) * 60
    s.cookie_secure = (env.get("DASHBOARD_COOKIE_SECURE") or "auto").lower()
    if s.cookie_secure not in ("auto", "always", "never"):
        raise ValueError("DASHBOARD_COOKIE_SECURE must be auto, always or never")
    s.sla_hours = float(env.get("DASHBOARD_SLA_HOURS") or s.sla_hours)
    if "DASHBOARD_TILE_URL" in env:
        s.tile_url = env["DASHBOARD_TILE_URL"].strip()
    s.tile_attribution = env.get("DASHBOARD_TILE_ATTRIBUTION") or (
        s.tile_attribution if s.tile_url == OSM_TILES else "")
    if env.get("DASHBOARD_MAP_CENTER"):
        lat, lon, zoom = (float(x) for x in env["DASHBOARD_MAP_CENTER"].split(","))
        s.map_center = (lat, lon, int(zoom))
    s.db_url = env.get("REPORTS_DB_URL") or None
    for k, v in overrides.items():
        if not hasattr(s, k):
            raise TypeError(f"unknown setting {k}")
        setattr(s, k, v)
    _ = s.tile_origin  # validates the tile URL early
    return s
