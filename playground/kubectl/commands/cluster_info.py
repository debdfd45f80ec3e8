"""`kubectl cluster-info`: where the control plane and the cluster services answer.

The playground's API server address is fixed (`SERVER`, what the HTTP front-end will listen
on); services in kube-system labelled `kubernetes.io/cluster-service=true` (CoreDNS) are listed
with their API-server proxy URLs, named by their `kubernetes.io/name` label, as kubectl does.
"""

from __future__ import annotations

from playground.kubectl.context import Context
from playground.kubectl.flags import Flag, UsageError, parse

SERVER = "https://127.0.0.1:6443"
"""The API server address the playground's kubeconfig names."""

FLAGS = (Flag("output-directory"),)


def run(ctx: Context, argv: list[str]) -> None:
    """The control plane's address and each cluster service's proxy URL."""
    opts = parse(argv, FLAGS, "cluster-info")
    if opts.args[:1] == ["dump"]:
        ctx.error("error: kubectl cluster-info dump is not supported in the playground yet; "
                  "use 'kubectl get', 'kubectl describe' and 'kubectl logs' to look around")
        return
    if opts.args:
        raise UsageError(f"error: unknown command \"{opts.args[0]}\" for \"kubectl "
                         "cluster-info\"")
    ctx.print(f"Kubernetes control plane is running at {SERVER}")
    services = ctx.cluster.api.list("services", "kube-system")
    for svc in services:
        labels = svc.get("metadata", {}).get("labels") or {}
        if labels.get("kubernetes.io/cluster-service") != "true":
            continue
        name = svc["metadata"]["name"]
        shown = labels.get("kubernetes.io/name") or name
        ports = svc.get("spec", {}).get("ports") or []
        port = ports[0].get("name") or str(ports[0].get("port", "")) if ports else ""
        target = f"{name}:{port}" if port else name
        ctx.print(f"{shown} is running at {SERVER}/api/v1/namespaces/kube-system/services/"
                  f"{target}/proxy")
    ctx.print("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info "
              "dump'.")


VERBS = {"cluster-info": (run, "Display cluster information", FLAGS)}
