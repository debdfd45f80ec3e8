"""The image catalog: which images and tags exist, and what each one is.

The playground has no registry and no image layers; the catalog stands in for both. Its data
lives in `catalog/*.yaml` (one file per image family) and scenarios add their own images with
`Catalog.add(entry)` using the same schema, so adding an image needs no Python. An entry names
a fully qualified repository and the exact tags that exist (anything else fails to pull, as on
a real registry), and for each tag the image config a runtime reads (entrypoint, cmd, env,
working directory, user, exposed ports, stop signal), its size and digest, the commands its
filesystem holds (for `kubectl exec` and shell scripts), the programs from `programs.py` it
provides, a typical CPU/memory footprint, files it ships, and free-form `params` its programs
read (a version, a banner).

Schema of one entry (keys in Kubernetes/OCI spelling; `defaults` apply to every tag and a
tag's own mapping overrides them key by key, mappings merged one level deep):

    repository: docker.io/library/nginx      # fully qualified
    defaults:
      size: 72195292                        # bytes, as the Pulled event prints
      digest: sha256:<64 hex>               # optional; derived from name and tag if absent
      entrypoint: [/docker-entrypoint.sh]   # OCI Entrypoint
      cmd: [nginx, -g, daemon off;]         # OCI Cmd
      env: {PATH: …, NGINX_VERSION: "{version}"}   # "{param}" is replaced from params
      workingDir: /
      user: ""
      exposedPorts: [80/tcp]
      stopSignal: SIGQUIT                   # default SIGTERM
      commands: debian                      # busybox | debian | none | [list]
      extraCommands: [curl]
      removeCommands: []
      programs: [nginx]                     # names from programs.PROGRAMS
      usage: {cpu: 1m, memory: 8Mi}         # footprint when idle
      files: {/usr/share/nginx/html/index.html: "@nginx-welcome"}  # "@name": built-in text
      params: {version: 1.27.3}
    tags:
      "1.27.3": {size: 72099501}
      latest: {sameAs: "1.27.3"}            # the same image (same digest) under another tag
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from playground.engine.api.quantity import cpu_millis, memory_bytes
from playground.engine.images.filesystem import FileSystem, busybox_root
from playground.engine.images.reference import (
    ImageReference,
    InvalidImageName,
    parse_reference,
)
from playground.engine.images.shell_api import BUSYBOX_APPLETS, DEBIAN_COMMANDS

__all__ = [
    "Catalog", "CatalogError", "Image", "ImagePullError", "InvalidImageName", "default_catalog",
    "root_filesystem", "stable_digest",
]

COMMAND_SETS: dict[str, frozenset[str]] = {
    "busybox": BUSYBOX_APPLETS,
    "debian": frozenset(DEBIAN_COMMANDS),
    "none": frozenset(),
}
"""Named command sets an entry's `commands` may refer to."""

KNOWN_REGISTRIES = frozenset({
    "docker.io", "registry.k8s.io", "k8s.gcr.io", "gcr.io", "quay.io", "ghcr.io",
    "us-docker.pkg.dev", "mcr.microsoft.com", "public.ecr.aws", "registry.gitlab.com",
})
"""Registries that answer; any other host fails name resolution."""

_ENTRY_KEYS = {"repository", "description", "defaults", "tags"}
_TAG_KEYS = {
    "size", "digest", "entrypoint", "cmd", "env", "workingDir", "user", "exposedPorts",
    "stopSignal", "commands", "extraCommands", "removeCommands", "programs", "usage", "files",
    "params", "sameAs",
}
_MERGED_KEYS = {"env", "usage", "files", "params"}
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_SIGNALS = {
    "SIGTERM", "SIGQUIT", "SIGINT", "SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH",
    "SIGSTOP", "SIGPWR", "SIGRTMIN+3",
}


class CatalogError(ValueError):
    """A catalog entry that does not follow the schema; the message says where and why."""


class ImagePullError(Exception):
    """A pull the registry refused. `message` is the kubelet's Failed event text."""

    reason = "ErrImagePull"

    def __init__(self, image: str, message: str) -> None:
        self.image = image
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, eq=False)
class Image:
    """One pullable image (a repository at a tag) with everything the kubelet needs."""

    repository: str
    tag: str
    digest: str
    size: int
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    working_dir: str = "/"
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    stop_signal: str = "SIGTERM"
    commands: frozenset[str] = frozenset()
    programs: tuple[str, ...] = ()
    cpu_millis: int = 0
    memory_bytes: int = 0
    files: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        """`repository:tag`, the normalised name the kubelet reports in status.image."""
        return f"{self.repository}:{self.tag}"

    @property
    def image_id(self) -> str:
        """`repository@digest`, the container status' imageID."""
        return f"{self.repository}@{self.digest}"

    @property
    def has_shell(self) -> bool:
        """Whether `sh -c` works in this image."""
        return "sh" in self.commands

    def has_command(self, name: str) -> bool:
        """Whether `name` (a bare name or an absolute path) can be executed in the image."""
        base = name.rsplit("/", 1)[-1]
        return base in self.commands or base in self.programs

    def param(self, key: str, default: Any = None) -> Any:
        """A behaviour parameter of the image (`version`, `page`…)."""
        return self.params.get(key, default)


def stable_digest(repository: str, tag: str) -> str:
    """A digest that looks real and never changes for the same repository and tag."""
    return "sha256:" + hashlib.sha256(f"playground-image {repository}:{tag}".encode()).hexdigest()


def _fail(where: str, problem: str) -> CatalogError:
    return CatalogError(f"image catalog entry {where}: {problem}")


def _string_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise _fail(where, f"{key} must be a list of strings, got {value!r}")
    return tuple(str(v) for v in value)


def _substitute(text: str, params: Mapping[str, Any]) -> str:
    for key, value in params.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _version_of(tag: str) -> str | None:
    match = re.match(r"^v?(\d+(?:\.\d+)*)", tag)
    return match.group(1) if match else None


@dataclass
class _Repository:
    """A repository's raw entry and the images resolved from it."""

    name: str
    description: str
    images: dict[str, Image]


def _build_image(repository: str, tag: str, spec: Mapping[str, Any], where: str) -> Image:
    params = dict(spec.get("params") or {})
    version = _version_of(tag)
    if "version" not in params and version is not None:
        params["version"] = version
    size = spec.get("size", 0)
    if isinstance(size, str):
        size = memory_bytes(size)
    if not isinstance(size, int) or size < 0:
        raise _fail(where, f"size must be a number of bytes, got {size!r}")
    digest = spec.get("digest") or stable_digest(repository, tag)
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise _fail(where, f"digest must be sha256: followed by 64 lowercase hex digits, got {digest!r}")
    env = spec.get("env") or {}
    if not isinstance(env, Mapping):
        raise _fail(where, "env must be a mapping of NAME: value")
    commands_spec = spec.get("commands", "none")
    if isinstance(commands_spec, str):
        if commands_spec not in COMMAND_SETS:
            raise _fail(where, f"commands must be one of {sorted(COMMAND_SETS)} or a list, "
                               f"got {commands_spec!r}")
        commands = set(COMMAND_SETS[commands_spec])
    else:
        commands = set(_string_list(commands_spec, where, "commands"))
    commands |= set(_string_list(spec.get("extraCommands"), where, "extraCommands"))
    commands -= set(_string_list(spec.get("removeCommands"), where, "removeCommands"))
    programs = _string_list(spec.get("programs"), where, "programs")
    from playground.engine.images.programs import PROGRAMS, builtin_file, program_commands

    unknown = [p for p in programs if p not in PROGRAMS]
    if unknown:
        raise _fail(where, f"unknown program(s) {', '.join(unknown)}; known programs: "
                           f"{', '.join(sorted(PROGRAMS))}")
    usage = spec.get("usage") or {}
    if not isinstance(usage, Mapping) or set(usage) - {"cpu", "memory"}:
        raise _fail(where, "usage must be a mapping with keys cpu and memory")
    try:
        cpu = cpu_millis(usage.get("cpu", 0))
        memory = memory_bytes(usage.get("memory", 0))
    except (ValueError, TypeError) as e:
        raise _fail(where, f"usage: {e}") from None
    stop_signal = str(spec.get("stopSignal", "SIGTERM"))
    if stop_signal not in _SIGNALS:
        raise _fail(where, f"stopSignal must be a signal name such as SIGTERM, got {stop_signal!r}")
    files = spec.get("files") or {}
    if not isinstance(files, Mapping) or not all(
            isinstance(k, str) and k.startswith("/") and isinstance(v, str)
            for k, v in files.items()):
        raise _fail(where, "files must map absolute paths to text")
    resolved: dict[str, str] = {}
    for path, text in files.items():
        if text.startswith("@"):
            try:
                text = builtin_file(text[1:], params)
            except KeyError:
                raise _fail(where, f"files: {path} names unknown built-in text {text!r}") from None
        resolved[path] = text
    return Image(
        repository=repository,
        tag=tag,
        digest=digest,
        size=size,
        entrypoint=_string_list(spec.get("entrypoint"), where, "entrypoint"),
        cmd=_string_list(spec.get("cmd"), where, "cmd"),
        env=tuple((str(k), _substitute(str(v), params)) for k, v in env.items()),
        working_dir=str(spec.get("workingDir") or "/"),
        user=str(spec.get("user") or ""),
        exposed_ports=_string_list(spec.get("exposedPorts"), where, "exposedPorts"),
        stop_signal=stop_signal,
        commands=frozenset(commands | program_commands(programs)),
        programs=programs,
        cpu_millis=cpu,
        memory_bytes=memory,
        files=resolved,
        params=params,
    )


def _merge(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in own.items():
        if key in _MERGED_KEYS and isinstance(value, Mapping) and isinstance(
                merged.get(key), Mapping):
            combined = {**merged[key], **value}
            merged[key] = {k: v for k, v in combined.items() if v is not None}
        else:
            merged[key] = value
    return merged


def build_repository(entry: Mapping[str, Any]) -> _Repository:
    """Validate one catalog entry and resolve its images."""
    if not isinstance(entry, Mapping):
        raise CatalogError(f"image catalog entry must be a mapping, got {type(entry).__name__}")
    name = entry.get("repository")
    if not isinstance(name, str) or not name:
        raise CatalogError("image catalog entry: repository is required (e.g. "
                           "docker.io/library/nginx)")
    where = repr(name)
    extra = set(entry) - _ENTRY_KEYS
    if extra:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(extra))}; allowed: "
                           f"{', '.join(sorted(_ENTRY_KEYS))}")
    try:
        ref = parse_reference(name)
    except InvalidImageName as e:
        raise _fail(where, f"repository is not a valid image name: {e.detail}") from None
    if ref.repository != name:
        raise _fail(where, "repository must be fully qualified, without tag or digest, "
                           f"e.g. {ref.repository}")
    defaults = entry.get("defaults") or {}
    tags = entry.get("tags")
    if not isinstance(defaults, Mapping):
        raise _fail(where, "defaults must be a mapping")
    if isinstance(tags, list):
        tags = {str(t): None for t in tags}
    if not isinstance(tags, Mapping) or not tags:
        raise _fail(where, "tags must list the tags that exist (a list or a mapping)")
    for key in set(defaults) - _TAG_KEYS - {"sameAs"}:
        raise _fail(where, f"unknown key {key!r} in defaults; allowed: {', '.join(sorted(_TAG_KEYS))}")
    images: dict[str, Image] = {}
    aliases: dict[str, str] = {}
    for raw_tag, own in tags.items():
        tag = str(raw_tag)
        tag_where = f"{name}:{tag}"
        if not re.fullmatch(r"[\w][\w.-]{0,127}", tag):
            raise _fail(repr(tag_where), "tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
        own = own or {}
        if not isinstance(own, Mapping):
            raise _fail(repr(tag_where), "a tag's value must be a mapping (or empty)")
        unknown = set(own) - _TAG_KEYS
        if unknown:
            raise _fail(repr(tag_where), f"unknown key(s) {', '.join(sorted(unknown))}; "
                                         f"allowed: {', '.join(sorted(_TAG_KEYS))}")
        if "sameAs" in own:
            aliases[tag] = str(own["sameAs"])
            continue
        images[tag] = _build_image(name, tag, _merge(defaults, own), repr(tag_where))
    for tag, target in aliases.items():
        if target not in images:
            raise _fail(repr(f"{name}:{tag}"), f"sameAs names tag {target!r}, which is not "
                                               "a tag of this repository")
        original = images[target]
        images[tag] = Image(**{**original.__dict__, "tag": tag})
    description = str(entry.get("description") or "")
    return _Repository(name=name, description=description, images=images)


@cache
def _builtin_repositories() -> tuple[_Repository, ...]:
    folder = resources.files("playground.engine.images").joinpath("catalog")
    repos: list[_Repository] = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
        for entry in data.get("images") or []:
            try:
                repos.append(build_repository(entry))
            except CatalogError as e:
                raise CatalogError(f"{item.name}: {e}") from None
    return tuple(repos)


class Catalog:
    """The images a cluster can pull; lookups take references exactly as written in specs."""

    def __init__(self, repositories: Iterable[_Repository] = ()) -> None:
        self._repos: dict[str, _Repository] = {}
        for repo in repositories:
            self._repos[repo.name] = repo
        self._pulled: dict[str, Image] = {}
        """Successful pulls by reference as written (forgotten when the catalog changes)."""

    @classmethod
    def builtin(cls) -> Catalog:
        """A fresh catalog holding the shipped images (additions do not leak between clusters)."""
        return cls(_builtin_repositories())

    def add(self, entry: Mapping[str, Any]) -> None:
        """Add (or replace) one repository described with the catalog schema."""
        repo = build_repository(copy.deepcopy(dict(entry)))
        self._repos[repo.name] = repo
        self._pulled.clear()

    def add_image(self, image: Image) -> None:
        """Add one built image (a Dockerfile build) as a tag of its repository."""
        repo = self._repos.get(image.repository)
        if repo is None:
            repo = _Repository(image.repository, "", {})
            self._repos[image.repository] = repo
        else:
            repo = _Repository(repo.name, repo.description, dict(repo.images))
            self._repos[repo.name] = repo
        repo.images[image.tag] = image
        self._pulled.clear()

    def repositories(self) -> list[str]:
        """Every repository name, sorted."""
        return sorted(self._repos)

    def tags(self, repository: str) -> list[str]:
        """The tags of one repository (fully qualified or as typed), in catalog order."""
        ref = parse_reference(repository)
        repo = self._repos.get(ref.repository)
        return list(repo.images) if repo else []

    def lookup(self, image: str) -> Image | None:
        """The image a reference names, or None when pulling it would fail."""
        try:
            return self.pull(image)
        except (ImagePullError, InvalidImageName):
            return None

    def pull(self, image: str) -> Image:
        """Resolve `image` as the kubelet's pull would.

        Raises `InvalidImageName` for a malformed reference and `ImagePullError` (with the
        kubelet's `Failed to pull image …` text) for one the registry does not have."""
        known = self._pulled.get(image)
        if known is not None:
            return known
        ref = parse_reference(image)
        repo = self._repos.get(ref.repository)
        if repo is not None:
            if ref.digest is not None:
                # With both a tag and a digest, containerd resolves by digest alone.
                for found in repo.images.values():
                    if found.digest == ref.digest:
                        self._pulled[image] = found
                        return found
            elif ref.tag in repo.images:
                found = self._pulled[image] = repo.images[str(ref.tag)]
                return found
        raise ImagePullError(image, _pull_failure(image, ref, repo is not None))


def _pull_failure(image: str, ref: ImageReference, repo_exists: bool) -> str:
    full = str(ref)
    head = f"Failed to pull image {_quote(image)}: "
    where = f"failed to pull and unpack image {_quote(full)}: failed to resolve reference {_quote(full)}"
    if ref.domain not in KNOWN_REGISTRIES and ref.domain.split(":")[0] != "localhost":
        version = ref.digest or ref.tag
        return (f"{head}rpc error: code = Unknown desc = {where}: failed to do request: Head "
                f"\"https://{ref.domain}/v2/{ref.path}/manifests/{version}\": dial tcp: lookup "
                f"{ref.domain}: no such host")
    if ref.domain.split(":")[0] == "localhost":
        host = ref.domain if ":" in ref.domain else f"{ref.domain}:443"
        version = ref.digest or ref.tag
        return (f"{head}rpc error: code = Unknown desc = {where}: failed to do request: Head "
                f"\"https://{ref.domain}/v2/{ref.path}/manifests/{version}\": dial tcp "
                f"127.0.0.1:{host.split(':')[1]}: connect: connection refused")
    if ref.domain == "docker.io" and not repo_exists:
        return (f"{head}rpc error: code = Unknown desc = {where}: pull access denied, repository "
                "does not exist or may require authorization: server message: "
                "insufficient_scope: authorization failed")
    return f"{head}rpc error: code = NotFound desc = {where}: {full}: not found"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def root_filesystem(
    image: Image, hostname: str, pod_ip: str, namespace: str = "default",
    nameserver: str = "10.96.0.10",
) -> FileSystem:
    """A container's starting filesystem: a base tree, the kubelet's files and the image's
    own files. Mount volumes on it afterwards (they hide what the image has there)."""
    fs = busybox_root(hostname, pod_ip, namespace, nameserver)
    for path, text in image.files.items():
        parent = path.rsplit("/", 1)[0] or "/"
        fs.mkdir(parent, parents=True)
        fs.write(path, text, mode=0o755 if text.startswith("#!") else None)
    if image.working_dir != "/":
        fs.mkdir(image.working_dir, parents=True)
    return fs


@cache
def default_catalog() -> Catalog:
    """The shipped catalog, shared read-only (use `Catalog.builtin()` to add images)."""
    return Catalog.builtin()
