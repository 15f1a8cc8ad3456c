"""Structured incident reports (laporan) shared by the Matrix bridge and the web chat.

The vocabulary, kind matching, times, schema, texts, store and outbox use only the standard
library and jsonschema (both venvs); `client` needs aiohttp (both venvs); `api` and `notify_web`
run in `.venv/bridge`. See reports/README.md.
"""
