"""Semantic validation: the API server's `ValidateX` functions, run after defaulting.

A request that decodes can still be refused with 422 Invalid: a Deployment whose selector does
not match its template, a container without an image, a Service port out of range, a change to
an immutable field. `validate_create` and `validate_update` return the field errors in the
order Kubernetes reports them; the caller wraps them with `errors.invalid(kind, group, name,
errs)`, which kubectl prints as `The Deployment "web" is invalid: ...`.

Absent optional fields are read as their defaults, so an object can be checked as written.
Pod specs live in `validation_pods`, workload controllers in `validation_workloads`, and the
shared format checks in `validation_fields`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playground.engine.api import resources
from playground.engine.api import validation_fields as v
from playground.engine.api.validation_pods import (
    PROTOCOLS,
    validate_pod_spec,
    validate_pod_template,
)
from playground.engine.api.validation_workloads import (
    validate_cron_job,
    validate_daemon_set,
    validate_deployment,
    validate_job,
    validate_replica_set,
    validate_stateful_set,
    validate_workload_update,
)
from playground.engine.errors import FieldError

Validator = Callable[[dict[str, Any]], list[FieldError]]

# Kinds whose names must be RFC 1123 labels or RFC 1035 labels; every other kind takes an
# RFC 1123 subdomain. (ValidateNamespaceName, ValidateServiceName = NameIsDNS1035Label.)
_NAME_RULES: dict[str, Callable[[str], list[str]]] = {
    "Namespace": v.dns1123_label,
    "Service": v.dns1035_label,
}


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def validate_metadata(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateObjectMeta: name, namespace scope, labels, annotations."""
    metadata = _dict(obj.get("metadata"))
    kind = str(obj.get("kind", ""))
    errors: list[FieldError] = []
    name = metadata.get("name") or ""
    generate_name = metadata.get("generateName") or ""
    name_rule = _NAME_RULES.get(kind, v.dns1123_subdomain)
    if generate_name:
        masked = generate_name[:-2] + "a" if len(generate_name) > 1 \
            and generate_name.endswith("-") else generate_name
        errors += [v.invalid("metadata.generateName", generate_name, msg)
                   for msg in name_rule(masked)]
    if not name:
        errors.append(v.required("metadata.name", "name or generateName is required"))
    else:
        errors += [v.invalid("metadata.name", name, msg) for msg in name_rule(name)]
    served = resources.by_kind(kind)
    namespace = metadata.get("namespace") or ""
    if served is not None and not served.namespaced and namespace:
        errors.append(v.forbidden("metadata.namespace", "not allowed on this type"))
    elif namespace:
        errors += [v.invalid("metadata.namespace", namespace, msg)
                   for msg in v.dns1123_label(namespace)]
    errors += v.validate_labels(metadata.get("labels"), "metadata.labels")
    errors += v.validate_annotations(metadata.get("annotations"), "metadata.annotations")
    return errors


def validate_pod(obj: dict[str, Any]) -> list[FieldError]:
    """ValidatePod."""
    return validate_pod_spec(obj.get("spec"), "spec")


def validate_pod_template_object(obj: dict[str, Any]) -> list[FieldError]:
    """ValidatePodTemplate (the PodTemplate kind)."""
    return validate_pod_template(obj.get("template"), "template")


_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def validate_service(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateService: type, ports, node ports, headless rules, selector."""
    spec = _dict(obj.get("spec"))
    errors: list[FieldError] = []
    service_type = spec.get("type") or "ClusterIP"
    if service_type not in _SERVICE_TYPES:
        return [v.unsupported("spec.type", service_type, _SERVICE_TYPES)]
    cluster_ip = spec.get("clusterIP") or ""
    headless = cluster_ip == "None"
    ports = [port if isinstance(port, dict) else {} for port in spec.get("ports") or []]
    if service_type == "ExternalName":
        if not spec.get("externalName"):
            errors.append(v.required("spec.externalName"))
    elif not ports and not headless:
        errors.append(v.required("spec.ports"))
    if headless and service_type in ("NodePort", "LoadBalancer"):
        errors.append(v.invalid("spec.clusterIPs[0]", "None",
                                f"may not be set to 'None' for {service_type} services"))
    names: set[str] = set()
    for index, port in enumerate(ports):
        at = f"spec.ports[{index}]"
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            errors.append(v.required(f"{at}.name"))
        elif name:
            errors += [v.invalid(f"{at}.name", name, msg) for msg in v.dns1123_label(name)]
            if name in names:
                errors.append(v.duplicate(f"{at}.name", name))
            names.add(name)
        number = port.get("port")
        errors += [v.invalid(f"{at}.port", number if number is not None else 0, msg)
                   for msg in v.port_number(number)]
        protocol = port.get("protocol") or "TCP"
        if protocol not in PROTOCOLS:
            errors.append(v.unsupported(f"{at}.protocol", protocol, PROTOCOLS))
        target = port.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool) and target != 0:
            errors += [v.invalid(f"{at}.targetPort", target, msg)
                       for msg in v.port_number(target)]
        elif isinstance(target, str) and target:
            errors += [v.invalid(f"{at}.targetPort", target, msg) for msg in v.port_name(target)]
        node_port = port.get("nodePort")
        if node_port:
            if service_type == "ClusterIP":
                errors.append(v.forbidden(f"{at}.nodePort",
                                          "may not be used when `type` is 'ClusterIP'"))
            else:
                errors += [v.invalid(f"{at}.nodePort", node_port, msg)
                           for msg in v.port_number(node_port)]
    errors += v.validate_labels(spec.get("selector"), "spec.selector")
    return errors


def _validate_data_keys(obj: dict[str, Any], fields: tuple[str, str]) -> list[FieldError]:
    errors: list[FieldError] = []
    first, second = fields
    first_data, second_data = _dict(obj.get(first)), _dict(obj.get(second))
    for section, data, other, other_name in ((first, first_data, second_data, second),
                                             (second, second_data, first_data, first)):
        for key in sorted(data):
            at = v.key_path(section, key)
            errors += [v.invalid(at, key, msg) for msg in v.config_map_key(str(key))]
            if section == first and key in other:
                errors.append(v.invalid(at, key, f"duplicate of key present in {other_name}"))
    return errors


def validate_config_map(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateConfigMap: keys of data and binaryData."""
    return _validate_data_keys(obj, ("data", "binaryData"))


def validate_secret(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateSecret: keys of data (stringData is merged into data before validation)."""
    data = {**_dict(obj.get("data")), **_dict(obj.get("stringData"))}
    return [v.invalid(v.key_path("data", key), key, msg)
            for key in sorted(data) for msg in v.config_map_key(str(key))]


_VALIDATORS: dict[str, Validator] = {
    "Pod": validate_pod,
    "PodTemplate": validate_pod_template_object,
    "Deployment": validate_deployment,
    "ReplicaSet": validate_replica_set,
    "DaemonSet": validate_daemon_set,
    "StatefulSet": validate_stateful_set,
    "Job": validate_job,
    "CronJob": validate_cron_job,
    "Service": validate_service,
    "ConfigMap": validate_config_map,
    "Secret": validate_secret,
}


def validate_create(obj: dict[str, Any]) -> list[FieldError]:
    """Every field error the API server would give for creating `obj`."""
    errors = validate_metadata(obj)
    validator = _VALIDATORS.get(str(obj.get("kind", "")))
    if validator is not None:
        errors += validator(obj)
    return errors


def validate_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """Every field error for replacing `old` with `new`: the create rules plus immutability."""
    kind = str(new.get("kind", ""))
    new_meta, old_meta = _dict(new.get("metadata")), _dict(old.get("metadata"))
    errors: list[FieldError] = []
    for field_name in ("name", "namespace"):
        if (new_meta.get(field_name) or "") != (old_meta.get(field_name) or ""):
            errors.append(v.invalid(f"metadata.{field_name}", new_meta.get(field_name) or "",
                                    v.IMMUTABLE))
    errors += validate_metadata(new)
    if kind == "Pod":
        errors += validate_pod(new)
        errors += _validate_pod_update(_dict(new.get("spec")), _dict(old.get("spec")))
        return errors
    validator = _VALIDATORS.get(kind)
    if validator is not None:
        errors += validator(new)
    errors += validate_workload_update(new, old)
    if kind == "Service":
        errors += _validate_service_update(new, old)
    if kind in ("ConfigMap", "Secret"):
        errors += _validate_immutable_data(new, old, kind)
    return errors


def _validate_service_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    new_ip = _dict(new.get("spec")).get("clusterIP") or ""
    old_ip = _dict(old.get("spec")).get("clusterIP") or ""
    if new_ip and old_ip and new_ip != old_ip:
        return [v.invalid("spec.clusterIP", new_ip, v.IMMUTABLE)]
    return []


_IMMUTABLE_SET = "field is immutable when `immutable` is set"


def _validate_immutable_data(new: dict[str, Any], old: dict[str, Any],
                             kind: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if kind == "Secret" and (new.get("type") or "Opaque") != (old.get("type") or "Opaque"):
        errors.append(v.invalid("type", new.get("type") or "Opaque", v.IMMUTABLE))
    if not old.get("immutable"):
        return errors
    if not new.get("immutable"):
        errors.append(v.forbidden("immutable", _IMMUTABLE_SET))
    sections = ("data", "binaryData") if kind == "ConfigMap" else ("data",)
    for section in sections:
        if (new.get(section) or {}) != (old.get(section) or {}):
            errors.append(v.forbidden(section, _IMMUTABLE_SET))
    return errors


POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)")


def _validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """ValidatePodUpdate: only images, activeDeadlineSeconds (downwards), added tolerations
    and a negative grace period raised to 1 may change; anything else is refused with a diff."""
    errors: list[FieldError] = []
    munged = json.loads(json.dumps(new))
    for section in ("containers", "initContainers"):
        new_list, old_list = munged.get(section) or [], old.get(section) or []
        if len(new_list) != len(old_list):
            continue
        for new_container, old_container in zip(new_list, old_list, strict=True):
            if isinstance(new_container, dict) and isinstance(old_container, dict) \
                    and "image" in old_container:
                new_container["image"] = old_container["image"]
    new_deadline, old_deadline = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if new_deadline is None and old_deadline is not None:
        errors.append(v.invalid("spec.activeDeadlineSeconds", None,
                                "must not update from a positive integer to nil value"))
    elif isinstance(new_deadline, int) and isinstance(old_deadline, int) \
            and new_deadline > old_deadline:
        errors.append(v.invalid("spec.activeDeadlineSeconds", new_deadline,
                                "must be less than or equal to previous value"))
    munged.pop("activeDeadlineSeconds", None)
    if old_deadline is not None:
        munged["activeDeadlineSeconds"] = old_deadline
    old_grace = old.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and munged.get(
            "terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    old_tolerations = old.get("tolerations") or []
    new_tolerations = new.get("tolerations") or []
    missing = [toleration for toleration in old_tolerations if toleration not in new_tolerations]
    if missing:
        errors.append(v.forbidden("spec.tolerations", "existing toleration can not be modified "
                                                      "except its tolerationSeconds"))
    if "tolerations" in old:
        munged["tolerations"] = old["tolerations"]
    else:
        munged.pop("tolerations", None)
    if munged != old:
        errors.append(v.forbidden("spec", POD_UPDATE_FORBIDDEN + "\n" + spec_diff(munged, old)))
    return errors


def spec_diff(new: object, old: object) -> str:
    """A readable diff of two pod specs in the spirit of go-cmp: `-` old, `+` new lines."""
    lines = ["  core.PodSpec{"]
    _diff_into(lines, new, old, "  \t")
    lines.append("  }")
    return "\n".join(lines)


def _diff_into(lines: list[str], new: object, old: object, indent: str) -> None:
    if isinstance(new, dict) and isinstance(old, dict):
        for key in sorted(set(new) | set(old)):
            if new.get(key) == old.get(key):
                continue
            if key in new and key in old and isinstance(new[key], (dict, list)) \
                    and type(new[key]) is type(old[key]):
                lines.append(f" {indent}{key}: {{")
                _diff_into(lines, new[key], old[key], indent + "\t")
                lines.append(f" {indent}}},")
                continue
            if key in old:
                lines.append(f"-{indent}{key}: {_compact(old[key])},")
            if key in new:
                lines.append(f"+{indent}{key}: {_compact(new[key])},")
        return
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        for index, (new_item, old_item) in enumerate(zip(new, old, strict=True)):
            if new_item != old_item:
                lines.append(f" {indent}[{index}]: {{")
                _diff_into(lines, new_item, old_item, indent + "\t")
                lines.append(f" {indent}}},")
        return
    lines.append(f"-{indent}{_compact(old)},")
    lines.append(f"+{indent}{_compact(new)},")


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
