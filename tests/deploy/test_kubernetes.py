"""The kustomize base and production overlay: complete, configured only through Settings'
variables, probes and ports in agreement, every container sized, workers scaled within the
topics' partitions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from restman_core.bootstrap_events import CONSUMER_KINDS, WORKER_KINDS
from restman_core.bootstrap_keys import secret_keys
from restman_core.errors import ConfigurationError
from tests.deploy.manifests import (
    API_PORT,
    BASE,
    PRODUCTION,
    accepted_env_names,
    containers,
    effective_config,
    env_mapping,
    find,
    image_tag_is_pinned,
    key,
    kustomization,
    objects,
    patch_files,
    patches,
    pod_spec,
    project_version,
    resource_files,
    settings_from,
)

LAYERS = [BASE, PRODUCTION]


def base_object(kind: str, name: str) -> dict[str, Any]:
    obj = find(objects(BASE), kind, name)
    assert obj is not None, f"{kind}/{name} is missing from the base"
    return obj


def api_container() -> dict[str, Any]:
    return next(containers(base_object("Deployment", "restman-api")))


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    """A probe's or Service's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"no container port named {port!r}"
    return int(named[port])


def replicas(layer: Path, name: str) -> int:
    """A Deployment's replica count as the layer renders it."""
    patched = find(patches(layer), "Deployment", name) if layer != BASE else None
    if patched is not None and "replicas" in patched.get("spec", {}):
        return int(patched["spec"]["replicas"])
    return int(base_object("Deployment", name)["spec"].get("replicas", 1))


@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_every_listed_file_exists(layer: Path) -> None:
    data = kustomization(layer)
    for entry in data.get("resources", []):
        target = (layer / entry).resolve()
        assert target.exists(), f"{layer.name}: resource {entry} does not exist"
        if target.is_dir():
            assert (target / "kustomization.yaml").is_file(), f"{entry} is no kustomization"
    for path in patch_files(layer):
        assert path.is_file(), f"{layer.name}: patch {path.name} does not exist"


def test_the_overlay_builds_on_the_base() -> None:
    resources = [(PRODUCTION / entry).resolve() for entry in kustomization(PRODUCTION)["resources"]]
    assert BASE.resolve() in resources


def test_every_base_yaml_file_is_listed() -> None:
    listed = {path.resolve() for path in resource_files(BASE)}
    present = {path.resolve() for path in BASE.glob("*.yaml") if path.name != "kustomization.yaml"}
    assert present == listed


def test_every_overlay_patch_targets_a_base_object() -> None:
    base_keys = {key(obj) for obj in objects(BASE)}
    for patch in patches(PRODUCTION):
        assert key(patch) in base_keys, f"patch for {key(patch)} matches nothing in the base"


@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_only_settings_variables_are_set(layer: Path) -> None:
    docs = objects(layer) + patches(layer)
    names: set[str] = set()
    for obj in docs:
        if obj["kind"] in ("ConfigMap", "Secret"):
            names.update(env_mapping(obj))
        for container in containers(obj):
            names.update(entry["name"] for entry in container.get("env", []))
    assert names, "no variables found at all"
    unknown = names - accepted_env_names()
    assert not unknown, f"{layer.name} sets variables Settings does not read: {sorted(unknown)}"


@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_the_rendered_configuration_is_valid(layer: Path) -> None:
    env = effective_config(layer) | env_mapping(base_object("Secret", "restman-secrets"))
    settings = settings_from(env)
    configured = [settings.kafka_brokers, settings.database_url, settings.redis_url]
    configured += [settings.clickhouse_url, settings.smtp_host]
    assert all(configured), "every backend is a server, none embedded"


def test_the_base_secret_holds_marked_placeholders_and_production_drops_it() -> None:
    secret = base_object("Secret", "restman-secrets")
    values = env_mapping(secret)
    assert values
    for name, value in values.items():
        assert "REPLACE_ME" in value, f"{name} is not a marked placeholder"
    deletion = find(patches(PRODUCTION), "Secret", "restman-secrets")
    assert deletion is not None
    assert deletion.get("$patch") == "delete"


def test_every_container_reads_the_config_and_secret_by_existing_names() -> None:
    for obj in objects(BASE):
        for container in containers(obj):
            refs = container.get("envFrom", [])
            config = [r["configMapRef"]["name"] for r in refs if "configMapRef" in r]
            secret = [r["secretRef"]["name"] for r in refs if "secretRef" in r]
            assert (config, secret) == (["restman-config"], ["restman-secrets"]), key(obj)
    assert find(objects(BASE), "ConfigMap", "restman-config") is not None


def test_api_probes_ports_and_service_agree() -> None:
    container = api_container()
    assert container["args"][:1] == ["serve"]
    assert container["args"][container["args"].index("--port") + 1] == str(API_PORT)
    assert [p["containerPort"] for p in container["ports"]] == [API_PORT]
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    assert readiness["path"] == "/ready"
    assert liveness["path"] == "/health"
    for probe in (readiness, liveness, container["startupProbe"]["httpGet"]):
        assert resolve_port(container, probe["port"]) == API_PORT
    service = base_object("Service", "restman-api")
    [service_port] = service["spec"]["ports"]
    assert resolve_port(container, service_port["targetPort"]) == API_PORT
    pod_labels = base_object("Deployment", "restman-api")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_ingress_hpa_and_pdb_point_at_the_api() -> None:
    service = base_object("Service", "restman-api")
    backend = base_object("Ingress", "restman-api")["spec"]["rules"][0]["http"]["paths"][0]
    assert backend["backend"]["service"]["name"] == "restman-api"
    port = backend["backend"]["service"]["port"]
    assert port.get("name") in [p["name"] for p in service["spec"]["ports"]] or port.get(
        "number"
    ) in [p["port"] for p in service["spec"]["ports"]]
    hpa = base_object("HorizontalPodAutoscaler", "restman-api")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "restman-api",
    }
    assert 1 < hpa["minReplicas"] <= hpa["maxReplicas"]
    assert "replicas" not in base_object("Deployment", "restman-api")["spec"], "the HPA owns it"
    pdb = base_object("PodDisruptionBudget", "restman-api")["spec"]
    pod_labels = base_object("Deployment", "restman-api")["spec"]["template"]["metadata"]["labels"]
    assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["minAvailable"] < hpa["minReplicas"], "a drain could never proceed"


def test_deployment_selectors_match_their_pods() -> None:
    for obj in objects(BASE):
        if obj["kind"] == "Deployment":
            selector = obj["spec"]["selector"]["matchLabels"]
            assert selector.items() <= obj["spec"]["template"]["metadata"]["labels"].items()


def test_one_deployment_per_worker_kind_and_the_migration_job() -> None:
    workers = {
        str(container["args"][1])
        for obj in objects(BASE)
        for container in containers(obj)
        if container["args"][0] == "worker"
    }
    assert workers == set(WORKER_KINDS)
    for kind in WORKER_KINDS:
        [container] = containers(base_object("Deployment", f"restman-{kind}"))
        assert container["args"] == ["worker", kind]
    assert replicas(BASE, "restman-relay") == replicas(PRODUCTION, "restman-relay") == 2
    job = base_object("Job", "restman-migrate")
    [container] = containers(job)
    assert container["args"] == ["db", "upgrade"]
    spec = pod_spec(job)
    assert spec is not None
    assert spec["restartPolicy"] in ("Never", "OnFailure")


@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_consumers_never_outnumber_the_partitions(layer: Path) -> None:
    partitions = int(effective_config(layer)["RESTMAN_KAFKA_TOPIC_PARTITIONS"])
    for kind in CONSUMER_KINDS:
        count = replicas(layer, f"restman-{kind}")
        assert 1 <= count <= partitions, f"{layer.name}: {kind} has {count} replicas"


@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_every_container_has_requests_and_limits(layer: Path) -> None:
    for obj in objects(layer) + patches(layer):
        for container in containers(obj):
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), (key(obj), bound)


def test_containers_run_unprivileged_with_no_command_override() -> None:
    for obj in objects(BASE):
        spec = pod_spec(obj)
        if spec is None:
            continue
        assert spec["securityContext"]["runAsNonRoot"] is True, key(obj)
        assert spec["securityContext"]["runAsUser"] != 0, key(obj)
        for container in containers(obj):
            # The image's entry point is `restman`; args are its command line.
            assert "command" not in container, key(obj)
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_every_image_is_pinned_to_the_project_version() -> None:
    for obj in objects(BASE):
        for container in containers(obj):
            assert container["image"] == f"restman:{project_version()}", key(obj)
    [image] = kustomization(PRODUCTION)["images"]
    assert image["name"] == "restman"
    assert image_tag_is_pinned(f"{image['newName']}:{image['newTag']}")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_kustomize_renders_the_layer(layer: Path) -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(layer)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    kinds = {key(obj) for obj in rendered}
    assert ("Job", "restman-migrate") in kinds
    assert (("Secret", "restman-secrets") in kinds) == (layer == BASE)
    assert all(obj["metadata"].get("namespace", "restman") == "restman" for obj in rendered)


def test_every_container_requires_the_shared_secret_key_from_the_secret() -> None:
    seen = 0
    for obj in objects(BASE):
        for container in containers(obj):
            seen += 1
            env = {entry["name"]: entry for entry in container.get("env", [])}
            assert "RESTMAN_SECRET_KEY" in env, key(obj)
            reference = env["RESTMAN_SECRET_KEY"]["valueFrom"]["secretKeyRef"]
            assert reference["name"] == "restman-secrets", key(obj)
            assert reference["key"] == "RESTMAN_SECRET_KEY", key(obj)
            assert reference.get("optional", False) is False, key(obj)
    assert seen >= 8


def test_a_forgotten_placeholder_key_is_refused_at_start() -> None:
    env = effective_config(BASE) | env_mapping(base_object("Secret", "restman-secrets"))
    with pytest.raises(ConfigurationError, match="RESTMAN_SECRET_KEY must be at least"):
        secret_keys(settings_from(env))
