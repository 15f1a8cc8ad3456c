"""Support code shared by the tests and the developer tools in scripts/ (never imported by the
running system): `net` (free ports, waiting for HTTP services; standard library only) and
`matrix_user` (a real Matrix client acting as a person; needs matrix-nio, bridge venv)."""
