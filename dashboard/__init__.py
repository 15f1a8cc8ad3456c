"""Operator dashboard (issue 16): reports on a map, filters, statistics and exports, behind the
operators' own Matrix login. An aiohttp service on 127.0.0.1:8091 mounted under /operator/; the
public entrance forwards /operator/ to it. See dashboard/README.md and docs/operator-dashboard.md.
"""
