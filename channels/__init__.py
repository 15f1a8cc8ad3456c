"""Rasa input channels of Chat Pak Polisi (rasa_project/credentials.yml): REST for the Matrix
bridge and tools (channels.rest), socket.io for the web widget (channels.sio). Both validate every
input, limit message length, refuse injected intents, run the interceptors of channels.hooks and
turn action-server faults into a polite reply. Imported only by the Rasa server (Rasa venv);
channels.hooks, channels.limits, channels.texts and channels.guard do not need Rasa.
See docs/channels.md."""

# Human handoff (issue 15): its interceptor and push route register with channels.hooks here, so
# they are in place before Rasa builds the channels' blueprints (handoff/web_gateway.py).
from handoff import web_gateway as _handoff_web  # noqa: E402

_handoff_web.register()
