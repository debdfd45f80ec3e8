"""The cluster engine: a pure, deterministic simulation of a Kubernetes control plane.

Nothing in this package imports the rest of `playground`, a UI library or an I/O library;
shells (CLI, TUI, servers) drive it and persist what it journals.
"""

KUBERNETES_VERSION = "v1.37.0"
"""The one Kubernetes version the playground speaks (schemas, `kubectl version`, kubelets)."""
