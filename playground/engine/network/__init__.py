"""Cluster networking: service address allocation now; kube-proxy, DNS and traffic later."""
