"""The simulated kubelet: pod sandboxes, image pulls, containers, probes, termination."""
