"""docker-compose.yml brings the whole platform up in order, configured only through Settings'
own variables, every backend RestMan talks to present and health-checked, every image pinned."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from restman_core.adapters.clickhouse.connection import parse_clickhouse_url
from restman_core.adapters.kafka.config import parse_bootstrap
from restman_core.adapters.kafka.headers import dlq_topic
from restman_core.adapters.sql.urls import dialect_of
from restman_core.bootstrap_events import WORKER_KINDS
from restman_core.bootstrap_keys import secret_keys
from restman_core.domain.events import TOPICS
from tests.deploy.manifests import (
    API_PORT,
    COMPOSE_FILE,
    OPERATOR_ENV,
    ROOT,
    RequiredVariableMissing,
    accepted_env_names,
    compose,
    compose_services,
    depends_on,
    has_healthcheck,
    image_tag_is_pinned,
    interpolate,
    project_version,
    restman_services,
    service_env,
    settings_from,
    waits_for,
)

PROCESSES = ("api", *WORKER_KINDS)


def shared_env() -> dict[str, str]:
    return service_env(compose_services()["api"])


def backend_hosts() -> dict[str, str]:
    """The compose service each configured backend URL points at."""
    env = shared_env()
    kafka_host = parse_bootstrap(env["KAFKA_BROKERS"]).split(",")[0].rpartition(":")[0]
    return {
        "DATABASE_URL": str(urlsplit(env["DATABASE_URL"]).hostname),
        "REDIS_URL": str(urlsplit(env["REDIS_URL"]).hostname),
        "KAFKA_BROKERS": kafka_host,
        "CLICKHOUSE_URL": str(urlsplit(env["CLICKHOUSE_URL"]).hostname),
        "SMTP_HOST": env["SMTP_HOST"],
    }


def test_the_accepted_names_come_from_settings() -> None:
    names = accepted_env_names()
    assert {"DATABASE_URL", "RESTMAN_DATABASE_URL", "SMTP_HOST", "RESTMAN_SECRET_KEY"} <= names
    assert "SECRET_KEY" not in names
    assert "RESTMAN_KAFKA_TOPIC_PARTITIONS" in names


def test_restman_services_set_only_settings_variables() -> None:
    services = restman_services()
    assert set(services) >= {"migrate", *PROCESSES}
    for name, service in services.items():
        unknown = set(service_env(service)) - accepted_env_names()
        assert not unknown, f"{name} sets variables Settings does not read: {sorted(unknown)}"


def test_every_restman_service_shares_one_configuration() -> None:
    envs = {name: service_env(service) for name, service in restman_services().items()}
    assert all(env == envs["api"] for env in envs.values())


def test_the_configuration_is_valid_and_names_every_distributed_backend() -> None:
    settings = settings_from(shared_env())
    assert settings.database_url is not None
    assert dialect_of(settings.database_url) == "cockroachdb"
    assert settings.redis_url is not None
    assert settings.redis_url.startswith("redis://")
    assert settings.kafka_brokers is not None
    assert settings.clickhouse_url is not None
    assert not parse_clickhouse_url(settings.clickhouse_url).embedded
    assert settings.smtp_host is not None
    assert settings.secret_key is not None


@pytest.mark.parametrize(
    "variable", ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS", "CLICKHOUSE_URL", "SMTP_HOST"]
)
def test_each_backend_is_a_healthchecked_service_the_processes_wait_for(variable: str) -> None:
    host = backend_hosts()[variable]
    services = compose_services()
    assert host in services, f"{variable} points at {host!r}, which is not a service"
    assert has_healthcheck(services[host]), f"{host} has no health check"
    for process in PROCESSES:
        assert waits_for(process, host, "service_healthy"), f"{process} does not wait for {host}"


def test_the_clickhouse_server_is_set_up_as_the_url_says() -> None:
    env = shared_env()
    target = parse_clickhouse_url(env["CLICKHOUSE_URL"])
    server = service_env(compose_services()[target.host])
    assert target.port == 8123
    assert (server["CLICKHOUSE_USER"], server["CLICKHOUSE_PASSWORD"]) == (
        target.username,
        target.password,
    )
    assert server["CLICKHOUSE_DB"] == env["CLICKHOUSE_DATABASE"]


def test_cockroach_runs_one_insecure_node_and_the_database_is_created() -> None:
    services = compose_services()
    assert services["cockroach"]["command"][0] == "start-single-node"
    assert "--insecure" in services["cockroach"]["command"]
    database = urlsplit(shared_env()["DATABASE_URL"]).path.strip("/")
    init = " ".join(services["cockroach-init"]["command"])
    assert f"CREATE DATABASE IF NOT EXISTS {database}" in init
    assert depends_on(services["cockroach-init"]) == {"cockroach": "service_healthy"}
    assert waits_for("migrate", "cockroach-init", "service_completed_successfully")


def test_kafka_runs_in_kraft_mode_and_every_topic_is_created() -> None:
    services = compose_services()
    kafka_env = service_env(services["kafka"])
    assert "controller" in kafka_env["KAFKA_PROCESS_ROLES"].split(",")
    assert not any("ZOOKEEPER" in name for name in kafka_env)
    assert not any("zookeeper" in name for name in services)
    script = " ".join(services["kafka-topics"]["command"])
    wanted = {name for topic in TOPICS for name in (topic, dlq_topic(topic))}
    created = set(re.findall(r"\b[a-z]+\.events(?:\.dlq)?\b", script))
    assert created == wanted
    partitions = re.search(r"--partitions (\d+)", script)
    assert partitions is not None
    assert partitions.group(1) == shared_env()["RESTMAN_KAFKA_TOPIC_PARTITIONS"]
    for process in PROCESSES:
        assert waits_for(process, "kafka-topics", "service_completed_successfully")


def test_migrations_run_once_before_the_api_and_every_worker() -> None:
    migrate = compose_services()["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate.get("restart") == "no"
    for process in PROCESSES:
        assert depends_on(compose_services()[process]).get("migrate") == (
            "service_completed_successfully"
        )


def test_the_api_listens_publishes_and_is_checked_on_one_port() -> None:
    api = compose_services()["api"]
    command = api["command"]
    assert command[:1] == ["serve"]
    assert command[command.index("--port") + 1] == str(API_PORT)
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert any(str(port).endswith(f":{API_PORT}") for port in api["ports"])
    probe = " ".join(api["healthcheck"]["test"])
    assert f"127.0.0.1:{API_PORT}/health" in probe


def test_one_service_per_worker_kind() -> None:
    services = compose_services()
    workers = {name for name, s in restman_services().items() if s["command"][0] == "worker"}
    assert workers == set(WORKER_KINDS)
    for kind in WORKER_KINDS:
        worker = services[kind]
        assert worker["command"] == ["worker", kind]
        assert worker.get("restart") == "unless-stopped"
        # The image's health check asks the API port; a worker has none.
        assert worker["healthcheck"] == {"disable": True}
        assert "ports" not in worker, "published ports would stop `--scale`"


def test_every_image_is_pinned_and_restman_is_the_project_version() -> None:
    for name, service in compose_services().items():
        image = interpolate(service["image"])
        assert image_tag_is_pinned(image), f"{name}: {image} is not pinned to a version"
    for name, service in restman_services().items():
        assert interpolate(service["image"]) == f"restman:{project_version()}", name


def test_dependencies_exist_and_form_no_cycle() -> None:
    services = compose_services()
    for name, service in services.items():
        for dep in depends_on(service):
            assert dep in services, f"{name} depends on unknown service {dep}"

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {' -> '.join((*path, name))}"
        for dep in depends_on(services[name]):
            visit(dep, (*path, name))

    for name in services:
        visit(name, ())


def test_every_variable_reference_has_a_default_except_the_secret_key() -> None:
    """`docker compose up` needs nothing but the secret key: each other ${NAME} carries a
    default, the key is required with a message (`${NAME:?message}`), and shell variables are
    escaped as $$."""
    text = COMPOSE_FILE.read_text().replace("$$", "")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    references = re.findall(r"\$\{[^}]*\}|\$[A-Za-z_]", text)
    required = [ref for ref in references if re.match(r"\$\{[A-Z_]+:\?.+\}$", ref)]
    bare = [ref for ref in references if ":-" not in ref and ref not in required]
    assert not bare, f"references without a default: {bare}"
    assert {ref.split(":", 1)[0] for ref in required} == {"${RESTMAN_SECRET_KEY"}


def test_extension_fields_are_only_anchors() -> None:
    top = set(compose())
    assert top - {"name", "services", "volumes"} == {key for key in top if key.startswith("x-")}


def test_the_readme_section_names_every_service() -> None:
    readme = (ROOT / "deploy" / "README.md").read_text()
    assert "## Running the full stack" in readme
    section = readme.split("## Running the full stack", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in compose_services() if f"`{name}`" not in section]
    assert not missing, f"deploy/README.md does not explain {missing}"


def test_the_secret_key_is_required_and_has_no_published_default() -> None:
    raw = compose()["x-restman-env"]["RESTMAN_SECRET_KEY"]
    assert raw.startswith("${RESTMAN_SECRET_KEY:?"), raw
    # Without the operator's key Compose refuses to start, naming the variable.
    with pytest.raises(RequiredVariableMissing, match="RESTMAN_SECRET_KEY"):
        service_env(compose_services()["api"], given={})
    # With it, every process gets exactly the operator's key, and nothing else in the file
    # looks like a key of its own.
    settings = settings_from(shared_env())
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == OPERATOR_ENV["RESTMAN_SECRET_KEY"]
    assert settings.secret_key_previous is None
    rotated = service_env(
        compose_services()["api"],
        given={**OPERATOR_ENV, "RESTMAN_SECRET_KEY_PREVIOUS": "the-key-before-0123456789abcdef"},
    )
    previous = settings_from(rotated).secret_key_previous
    assert previous is not None
    assert previous.get_secret_value() == "the-key-before-0123456789abcdef"
    assert secret_keys(settings_from(rotated)).previous == (b"the-key-before-0123456789abcdef",)
