"""Strict decoding: what the API server says about a manifest before it even looks at it.

kubectl 1.37 sends every write with server-side field validation `Strict`, so the API server
decodes the JSON body into its Go types and refuses the request (400 BadRequest) when a field is
unknown or a value has the wrong JSON type. This module reproduces that decoder's verdict from
the published OpenAPI schema, including the exact Go wording learners will search for:

- unknown fields, `unknown field "spec.template.spec.containers[0].imagePullPolcy"`, collected
  all together (kubectl serialises maps with sorted keys, so they come out in that order);
- type mismatches, `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas
  of type int32`: only the first, and it hides any unknown fields;
- errors of the custom decoders of quantities, int-or-strings and timestamps, which stop the
  decoder at once (`quantities must match the regular expression ...`).

Schemas are compiled once into small decoder nodes and cached, because this runs on every write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playground.engine.api import schemas

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

_MAX_UNKNOWN = 100
"""The decoder stops collecting unknown fields after this many."""

# Go names of fields whose type is a named Go type the OpenAPI schema does not name
# (`restartPolicy` is a `v1.RestartPolicy`, not a plain string). Read from k8s.io/api types.
_NAMED_TYPES_TABLE = """
[]types.UID: UncountedTerminatedPods.failed UncountedTerminatedPods.succeeded
[]v1.Capability: Capabilities.add Capabilities.drop
[]v1.FinalizerName: NamespaceSpec.finalizers
[]v1.IPFamily: ServiceSpec.ipFamilies
[]v1.PersistentVolumeAccessMode: PersistentVolumeClaimSpec.accessModes
    PersistentVolumeClaimStatus.accessModes PersistentVolumeSpec.accessModes
[]v1.PolicyType: NetworkPolicySpec.policyTypes
[]v1.ResourceQuotaScope: ResourceQuotaSpec.scopes
[]v1.UniqueVolumeName: NodeStatus.volumesInUse
map[string]v1.Time: PodDisruptionBudgetStatus.disruptedPods
map[v1.ResourceName]v1.ClaimResourceStatus: PersistentVolumeClaimStatus.allocatedResourceStatuse
    s
types.UID: ConfigMapNodeConfigSource.uid ObjectMeta.uid ObjectReference.uid OwnerReference.uid
    Preconditions.uid StatusDetails.uid
v1.AddressType: EndpointSlice.addressType
v1.AppArmorProfileType: AppArmorProfile.type
v1.AzureDataDiskCachingMode: AzureDiskVolumeSource.cachingMode
v1.AzureDataDiskKind: AzureDiskVolumeSource.kind
v1.CompletionMode: JobSpec.completionMode
v1.ComponentConditionType: ComponentCondition.type
v1.ConcurrencyPolicy: CronJobSpec.concurrencyPolicy
v1.ContainerRestartPolicy: Container.restartPolicy EphemeralContainer.restartPolicy
v1.ContainerRestartRuleAction: ContainerRestartRule.action
v1.ContainerRestartRuleOnExitCodesOperator: ContainerRestartRuleOnExitCodes.operator
v1.CoordinatedLeaseStrategy: LeaseSpec.strategy
v1.DNSPolicy: PodSpec.dnsPolicy
v1.DaemonSetConditionType: DaemonSetCondition.type
v1.DaemonSetUpdateStrategyType: DaemonSetUpdateStrategy.type
v1.DeploymentConditionType: DeploymentCondition.type
v1.DeploymentStrategyType: DeploymentStrategy.type
v1.FieldsV1: ManagedFieldsEntry.fieldsV1
v1.GRPCProbeMode: GRPCAction.mode
v1.HTTPProtocol: HTTPGetAction.protocol
v1.HostPathType: HostPathVolumeSource.type
v1.IPFamilyPolicy: ServiceSpec.ipFamilyPolicy
v1.JobConditionType: JobCondition.type
v1.LabelSelectorOperator: LabelSelectorRequirement.operator
v1.LimitType: LimitRangeItem.type
v1.LoadBalancerIPMode: LoadBalancerIngress.ipMode
v1.ManagedFieldsOperationType: ManagedFieldsEntry.operation
v1.MountPropagationMode: VolumeMount.mountPropagation
v1.NamespaceConditionType: NamespaceCondition.type
v1.NamespacePhase: NamespaceStatus.phase
v1.NodeAddressType: NodeAddress.type
v1.NodeConditionType: NodeCondition.type
v1.NodeInclusionPolicy: TopologySpreadConstraint.nodeAffinityPolicy
    TopologySpreadConstraint.nodeTaintsPolicy
v1.NodePhase: NodeStatus.phase
v1.NodeSelectorOperator: NodeSelectorRequirement.operator
v1.OSName: PodOS.name
v1.PathType: HTTPIngressPath.pathType
v1.PersistentVolumeAccessMode: StorageHealthCondition.accessMode
v1.PersistentVolumeClaimConditionType: PersistentVolumeClaimCondition.type
v1.PersistentVolumeClaimModifyVolumeStatus: ModifyVolumeStatus.status
v1.PersistentVolumeClaimPhase: PersistentVolumeClaimStatus.phase
v1.PersistentVolumeClaimRetentionPolicyType: StatefulSetPersistentVolumeClaimRetentionPolicy.whe
    nDeleted StatefulSetPersistentVolumeClaimRetentionPolicy.whenScaled
v1.PersistentVolumeMode: PersistentVolumeClaimSpec.volumeMode PersistentVolumeSpec.volumeMode
    StorageHealthCondition.volumeMode
v1.PersistentVolumePhase: PersistentVolumeStatus.phase
v1.PersistentVolumeReclaimPolicy: PersistentVolumeSpec.persistentVolumeReclaimPolicy
    StorageClass.reclaimPolicy
v1.PodConditionType: PodCondition.type PodFailurePolicyOnPodConditionsPattern.type
    PodReadinessGate.conditionType
v1.PodFSGroupChangePolicy: PodSecurityContext.fsGroupChangePolicy
v1.PodFailurePolicyAction: PodFailurePolicyRule.action
v1.PodFailurePolicyOnExitCodesOperator: PodFailurePolicyOnExitCodesRequirement.operator
v1.PodManagementPolicyType: StatefulSetSpec.podManagementPolicy
v1.PodPhase: PodStatus.phase
v1.PodQOSClass: PodStatus.qosClass
v1.PodReplacementPolicy: JobSpec.podReplacementPolicy
v1.PodResizeStatus: PodStatus.resize
v1.PodSELinuxChangePolicy: PodSecurityContext.seLinuxChangePolicy
v1.PreemptionPolicy: PodSpec.preemptionPolicy PriorityClass.preemptionPolicy
v1.ProcMountType: SecurityContext.procMount
v1.Protocol: ContainerPort.protocol EndpointPort.protocol IngressPortStatus.protocol
    NetworkPolicyPort.protocol PortStatus.protocol ServicePort.protocol
v1.PullPolicy: Container.imagePullPolicy EphemeralContainer.imagePullPolicy
    ImageVolumeSource.pullPolicy
v1.RecursiveReadOnlyMode: VolumeMount.recursiveReadOnly VolumeMountStatus.recursiveReadOnly
v1.ReplicaSetConditionType: ReplicaSetCondition.type
v1.ReplicationControllerConditionType: ReplicationControllerCondition.type
v1.ResourceHealthStatus: ResourceHealth.health
v1.ResourceID: ResourceHealth.resourceID
v1.ResourceList: ContainerStatus.allocatedResources LimitRangeItem.default
    LimitRangeItem.defaultRequest LimitRangeItem.max LimitRangeItem.maxLimitRequestRatio
    LimitRangeItem.min NodeStatus.allocatable NodeStatus.capacity
    PersistentVolumeClaimStatus.allocatedResources PersistentVolumeClaimStatus.capacity
    PersistentVolumeSpec.capacity PodSpec.overhead PodStatus.allocatedResources
    ResourceQuotaSpec.hard ResourceQuotaStatus.hard ResourceQuotaStatus.used
    ResourceRequirements.limits ResourceRequirements.requests VolumeResourceRequirements.limits
    VolumeResourceRequirements.requests
v1.ResourceName: ContainerResizePolicy.resourceName ContainerResourceMetricSource.name
    ContainerResourceMetricStatus.name NodeAllocatableMappedResources.name
    NodeAllocatableOverheadResources.name ResourceMetricSource.name ResourceMetricStatus.name
    ResourceStatus.name
v1.ResourceQuotaScope: ScopedResourceSelectorRequirement.scopeName
v1.ResourceResizeRestartPolicy: ContainerResizePolicy.restartPolicy
v1.ResourceVersionMatch: ListOptions.resourceVersionMatch
v1.RestartPolicy: PodSpec.restartPolicy
v1.ScopeSelectorOperator: ScopedResourceSelectorRequirement.operator
v1.SeccompProfileType: SeccompProfile.type
v1.SecretType: Secret.type
v1.ServiceAffinity: ServiceSpec.sessionAffinity
v1.ServiceExternalTrafficPolicy: ServiceSpec.externalTrafficPolicy
v1.ServiceInternalTrafficPolicy: ServiceSpec.internalTrafficPolicy
v1.ServiceType: ServiceSpec.type
v1.Signal: ContainerStatus.stopSignal Lifecycle.stopSignal
v1.StatefulSetConditionType: StatefulSetCondition.type
v1.StatefulSetUpdateStrategyType: StatefulSetUpdateStrategy.type
v1.StatusReason: Status.reason
v1.StorageHealthStatusType: StorageHealthCondition.status
v1.StorageMedium: EmptyDirVolumeSource.medium
v1.SupplementalGroupsPolicy: PodSecurityContext.supplementalGroupsPolicy
v1.TaintEffect: Taint.effect Toleration.effect
v1.TerminationMessagePolicy: Container.terminationMessagePolicy
    EphemeralContainer.terminationMessagePolicy
v1.TolerationOperator: Toleration.operator
v1.URIScheme: HTTPGetAction.scheme
v1.UnhealthyPodEvictionPolicyType: PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy
v1.UniqueVolumeName: AttachedVolume.name
v1.UnsatisfiableConstraintAction: TopologySpreadConstraint.whenUnsatisfiable
v1.Verbs: APIResource.verbs
v1.VolumeBindingMode: StorageClass.volumeBindingMode
v1.VolumeHealthStatusType: VolumeHealthCondition.status
v2.HPAScalingPolicyType: HPAScalingPolicy.type
v2.HorizontalPodAutoscalerConditionType: HorizontalPodAutoscalerCondition.type
v2.MetricSourceType: MetricSpec.type MetricStatus.type
v2.MetricTargetType: MetricTarget.type
v2.ScalingPolicySelect: HPAScalingRules.selectPolicy
"""


def _named_types() -> dict[str, str]:
    table: dict[str, str] = {}
    go_type = ""
    for line in _NAMED_TYPES_TABLE.strip().splitlines():
        if not line.startswith(" "):
            go_type, _, line = line.partition(": ")
        for struct_field in line.split():
            table[struct_field] = go_type
    return table


_NAMED_TYPES = _named_types()

# Decoder node kinds
_STRUCT, _MAP, _LIST, _STRING, _BOOL, _INT, _FLOAT, _BYTES = range(8)
_ANY, _INT_OR_STRING, _QUANTITY, _TIME = range(8, 12)

_SPECIAL_DEFINITIONS = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": (_INT_OR_STRING, "intstr.IntOrString"),
    "io.k8s.apimachinery.pkg.api.resource.Quantity": (_QUANTITY, "resource.Quantity"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": (_TIME, "v1.Time"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": (_TIME, "v1.MicroTime"),
    "io.k8s.apimachinery.pkg.runtime.RawExtension": (_ANY, "runtime.RawExtension"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": (_ANY, "v1.FieldsV1"),
}


@dataclass(eq=False)
class _Node:
    """One Go type the decoder can fill: a struct, map, slice or scalar."""

    kind: int
    go_type: str
    struct: str = ""
    """The Go struct name (`DeploymentSpec`) for struct nodes."""
    properties: dict[str, Any] = field(default_factory=dict)
    elem_schema: Any = None
    bits: str = ""
    _fields: dict[str, _Node | None] = field(default_factory=dict)
    _elem: _Node | None = None

    def field(self, key: str) -> _Node | None:
        """The node of struct field `key`, or None when the struct has no such field."""
        try:
            return self._fields[key]
        except KeyError:
            pass
        raw = self.properties.get(key)
        node = None if raw is None else _compile(raw, _NAMED_TYPES.get(f"{self.struct}.{key}"))
        self._fields[key] = node
        return node

    def elem(self) -> _Node:
        """The node of a slice's or map's elements."""
        if self._elem is None:
            self._elem = _compile(self.elem_schema or {})
        return self._elem


_BY_DEFINITION: dict[str, _Node] = {}
_BY_ID: dict[int, tuple[Any, _Node]] = {}


def _compile(schema: Any, named: str | None = None) -> _Node:
    """The decoder node of a schema (cached; `named` overrides the printed Go type)."""
    if named is not None:
        base = _compile(schema)
        if base.kind in (_STRUCT, _ANY, _INT_OR_STRING, _QUANTITY, _TIME):
            return base
        return _Node(base.kind, named, base.struct, base.properties, base.elem_schema, base.bits)
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        node = _BY_DEFINITION.get(name)
        if node is None:
            node = _compile_definition(name)
            _BY_DEFINITION[name] = node
        return node
    cached = _BY_ID.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    node = _compile_inline(schema, "")
    _BY_ID[id(schema)] = (schema, node)
    return node


def _compile_definition(name: str) -> _Node:
    special = _SPECIAL_DEFINITIONS.get(name)
    if special is not None:
        return _Node(special[0], special[1])
    return _compile_inline(schemas.resolve({"$ref": name}), name)


def _compile_inline(schema: dict[str, Any], definition: str) -> _Node:
    props = schema.get("properties")
    types = schemas.types_of(schema) if ("type" in schema or "oneOf" in schema) else set()
    if props is not None:
        short = definition.rsplit(".", 1)[-1] if definition else ""
        package = definition.rsplit(".", 2)[-2] if definition.count(".") >= 2 else ""
        go_type = f"{package}.{short}" if package else "struct"
        return _Node(_STRUCT, go_type, struct=short, properties=props)
    if "array" in types:
        elem = _compile(schema.get("items", {}))
        return _Node(_LIST, "[]" + elem.go_type, elem_schema=schema.get("items", {}))
    extra = schema.get("additionalProperties")
    if "object" in types and isinstance(extra, dict):
        elem = _compile(extra)
        return _Node(_MAP, "map[string]" + elem.go_type, elem_schema=extra)
    if types == {"string"}:
        if schema.get("format") == "byte":
            return _Node(_BYTES, "[]uint8")
        return _Node(_STRING, "string")
    if types == {"integer"}:
        bits = schema.get("format") if schema.get("format") in _INT_RANGES else "int64"
        return _Node(_INT, bits, bits=bits)
    if types == {"number"}:
        return _Node(_FLOAT, "float64")
    if types == {"boolean"}:
        return _Node(_BOOL, "bool")
    return _Node(_ANY, "interface {}")


class _Fatal(Exception):
    """A custom Go decoder (quantity, int-or-string, time) refused a value: decoding stops."""


def _json_word(value: object) -> str:
    """How Go's decoder names a JSON value in `cannot unmarshal <word>`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, (int, float)):
        return "number"
    return "object"


def _number_text(value: float) -> str:
    """The number as kubectl's JSON body carries it."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text and abs(value) < 1e21:
            text = format(value, "f").rstrip("0").rstrip(".")
        return text
    return str(value)


def _as_int(value: object, bits: str) -> tuple[bool, str]:
    """(fits, text) for a JSON number decoded into a Go integer of `bits`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False, _json_word(value)
    text = _number_text(value)
    if isinstance(value, float) and not value.is_integer():
        return False, f"number {text}"
    low, high = _INT_RANGES[bits]
    if not low <= int(value) <= high:
        return False, f"number {text}"
    return True, text


_QUANTITY_REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_QUANTITY_FORMAT_WRONG = f"quantities must match the regular expression '{_QUANTITY_REGEX}'"
_QUANTITY_SHAPE = re.compile(r"([+-]?)([0-9]*)(\.[0-9]*)?([eEinumkKMGTP]*)([-+]?[0-9]*)")
_QUANTITY_SUFFIXES = {"", "n", "u", "m", "k", "M", "G", "T", "P", "E",
                      "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}


def quantity_error(text: str) -> str | None:
    """What Go's `resource.ParseQuantity` says about `text`, or None when it parses."""
    if text == "":
        return _QUANTITY_FORMAT_WRONG
    match = _QUANTITY_SHAPE.fullmatch(text)
    if match is None:
        return _QUANTITY_FORMAT_WRONG
    letters, exponent = match.group(4), match.group(5)
    suffix = letters + exponent
    if suffix not in _QUANTITY_SUFFIXES and not re.fullmatch(r"[eE][-+]?[0-9]+", suffix):
        return "unable to parse quantity's suffix"
    return None


def _base64_error(text: str) -> str | None:
    """Go's StdEncoding verdict on `text` (newlines are ignored, padding is required)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    position = 0
    seen = 0
    padding = 0
    for position, char in enumerate(text):
        if char in "\r\n":
            continue
        if char == "=":
            if seen % 4 < 2:
                return f"illegal base64 data at input byte {position}"
            padding += 1
            seen += 1
            continue
        if char not in alphabet or padding:
            return f"illegal base64 data at input byte {position}"
        seen += 1
    if seen % 4:
        return f"illegal base64 data at input byte {max(len(text) - seen % 4, 0)}"
    return None


_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


class _Decoder:
    """One decoding pass: the first type error and every unknown field, in decoding order."""

    __slots__ = ("first_error", "seen", "unknown")

    def __init__(self) -> None:
        self.unknown: list[str] = []
        self.seen: set[str] = set()
        self.first_error: str | None = None

    def type_error(self, word: str, node: _Node, struct: str, fields: str) -> None:
        if self.first_error is not None:
            return
        if struct or fields:
            self.first_error = (f"json: cannot unmarshal {word} into Go struct field "
                                f"{struct}.{fields} of type {node.go_type}")
        else:
            self.first_error = f"json: cannot unmarshal {word} into Go value of type {node.go_type}"

    def walk(self, node: _Node, value: object, path: str, struct: str, fields: str) -> None:
        if value is None:
            return
        kind = node.kind
        if kind == _STRUCT:
            if not isinstance(value, dict):
                self.type_error(_json_word(value), node, struct, fields)
                return
            for key in sorted(value):
                key_path = f"{path}.{key}" if path else key
                child = node.field(key) if isinstance(key, str) else None
                if child is None:
                    if len(self.unknown) < _MAX_UNKNOWN and key_path not in self.seen:
                        self.seen.add(key_path)
                        self.unknown.append(f"unknown field {_go_quote(key_path)}")
                    continue
                self.walk(child, value[key], key_path, node.struct,
                          f"{fields}.{key}" if fields else key)
        elif kind == _MAP:
            if not isinstance(value, dict):
                self.type_error(_json_word(value), node, struct, fields)
                return
            elem = node.elem()
            for key in sorted(value, key=str):
                self.walk(elem, value[key], f"{path}.{key}", struct, fields)
        elif kind == _LIST:
            if not isinstance(value, list):
                self.type_error(_json_word(value), node, struct, fields)
                return
            elem = node.elem()
            for index, item in enumerate(value):
                self.walk(elem, item, f"{path}[{index}]", struct, fields)
        elif kind == _STRING:
            if not isinstance(value, str):
                self.type_error(_json_word(value), node, struct, fields)
        elif kind == _INT:
            fits, word = _as_int(value, node.bits)
            if not fits:
                self.type_error(word, node, struct, fields)
        elif kind == _BOOL:
            if not isinstance(value, bool):
                self.type_error(_json_word(value), node, struct, fields)
        elif kind == _FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.type_error(_json_word(value), node, struct, fields)
        elif kind == _BYTES:
            self._bytes(node, value, struct, fields)
        elif kind == _INT_OR_STRING:
            if not isinstance(value, str):
                fits, word = _as_int(value, "int32")
                if not fits:
                    raise _Fatal(f"json: cannot unmarshal {word} into Go value of type int32")
        elif kind == _QUANTITY:
            self._quantity(value)
        elif kind == _TIME:
            self._time(value)

    def _bytes(self, node: _Node, value: object, struct: str, fields: str) -> None:
        if isinstance(value, str):
            problem = _base64_error(value)
            if problem is not None and self.first_error is None:
                self.first_error = problem
        elif isinstance(value, list):
            for item in value:
                fits, word = _as_int(item, "int32")
                if not fits or not 0 <= int(item) <= 255:  # type: ignore[call-overload]
                    self.type_error(word if not fits else f"number {word}",
                                    _Node(_INT, "uint8"), struct, fields)
        else:
            self.type_error(_json_word(value), node, struct, fields)

    @staticmethod
    def _quantity(value: object) -> None:
        if isinstance(value, (bool, dict, list)):
            raise _Fatal(_QUANTITY_FORMAT_WRONG)
        if isinstance(value, str):
            problem = quantity_error(value.strip())
            if problem is not None:
                raise _Fatal(problem)

    @staticmethod
    def _time(value: object) -> None:
        if not isinstance(value, str):
            raise _Fatal(f"json: cannot unmarshal {_json_word(value)} into Go value of type string")
        if _RFC3339.fullmatch(value) is None:
            raise _Fatal(f'parsing time {_go_quote(value)} as "2006-01-02T15:04:05Z07:00": '
                         f'cannot parse {_go_quote(value)} as "2006"')


def _go_quote(text: str) -> str:
    """Go's `strconv.Quote` for the printable text of field paths."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return f'"{escaped}"'


def decode_errors(obj: dict[str, Any]) -> list[str]:
    """What the strict decoder says about `obj` (empty when it decodes cleanly).

    Either every unknown field (`unknown field "spec.replica"`), or one decoding error (a type
    mismatch or a bad quantity), which then hides the unknown fields as the real server does.
    Objects of a version/kind without a schema decode without complaint here: the server refuses
    those earlier.
    """
    if not isinstance(obj, dict):
        return []
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return []
    root = _root(api_version, kind)
    if root is None:
        return []
    decoder = _Decoder()
    try:
        decoder.walk(root, obj, "", "", "")
    except _Fatal as fatal:
        return [str(fatal)]
    except RecursionError:
        return ["json: exceeded max depth"]
    if decoder.first_error is not None:
        return [decoder.first_error]
    return decoder.unknown


_ROOTS: dict[tuple[str, str], _Node | None] = {}


def _root(api_version: str, kind: str) -> _Node | None:
    key = (api_version, kind)
    if key not in _ROOTS:
        schema = schemas.object_schema(api_version, kind)
        _ROOTS[key] = None if schema is None else _Node(
            _STRUCT, kind, struct=kind, properties=schema.get("properties", {}))
    return _ROOTS[key]


def is_strict_error(message: str) -> bool:
    """True for a strictness complaint (unknown field), false for a hard decoding error."""
    return message.startswith("unknown field ")


def strict_decoding_message(kind: str, errors: list[str], api_version: str = "v1") -> str:
    """The BadRequest message: `Deployment in version "v1" cannot be handled as a Deployment:
    strict decoding error: unknown field "spec.replica"` (hard errors carry no such prefix)."""
    version = api_version.rsplit("/", 1)[-1]
    hard = [message for message in errors if not is_strict_error(message)]
    if hard:
        detail = hard[0]
    else:
        detail = "strict decoding error: " + ", ".join(errors)
    return f"{kind} in version {_go_quote(version)} cannot be handled as a {kind}: {detail}"
