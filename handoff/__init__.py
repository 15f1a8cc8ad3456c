"""Human handoff (issue 15): a citizen on the web widget or on Matrix reaches a live officer in
#operator-polres and comes back to the bot.

- store.py   tickets, their transcript and timings (SQLite, var/bridge/handoff.db)
- hours.py   service hours and the waiting limit from config/polres.yml (`handoff:`)
- texts.py   every Indonesian sentence the citizen or the operator reads about a handoff
- api.py     the token-protected HTTP routes, mounted in the Kamtibmas service (/v1/handoff)
- client.py  the one HTTP client of those routes (action server, web chat gateway)

The Matrix side (thread, commands, delivery, timeouts) is matrix_bridge/handoff.py; the web side
is handoff/web_gateway.py (registered by channels/). Standard library + aiohttp + PyYAML only (both venvs).
"""
