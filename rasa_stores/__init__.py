"""Tracker stores for the Rasa server (loaded by Rasa from the endpoints file written by
scripts/servers.py; Rasa venv)."""
