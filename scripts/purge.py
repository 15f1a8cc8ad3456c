"""`make purge`: apply the retention rules now (docs/privacy.md) and print what was removed.

    python -m scripts.purge [--tracker-db var/rasa/tracker.db] [--redis redis://...]
                            [--reports-db sqlite:///var/reports.db] [--days N] [--reports-days N]

- Conversations (tracker store) older than RETENTION_DAYS (default 30): the SQLite tracker
  database, and Redis when --redis or REDIS_URL is given (privacy/retention.py).
- Closed reports (selesai, ditolak) older than REPORTS_RETENTION_DAYS (default 365), with their
  history and notifications, in the report store (REPORTS_DB_URL or var/reports.db).

The running services purge by themselves (the tracker store at most hourly, the Kamtibmas service
every 6 hours); this command does it on demand. Safe while they run (short transactions).
Runs with the Rasa venv (redis-py) or any Python for SQLite only.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import var_layout
from privacy import retention


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make purge", description=__doc__.split("\n\n")[0])
    ap.add_argument("--tracker-db", default=str(var_layout.TRACKER_DB), help="SQLite tracker database")
    ap.add_argument("--redis", default=os.environ.get("REDIS_URL"), help="Redis tracker store URL")
    ap.add_argument("--reports-db", default=os.environ.get("REPORTS_DB_URL"),
                    help="report store (default var/reports.db)")
    ap.add_argument("--days", type=float, default=None, help="conversations: RETENTION_DAYS")
    ap.add_argument("--reports-days", type=float, default=None, help="closed reports: REPORTS_RETENTION_DAYS")
    args = ap.parse_args(argv)
    try:
        days = args.days or retention.retention_days()
        reports_days = args.reports_days or retention.reports_retention_days()
    except ValueError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2

    print(f"Retensi percakapan: {days:g} hari; laporan selesai/ditolak: {reports_days:g} hari.")
    db = Path(args.tracker_db)
    if db.exists():
        print(retention.purge_sqlite(db, days).line())
    else:
        print(f"{var_layout.relative(db)}: tidak ada (belum ada percakapan di SQLite).")
    if args.redis:
        import redis  # Rasa venv

        client = redis.Redis.from_url(args.redis, decode_responses=True)
        print(retention.purge_redis(client, days).line())

    from reports.store import open_store

    url = args.reports_db
    if not url and not var_layout.REPORTS_DB.exists():
        print(f"{var_layout.relative(var_layout.REPORTS_DB)}: tidak ada (belum ada laporan).")
        return 0
    with open_store(url) as store:
        ids = store.purge_closed(reports_days)
    where = "laporan" if url else var_layout.relative(var_layout.REPORTS_DB)
    print(f"{where}: {len(ids)} laporan selesai/ditolak dihapus" + (f" ({', '.join(ids)})" if ids else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
