"""Rasa input channels of Chat Pak Polisi (rasa_project/credentials.yml): REST for the Matrix
bridge and tools (channels.rest), socket.io for the web widget (channels.sio). Both validate every
input, limit message length, refuse injected intents, run the interceptors of channels.hooks and
turn action-server faults into a polite reply. Imported only by the Rasa server (Rasa venv);
channels.hooks, channels.limits, channels.texts and channels.guard do not need Rasa.
See docs/channels.md."""
