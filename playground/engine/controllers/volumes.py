"""Persistent storage as a kind cluster has it: the `standard` StorageClass, its local-path
provisioner, the PersistentVolume binder and the PVC protection finalizer.

kind ships one default StorageClass, `standard` (provisioner `rancher.io/local-path`,
reclaimPolicy Delete, volumeBindingMode WaitForFirstConsumer): a claim stays Pending ("waiting
for first consumer") until a pod using it is placed on a node, then a `pvc-<claim uid>`
hostPath volume pinned to that node is provisioned and bound. Claims naming another class or
none are bound to a fitting pre-made PersistentVolume, as the persistentvolume-controller does.

This module owns that whole path: the StorageClass manifest, the admission steps the API server
runs for claims (DefaultStorageClass, StorageObjectInUseProtection), provisioning, binding,
release and reclaim, and removing `kubernetes.io/pvc-protection` once no pod uses a deleted
claim. The scheduler may name the node itself through the `volume.kubernetes.io/selected-node`
annotation; otherwise the node a consuming pod was bound to is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playground.engine.api.quantity import memory_bytes
from playground.engine.api.resources import ResourceType
from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import Obj, WatchEvent, deep_copy

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node"
PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"
LOCAL_PATH_PROVISIONER = "rancher.io/local-path"
LOCAL_PATH_COMPONENT = (
    "rancher.io/local-path_local-path-provisioner-7dc846544d-6xz9k_"
    "2c9d2a34-6b5b-4d4e-9a4f-0c6f3b1d8e21")
LOCAL_PATH_ROOT = "/var/local-path-provisioner"
HOSTNAME_LABEL = "kubernetes.io/hostname"


def standard_storage_class() -> Obj:
    """kind's default StorageClass `standard`, as `kubectl get sc standard -o yaml` shows it."""
    return {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard",
                     "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
        "provisioner": LOCAL_PATH_PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }


def storage_admission(store: Any) -> Any:
    """An API server admission hook: default StorageClass for claims without one and the
    pvc-/pv-protection finalizers (DefaultStorageClass + StorageObjectInUseProtection)."""

    def admit(rt: ResourceType, obj: Obj) -> None:
        if rt.kind not in ("PersistentVolumeClaim", "PersistentVolume"):
            return
        meta = obj.setdefault("metadata", {})
        finalizers = list(meta.get("finalizers") or [])
        wanted = PVC_PROTECTION if rt.kind == "PersistentVolumeClaim" else PV_PROTECTION
        if wanted not in finalizers:
            meta["finalizers"] = finalizers + [wanted]
        if rt.kind == "PersistentVolumeClaim":
            spec = obj.setdefault("spec", {})
            if "storageClassName" not in spec:
                default = default_storage_class(store)
                if default is not None:
                    spec["storageClassName"] = default["metadata"]["name"]

    return admit


def default_storage_class(store: Any) -> Obj | None:
    """The StorageClass annotated as default (the newest one if several are)."""
    defaults = [sc for sc in store.iter("storageclasses.storage.k8s.io")
                if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION)
                == "true"]
    if not defaults:
        return None
    return max(defaults, key=lambda sc: (sc["metadata"].get("creationTimestamp", ""),
                                         sc["metadata"]["name"]))


def _storage_request(pvc: Obj) -> str:
    return str((((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {})
               .get("storage") or "0")


def _claim_volumes(pod: Obj) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"]
            for v in (pod.get("spec") or {}).get("volumes") or ()
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


class PersistentVolumeController(Controller):
    """persistentvolume-controller, the local-path provisioner and pvc-protection-controller.

    Keys are `claim:<ns>/<name>` and `volume:<name>`.
    """

    name = "persistentvolume-controller"
    watches = ("persistentvolumeclaims", "persistentvolumes", "pods",
               "storageclasses.storage.k8s.io")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        hooks = cluster.api.admission_hooks
        if not any(getattr(h, "__qualname__", "").startswith("storage_admission") for h in hooks):
            hooks.append(storage_admission(cluster.store))

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        if event.resource == "persistentvolumeclaims":
            yield f"claim:{meta['namespace']}/{meta['name']}"
            volume = (event.obj.get("spec") or {}).get("volumeName")
            if volume:
                yield f"volume:{volume}"
        elif event.resource == "persistentvolumes":
            yield f"volume:{meta['name']}"
            ref = (event.obj.get("spec") or {}).get("claimRef") or {}
            if ref.get("name"):
                yield f"claim:{ref.get('namespace', '')}/{ref['name']}"
        elif event.resource == "pods":
            for claim in _claim_volumes(event.obj):
                yield f"claim:{meta['namespace']}/{claim}"
        else:
            for pvc in self.store.iter("persistentvolumeclaims"):
                if (pvc.get("status") or {}).get("phase") == "Pending":
                    yield f"claim:{pvc['metadata']['namespace']}/{pvc['metadata']['name']}"

    def resync(self) -> Iterable[str]:
        for pvc in self.store.iter("persistentvolumeclaims"):
            yield f"claim:{pvc['metadata']['namespace']}/{pvc['metadata']['name']}"
        for pv in self.store.iter("persistentvolumes"):
            yield f"volume:{pv['metadata']['name']}"

    def reconcile(self, key: str) -> None:
        kind, _, rest = key.partition(":")
        if kind == "claim":
            namespace, _, name = rest.partition("/")
            self._sync_claim(namespace, name)
        else:
            self._sync_volume(rest)

    # -- claims ---------------------------------------------------------------------------
    def _consumers(self, pvc: Obj) -> list[Obj]:
        meta = pvc["metadata"]
        return [pod for pod in self.store.iter("pods", meta["namespace"])
                if meta["name"] in _claim_volumes(pod)]

    def _sync_claim(self, namespace: str, name: str) -> None:
        pvc = self.store.get("persistentvolumeclaims", namespace, name)
        if pvc is None:
            return
        meta = pvc["metadata"]
        if meta.get("deletionTimestamp"):
            in_use = any((p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
                         for p in self._consumers(pvc))
            if not in_use and PVC_PROTECTION in (meta.get("finalizers") or ()):
                self.api.remove_finalizer("persistentvolumeclaims", namespace, name,
                                          PVC_PROTECTION, self.actor)
            return
        if (pvc.get("spec") or {}).get("volumeName"):
            self._finish_binding(pvc)
            return
        class_name = (pvc.get("spec") or {}).get("storageClassName") or ""
        volume = self._matching_volume(pvc, class_name)
        if volume is not None:
            self._bind(pvc, volume)
            return
        storage_class = self.store.get("storageclasses.storage.k8s.io", "", class_name) \
            if class_name else None
        if storage_class is None:
            message = ("no persistent volumes available for this claim and no storage class "
                       "is set") if not class_name else f'storageclass.storage.k8s.io ' \
                                                        f'"{class_name}" not found'
            self.recorder.record(pvc, "Normal" if not class_name else "Warning",
                                 "FailedBinding" if not class_name else "ProvisioningFailed",
                                 message, component=self.name)
            return
        node = (meta.get("annotations") or {}).get(SELECTED_NODE_ANNOTATION)
        if storage_class.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
            node = next((p["spec"]["nodeName"] for p in sorted(
                self._consumers(pvc), key=lambda p: p["metadata"]["name"])
                if (p.get("spec") or {}).get("nodeName")), None)
            if not node:
                self.recorder.record(pvc, "Normal", "WaitForFirstConsumer",
                                     "waiting for first consumer to be created before binding",
                                     component=self.name)
                return
        self._provision(pvc, storage_class, node)

    def _matching_volume(self, pvc: Obj, class_name: str) -> Obj | None:
        wanted = memory_bytes(_storage_request(pvc))
        modes = set((pvc.get("spec") or {}).get("accessModes") or ())
        best: tuple[int, str, Obj] | None = None
        for pv in self.store.iter("persistentvolumes"):
            spec = pv.get("spec") or {}
            ref = spec.get("claimRef") or {}
            if ref and (ref.get("name") != pvc["metadata"]["name"]
                        or ref.get("namespace") != pvc["metadata"]["namespace"]):
                continue
            if pv["metadata"].get("deletionTimestamp") or \
                    (pv.get("status") or {}).get("phase") not in ("Available", "Pending", None):
                continue
            if (spec.get("storageClassName") or "") != class_name:
                continue
            if not modes <= set(spec.get("accessModes") or ()):
                continue
            size = memory_bytes(str((spec.get("capacity") or {}).get("storage") or "0"))
            if size < wanted:
                continue
            candidate = (size, pv["metadata"]["name"], pv)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        return best[2] if best else None

    def _provision(self, pvc: Obj, storage_class: Obj, node: str | None) -> None:
        meta = pvc["metadata"]
        provisioner = storage_class.get("provisioner", "")
        self.recorder.record(
            pvc, "Normal", "ExternalProvisioning",
            f"Waiting for a volume to be created either by the external provisioner "
            f"'{provisioner}' or manually by the system administrator. If volume creation is "
            f"delayed, please verify that your external provisioner is running and correctly "
            f"registered.", component=self.name)
        component = LOCAL_PATH_COMPONENT if provisioner == LOCAL_PATH_PROVISIONER else provisioner
        self.recorder.record(pvc, "Normal", "Provisioning",
                             f'External provisioner is provisioning volume for claim '
                             f'"{meta["namespace"]}/{meta["name"]}"', component=component)
        pv_name = f"pvc-{meta['uid']}"
        spec = pvc.get("spec") or {}
        pv_spec: dict[str, Any] = {
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "capacity": {"storage": _storage_request(pvc)},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "name": meta["name"], "namespace": meta["namespace"],
                         "resourceVersion": meta.get("resourceVersion", ""),
                         "uid": meta["uid"]},
            "hostPath": {"path": f"{LOCAL_PATH_ROOT}/{pv_name}_{meta['namespace']}_"
                                 f"{meta['name']}", "type": "DirectoryOrCreate"},
            "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy", "Delete"),
            "storageClassName": storage_class["metadata"]["name"],
            "volumeMode": spec.get("volumeMode", "Filesystem"),
        }
        annotations = {"pv.kubernetes.io/provisioned-by": provisioner}
        if node:
            annotations["local.path.provisioner/selected-node"] = node
            pv_spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": HOSTNAME_LABEL, "operator": "In", "values": [node]}]}]}}
        try:
            self.api.create({"apiVersion": "v1", "kind": "PersistentVolume",
                             "metadata": {"name": pv_name, "annotations": annotations},
                             "spec": pv_spec, "status": {"phase": "Pending"}}, self.actor)
        except APIError:
            return
        self.recorder.record(pvc, "Normal", "ProvisioningSucceeded",
                             f"Successfully provisioned volume {pv_name}", component=component)
        claim = deep_copy(pvc)
        claim_annotations = claim["metadata"].setdefault("annotations", {})
        claim_annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner
        claim_annotations["volume.kubernetes.io/storage-provisioner"] = provisioner
        if node:
            claim_annotations[SELECTED_NODE_ANNOTATION] = node
        self.api.update(claim, self.actor, reason="provisioned")
        current = self.store.get("persistentvolumeclaims", meta["namespace"], meta["name"])
        volume = self.store.get("persistentvolumes", "", pv_name)
        if current is not None and volume is not None:
            self._bind(current, volume)

    def _bind(self, pvc: Obj, pv: Obj) -> None:
        meta = pvc["metadata"]
        volume = deep_copy(pv)
        if (volume["spec"].get("claimRef") or {}).get("uid") != meta["uid"]:
            volume["spec"]["claimRef"] = {
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": meta["name"],
                "namespace": meta["namespace"],
                "resourceVersion": meta.get("resourceVersion", ""), "uid": meta["uid"]}
        volume.setdefault("metadata", {}).setdefault("annotations", {})[
            "pv.kubernetes.io/bound-by-controller"] = "yes"
        if "pv.kubernetes.io/provisioned-by" in volume["metadata"]["annotations"]:
            del volume["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"]
        volume = self.api.update(volume, self.actor, reason="bound")
        self.api.update_status(dict(volume, status={"phase": "Bound"}), self.actor)
        claim = deep_copy(pvc)
        claim["spec"]["volumeName"] = pv["metadata"]["name"]
        annotations = claim["metadata"].setdefault("annotations", {})
        annotations["pv.kubernetes.io/bind-completed"] = "yes"
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        claim = self.api.update(claim, self.actor, reason="bound")
        self._finish_binding(claim)

    def _finish_binding(self, pvc: Obj) -> None:
        volume = self.store.get("persistentvolumes", "", pvc["spec"]["volumeName"])
        if volume is None:
            if (pvc.get("status") or {}).get("phase") != "Lost":
                self.api.update_status(dict(pvc, status={"phase": "Lost"}), self.actor)
                self.recorder.record(pvc, "Warning", "ClaimLost",
                                     "Bound claim has lost its PersistentVolume. Data on the "
                                     "volume is lost!", component=self.name)
            return
        spec = volume.get("spec") or {}
        status = {"phase": "Bound", "accessModes": list(spec.get("accessModes") or ()),
                  "capacity": dict(spec.get("capacity") or {})}
        if pvc.get("status") != status:
            self.api.update_status(dict(pvc, status=status), self.actor)

    # -- volumes --------------------------------------------------------------------------
    def _sync_volume(self, name: str) -> None:
        pv = self.store.get("persistentvolumes", "", name)
        if pv is None:
            return
        spec = pv.get("spec") or {}
        phase = (pv.get("status") or {}).get("phase")
        ref = spec.get("claimRef") or {}
        if pv["metadata"].get("deletionTimestamp"):
            if phase != "Bound" and PV_PROTECTION in (pv["metadata"].get("finalizers") or ()):
                self.api.remove_finalizer("persistentvolumes", "", name, PV_PROTECTION,
                                          self.actor)
            return
        if not ref:
            if phase != "Available":
                self.api.update_status(dict(pv, status={"phase": "Available"}), self.actor)
            return
        claim = self.store.get("persistentvolumeclaims", ref.get("namespace", ""),
                               ref.get("name", ""))
        if claim is not None and claim["metadata"].get("uid") == ref.get("uid"):
            if (claim.get("spec") or {}).get("volumeName") == name and phase != "Bound":
                self.api.update_status(dict(pv, status={"phase": "Bound"}), self.actor)
            return
        if phase == "Bound" or (claim is None and phase in ("Pending", "Available")
                                and ref.get("uid")):
            self.api.update_status(dict(pv, status={"phase": "Released"}), self.actor)
            pv = self.store.get("persistentvolumes", "", name) or pv
        if spec.get("persistentVolumeReclaimPolicy") == "Delete" and ref.get("uid"):
            try:
                self.api.delete("persistentvolumes", "", name, self.actor)
            except APIError:
                return
            self.api.remove_finalizer("persistentvolumes", "", name, PV_PROTECTION, self.actor)
