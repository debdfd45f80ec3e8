"""`kubectl describe` golden outputs from a live playground cluster (virtual time frozen ten
minutes after an nginx Deployment, a crash-looping pod, a Job, a CronJob, a StatefulSet with a
claim and a DaemonSet were applied), plus the command's forms and kubectl's layout rules."""

from __future__ import annotations

import pytest

from playground.engine.cluster import Cluster, ClusterConfig
from playground.kubectl.context import Result
from playground.kubectl.describe.generic import smart_label
from playground.kubectl.describe.writer import (
    PrefixWriter,
    canonical_quantity,
    format_rfc1123,
    rfc1123,
)
from playground.kubectl.main import run

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80, name: http}]
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-cfg}
data: {mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: db-creds}
stringData: {password: s3cret, user: admin}
---
apiVersion: v1
kind: Pod
metadata: {name: crash, labels: {run: crash}}
spec:
  containers:
  - name: app
    image: playground/crashloop
    env:
    - {name: GREETING, value: hello}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    envFrom:
    - configMapRef: {name: app-cfg}
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      initialDelaySeconds: 5
      periodSeconds: 5
    volumeMounts:
    - {name: cache, mountPath: /cache}
  volumes:
  - name: cache
    emptyDir: {}
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: busybox
        command: [sh, -c, "echo done"]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: tick
            image: busybox
            command: [date]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: redis
        image: redis:7
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: busybox
        command: [sleep, "3600"]
"""


@pytest.fixture(scope="module")
def world() -> Cluster:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    result = run(cluster, ["apply", "-f", "-"], stdin=MANIFESTS)
    assert result.exit_code == 0, result.stderr
    cluster.settle()
    cluster.advance(600)
    return cluster


def kubectl(cluster: Cluster, line: str) -> Result:
    return run(cluster, line.split())


POD_CRASH = """\
Name:             crash
Namespace:        default
Priority:         0
Service Account:  default
Node:             worker-1/172.18.0.3
Start Time:       Thu, 01 Jan 2026 00:00:00 +0000
Labels:           run=crash
Annotations:      <none>
Status:           Running
IP:               10.244.1.2
IPs:
  IP:  10.244.1.2
Containers:
  app:
    Container ID:   containerd://84311eefa4deb69d9b32d67977a6ec47d35c318b3091d71698de2ad4cfc2efc4
    Image:          playground/crashloop
    Image ID:       docker.io/playground/crashloop@sha256:9016f59d83bdbeb9e48b8900925c1167b62e22762d8aa2d1eb2037046397e3ef
    Port:           <none>
    Host Port:      <none>
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
      Started:      Thu, 01 Jan 2026 00:05:23 +0000
      Finished:     Thu, 01 Jan 2026 00:05:25 +0000
    Ready:          False
    Restart Count:  5
    Liveness:       exec [cat /tmp/healthy] delay=5s timeout=1s period=5s successThreshold=1 failureThreshold=3
    Environment Variables from:
      app-cfg  ConfigMap  Optional: false
    Environment:
      GREETING:  hello
      POD_NAME:  crash (v1:metadata.name)
    Mounts:
      /cache from cache (rw)
Conditions:
  Type                        Status
  PodReadyToStartContainers   True 
  Initialized                 True 
  Ready                       False 
  ContainersReady             False 
  PodScheduled                True 
Volumes:
  cache:
    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:      
    SizeLimit:   <unset>
QoS Class:       BestEffort
Node-Selectors:  <none>
Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type     Reason     Age                    From               Message
  ----     ------     ----                   ----               -------
  Normal   Scheduled  10m                    default-scheduler  Successfully assigned default/crash to worker-1
  Normal   Pulled     10m                    kubelet            spec.containers{app}: Successfully pulled image "playground/crashloop" in 526ms (526ms including waiting). Image size: 3145728 bytes.
  Normal   Pulling    9m58s (x2 over 10m)    kubelet            spec.containers{app}: Pulling image "playground/crashloop"
  Normal   Pulled     9m57s                  kubelet            spec.containers{app}: Successfully pulled image "playground/crashloop" in 600ms (600ms including waiting). Image size: 3145728 bytes.
  Normal   Created    4m37s (x7 over 10m)    kubelet            spec.containers{app}: Created container
  Normal   Started    4m37s (x7 over 10m)    kubelet            spec.containers{app}: Started container
  Warning  BackOff    4m35s (x6 over 9m55s)  kubelet            spec.containers{app}: Back-off restarting failed container app in pod crash_default(d0ea88e8-dae7-44e5-ba95-a20792175b9b)
"""


DEPLOYMENT = """\
Name:                   web
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 app=web
Annotations:            deployment.kubernetes.io/revision: 1
Selector:               app=web
Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=web
  Containers:
   nginx:
    Image:      nginx:1.27
    Port:       80/TCP (http)
    Host Port:  0/TCP (http)
    Limits:
      memory:  256Mi
    Requests:
      cpu:         100m
      memory:      128Mi
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  <none>
NewReplicaSet:   web-7bdc7cbfb (2/2 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  10m   deployment-controller  Scaled up replica set web-7bdc7cbfb to 2
"""


REPLICASET = """\
Name:           web-7bdc7cbfb
Namespace:      default
Selector:       app=web,pod-template-hash=7bdc7cbfb
Labels:         app=web
                pod-template-hash=7bdc7cbfb
Annotations:    deployment.kubernetes.io/desired-replicas: 2
                deployment.kubernetes.io/max-replicas: 3
                deployment.kubernetes.io/revision: 1
Controlled By:  Deployment/web
Replicas:       2 current / 2 desired
Pods Status:    2 Running / 0 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=web
           pod-template-hash=7bdc7cbfb
  Containers:
   nginx:
    Image:      nginx:1.27
    Port:       80/TCP (http)
    Host Port:  0/TCP (http)
    Limits:
      memory:  256Mi
    Requests:
      cpu:         100m
      memory:      128Mi
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:
  Type    Reason            Age   From                   Message
  ----    ------            ----  ----                   -------
  Normal  SuccessfulCreate  10m   replicaset-controller  Created pod: web-7bdc7cbfb-npwpk
  Normal  SuccessfulCreate  10m   replicaset-controller  Created pod: web-7bdc7cbfb-ds5xk
"""


SERVICE = """\
Name:                     web
Namespace:                default
Labels:                   app=web
Annotations:              <none>
Selector:                 app=web
Type:                     ClusterIP
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       10.105.51.156
IPs:                      10.105.51.156
Port:                     <unset>  80/TCP
TargetPort:               80/TCP
Endpoints:                10.244.2.3:80,10.244.3.3:80
Session Affinity:         None
Internal Traffic Policy:  Cluster
Events:                   <none>
"""


NODE = """\
Name:               worker-1
Roles:              <none>
Labels:             beta.kubernetes.io/arch=amd64
                    beta.kubernetes.io/os=linux
                    kubernetes.io/arch=amd64
                    kubernetes.io/hostname=worker-1
                    kubernetes.io/os=linux
                    topology.kubernetes.io/region=region-1
                    topology.kubernetes.io/zone=zone-a
Annotations:        node.alpha.kubernetes.io/ttl: 0
                    volumes.kubernetes.io/controller-managed-attach-detach: true
CreationTimestamp:  Thu, 01 Jan 2026 00:00:00 +0000
Taints:             <none>
Unschedulable:      false
Lease:
  HolderIdentity:  worker-1
  AcquireTime:     <unset>
  RenewTime:       Thu, 01 Jan 2026 00:00:00 +0000
Conditions:
  Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason                       Message
  ----             ------  -----------------                 ------------------                ------                       -------
  MemoryPressure   False   Thu, 01 Jan 2026 00:00:00 +0000   Thu, 01 Jan 2026 00:00:00 +0000   KubeletHasSufficientMemory   kubelet has sufficient memory available
  DiskPressure     False   Thu, 01 Jan 2026 00:00:00 +0000   Thu, 01 Jan 2026 00:00:00 +0000   KubeletHasNoDiskPressure     kubelet has no disk pressure
  PIDPressure      False   Thu, 01 Jan 2026 00:00:00 +0000   Thu, 01 Jan 2026 00:00:00 +0000   KubeletHasSufficientPID      kubelet has sufficient PID available
  Ready            True    Thu, 01 Jan 2026 00:00:00 +0000   Thu, 01 Jan 2026 00:00:00 +0000   KubeletReady                 kubelet is posting ready status
Addresses:
  InternalIP:  172.18.0.3
  Hostname:    worker-1
Capacity:
  cpu:                4
  ephemeral-storage:  102626232Ki
  hugepages-1Gi:      0
  hugepages-2Mi:      0
  memory:             8Gi
  pods:               110
Allocatable:
  cpu:                4
  ephemeral-storage:  102626232Ki
  hugepages-1Gi:      0
  hugepages-2Mi:      0
  memory:             8Gi
  pods:               110
System Info:
  Machine ID:                 eab849979662410592e50463f28821f2
  System UUID:                eab84997-9662-4105-92e5-0463f28821f2
  Boot ID:                    eab84997-boot-0001
  Kernel Version:             6.8.0-45-generic
  OS Image:                   Debian GNU/Linux 12 (bookworm)
  Operating System:           linux
  Architecture:               amd64
  Container Runtime Version:  containerd://2.1.1
  Kubelet Version:            v1.37.0
PodCIDR:                      10.244.1.0/24
PodCIDRs:                     10.244.1.0/24
ProviderID:                   kind://docker/playground/worker-1
Non-terminated Pods:          (4 in total)
  Namespace                   Name                CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
  ---------                   ----                ------------  ----------  ---------------  -------------  ---
  default                     agent-xhlvk         0 (0%)        0 (0%)      0 (0%)           0 (0%)         10m
  default                     crash               0 (0%)        0 (0%)      0 (0%)           0 (0%)         10m
  default                     db-0                0 (0%)        0 (0%)      0 (0%)           0 (0%)         10m
  kube-system                 kube-proxy-x9d42    0 (0%)        0 (0%)      0 (0%)           0 (0%)         10m
Allocated resources:
  (Total limits may be over 100 percent, i.e., overcommitted.)
  Resource           Requests  Limits
  --------           --------  ------
  cpu                0 (0%)    0 (0%)
  memory             0 (0%)    0 (0%)
  ephemeral-storage  0 (0%)    0 (0%)
  hugepages-1Gi      0 (0%)    0 (0%)
  hugepages-2Mi      0 (0%)    0 (0%)
Events:              <none>
"""


NAMESPACE = """\
Name:         default
Labels:       kubernetes.io/metadata.name=default
Annotations:  <none>
Status:       Active

No resource quota.

No LimitRange resource.
"""


CONFIGMAP = """\
Name:         app-cfg
Namespace:    default
Labels:       <none>
Annotations:  <none>

Data
====
mode:
----
fast


BinaryData
====

Events:  <none>
"""


SECRET = """\
Name:         db-creds
Namespace:    default
Labels:       <none>
Annotations:  <none>

Type:  Opaque

Data
====
password:  6 bytes
user:      5 bytes
"""


SERVICEACCOUNT = """\
Name:                default
Namespace:           default
Labels:              <none>
Annotations:         <none>
Image pull secrets:  <none>
Events:              <none>
"""


STATEFULSET = """\
Name:                   db
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Selector:               app=db
Labels:                 <none>
Annotations:            <none>
Service Name:           db
Pod Management Policy:  OrderedReady
Replicas:               1 desired | 1 total
Update Strategy:        RollingUpdate
  Partition:            0
Persistent Volume Claim Retention Policy:
  WhenDeleted:  Retain
  WhenScaled:   Retain
Pods Status:    1 Running / 0 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=db
  Containers:
   redis:
    Image:        redis:7
    Port:         <none>
    Host Port:    <none>
    Environment:  <none>
    Mounts:
      /data from data (rw)
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Volume Claims:
  Name:          data
  StorageClass:  
  Labels:        <none>
  Annotations:   <none>
  Capacity:      1Gi
  Access Modes:  [ReadWriteOnce]
Events:
  Type    Reason            Age   From                    Message
  ----    ------            ----  ----                    -------
  Normal  SuccessfulCreate  10m   statefulset-controller  create Claim data-db-0 Pod db-0 in StatefulSet db success
  Normal  SuccessfulCreate  10m   statefulset-controller  create Pod db-0 in StatefulSet db successful
"""


DAEMONSET = """\
Name:           agent
Namespace:      default
Selector:       app=agent
Node-Selector:  <none>
Labels:         <none>
Annotations:    <none>
Desired Number of Nodes Scheduled: 3
Current Number of Nodes Scheduled: 3
Number of Nodes Scheduled with Up-to-date Pods: 3
Number of Nodes Scheduled with Available Pods: 3
Number of Nodes Misscheduled: 0
Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=agent
  Containers:
   agent:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Command:
      sleep
      3600
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:
  Type    Reason            Age   From                  Message
  ----    ------            ----  ----                  -------
  Normal  SuccessfulCreate  10m   daemonset-controller  Created pod: agent-xhlvk
  Normal  SuccessfulCreate  10m   daemonset-controller  Created pod: agent-h6jbx
  Normal  SuccessfulCreate  10m   daemonset-controller  Created pod: agent-h5t2g
"""


JOB = """\
Name:             pi
Namespace:        default
Selector:         batch.kubernetes.io/controller-uid=733c5dde-dc19-4198-9be7-9ff4bd394d2c
Labels:           batch.kubernetes.io/controller-uid=733c5dde-dc19-4198-9be7-9ff4bd394d2c
                  batch.kubernetes.io/job-name=pi
                  controller-uid=733c5dde-dc19-4198-9be7-9ff4bd394d2c
                  job-name=pi
Annotations:      <none>
Parallelism:      1
Completions:      1
Completion Mode:  NonIndexed
Suspend:          false
Backoff Limit:    6
Start Time:       Thu, 01 Jan 2026 00:00:00 +0000
Completed At:     Thu, 01 Jan 2026 00:00:00 +0000
Duration:         0s
Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed
Pod Template:
  Labels:  batch.kubernetes.io/controller-uid=733c5dde-dc19-4198-9be7-9ff4bd394d2c
           batch.kubernetes.io/job-name=pi
           controller-uid=733c5dde-dc19-4198-9be7-9ff4bd394d2c
           job-name=pi
  Containers:
   pi:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Command:
      sh
      -c
      echo done
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:
  Type    Reason            Age   From            Message
  ----    ------            ----  ----            -------
  Normal  SuccessfulCreate  10m   job-controller  Created pod: pi-b6gqh
  Normal  Completed         10m   job-controller  Job completed
"""


CRONJOB = """\
Name:                          tick
Namespace:                     default
Labels:                        <none>
Annotations:                   <none>
Schedule:                      */5 * * * *
Concurrency Policy:            Allow
Suspend:                       False
Time Zone:                     <unset>
Successful Job History Limit:  3
Failed Job History Limit:      1
Starting Deadline Seconds:     <unset>
Selector:                      <unset>
Parallelism:                   <unset>
Completions:                   <unset>
Pod Template:
  Labels:  <none>
  Containers:
   tick:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Command:
      date
    Environment:     <none>
    Mounts:          <none>
  Volumes:           <none>
  Node-Selectors:    <none>
  Tolerations:       <none>
Last Schedule Time:  Thu, 01 Jan 2026 00:10:00 +0000
Active Jobs:         tick-29453770
Events:
  Type    Reason            Age   From                Message
  ----    ------            ----  ----                -------
  Normal  SuccessfulCreate  5m    cronjob-controller  Created job tick-29453765
  Normal  SawCompletedJob   5m    cronjob-controller  Saw completed job: tick-29453765, condition: Complete
  Normal  SuccessfulCreate  0s    cronjob-controller  Created job tick-29453770
"""


PVC = """\
Name:          data-db-0
Namespace:     default
StorageClass:  standard
Status:        Bound
Volume:        pvc-c563fe31-d4e3-4f58-a99b-a368c6bc1b4c
Labels:        app=db
Annotations:   pv.kubernetes.io/bind-completed: yes
               pv.kubernetes.io/bound-by-controller: yes
               volume.beta.kubernetes.io/storage-provisioner: rancher.io/local-path
               volume.kubernetes.io/selected-node: worker-1
               volume.kubernetes.io/storage-provisioner: rancher.io/local-path
Finalizers:    [kubernetes.io/pvc-protection]
Capacity:      1Gi
Access Modes:  RWO
VolumeMode:    Filesystem
Used By:       db-0
Events:
  Type    Reason                 Age   From                                                                                                Message
  ----    ------                 ----  ----                                                                                                -------
  Normal  WaitForFirstConsumer   10m   persistentvolume-controller                                                                         waiting for first consumer to be created before binding
  Normal  ExternalProvisioning   10m   persistentvolume-controller                                                                         Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that your external provisioner is running and correctly registered.
  Normal  Provisioning           10m   rancher.io/local-path_local-path-provisioner-7dc846544d-6xz9k_2c9d2a34-6b5b-4d4e-9a4f-0c6f3b1d8e21  External provisioner is provisioning volume for claim "default/data-db-0"
  Normal  ProvisioningSucceeded  10m   rancher.io/local-path_local-path-provisioner-7dc846544d-6xz9k_2c9d2a34-6b5b-4d4e-9a4f-0c6f3b1d8e21  Successfully provisioned volume pvc-c563fe31-d4e3-4f58-a99b-a368c6bc1b4c
"""


STORAGECLASS = """\
Name:                  standard
IsDefaultClass:        Yes
Annotations:           storageclass.kubernetes.io/is-default-class=true
Provisioner:           rancher.io/local-path
Parameters:            <none>
AllowVolumeExpansion:  <unset>
MountOptions:          <none>
ReclaimPolicy:         Delete
VolumeBindingMode:     WaitForFirstConsumer
Events:                <none>
"""


ENDPOINTS = """\
Name:         kubernetes
Namespace:    default
Labels:       endpointslice.kubernetes.io/skip-mirror=true
Annotations:  <none>
Subsets:
  Addresses:          172.18.0.2
  NotReadyAddresses:  <none>
  Ports:
    Name   Port  Protocol
    ----   ----  --------
    https  6443  TCP

Events:  <none>
"""


PERSISTENTVOLUME = """\
Name:              pvc-c563fe31-d4e3-4f58-a99b-a368c6bc1b4c
Labels:            <none>
Annotations:       local.path.provisioner/selected-node: worker-1
                   pv.kubernetes.io/provisioned-by: rancher.io/local-path
Finalizers:        [kubernetes.io/pv-protection]
StorageClass:      standard
Status:            Bound
Claim:             default/data-db-0
Reclaim Policy:    Delete
Access Modes:      RWO
VolumeMode:        Filesystem
Capacity:          1Gi
Node Affinity:     
  Required Terms:  
    Term 0:        kubernetes.io/hostname in [worker-1]
Message:           
Source:
    Type:          HostPath (bare host directory volume)
    Path:          /var/local-path-provisioner/pvc-c563fe31-d4e3-4f58-a99b-a368c6bc1b4c_default_data-db-0
    HostPathType:  DirectoryOrCreate
Events:            <none>
"""


GENERIC_ENDPOINTSLICE = """\
Name:          kubernetes
Namespace:     default
Labels:        kubernetes.io/service-name=kubernetes
Annotations:   <none>
Address Type:  IPv4
API Version:   discovery.k8s.io/v1
Endpoints:
  Addresses:
    172.18.0.2
  Conditions:
    Ready:  true
Kind:       EndpointSlice
Metadata:
  Creation Timestamp:  2026-01-01T00:00:00Z
  Resource Version:    11
  UID:                 33a01079-2ac0-429c-b2cf-0bb03d1ebf5d
Ports:
  Name:      https
  Port:      6443
  Protocol:  TCP
Events:      <none>
"""



GOLDEN = {
    "describe pod crash": POD_CRASH,
    "describe deployment web": DEPLOYMENT,
    "describe rs": REPLICASET,
    "describe svc web": SERVICE,
    "describe node worker-1": NODE,
    "describe ns default": NAMESPACE,
    "describe cm app-cfg": CONFIGMAP,
    "describe secret db-creds": SECRET,
    "describe sa default": SERVICEACCOUNT,
    "describe sts db": STATEFULSET,
    "describe ds/agent": DAEMONSET,
    "describe job pi": JOB,
    "describe cronjob tick": CRONJOB,
    "describe pvc data-db-0": PVC,
    "describe pv": PERSISTENTVOLUME,
    "describe storageclass standard": STORAGECLASS,
    "describe endpoints kubernetes": ENDPOINTS,
    "describe endpointslice kubernetes": GENERIC_ENDPOINTSLICE,
}


@pytest.mark.parametrize("line", sorted(GOLDEN))
def test_golden(world: Cluster, line: str) -> None:
    result = kubectl(world, line)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == GOLDEN[line]


def test_not_found(world: Cluster) -> None:
    result = kubectl(world, "describe pod nosuch")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == 'Error from server (NotFound): pods "nosuch" not found\n'
    result = kubectl(world, "describe deploy/nosuch")
    assert result.stderr == ('Error from server (NotFound): deployments.apps "nosuch" not '
                             "found\n")


def test_name_prefix_describes_every_match_without_events(world: Cluster) -> None:
    result = kubectl(world, "describe pod web")
    assert result.exit_code == 0
    names = [line for line in result.stdout.splitlines() if line.startswith("Name:")]
    assert names == ["Name:             web-7bdc7cbfb-ds5xk",
                     "Name:             web-7bdc7cbfb-npwpk"]
    assert "Events:" not in result.stdout
    # each match is followed by one blank line (kubectl prints "%s\n")
    assert result.stdout.endswith("for 300s\n\n")


def test_several_objects_are_separated_by_two_blank_lines_and_drop_events(
        world: Cluster) -> None:
    result = kubectl(world, "describe pods -l app=web")
    first, second = result.stdout.split("\n\n\n")
    assert first.startswith("Name:             web-7bdc7cbfb-ds5xk\n")
    assert second.startswith("Name:             web-7bdc7cbfb-npwpk\n")
    assert "Events:" not in result.stdout
    with_events = kubectl(world, "describe pods -l app=web --show-events=true")
    assert with_events.stdout.count("\nEvents:\n") == 2


def test_show_events_false(world: Cluster) -> None:
    result = kubectl(world, "describe deployment web --show-events=false")
    assert result.stdout == DEPLOYMENT.split("Events:\n")[0]


def test_slash_form_and_namespace_flags(world: Cluster) -> None:
    assert kubectl(world, "describe pod/crash").stdout == POD_CRASH
    system = kubectl(world, "describe sa default -n kube-system")
    assert "Namespace:           kube-system\n" in system.stdout
    everywhere = kubectl(world, "describe sa -A")
    assert everywhere.stdout.count("Name:                default\n") == 4
    empty = kubectl(world, "describe pods -l app=none")
    assert (empty.stdout, empty.stderr) == ("", "No resources found in default namespace.\n")


def test_reference_service_layout() -> None:
    w = PrefixWriter()
    for key, value in (("Name", "web"), ("Namespace", "default"), ("Labels", "app=web"),
                       ("Annotations", "<none>"), ("Selector", "app=web")):
        w.write(0, f"{key}:\t{value}\n")
    w.write(0, "Port:\t<unset>\t80/TCP\n")
    w.write(0, "Internal Traffic Policy:\tCluster\n")
    w.write(0, "Events:\t<none>\n")
    assert w.text() == (
        "Name:                     web\n"
        "Namespace:                default\n"
        "Labels:                   app=web\n"
        "Annotations:              <none>\n"
        "Selector:                 app=web\n"
        "Port:                     <unset>  80/TCP\n"
        "Internal Traffic Policy:  Cluster\n"
        "Events:                   <none>\n")


def test_pod_condition_rows_end_with_one_space() -> None:
    rows = [line for line in POD_CRASH.splitlines() if line.startswith("  Ready  ")]
    assert rows == ["  Ready                       False "]


def test_timestamps_quantities_and_labels() -> None:
    assert rfc1123("2026-11-27T01:16:01Z") == "Fri, 27 Nov 2026 01:16:01 +0000"
    assert rfc1123(None) == "Mon, 01 Jan 0001 00:00:00 +0000"
    from datetime import datetime, timedelta, timezone
    moment = datetime(2026, 3, 1, 8, 5, 9, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))
    assert format_rfc1123(moment) == "Sun, 01 Mar 2026 08:05:09 -0530"
    assert [canonical_quantity(q) for q in ("8388608Ki", "16365256Ki", "1000m", "100m", "2000",
                                            "0.5", "1536Mi", "0")] == \
        ["8Gi", "16365256Ki", "1", "100m", "2k", "500m", "1536Mi", "0"]
    assert [smart_label(f) for f in ("apiVersion", "creationTimestamp", "uid", "podCIDRs",
                                     "kubernetes.io/name")] == \
        ["API Version", "Creation Timestamp", "UID", "Pod CIDRs", "kubernetes.io/name"]
