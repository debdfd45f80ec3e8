"""Cluster networking: Service addresses (`allocators`), EndpointSlices and Endpoints
(`endpointslices`, `endpoints`), cloud load balancers (`cloud`), cluster DNS (`dns`), the
kube-proxy model (`proxy`) and traffic from pods and from outside (`traffic`)."""
