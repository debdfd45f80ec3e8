"""Tables of PersistentVolumes, PersistentVolumeClaims and StorageClasses.

ACCESS MODES abbreviate in a fixed order (RWO, ROX, RWX, RWOP) whatever order the spec lists;
the class comes from the legacy `volume.beta.kubernetes.io/storage-class` annotation first.
A claim shows VOLUME, CAPACITY and ACCESS MODES only once it names a volume.
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.printers.common import (
    AGE,
    NAME,
    UNSET,
    Obj,
    Printer,
    age,
    is_deleting,
    metadata,
    name,
    spec,
    status,
)
from playground.kubectl.table import Cell, Column

BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
_ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


def access_modes_text(modes: list[str] | None) -> str:
    """`GetAccessModesAsString`: `RWO,RWX`."""
    present = set(modes or [])
    return ",".join(short for mode, short in _ACCESS_MODES if mode in present)


def _class_name(obj: Obj) -> str:
    annotations = metadata(obj).get("annotations") or {}
    if BETA_STORAGE_CLASS_ANNOTATION in annotations:
        return str(annotations[BETA_STORAGE_CLASS_ANNOTATION])
    return str(spec(obj).get("storageClassName") or "")


def _volume_row(obj: Obj, now: datetime) -> list[Cell]:
    pv_spec = spec(obj)
    claim = pv_spec.get("claimRef")
    claim_text = f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""
    phase = "Terminating" if is_deleting(obj) else str(status(obj).get("phase", ""))
    return [
        name(obj), str((pv_spec.get("capacity") or {}).get("storage", "0")),
        access_modes_text(pv_spec.get("accessModes")),
        str(pv_spec.get("persistentVolumeReclaimPolicy", "")), phase, claim_text,
        _class_name(obj), pv_spec.get("volumeAttributesClassName") or UNSET,
        str(status(obj).get("reason", "")), age(obj, now), pv_spec.get("volumeMode") or UNSET,
    ]


def _claim_row(obj: Obj, now: datetime) -> list[Cell]:
    pvc_spec, pvc_status = spec(obj), status(obj)
    phase = "Terminating" if is_deleting(obj) else str(pvc_status.get("phase", ""))
    volume = str(pvc_spec.get("volumeName") or "")
    capacity = access = ""
    if volume:
        access = access_modes_text(pvc_status.get("accessModes"))
        capacity = str((pvc_status.get("capacity") or {}).get("storage", "0"))
    return [
        name(obj), phase, volume, capacity, access, _class_name(obj),
        pvc_spec.get("volumeAttributesClassName") or UNSET, age(obj, now),
        pvc_spec.get("volumeMode") or UNSET,
    ]


def is_default_class(obj: Obj) -> bool:
    """Whether a StorageClass is annotated as the cluster default."""
    annotations = metadata(obj).get("annotations") or {}
    return any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)


def _storage_class_row(obj: Obj, now: datetime) -> list[Cell]:
    shown = name(obj) + (" (default)" if is_default_class(obj) else "")
    return [
        shown, str(obj.get("provisioner", "")), obj.get("reclaimPolicy") or "Delete",
        obj.get("volumeBindingMode") or "Immediate", bool(obj.get("allowVolumeExpansion")),
        age(obj, now),
    ]


PRINTERS: dict[str, Printer] = {
    "persistentvolumes": Printer(
        (NAME, Column("CAPACITY"), Column("ACCESS MODES"), Column("RECLAIM POLICY"),
         Column("STATUS"), Column("CLAIM"), Column("STORAGECLASS"),
         Column("VOLUMEATTRIBUTESCLASS"), Column("REASON"), AGE, Column("VOLUMEMODE", 1)),
        _volume_row,
    ),
    "persistentvolumeclaims": Printer(
        (NAME, Column("STATUS"), Column("VOLUME"), Column("CAPACITY"), Column("ACCESS MODES"),
         Column("STORAGECLASS"), Column("VOLUMEATTRIBUTESCLASS"), AGE,
         Column("VOLUMEMODE", 1)),
        _claim_row,
    ),
    "storageclasses.storage.k8s.io": Printer(
        (NAME, Column("PROVISIONER"), Column("RECLAIMPOLICY"), Column("VOLUMEBINDINGMODE"),
         Column("ALLOWVOLUMEEXPANSION"), AGE),
        _storage_class_row,
    ),
}
