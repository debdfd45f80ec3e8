"""Cluster Playground: a simulated Kubernetes cluster to learn and practise on."""

__version__ = "0.1.0"
