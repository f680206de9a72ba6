"""Reading the deployment files the way their tools would: docker-compose.yml, the Dockerfile,
.dockerignore and the kustomize trees, plus the facts about the project they must agree with
(the environment variable names Settings accepts, the console script, the project version).

Docker and a cluster cannot run here, so the tests compare these parsed files with the code.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices, AliasPath

from restman_core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
PRODUCTION = KUBERNETES / "overlays" / "production"

API_PORT = 8000

_INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):(?P<kind>[-?])(?P<default>[^}]*)\}"
)
# What the operator puts in the shell or .env before `docker compose up` (see compose's header).
OPERATOR_ENV = {"RESTMAN_SECRET_KEY": "an-operator-chosen-key-0123456789abcdef"}


class RequiredVariableMissing(Exception):
    """Compose refuses to start: ``${NAME:?message}`` with NAME unset or empty."""


_VERSIONED_TAG = re.compile(r"^v?\d+(\.\d+)+([.-][0-9A-Za-z.-]+)?$")


# ---- the project -------------------------------------------------------------------------------


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def project_version() -> str:
    return str(pyproject()["project"]["version"])


@cache
def accepted_env_names() -> frozenset[str]:
    """Every environment variable name Settings reads, from its fields' validation aliases
    (upper-cased: Settings is case-insensitive); a field without an alias is read by name."""
    names: set[str] = set()
    for field_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if alias is None:
            names.add(field_name.upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(c.upper() for c in alias.choices if isinstance(c, str))
        elif isinstance(alias, AliasPath):
            raise AssertionError(f"Settings.{field_name}: an AliasPath is no environment name")
    return frozenset(names)


def settings_from(env: dict[str, str]) -> Settings:
    """Settings built from exactly ``env`` (as a process would see it), no .env file."""
    values: dict[str, Any] = dict(env)
    return Settings(_env_file=None, **values)


def image_tag_is_pinned(image: str) -> bool:
    """A digest, or a tag that is a version number (never ``latest`` or a bare name)."""
    if "@sha256:" in image:
        return True
    _, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return False
    return bool(_VERSIONED_TAG.match(tag))


# ---- docker-compose.yml --------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def compose_services() -> dict[str, dict[str, Any]]:
    services = compose()["services"]
    assert isinstance(services, dict)
    return services


def interpolate(value: str, given: Mapping[str, str] | None = None) -> str:
    """What Compose makes of ``value`` with only ``given`` variables set: ``${NAME:-default}``
    becomes the variable or the default, ``${NAME:?message}`` the variable or a refusal
    (RequiredVariableMissing), and ``$$`` a literal ``$``."""
    known = given or {}

    def substitute(match: re.Match[str]) -> str:
        name, kind, default = match.group("name", "kind", "default")
        if known.get(name):
            return known[name]
        if kind == "?":
            raise RequiredVariableMissing(f"{name}: {default}")
        return default

    return _INTERPOLATION.sub(substitute, value).replace("$$", "$")


def restman_services() -> dict[str, dict[str, Any]]:
    """The services that run the RestMan image (built from deploy/Dockerfile)."""
    return {
        name: service
        for name, service in compose_services().items()
        if isinstance(service.get("build"), dict)
        and service["build"].get("dockerfile") == "deploy/Dockerfile"
    }


def service_env(
    service: dict[str, Any], given: Mapping[str, str] | None = OPERATOR_ENV
) -> dict[str, str]:
    """A service's environment as Compose would pass it, the operator having set ``given``."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): interpolate(str(v), given) for k, v in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Dependencies and their conditions (short form means ``service_started``)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def waits_for(name: str, target: str, condition: str) -> bool:
    """Whether ``name`` starts only after ``target`` reached ``condition``, directly or through a
    chain of dependencies that each wait for completion or health."""
    services = compose_services()
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        for dep, cond in depends_on(services[current]).items():
            if dep == target and cond == condition:
                return True
            if dep not in seen and cond != "service_started":
                seen.add(dep)
                pending.append(dep)
    return False


def has_healthcheck(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck") or {}
    return bool(check.get("test")) and not check.get("disable", False)


# ---- Dockerfile and .dockerignore ----------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON (exec) form of CMD, ENTRYPOINT or HEALTHCHECK ... CMD."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text[text.index("CMD") + len("CMD") :]
        value = json.loads(text)
        assert isinstance(value, list)
        return [str(v) for v in value]


@cache
def dockerfile() -> tuple[Instruction, ...]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    buffer = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        line = buffer + line
        buffer = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    assert not buffer, "the Dockerfile ends inside a continued line"
    return tuple(instructions)


def instructions(keyword: str) -> list[Instruction]:
    return [i for i in dockerfile() if i.keyword == keyword]


def dockerfile_args() -> dict[str, str]:
    """ARG defaults, for resolving ``${NAME}`` in FROM and RUN lines."""
    defaults: dict[str, str] = {}
    for instruction in instructions("ARG"):
        name, sep, default = instruction.arguments.partition("=")
        if sep:
            defaults[name] = default.strip('"')
    return defaults


def dockerignore_excludes(path: str) -> bool:
    """Whether ``path`` (relative, POSIX) or a directory above it is left out of the build
    context by .dockerignore (last matching pattern wins; ``!`` re-includes)."""
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    parts = Path(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        globs = {glob, glob.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(c, g) for c in candidates for g in globs):
            excluded = not negated
    return excluded


# ---- kustomize trees ---------------------------------------------------------------------------


@cache
def _documents(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(doc for doc in yaml.safe_load_all(path.read_text()) if doc)


def load_documents(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of ``path`` (parsed once per session; callers must not mutate)."""
    return list(_documents(path.resolve()))


def kustomization(directory: Path) -> dict[str, Any]:
    [data] = load_documents(directory / "kustomization.yaml")
    return data


def resource_files(directory: Path) -> list[Path]:
    """Files (not directories) among a kustomization's resources."""
    entries = [directory / entry for entry in kustomization(directory).get("resources", [])]
    return [entry for entry in entries if entry.is_file()]


def patch_files(directory: Path) -> list[Path]:
    return [directory / patch["path"] for patch in kustomization(directory).get("patches", [])]


def objects(directory: Path) -> list[dict[str, Any]]:
    """Every object of a kustomization's resource files."""
    return [doc for path in resource_files(directory) for doc in load_documents(path)]


def patches(directory: Path) -> list[dict[str, Any]]:
    return [doc for path in patch_files(directory) for doc in load_documents(path)]


def key(obj: dict[str, Any]) -> tuple[str, str]:
    return str(obj["kind"]), str(obj["metadata"]["name"])


def find(items: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next((obj for obj in items if key(obj) == (kind, name)), None)


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    if obj.get("kind") in ("Deployment", "Job"):
        spec = obj.get("spec", {}).get("template", {}).get("spec")
        return spec if isinstance(spec, dict) else None
    return None


def containers(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(obj) or {}
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


def env_mapping(obj: dict[str, Any]) -> dict[str, str]:
    """A ConfigMap's data or a Secret's stringData/data, as strings."""
    mapping: dict[str, str] = {}
    for section in ("data", "stringData"):
        mapping.update({str(k): str(v) for k, v in (obj.get(section) or {}).items()})
    return mapping


def effective_config(directory: Path) -> dict[str, str]:
    """The ``restman-config`` ConfigMap as a kustomization renders it: the base's data with the
    overlay's ConfigMap patch merged over it."""
    config: dict[str, str] = {}
    layers = [BASE] if directory == BASE else [BASE, directory]
    for layer in layers:
        for obj in objects(layer) + patches(layer):
            if key(obj) == ("ConfigMap", "restman-config"):
                config.update(env_mapping(obj))
    return config
