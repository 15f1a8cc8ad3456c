"""Reading the bot's reply text in conversation tests (tests/rasa/test_followups*.py,
test_fokus_answers.py)."""
from __future__ import annotations

# Words of every refusal response (domain responses utter_blokir_*).
REFUSAL_MARKERS = ("tidak dapat memberikan", "di luar layanan", "tidak dapat membantu")


def lead(reply: str) -> str:
    """The first line of a reply: where the fact asked for must stand."""
    return reply.strip().split("\n", 1)[0]
