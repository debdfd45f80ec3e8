"""Namespace lifecycle and per-namespace defaults.

- The namespace controller empties a namespace being deleted (phase Terminating): it deletes
  every object in it, waits for graceful deletions to finish, then removes the namespace.
- The service-account controller gives every namespace its `default` ServiceAccount, and the
  root-CA publisher its `kube-root-ca.crt` ConfigMap, as in every real cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from playground.engine.api import resources
from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import ADDED, DELETED, MODIFIED, ChangeTypes, WatchEvent

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
_FAKE_CA = ("-----BEGIN CERTIFICATE-----\n"
            "MIIDBTCCAe2gAwIBAgIIPlaygroundCAwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\n"
            "AxMKa3ViZXJuZXRlczAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMBUx\n"
            "-----END CERTIFICATE-----\n")


class NamespaceController(Controller):
    """Deletes the contents of terminating namespaces, then the namespace."""

    name = "namespace-controller"
    watches = (None,)
    watch_types: ClassVar[ChangeTypes] = {None: (DELETED,),
                                          "namespaces": (ADDED, MODIFIED, DELETED)}

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        if event.resource == "namespaces":
            if meta.get("deletionTimestamp"):
                yield meta["name"]
        elif event.type == DELETED and meta.get("namespace"):
            ns = self.store.get("namespaces", "", meta["namespace"])
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                yield meta["namespace"]

    def resync(self) -> Iterable[str]:
        for ns in self.store.iter("namespaces"):
            if ns["metadata"].get("deletionTimestamp"):
                yield ns["metadata"]["name"]

    def reconcile(self, key: str) -> None:
        ns = self.store.get("namespaces", "", key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        remaining = 0
        for rt in resources.RESOURCE_TYPES:
            if not rt.namespaced:
                continue
            for obj in list(self.store.iter(rt.key, key)):
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(rt.key, key, obj["metadata"]["name"], self.actor)
                except APIError:
                    pass
        if remaining == 0 or not any(self.store.iter(rt.key, key)
                                     for rt in resources.RESOURCE_TYPES if rt.namespaced):
            self.api.finish_namespace(key, self.actor)


class ServiceAccountController(Controller):
    """Ensures `default` ServiceAccount and `kube-root-ca.crt` exist in every namespace."""

    name = "serviceaccount-controller"
    watches = ("namespaces", "serviceaccounts", "configmaps")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        yield meta["name"] if event.resource == "namespaces" else meta.get("namespace", "")

    def resync(self) -> Iterable[str]:
        return [ns["metadata"]["name"] for ns in self.store.iter("namespaces")]

    def reconcile(self, key: str) -> None:
        ns = self.store.get("namespaces", "", key)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        if self.store.get("serviceaccounts", key, "default") is None:
            self.api.create({"apiVersion": "v1", "kind": "ServiceAccount",
                             "metadata": {"name": "default", "namespace": key}}, self.actor)
        if self.store.get("configmaps", key, ROOT_CA_CONFIGMAP) is None:
            self.api.create({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA_CONFIGMAP, "namespace": key,
                             "annotations": {"kubernetes.io/description": (
                                 "Contains a CA bundle that can be used to verify the "
                                 "kube-apiserver when using internal endpoints such as the "
                                 "internal service IP or kubernetes.default.svc. No other "
                                 "usage is guaranteed across distributions of Kubernetes "
                                 "clusters.")}},
                "data": {"ca.crt": _FAKE_CA}}, self.actor)
