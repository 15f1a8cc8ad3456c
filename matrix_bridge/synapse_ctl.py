"""Local Synapse control: generate config, start/stop, wait for /health, create users.

Stdlib only (runs under .venv/synapse or .venv/bridge). Used by scripts/synapse.sh and by the
test fixtures in tests/matrix/.

    python -m matrix_bridge.synapse_ctl generate|start|stop|status|register|override-ratelimit
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "synapse"


def synapse_python() -> str:
    env = os.environ.get("SYNAPSE_PYTHON")
    if env:
        return env
    cand = REPO / ".venv" / "synapse" / "bin" / "python"
    return str(cand) if cand.exists() else sys.executable


def _fill(text: str, values: dict) -> str:
    for k, v in values.items():
        text = text.replace("{{%s}}" % k, str(v))
    return text


def _read_yaml_scalar(path: Path, key: str) -> str | None:
    """Tiny reader for top-level 'key: value' lines of the generated config (no PyYAML here)."""
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            val = line.split(":", 1)[1].strip()
            return val.strip('"').strip("'")
    return None


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "localhost.crt", directory / "localhost.key"
    if not cert.exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
             "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True)
    return cert, key


def generate(directory: Path, server_name: str, port: int, profile: str = "dev",
             bind: str = "127.0.0.1", fed_port: int | None = None) -> Path:
    """Generate homeserver.yaml (once) and (re)write overrides.yaml for the profile."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    hs = directory / "homeserver.yaml"
    if not hs.exists():
        subprocess.run(
            [synapse_python(), "-m", "synapse.app.homeserver", "--server-name", server_name,
             "--config-path", str(hs), "--data-directory", str(directory),
             "--generate-config", "--report-stats=no"],
            check=True, cwd=str(directory), capture_output=True)
    values = {"PORT": port, "BIND": bind}
    parts = [(TEMPLATES / "common.yaml").read_text()]
    parts.append((TEMPLATES / f"{profile}.yaml").read_text())
    if os.environ.get("SYNAPSE_PUBLIC_BASEURL"):  # the edge's URL (deploy/caddy): clients use it
        parts.append('public_baseurl: "%s"\n' % os.environ["SYNAPSE_PUBLIC_BASEURL"])
    if fed_port:
        cert, key = make_self_signed_cert(directory)
        values.update({"FED_PORT": fed_port, "CERT": cert, "KEY": key})
        parts.append((TEMPLATES / "federation.yaml").read_text())
    # Later top-level keys win: write each part as its own file, passed as separate -c args.
    files = []
    for i, text in enumerate(parts):
        f = directory / f"overrides-{i}.yaml"
        f.write_text(_fill(text, values))
        files.append(f)
    (directory / "overrides.list").write_text("\n".join(str(f) for f in files) + "\n")
    (directory / "client_url").write_text(f"http://{bind}:{port}\n")
    return hs


def config_args(directory: Path) -> list[str]:
    directory = Path(directory).resolve()
    args = ["-c", str(directory / "homeserver.yaml")]
    for f in (directory / "overrides.list").read_text().split():
        args += ["-c", f]
    return args


def spawn(directory: Path, detach: bool = False) -> subprocess.Popen:
    directory = Path(directory).resolve()
    out = open(directory / "synapse.out", "ab")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.Popen(
        [synapse_python(), "-m", "synapse.app.homeserver", *config_args(directory)],
        cwd=str(directory), stdout=out, stderr=subprocess.STDOUT, env=env,
        start_new_session=detach)
    (directory / "synapse.pid").write_text(str(proc.pid))
    return proc


def wait_health(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"synapse exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"synapse at {url} not healthy after {timeout}s")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def running_pid(directory: Path) -> int | None:
    pidf = Path(directory) / "synapse.pid"
    if pidf.exists():
        try:
            pid = int(pidf.read_text().strip())
        except ValueError:
            return None
        if _pid_alive(pid):
            return pid
    return None


def stop(directory: Path, timeout: float = 20.0) -> bool:
    pid = running_pid(directory)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.1)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    (Path(directory) / "synapse.pid").unlink(missing_ok=True)
    return True


def shared_secret(directory: Path) -> str:
    secret = _read_yaml_scalar(Path(directory) / "homeserver.yaml", "registration_shared_secret")
    if not secret:
        raise RuntimeError("registration_shared_secret missing in homeserver.yaml")
    return secret


def _http(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"{}")
        except ValueError:
            return e.code, {}


def register_user(base_url: str, secret: str, username: str, password: str,
                  admin: bool = False, displayname: str | None = None) -> dict:
    """Create a user with the shared-secret admin API (HMAC-SHA1 form). Idempotent:
    returns {"user_id": None, "exists": True} when the localpart is taken."""
    base = base_url.rstrip("/")
    status, res = _http("GET", base + "/_synapse/admin/v1/register")
    nonce = res["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(nonce.encode() + b"\x00" + username.encode() + b"\x00" + password.encode()
               + b"\x00" + (b"admin" if admin else b"notadmin"))
    body = {"nonce": nonce, "username": username, "password": password, "admin": admin,
            "mac": mac.hexdigest()}
    if displayname:
        body["displayname"] = displayname
    status, res = _http("POST", base + "/_synapse/admin/v1/register", body)
    if status == 200:
        return res
    if status == 400 and res.get("errcode") == "M_USER_IN_USE":
        return {"user_id": None, "exists": True}
    raise RuntimeError(f"register {username}: HTTP {status} {res}")


def login(base_url: str, username: str, password: str) -> dict:
    status, res = _http("POST", base_url.rstrip("/") + "/_matrix/client/v3/login",
                        {"type": "m.login.password",
                         "identifier": {"type": "m.id.user", "user": username},
                         "password": password})
    if status != 200:
        raise RuntimeError(f"login {username}: HTTP {status} {res}")
    return res


def override_ratelimit(base_url: str, admin_token: str, user_id: str) -> None:
    """Production alternative to raised rc_* limits: exempt only the bot."""
    status, res = _http("POST", base_url.rstrip("/")
                        + f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit",
                        {"messages_per_second": 0, "burst_count": 0}, token=admin_token)
    if status != 200:
        raise RuntimeError(f"override_ratelimit: HTTP {status} {res}")


import urllib.parse  # noqa: E402  (used above)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m matrix_bridge.synapse_ctl")
    p.add_argument("--dir", default=os.environ.get("SYNAPSE_DIR", str(REPO / "var" / "synapse")))
    p.add_argument("--server-name", default=os.environ.get("SYNAPSE_SERVER_NAME", "polres.localhost"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SYNAPSE_PORT", "8008")))
    p.add_argument("--profile", default=os.environ.get("SYNAPSE_PROFILE", "dev"))
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("generate")
    sub.add_parser("start")
    sub.add_parser("stop")
    sub.add_parser("status")
    r = sub.add_parser("register")
    r.add_argument("username")
    r.add_argument("password")
    r.add_argument("--admin", action="store_true")
    o = sub.add_parser("override-ratelimit")
    o.add_argument("user_id")
    o.add_argument("--admin-user", required=True)
    o.add_argument("--admin-password", required=True)
    a = p.parse_args(argv)
    d = Path(a.dir)
    url = f"http://127.0.0.1:{a.port}"
    if a.cmd == "generate":
        generate(d, a.server_name, a.port, a.profile)
        print(f"config in {d}")
    elif a.cmd == "start":
        pid = running_pid(d)
        if pid:
            print(f"synapse already running (pid {pid}) at {url}")
            wait_health(url)
            return 0
        generate(d, a.server_name, a.port, a.profile)
        proc = spawn(d, detach=True)
        try:
            wait_health(url, timeout=90, proc=proc)
        except Exception as e:  # noqa: BLE001
            print(f"ERROR: {e}; see {d / 'synapse.out'} and {d / 'homeserver.log'}", file=sys.stderr)
            return 1
        print(f"synapse {a.server_name} ready at {url} (pid {proc.pid})")
    elif a.cmd == "stop":
        print("stopped" if stop(d) else "not running")
    elif a.cmd == "status":
        pid = running_pid(d)
        print(f"running pid {pid} at {url}" if pid else "not running")
        return 0 if pid else 3
    elif a.cmd == "register":
        res = register_user(url, shared_secret(d), a.username, a.password, admin=a.admin)
        print("exists" if res.get("exists") else f"created {res['user_id']}")
    elif a.cmd == "override-ratelimit":
        tok = login(url, a.admin_user, a.admin_password)["access_token"]
        override_ratelimit(url, tok, a.user_id)
        print(f"rate limit override set for {a.user_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
