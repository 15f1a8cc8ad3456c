"""Runs the Rasa test stories in tests/test_stories.yml against the shared server over HTTP.

Each story gets a fresh conversation. Every user step's text is sent to the REST channel (or its
intent as a `/intent{...}` payload when the step has no text); the intent Rasa predicted and the
actions it ran until it listened again must equal the story's steps. This is what `rasa test core`
checks, without loading the model a second time.
"""
from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from scripts import servers

STORIES = Path(__file__).resolve().parents[1] / "test_stories.yml"


def load_stories():
    if not STORIES.exists():
        return []
    return yaml.safe_load(STORIES.read_text()).get("stories", [])


def turns(steps):
    """Groups a story into (user_step, [expected actions]) turns."""
    out = []
    for step in steps:
        if "user" in step or "intent" in step:
            out.append((step, []))
        elif "action" in step and out:
            out[-1][1].append(step["action"])
    return out


ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def message_for(step):
    """The text a user types: entity annotations like [sim A]{"entity": ...} become plain text."""
    text = ENTITY_MARKUP.sub(r"\1", (step.get("user") or "").strip())
    if text:
        return text
    entities = step.get("entities") or []
    ents = {k: v for e in entities for k, v in (e.items() if isinstance(e, dict) else [])}
    return f"/{step['intent']}" + (json.dumps(ents) if ents else "")


def tracker(rasa_url, sender):
    url = servers.with_token(f"{rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker")
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


@pytest.mark.parametrize("story", load_stories(), ids=lambda s: s.get("story", "?"))
def test_story(story, rasa_url, chat):
    sender = f"story-{uuid.uuid4().hex}"
    for number, (user_step, expected) in enumerate(turns(story["steps"]), 1):
        chat(sender, message_for(user_step))
        events = tracker(rasa_url, sender)["events"]
        last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
        intent = events[last_user]["parse_data"]["intent"]["name"]
        ran = [e["name"] for e in events[last_user + 1:]
               if e["event"] == "action" and e["name"] != "action_listen"]
        where = f"turn {number} ({message_for(user_step)!r})"
        assert intent == user_step["intent"], f"{where}: intent {intent}"
        assert ran == expected, f"{where}: actions {ran}, expected {expected}"
