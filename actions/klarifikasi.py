"""`action_klarifikasi`: the answer to `nlu_fallback` (low-confidence messages).

Two stages (never a refusal, never a guessed answer):
1. Ask "Maksud Anda tentang ...?" with quick-reply buttons for the 2-3 most likely topics
   from the NLU ranking of the message (blokir_* and nlu_fallback are never offered).
2. If the previous bot turn was already a clarification, show the main menu and the
   emergency number instead of guessing again.
3. After two clarifications in a row failed (a third unclear message), offer a live officer
   (button "Bicara dengan Petugas" -> layanan_handoff -> actions/handoff.py) with the menu.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.intents import table

logger = logging.getLogger(__name__)

# Offered when the ranking gives nothing usable, and at the second stage.
MENU = ["sim_syarat_baru", "skck_syarat", "pasal_cari", "lapor_kejadian"]
# Not worth a button even if ranked (greetings, bare class answers).
NOT_OFFERED = {"nlu_fallback", "sapaan_halo", "sapaan_terima_kasih", "sapaan_pamit",
               "sim_pilih_jenis", "layanan_handoff"}
HANDOFF = "layanan_handoff"  # offered after two failed clarifications in a row


def titles() -> Dict[Text, Text]:
    """Button title of every intent that may be offered (column `judul` of actions/intents.yml)."""
    return table().titled()


def candidates(ranking: List[Dict[Text, Any]], limit: int = 3, min_conf: float = 0.05) -> List[Text]:
    """Likely topics from an intent ranking: no refusals, no follow-ups, no fallback, no duplicates."""
    offered = titles()
    chosen: List[Text] = []
    for item in ranking or []:
        name = str(item.get("name") or "")
        conf = float(item.get("confidence") or 0.0)
        if (
            not name
            or name.startswith(("blokir_", "lanjut_"))
            or name in NOT_OFFERED
            or name not in offered
            or name in chosen
        ):
            continue
        if conf < min_conf:
            break
        chosen.append(name)
        if len(chosen) >= limit:
            break
    return chosen


def buttons(intents: List[Text]) -> List[Dict[Text, Text]]:
    offered = titles()
    return [{"title": offered[i], "payload": f"/{i}"} for i in intents]


def klarifikasi_berturut(tracker: Tracker) -> int:
    """How many user turns in a row, just before this one, the bot answered with
    action_klarifikasi (0: the previous answer was something else)."""
    count, seen_user, answered = 0, False, False
    for event in reversed(tracker.events or []):
        etype = event.get("event")
        if etype == "user":
            if seen_user and not answered:
                return count
            seen_user, answered = True, False
            continue
        if seen_user and etype == "action" and not answered:
            name = event.get("name")
            if name in ("action_listen", None):
                continue
            if name != "action_klarifikasi":
                return count
            count, answered = count + 1, True
    return count


def klarifikasi_sebelumnya(tracker: Tracker) -> bool:
    """True if the bot's last action before this user turn was action_klarifikasi."""
    return klarifikasi_berturut(tracker) > 0


class ActionKlarifikasi(Action):
    def name(self) -> Text:
        return "action_klarifikasi"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            berturut = klarifikasi_berturut(tracker)
            if berturut >= 2:
                dispatcher.utter_message(
                    text="Mohon maaf, saya masih belum bisa memahami maksud Anda. Bila mau, saya "
                    "sambungkan Anda dengan petugas Polres Batang: pilih \"Bicara dengan Petugas\". "
                    "Atau pilih salah satu topik di bawah ini. Dalam keadaan darurat, segera hubungi 110.",
                    buttons=[{"title": titles()[HANDOFF], "payload": f"/{HANDOFF}"}] + buttons(MENU),
                )
                return []
            if berturut == 1:
                dispatcher.utter_message(
                    text="Mohon maaf, saya masih belum memahami maksud Anda. Silakan pilih salah "
                    "satu topik di bawah ini, atau tulis pertanyaan dengan kata lain. Dalam "
                    "keadaan darurat, segera hubungi 110.",
                    buttons=buttons(MENU + ["layanan_darurat"]),
                )
                return []
            ranking = (tracker.latest_message or {}).get("intent_ranking") or []
            options = candidates(ranking) or MENU
            offered = titles()
            names = [offered[i].lower() for i in options]
            if len(names) == 1:
                listed = names[0]
            else:
                listed = ", ".join(names[:-1]) + " atau " + names[-1]
            dispatcher.utter_message(
                text=f"Mohon maaf, saya belum yakin dengan maksud Anda. Maksud Anda tentang "
                f"{listed}? Silakan pilih salah satu, atau tulis pertanyaan dengan kata lain.",
                buttons=buttons(options),
            )
        except Exception:  # never leak an error into the chat
            logger.exception("action_klarifikasi failed")
            dispatcher.utter_message(
                text="Mohon maaf, saya belum memahami maksud Anda. Silakan pilih topik di bawah ini.",
                buttons=buttons(MENU),
            )
        return []
