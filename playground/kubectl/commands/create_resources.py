"""`kubectl create deployment|namespace|configmap|secret generic|secret tls|service …`.

kubectl's generators build the object on the client (the same shapes, down to the empty
`strategy: {}`, `resources: {}` and `status: {}` that `--dry-run=client -o yaml` shows) and
create it; each failure is wrapped the way its generator wraps it
(`error: failed to create deployment: deployments.apps "web" already exists`,
`error: failed to create secret …`, `error: failed to create ClusterIP service: …`, and for
namespaces the plain server error). `create -f` stays in the apply module, which hands
`create <subcommand>` lines here. `emit_object` is shared with `run` and `expose`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playground.engine.errors import APIError
from playground.kubectl.commands.scale import dry_run_mode, dry_run_suffix
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, Parsed, UsageError, parse
from playground.kubectl.output import to_json, to_yaml
from playground.kubectl.printers import name_line

Obj = dict[str, Any]

FLAGS = (
    Flag("image", repeatable=True),
    Flag("replicas"),
    Flag("port"),
    Flag("from-literal", repeatable=True),
    Flag("from-file", repeatable=True),
    Flag("from-env-file", repeatable=True),
    Flag("type"),
    Flag("cert"),
    Flag("key"),
    Flag("tcp", repeatable=True),
    Flag("clusterip"),
    Flag("node-port"),
    Flag("external-name"),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("save-config", takes_value=False),
    Flag("validate"),
    Flag("append-hash", takes_value=False),
    Flag("field-manager"),
)

_VALUE_FLAGS = {"-n", "--namespace", "-o", "--output", "-f", "--filename", "--image",
                "--context", "--kubeconfig", "--dry-run", "--replicas", "--port"}
_KEY_NAME = re.compile(r"^[-._a-zA-Z0-9]+$")


def subcommand_of(argv: list[str]) -> str | None:
    """The `create` subcommand named in `argv` (first positional argument), if any."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return None
        if arg.startswith("-"):
            if arg in _VALUE_FLAGS:
                i += 1
            i += 1
            continue
        return arg if arg in SUBCOMMANDS else None
    return None


def run(ctx: Context, argv: list[str]) -> None:
    """Run `kubectl create <subcommand> NAME …`."""
    opts = parse(argv, FLAGS, "create")
    sub = opts.args[0]
    SUBCOMMANDS[sub](ctx, opts, opts.args[1:])


def emit_object(ctx: Context, obj: Obj, opts: Parsed, failure: Callable[[APIError], str],
                operation: str = "created") -> Obj | None:
    """Create `obj` (or, with `--dry-run=client`, only show it) and print kubectl's result:
    `-o yaml|json|name` or `configmap/x created`. Returns what was created."""
    mode = dry_run_mode(opts)
    namespace = opts.text("namespace") or ctx.namespace
    output = opts.text("output")
    if output not in ("", "yaml", "json", "name"):
        raise UsageError(f'error: unable to match a printer suitable for the output format '
                         f'"{output}", allowed formats are: json,name,yaml')
    result = obj
    if mode != "client":
        try:
            result = ctx.cluster.api.create(obj, namespace=namespace, dry_run=mode == "server")
        except APIError as exc:
            ctx.error(failure(exc))
            return None
    if output == "yaml":
        ctx.out.write(to_yaml(result))
    elif output == "json":
        ctx.out.write(to_json(result))
    elif output == "name":
        ctx.print(name_line(result))
    else:
        ctx.print(f"{name_line(result)} {operation}{dry_run_suffix(mode)}")
    return result


def _wrapped(prefix: str) -> Callable[[APIError], str]:
    return lambda exc: f"error: {prefix}{exc.message}"


def _one_name(args: list[str], sub: str) -> str:
    if len(args) != 1:
        raise UsageError(f"error: exactly one NAME is required, got {len(args)}\n"
                         f"See 'kubectl create {sub} -h' for help and examples")
    return args[0]


def _metadata(ctx: Context, opts: Parsed, name: str, namespaced: bool = True,
              labels: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name}
    if labels:
        meta["labels"] = labels
    if namespaced and opts.text("namespace"):
        meta["namespace"] = opts.text("namespace")
    return meta


def container_name_for(image: str) -> str:
    """kubectl's container name for an image: its last path part without tag or digest."""
    name = image.rsplit("/", 1)[-1]
    name = name.split("@", 1)[0]
    return name.split(":", 1)[0]


def _int_flag(opts: Parsed, flag: str, default: int) -> int:
    text = opts.text(flag, str(default))
    try:
        return int(text)
    except ValueError:
        raise UsageError(f'error: invalid argument "{text}" for "--{flag}" flag: '
                         f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


# -- deployment -----------------------------------------------------------------------------

def _deployment(ctx: Context, opts: Parsed, args: list[str]) -> None:
    name = _one_name(args, "deployment")
    images = opts.many("image")
    if not images:
        raise UsageError('error: required flag(s) "image" not set')
    command = opts.after_dashes or []
    if len(images) > 1 and command:
        raise UsageError("error: cannot specify multiple --image options and command")
    replicas = _int_flag(opts, "replicas", 1)
    containers: list[Obj] = []
    for image in images:
        container: Obj = {"image": image, "name": container_name_for(image), "resources": {}}
        if command:
            container["command"] = list(command)
        if opts.get("port") is not None:
            container["ports"] = [{"containerPort": _int_flag(opts, "port", 0)}]
        containers.append(container)
    labels = {"app": name}
    obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": _metadata(ctx, opts, name, labels=dict(labels)),
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "strategy": {},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": containers}}},
        "status": {},
    }
    emit_object(ctx, obj, opts, _wrapped("failed to create deployment: "))


# -- namespace ------------------------------------------------------------------------------

def _namespace(ctx: Context, opts: Parsed, args: list[str]) -> None:
    name = _one_name(args, "namespace")
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name},
           "spec": {}, "status": {}}
    emit_object(ctx, obj, opts, api_error_text)


# -- configmap and secret data --------------------------------------------------------------

def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"error: error reading {path}: {exc.strerror.lower() if exc.strerror else exc}") \
            from None


def _data_sources(opts: Parsed, kind: str, name: str) -> dict[str, bytes]:
    """Keys and raw values from --from-literal, --from-file and --from-env-file, in order."""
    if opts.many("from-env-file") and (opts.many("from-file") or opts.many("from-literal")):
        raise UsageError("error: from-env-file cannot be combined with from-file or "
                         "from-literal")
    data: dict[str, bytes] = {}

    def add(key: str, value: bytes) -> None:
        if not _KEY_NAME.match(key):
            raise UsageError(f'error: "{key}" is not a valid key name for a {kind}: a valid '
                             "config key must consist of alphanumeric characters, '-', '_' or "
                             "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
                             "for validation is '[-._a-zA-Z0-9]+')")
        if key in data:
            raise UsageError(f'error: cannot add key "{key}", another key by that name already '
                             f'exists in Data for {kind} "{name}"' if kind == "ConfigMap" else
                             f"error: cannot add key {key}, another key by that name already "
                             "exists")
        data[key] = value

    for source in opts.many("from-file"):
        key, eq, path_text = source.partition("=")
        if not eq:
            key, path_text = "", source
        path = Path(path_text).expanduser()
        if path.is_dir():
            if key:
                raise UsageError("error: cannot give a key name for a directory path")
            for child in sorted(path.iterdir()):
                if child.is_file():
                    add(child.name, _read(child))
            continue
        add(key or path.name, _read(path))
    for literal in opts.many("from-literal"):
        key, eq, value = literal.partition("=")
        if not eq or not key:
            raise UsageError(f"error: invalid literal source {literal}, expected key=value")
        add(key, value.encode())
    for env_file in opts.many("from-env-file"):
        for line in _read(Path(env_file)).decode(errors="replace").splitlines():
            line = line.lstrip()
            if not line or line.startswith("#"):
                continue
            key, eq, value = line.partition("=")
            add(key.strip(), value.encode() if eq else b"")
    return data


def _configmap(ctx: Context, opts: Parsed, args: list[str]) -> None:
    name = _one_name(args, "configmap")
    data, binary = {}, {}
    for key, raw in _data_sources(opts, "ConfigMap", name).items():
        try:
            data[key] = raw.decode("utf-8")
        except UnicodeDecodeError:
            binary[key] = base64.b64encode(raw).decode()
    obj: Obj = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": _metadata(ctx, opts, name)}
    if data:
        obj["data"] = data
    if binary:
        obj["binaryData"] = binary
    emit_object(ctx, obj, opts, _wrapped("failed to create configmap: "))


def _secret(ctx: Context, opts: Parsed, args: list[str]) -> None:
    if not args or args[0] not in ("generic", "tls"):
        raise UsageError("error: Create a secret with specified type.\n\nAvailable Commands: "
                         "docker-registry, generic, tls\n"
                         "See 'kubectl create secret -h' for help and examples")
    kind, args = args[0], args[1:]
    name = _one_name(args, f"secret {kind}")
    if kind == "tls":
        if not opts.text("cert") or not opts.text("key"):
            raise UsageError('error: required flag(s) "cert", "key" not set')
        raw = {"tls.crt": _read(Path(opts.text("cert"))),
               "tls.key": _read(Path(opts.text("key")))}
        secret_type = "kubernetes.io/tls"
    else:
        raw = _data_sources(opts, "Secret", name)
        secret_type = opts.text("type") or "Opaque"
    obj: Obj = {"apiVersion": "v1", "kind": "Secret", "metadata": _metadata(ctx, opts, name),
                "type": secret_type}
    if raw:
        obj["data"] = {k: base64.b64encode(v).decode() for k, v in raw.items()}
    emit_object(ctx, obj, opts, _wrapped("failed to create secret "))


# -- service --------------------------------------------------------------------------------

_SERVICE_TYPES = {"clusterip": "ClusterIP", "nodeport": "NodePort",
                  "loadbalancer": "LoadBalancer", "externalname": "ExternalName"}


def _service(ctx: Context, opts: Parsed, args: list[str]) -> None:
    if not args or args[0] not in _SERVICE_TYPES:
        raise UsageError("error: Create a service using a specified subcommand.\n\n"
                         "Available Commands: clusterip, externalname, loadbalancer, nodeport\n"
                         "See 'kubectl create service -h' for help and examples")
    service_type = _SERVICE_TYPES[args[0]]
    name = _one_name(args[1:], f"service {args[0]}")
    cluster_ip = opts.text("clusterip")
    tcp = [part for value in opts.many("tcp") for part in value.split(",") if part]
    if cluster_ip == "None" and service_type != "ClusterIP":
        raise UsageError("error: ClusterIP=None can only be used with ClusterIP service type")
    if cluster_ip != "None" and not tcp and service_type != "ExternalName":
        raise UsageError("error: at least one tcp port specifier must be provided")
    if service_type == "ExternalName" and not opts.text("external-name"):
        raise UsageError('error: required flag(s) "external-name" not set')
    node_port = _int_flag(opts, "node-port", 0)
    ports: list[Obj] = []
    for spec in tcp:
        port, target = _parse_tcp(spec)
        entry: Obj = {"name": spec.replace(":", "-"), "port": port, "protocol": "TCP",
                      "targetPort": target}
        if node_port:
            entry["nodePort"] = node_port
        ports.append(entry)
    labels = {"app": name}
    service_spec: Obj = {"selector": dict(labels), "type": service_type}
    if ports:
        service_spec["ports"] = ports
    if cluster_ip:
        service_spec["clusterIP"] = cluster_ip
    if service_type == "ExternalName":
        service_spec["externalName"] = opts.text("external-name")
    obj = {"apiVersion": "v1", "kind": "Service",
           "metadata": _metadata(ctx, opts, name, labels=labels),
           "spec": service_spec, "status": {"loadBalancer": {}}}
    emit_object(ctx, obj, opts, _wrapped(f"failed to create {service_type} service: "))


def _parse_tcp(spec: str) -> tuple[int, int | str]:
    port_text, _, target_text = spec.partition(":")
    try:
        port = int(port_text)
    except ValueError:
        raise UsageError(f'error: invalid port: "{port_text}"') from None
    if not 0 < port < 65536:
        raise UsageError(f"error: invalid port: {port}")
    if not target_text:
        return port, port
    if target_text.isdigit():
        target = int(target_text)
        if not 0 < target < 65536:
            raise UsageError("error: must be between 1 and 65535, inclusive")
        return port, target
    return port, target_text


SUBCOMMANDS: dict[str, Callable[[Context, Parsed, list[str]], None]] = {
    "deployment": _deployment, "deploy": _deployment,
    "namespace": _namespace, "ns": _namespace,
    "configmap": _configmap, "cm": _configmap,
    "secret": _secret,
    "service": _service, "svc": _service,
}
