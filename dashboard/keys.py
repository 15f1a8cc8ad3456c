"""Typed keys of the dashboard's aiohttp application and requests."""
from __future__ import annotations

from typing import Any

from aiohttp import web

STORE: web.AppKey[Any] = web.AppKey("store", object)          # reports.store.ReportStore
SETTINGS: web.AppKey[Any] = web.AppKey("settings", object)    # dashboard.config.Settings
AUTH: web.AppKey[Any] = web.AppKey("auth", object)            # dashboard.matrix_auth.MatrixAuth
SESSIONS: web.AppKey[Any] = web.AppKey("sessions", object)    # dashboard.sessions.SessionStore
SESSION: web.RequestKey[Any] = web.RequestKey("session", object)  # the request's Session
