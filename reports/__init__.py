"""Structured incident reports (laporan) shared by the Matrix bridge and the web chat.

`schema`, `store` and `outbox` use only the standard library and jsonschema (both venvs);
`api`, `notify_web` and `service` need aiohttp (`.venv/bridge`). See reports/README.md.
"""
