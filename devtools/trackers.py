"""Reading a Rasa tracker (as GET /conversations/<id>/tracker returns it) in tests and tools."""
from __future__ import annotations


def turns(tracker: dict) -> list[tuple[str, list[str], list[str]]]:
    """The tracker's events cut at each user message: (user text, action names, bot texts)."""
    out: list[tuple[str, list[str], list[str]]] = []
    for e in tracker["events"]:
        if e["event"] == "user":
            out.append((e["text"], [], []))
        elif out and e["event"] == "action":
            out[-1][1].append(e["name"])
        elif out and e["event"] == "bot":
            out[-1][2].append(e.get("text") or "")
    return out
