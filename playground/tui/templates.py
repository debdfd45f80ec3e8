"""Starting points for new objects in the editor: small, valid, and commented where a learner
would change something."""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    "Deployment": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports:
            - containerPort: 80
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
""",
    "Service": """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP          # or NodePort, LoadBalancer
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 80
""",
    "Pod": """apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app: hello
spec:
  containers:
    - name: busybox
      image: busybox:1.36
      command: ["sh", "-c", "while true; do echo hello; sleep 5; done"]
""",
    "StatefulSet": """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: redis
          image: redis:7
          ports:
            - containerPort: 6379
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: 1Gi
""",
    "Job": """apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: busybox
          image: busybox:1.36
          command: ["sh", "-c", "echo computing; sleep 10; echo done"]
""",
}
