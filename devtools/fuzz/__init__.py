"""Property-based fuzzing of the public inputs (issue 13): hypothesis generates the inputs
(inputs.py), targets.py delivers them to Rasa's REST webhook and socket.io channel, the report API
and a Matrix room, probe.py watches the server processes (health, pid, RSS from /proc), and
campaign.py runs it all and writes out/fuzz/. `make fuzz` and tests/matrix/test_fuzz.py use it.
Runs in the bridge venv (aiohttp, python-socketio, hypothesis)."""
