"""Image programs driven on virtual time with a fake container host."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator
from typing import Any

import pytest

from playground.engine.images.catalog import Image, default_catalog, root_filesystem
from playground.engine.images.host import HttpHandler, HttpRequest, HttpResponse, address_in_use
from playground.engine.images.programs import StartError, programs_for, resolve_command
from playground.engine.images.programs_services import pi_digits
from playground.engine.images.shell import run
from playground.engine.images.shell_api import ShellContext, Sleep

START = 1767225600.0  # 2026-01-01 00:00:00 UTC


class FakeHost:
    """A container host that records what the program asked for."""

    container_name = "web"
    namespace = "default"
    pod_ip = "10.244.1.5"
    node_name = "node-1"
    node_cpus = 2

    def __init__(self, pod_name: str = "web-7d9f8c6b5-x2k9p") -> None:
        self.pod_name = pod_name
        self.hostname = pod_name
        self.ports: dict[int, HttpHandler | None] = {}
        self.udp: dict[int, HttpHandler | None] = {}
        self.usage: list[tuple[int, int]] = []
        self.woken = 0
        self.later: list[tuple[float, Callable[[], None]]] = []

    def listen(self, port: int, protocol: str, handler: HttpHandler | None) -> str | None:
        taken = self.ports if protocol == "TCP" else self.udp
        if port in taken:
            return address_in_use(port, protocol)
        taken[port] = handler
        return None

    def unlisten(self, port: int, protocol: str = "TCP") -> None:
        (self.ports if protocol == "TCP" else self.udp).pop(port, None)

    def set_usage(self, cpu_millis: int, memory_bytes: int) -> None:
        self.usage.append((cpu_millis, memory_bytes))

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        self.later.append((seconds, callback))

    def wake(self) -> None:
        self.woken += 1

    def get(self, port: int, path: str = "/", **query: str) -> HttpResponse:
        handler = self.ports[port]
        assert handler is not None
        return handler(HttpRequest("GET", path, query, {"User-Agent": "Wget"}, "10.244.2.7",
                                   "web", 40000))


class Container:
    """Runs an image's process the way the kubelet would, on a virtual clock."""

    def __init__(self, image: str, command: list[str] | None = None,
                 args: list[str] | None = None, env: dict[str, str] | None = None,
                 host: FakeHost | None = None) -> None:
        self.image: Image = default_catalog().pull(image)
        self.host = host or FakeHost()
        self.clock = START
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.table = programs_for(self.image, self.host)
        argv = resolve_command(self.image, command, args)
        assert not isinstance(argv, StartError), argv
        # The shell looks programs up by name; path-named entrypoints map to the same program.
        argv[0] = argv[0] if argv[0] in ("/bin/sh", "/bin/bash") else argv[0].rsplit("/", 1)[-1]
        ctx = ShellContext(
            env={**dict(self.image.env), **(env or {})},
            fs=root_filesystem(self.image, self.host.hostname, self.host.pod_ip),
            hostname=self.host.hostname, stdout=self.stdout.append, stderr=self.stderr.append,
            now=lambda: self.clock, applets=self.image.commands, programs=dict(self.table),
            pod_ip=self.host.pod_ip, cwd=self.image.working_dir,
        )
        self.gen: Generator[Sleep, None, int] = run(argv, ctx)
        self.wake_at = self.clock
        self.exit_code: int | None = None

    @property
    def logs(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    def _step(self) -> None:
        try:
            item: Any = next(self.gen)
        except StopIteration as stop:
            self.exit_code = int(stop.value or 0)
            return
        self.wake_at = self.clock + item.seconds

    def advance(self, seconds: float) -> None:
        target = self.clock + seconds
        while self.exit_code is None and self.wake_at <= target:
            self.clock = max(self.clock, self.wake_at)
            self._step()
        self.clock = target

    def signal(self, name: str) -> bool:
        handled = self.table.terminate(name)
        if handled:
            self._step()
            self.advance(0)
        return handled


def test_command_replaces_entrypoint_and_drops_cmd() -> None:
    image = default_catalog().pull("nginx:1.27.3")
    assert resolve_command(image, None, None) == ["/docker-entrypoint.sh", "nginx", "-g",
                                                  "daemon off;"]
    assert resolve_command(image, None, ["nginx-debug", "-g", "daemon off;"]) == [
        "/docker-entrypoint.sh", "nginx-debug", "-g", "daemon off;"]
    assert resolve_command(image, ["sh", "-c", "echo hi"], None) == ["sh", "-c", "echo hi"]
    assert resolve_command(image, ["sleep"], ["10"]) == ["sleep", "10"]
    agnhost = default_catalog().pull("registry.k8s.io/e2e-test-images/agnhost:2.40")
    assert resolve_command(agnhost, None, ["liveness"]) == ["/agnhost", "liveness"]
    assert resolve_command(agnhost, None, None) == ["/agnhost", "pause"]


def test_missing_executable_is_a_start_error() -> None:
    busybox = default_catalog().pull("busybox:1.36")
    error = resolve_command(busybox, ["curl", "http://web"], None)
    assert isinstance(error, StartError)
    assert error.exit_code == 128 and error.reason == "StartError"
    assert error.message.endswith(
        'exec: "curl": executable file not found in $PATH: unknown')
    pause = default_catalog().pull("registry.k8s.io/pause:3.8")
    error = resolve_command(pause, ["/bin/sh"], ["-c", "true"])
    assert isinstance(error, StartError)
    assert 'stat /bin/sh: no such file or directory' in error.message
    assert resolve_command(default_catalog().pull("debian"), ["/bin/sh"], ["-c", "x"]) == [
        "/bin/sh", "-c", "x"]


def test_nginx_serves_the_welcome_page_and_logs_access() -> None:
    c = Container("nginx:1.27.3")
    c.advance(1)
    assert c.exit_code is None
    assert 80 in c.host.ports
    assert "Configuration complete; ready for start up" in c.logs
    assert "[notice] 1#1: nginx/1.27.3" in c.logs
    assert "start worker process 30" in c.logs  # two node CPUs
    answer = c.host.get(80, "/")
    assert answer.status == 200
    assert len(answer.body.encode()) == 615
    assert answer.headers["Server"] == "nginx/1.27.3"
    assert answer.headers["Content-Length"] == "615"
    assert '10.244.2.7 - - [01/Jan/2026:00:00:01 +0000] "GET / HTTP/1.1" 200 615 "-" "Wget" "-"' \
        in "".join(c.stdout)


def test_nginx_404_and_files_written_into_the_document_root() -> None:
    c = Container("nginx:1.27.3")
    c.advance(1)
    missing = c.host.get(80, "/x")
    assert missing.status == 404
    assert "<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>" in (
        missing.body)
    assert 'open() "/usr/share/nginx/html/x" failed (2: No such file or directory), client: ' \
           '10.244.2.7, server: localhost, request: "GET /x HTTP/1.1", host: "web"' in (
               "".join(c.stderr))


def test_nginx_old_tag_is_quiet_and_serves_the_612_byte_page() -> None:
    c = Container("nginx:1.14.2")
    c.advance(1)
    assert c.logs == ""
    assert len(c.host.get(80).body.encode()) == 612


def test_nginx_stops_gracefully_on_sigquit() -> None:
    c = Container("nginx:1.27.3")
    c.advance(1)
    assert c.image.stop_signal == "SIGQUIT"
    assert c.signal("SIGQUIT")
    assert c.exit_code == 0
    assert "signal 3 (SIGQUIT) received, shutting down" in c.logs
    assert c.logs.rstrip().endswith("[notice] 1#1: exit")
    assert 80 not in c.host.ports


def test_nginx_port_taken_by_a_sibling_container() -> None:
    host = FakeHost()
    host.ports[80] = None
    c = Container("nginx:1.27.3", host=host)
    c.advance(10)
    assert c.exit_code == 1
    assert "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)" in c.logs
    assert "nginx: [emerg] still could not bind()" in c.logs


def test_sidecar_written_page_is_served() -> None:
    image = default_catalog().pull("nginx:1.27.3")
    host = FakeHost()
    table = programs_for(image, host)
    fs = root_filesystem(image, host.hostname, host.pod_ip)
    fs.write("/usr/share/nginx/html/index.html", "Hello from the debian container\n")
    ctx = ShellContext(env=dict(image.env), fs=fs, programs=dict(table), applets=image.commands,
                       now=lambda: START)
    gen = run(["nginx", "-g", "daemon off;"], ctx)
    next(gen)
    assert host.get(80).body == "Hello from the debian container\n"
    gen.close()
    assert 80 not in host.ports


def test_httpd_it_works() -> None:
    c = Container("httpd:2.4")
    c.advance(1)
    assert c.host.get(80).body == "<html><body><h1>It works!</h1></body></html>\n"
    assert "AH00094: Command line: 'httpd -D FOREGROUND'" in c.logs


def test_agnhost_netexec_hostname_and_echo() -> None:
    c = Container("registry.k8s.io/e2e-test-images/agnhost:2.39", args=["netexec",
                                                                           "--http-port=8080"])
    c.advance(1)
    assert "log.go:195] Started HTTP server on port 8080" in c.logs
    assert "Started UDP server on port  8081" in c.logs
    assert c.host.get(8080, "/hostname").body == "web-7d9f8c6b5-x2k9p"
    assert c.host.get(8080, "/echo", msg="hi", code="503").status == 503
    assert c.host.get(8080, "/clientip").body == "10.244.2.7:40000"
    shell = c.host.get(8080, "/shell", cmd="echo hello")
    assert shell.body == '{"output": "hello\\n"}'


def test_agnhost_exit_endpoint_ends_the_process() -> None:
    c = Container("registry.k8s.io/e2e-test-images/agnhost:2.40", args=["netexec"])
    c.advance(1)
    c.host.get(8080, "/exit", code="3")
    assert c.host.woken == 1
    c._step()
    assert c.exit_code == 3


def test_agnhost_liveness_fails_after_ten_seconds() -> None:
    c = Container("registry.k8s.io/e2e-test-images/agnhost:2.40", args=["liveness"])
    c.advance(5)
    assert c.host.get(8080, "/healthz").status == 200
    c.advance(7)
    failing = c.host.get(8080, "/healthz")
    assert failing.status == 500 and failing.body.startswith("error: 12")


def test_agnhost_pause_exits_2_on_sigterm() -> None:
    c = Container("registry.k8s.io/e2e-test-images/agnhost:2.40")
    c.advance(1)
    assert "Paused" in c.logs
    assert c.signal("SIGTERM")
    assert c.exit_code == 2


def test_postgres_without_password_exits_1() -> None:
    c = Container("postgres:17")
    c.advance(5)
    assert c.exit_code == 1
    assert "Error: Database is uninitialized and superuser password is not specified.\n" \
           "       You must specify POSTGRES_PASSWORD to a non-empty value for the\n" in c.logs


def test_postgres_with_password_becomes_ready() -> None:
    c = Container("postgres:17", env={"POSTGRES_PASSWORD": "secret"})
    c.advance(10)
    assert c.exit_code is None
    assert "LOG:  database system is ready to accept connections" in c.logs
    assert 5432 in c.host.ports


def test_mysql_without_password_exits_1() -> None:
    c = Container("mysql:8")
    c.advance(5)
    assert c.exit_code == 1
    assert "[ERROR] [Entrypoint]: Database is uninitialized and password option is not " \
           "specified" in c.logs
    assert "- MYSQL_RANDOM_ROOT_PASSWORD" in c.logs


def test_redis_ready_line_by_version() -> None:
    new = Container("redis:7.4.1")
    new.advance(1)
    assert new.logs.rstrip().endswith("* Ready to accept connections tcp")
    old = Container("docker.io/redis:6.0.5")
    old.advance(1)
    assert old.logs.rstrip().endswith("* Ready to accept connections")
    assert 6379 in old.host.ports


def test_perl_job_prints_pi() -> None:
    c = Container("perl:5.34.0", command=["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"])
    c.advance(30)
    assert c.exit_code == 0
    out = "".join(c.stdout)
    assert out.startswith("3.14159265358979323846264338327950288419716939937510")
    assert len(out.rstrip("\n")) == 2001 and out.endswith("\n") and out.count("\n") == 1
    assert 5 <= c.clock - START


def test_pi_digits_rounding() -> None:
    assert pi_digits(5) == "3.1416"
    assert pi_digits(50) == "3.1415926535897932384626433832795028841971693993751"


def test_perl_536_fails_on_bpi() -> None:
    c = Container("perl:5.36", command=["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"])
    c.advance(30)
    assert c.exit_code == 255
    assert "Can't use an undefined value as an ARRAY reference at" in c.logs


def test_perl_538_and_later_print_pi_again() -> None:
    for tag in ("5.38", "latest"):
        c = Container(f"perl:{tag}", command=["perl", "-Mbignum=bpi", "-wle", "print bpi(1000)"])
        c.advance(30)
        assert c.exit_code == 0
        assert "".join(c.stdout).startswith("3.14159265358979323846")


def test_crashloop_exits_1_after_logging_an_error() -> None:
    c = Container("playground/crashloop")
    c.advance(10)
    assert c.exit_code == 1
    assert "ERROR: could not connect to database" in "".join(c.stderr)


def test_leaky_memory_grows() -> None:
    c = Container("playground/leaky")
    c.advance(20)
    memory = [m for _, m in c.host.usage]
    assert len(memory) >= 5
    assert all(b > a for a, b in itertools.pairwise(memory))


def test_slow_start_listens_after_30_seconds() -> None:
    c = Container("playground/slow-start")
    c.advance(29)
    assert 8080 not in c.host.ports
    c.advance(2)
    assert c.host.get(8080, "/healthz").status == 200


def test_echo_answers_with_pod_name() -> None:
    c = Container("playground/echo:1.0", host=FakeHost("echo-abc12"))
    c.advance(1)
    assert c.host.get(8080).body == "Hello from echo-abc12\n"


def test_hpa_example_reports_cpu_per_request() -> None:
    c = Container("registry.k8s.io/hpa-example")
    c.advance(1)
    for _ in range(100):
        assert c.host.get(80).body == "OK!"
    cpu, _ = c.host.usage[-1]
    assert cpu >= 200
    c.clock += 20
    for _, callback in c.host.later:
        callback()
    assert c.host.usage[-1][0] < 10


def test_busybox_sleep_ignores_sigterm() -> None:
    c = Container("busybox:1.36", command=["sleep", "3600"])
    c.advance(1)
    assert not c.table.terminate("SIGTERM")


@pytest.mark.parametrize(("image", "code"), [
    ("registry.k8s.io/pause:3.8", 0), ("hashicorp/http-echo:1.0", 0),
    ("quay.io/fluentd_elasticsearch/fluentd:v5.0.1", 0),
    ("registry.k8s.io/coredns/coredns:v1.12.0", 0),
    # Go servers without a signal handler: the runtime exits 2 when PID 1 ignores the default.
    ("gcr.io/google-samples/hello-app:2.0", 2), ("registry.k8s.io/goproxy:0.1", 2),
    ("us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5", 0),
    ("us-docker.pkg.dev/google-samples/containers/gke/gb-redis-follower:v2", 0),
    ("registry.k8s.io/nginx-slim:0.8", 0), ("playground/cpu-burner", 0),
])
def test_servers_keep_running_and_stop_on_their_stop_signal(image: str, code: int) -> None:
    c = Container(image)
    c.advance(60)
    assert c.exit_code is None, c.logs
    assert c.signal(c.image.stop_signal)
    assert c.exit_code == code, c.logs


def test_memory_demo_stress_uses_150mi() -> None:
    c = Container("polinux/stress", command=["stress"],
                  args=["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"])
    c.advance(2)
    assert c.host.usage[-1][1] >= 150 * 1024 * 1024
    assert "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd" in c.logs
