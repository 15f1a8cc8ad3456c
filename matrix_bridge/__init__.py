"""Ngobrol Kamtibmas: Matrix bridge/bot for Polres Batang (matrix-nio).

Submodules that talk to Matrix import nio lazily; ``synapse_ctl`` is stdlib-only so that it also
runs under the Synapse venv.
"""
