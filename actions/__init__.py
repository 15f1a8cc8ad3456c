"""Custom actions for Chat Pak Polisi (rasa-sdk 3.6).

Kept import-light on purpose: `rasa run actions --actions actions` imports every module of this
package by itself, so this file must not import any of them.
"""

from privacy import logs as _privacy_logs

_privacy_logs.install()  # the action server's log lines never show NIK, phone, e-mail or codes


def _warm_knowledge() -> None:
    """Loads the knowledge base, facts and conditions while the action server starts, before it
    accepts calls: otherwise the first question pays for the load, and Rasa's channel
    (channels/faults.py) would have to wait longer before it may call a silent server hung."""
    try:
        from knowledge import load_kb
        from knowledge.facts import load_conditions, load_facts

        load_kb()
        load_facts()
        load_conditions()
    except Exception:  # noqa: BLE001 - actions.common.load_kb_or_none logs the cause on first use
        pass


_warm_knowledge()
