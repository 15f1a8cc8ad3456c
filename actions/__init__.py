"""Custom actions for Chat Pak Polisi (rasa-sdk 3.6).

Kept import-light on purpose: `rasa run actions --actions actions` imports every module of this
package by itself, so this file must not import any of them.
"""

from privacy import logs as _privacy_logs

_privacy_logs.install()  # the action server's log lines never show NIK, phone, e-mail or codes
