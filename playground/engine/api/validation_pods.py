"""Validation of pod specs, shared by Pods and every pod template (Deployment, ReplicaSet,
StatefulSet, DaemonSet, Job, CronJob).

Mirrors `ValidatePodSpec` of `pkg/apis/core/validation` for the fields a learner writes:
containers, ports, resources, env, probes, volumes and mounts, restart policy. Fields the
defaulting step would fill are treated as their defaults when absent.
"""

from __future__ import annotations

from typing import Any

from playground.engine.api import validation_fields as v
from playground.engine.api.quantity import QuantityError, parse_quantity
from playground.engine.errors import FieldError

RESTART_POLICIES = ("Always", "OnFailure", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_STANDARD_RESOURCES = {"cpu", "memory", "ephemeral-storage", "storage"}
_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image",
)


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item if isinstance(item, dict) else {} for item in value] \
        if isinstance(value, list) else []


def validate_pod_spec(spec: object, path: str,
                      extra_volumes: tuple[str, ...] = ()) -> list[FieldError]:
    """ValidatePodSpec for `spec` at `path` (`spec`, `spec.template.spec`, ...).

    `extra_volumes` are names that count as volumes without being listed (a StatefulSet's
    volumeClaimTemplates)."""
    if not isinstance(spec, dict):
        return [v.required(path)]
    errors: list[FieldError] = []
    volumes, volume_errors = _validate_volumes(spec.get("volumes"), f"{path}.volumes")
    errors += volume_errors
    volumes |= set(extra_volumes)
    init = _dicts(spec.get("initContainers"))
    containers = _dicts(spec.get("containers"))
    names: set[str] = set()
    errors += _validate_containers(init, f"{path}.initContainers", volumes, names)
    if not containers:
        errors.append(v.required(f"{path}.containers"))
    errors += _validate_containers(containers, f"{path}.containers", volumes, names)
    policy = spec.get("restartPolicy") or "Always"
    if policy not in RESTART_POLICIES:
        errors.append(v.unsupported(f"{path}.restartPolicy", policy, RESTART_POLICIES))
    errors += v.validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    for name_field in ("serviceAccountName", "nodeName", "priorityClassName"):
        value = spec.get(name_field)
        if isinstance(value, str) and value:
            errors += [v.invalid(f"{path}.{name_field}", value, msg)
                       for msg in v.dns1123_subdomain(value)]
    for label_field in ("hostname", "subdomain"):
        value = spec.get(label_field)
        if isinstance(value, str) and value:
            errors += [v.invalid(f"{path}.{label_field}", value, msg)
                       for msg in v.dns1123_label(value)]
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= 2**31 - 1:
        errors.append(v.invalid(f"{path}.activeDeadlineSeconds", deadline,
                                v.inclusive_range_error(1, 2**31 - 1)))
    errors += v.nonnegative(spec.get("terminationGracePeriodSeconds"),
                            f"{path}.terminationGracePeriodSeconds")
    errors += _validate_tolerations(spec.get("tolerations"), f"{path}.tolerations")
    return errors


def _validate_volumes(volumes: object, path: str) -> tuple[set[str], list[FieldError]]:
    names: set[str] = set()
    errors: list[FieldError] = []
    for index, volume in enumerate(_dicts(volumes)):
        at = f"{path}[{index}]"
        name = volume.get("name") or ""
        if not name:
            errors.append(v.required(f"{at}.name"))
        else:
            errors += [v.invalid(f"{at}.name", name, msg) for msg in v.dns1123_label(name)]
            if name in names:
                errors.append(v.duplicate(f"{at}.name", name))
            names.add(name)
        sources = [key for key in _VOLUME_SOURCES if volume.get(key) is not None]
        if not sources:
            errors.append(v.required(at, "must specify a volume type"))
        for extra in sources[1:]:
            errors.append(v.forbidden(f"{at}.{extra}", "may not specify more than 1 volume type"))
    return names, errors


def _validate_containers(containers: list[dict[str, Any]], path: str, volumes: set[str],
                         names: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, container in enumerate(containers):
        at = f"{path}[{index}]"
        name = container.get("name") or ""
        if not name:
            errors.append(v.required(f"{at}.name"))
        else:
            errors += [v.invalid(f"{at}.name", name, msg) for msg in v.dns1123_label(name)]
            if name in names:
                errors.append(v.duplicate(f"{at}.name", name))
            names.add(name)
        if not container.get("image"):
            errors.append(v.required(f"{at}.image"))
        pull = container.get("imagePullPolicy")
        if pull and pull not in PULL_POLICIES:
            errors.append(v.unsupported(f"{at}.imagePullPolicy", pull, PULL_POLICIES))
        errors += _validate_ports(container.get("ports"), f"{at}.ports")
        errors += _validate_env(container.get("env"), f"{at}.env")
        errors += _validate_mounts(container.get("volumeMounts"), f"{at}.volumeMounts", volumes)
        errors += _validate_resources(container.get("resources"), f"{at}.resources")
        for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
            probe = container.get(probe_name)
            if isinstance(probe, dict):
                errors += _validate_probe(probe, f"{at}.{probe_name}",
                                          probe_name != "readinessProbe")
    return errors


def _validate_ports(ports: object, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    names: set[str] = set()
    for index, port in enumerate(_dicts(ports)):
        at = f"{path}[{index}]"
        name = port.get("name")
        if name:
            messages = v.port_name(name)
            errors += [v.invalid(f"{at}.name", name, msg) for msg in messages]
            if not messages and name in names:
                errors.append(v.duplicate(f"{at}.name", name))
            names.add(name)
        number = port.get("containerPort")
        if not number:
            errors.append(v.required(f"{at}.containerPort"))
        else:
            errors += [v.invalid(f"{at}.containerPort", number, msg)
                       for msg in v.port_number(number)]
        host_port = port.get("hostPort")
        if host_port:
            errors += [v.invalid(f"{at}.hostPort", host_port, msg)
                       for msg in v.port_number(host_port)]
        protocol = port.get("protocol") or "TCP"
        if protocol not in PROTOCOLS:
            errors.append(v.unsupported(f"{at}.protocol", protocol, PROTOCOLS))
    return errors


def _validate_env(env: object, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, variable in enumerate(_dicts(env)):
        at = f"{path}[{index}].name"
        name = variable.get("name") or ""
        if not name:
            errors.append(v.required(at))
        else:
            errors += [v.invalid(at, name, msg) for msg in v.env_var_name(name)]
    return errors


def _validate_mounts(mounts: object, path: str, volumes: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    paths: set[str] = set()
    for index, mount in enumerate(_dicts(mounts)):
        at = f"{path}[{index}]"
        name = mount.get("name") or ""
        if not name:
            errors.append(v.required(f"{at}.name"))
        elif name not in volumes:
            errors.append(v.not_found(f"{at}.name", name))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            errors.append(v.required(f"{at}.mountPath"))
        elif mount_path in paths:
            errors.append(v.invalid(f"{at}.mountPath", mount_path, "must be unique"))
        paths.add(mount_path)
    return errors


def _canonical(quantity: object) -> str:
    """A quantity as Go's `Quantity.String()` prints a parsed value: `500m`, `1`, `128Mi`."""
    try:
        value = parse_quantity(quantity)  # type: ignore[arg-type]
    except QuantityError:
        return str(quantity)
    text = str(quantity)
    if isinstance(quantity, str) and text[-2:] in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"):
        return text
    if value.denominator == 1:
        return str(value.numerator)
    millis = value * 1000
    if millis.denominator == 1:
        return f"{millis.numerator}m"
    return text


def _validate_resources(resources: object, path: str) -> list[FieldError]:
    if not isinstance(resources, dict):
        return []
    errors: list[FieldError] = []
    parsed: dict[str, dict[str, Any]] = {"limits": {}, "requests": {}}
    for section in ("limits", "requests"):
        amounts = resources.get(section)
        if not isinstance(amounts, dict):
            continue
        for name in sorted(amounts):
            at = v.key_path(f"{path}.{section}", name)
            if name not in _STANDARD_RESOURCES and "/" not in name \
                    and not name.startswith("hugepages-"):
                errors.append(v.invalid(at, name, "must be a standard resource type or fully "
                                                  "qualified"))
                continue
            try:
                amount = parse_quantity(amounts[name])
            except QuantityError:
                continue
            if amount < 0:
                errors.append(v.invalid(at, _canonical(amounts[name]), v.NEGATIVE))
                continue
            parsed[section][name] = (amount, amounts[name])
    for name in sorted(parsed["requests"]):
        request, raw_request = parsed["requests"][name]
        if name in parsed["limits"]:
            limit, raw_limit = parsed["limits"][name]
            if request > limit:
                errors.append(v.invalid(
                    v.key_path(f"{path}.requests", name), _canonical(raw_request),
                    f"must be less than or equal to {name} limit of {_canonical(raw_limit)}"))
    return errors


_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _validate_probe(probe: dict[str, Any], path: str, single_success: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    handlers = [key for key in _PROBE_HANDLERS if probe.get(key) is not None]
    if not handlers:
        errors.append(v.required(path, "must specify a handler type"))
    for extra in handlers[1:]:
        errors.append(v.forbidden(f"{path}.{extra}", "may not specify more than 1 handler type"))
    for number in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                   "successThreshold", "failureThreshold"):
        errors += v.nonnegative(probe.get(number), f"{path}.{number}")
    success = probe.get("successThreshold")
    if single_success and isinstance(success, int) and success not in (0, 1):
        errors.append(v.invalid(f"{path}.successThreshold", success, "must be 1"))
    for handler in ("httpGet", "tcpSocket"):
        action = probe.get(handler)
        if isinstance(action, dict):
            errors += _port_num_or_name(action.get("port"), f"{path}.{handler}.port")
    return errors


def _port_num_or_name(port: object, path: str) -> list[FieldError]:
    if isinstance(port, int) and not isinstance(port, bool):
        return [v.invalid(path, port, msg) for msg in v.port_number(port)]
    if isinstance(port, str):
        if not port:
            return [v.required(path)]
        return [v.invalid(path, port, msg) for msg in v.port_name(port)]
    return [v.required(path)] if port is None else []


_TOLERATION_OPERATORS = ("Equal", "Exists")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _validate_tolerations(tolerations: object, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, toleration in enumerate(_dicts(tolerations)):
        at = f"{path}[{index}]"
        key = toleration.get("key") or ""
        operator = toleration.get("operator") or ""
        if key:
            errors += [v.invalid(f"{at}.key", key, msg) for msg in v.qualified_name(key)]
        if not key and operator != "Exists":
            errors.append(v.invalid(f"{at}.operator", operator,
                                    "operator must be Exists when `key` is empty, which means "
                                    '"match all values and all keys"'))
        effect = toleration.get("effect") or ""
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.append(v.invalid(f"{at}.effect", effect,
                                    "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if operator in ("Equal", ""):
            value = toleration.get("value") or ""
            messages = v.label_value(str(value))
            if messages:
                errors.append(v.invalid(f"{at}.operator", value, ";".join(messages)))
        elif operator == "Exists":
            if toleration.get("value"):
                errors.append(v.invalid(f"{at}.operator", toleration,
                                        "value must be empty when `operator` is 'Exists'"))
        else:
            errors.append(v.unsupported(f"{at}.operator", operator, _TOLERATION_OPERATORS))
        if effect and effect not in _TAINT_EFFECTS:
            errors.append(v.unsupported(f"{at}.effect", effect, _TAINT_EFFECTS))
    return errors


def validate_pod_template(template: object, path: str,
                          extra_volumes: tuple[str, ...] = ()) -> list[FieldError]:
    """ValidatePodTemplateSpec: template labels and annotations, then the pod spec."""
    if not isinstance(template, dict):
        return [v.required(path)]
    metadata = template.get("metadata") if isinstance(template.get("metadata"), dict) else {}
    errors = v.validate_labels(metadata.get("labels"), f"{path}.labels")
    errors += v.validate_annotations(metadata.get("annotations"), f"{path}.annotations")
    errors += validate_pod_spec(template.get("spec"), f"{path}.spec", extra_volumes)
    return errors
