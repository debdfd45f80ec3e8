"""The container shell: scripts from the Kubernetes docs behave as on a real busybox pod."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.engine.images.filesystem import FileSystem, busybox_root
from playground.engine.images.shell import (
    DnsAnswer,
    HttpResult,
    ShellContext,
    Sleep,
    TcpResult,
    find_executable,
    run,
)
from playground.engine.images.shell_api import DEBIAN_COMMANDS

START = 1_795_000_000.0  # Wed Nov 18 2026, 11:06:40 UTC
NGINX_PAGE = "x" * 615


@dataclass
class FakeNetwork:
    """A cluster with Services by name; records every DNS question."""

    services: dict[str, str] = field(default_factory=lambda: {"web": "10.96.0.12"})
    pages: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    timing_out: set[str] = field(default_factory=set)
    queries: list[tuple[str, str]] = field(default_factory=list)
    namespace: str = "default"

    def _ip(self, host: str) -> str | None:
        if host in self.services.values():
            return host
        short = host.removesuffix(".svc.cluster.local").removesuffix(f".{self.namespace}")
        return self.services.get(short)

    def http_get(self, url: str, source: str) -> HttpResult:
        rest = url.split("://", 1)[-1]
        hostport, _, path = rest.partition("/")
        host = hostport.split(":")[0]
        ip = self._ip(host)
        if ip is None:
            return HttpResult(error="bad address", elapsed=0.01)
        address = f"{ip}:{hostport.split(':')[1] if ':' in hostport else 80}"
        if host in self.refused:
            return HttpResult(error="connection refused", address=address, elapsed=0.001)
        if host in self.timing_out:
            return HttpResult(error="timed out", address=address, elapsed=127.0)
        status, reason, body = self.pages.get("/" + path, (200, "OK", NGINX_PAGE))
        return HttpResult(status=status, reason=reason, body=body, address=address,
                          headers={"Server": "nginx/1.27.4"}, elapsed=0.002)

    def resolve(self, name: str, qtype: str = "A") -> DnsAnswer:
        self.queries.append((name, qtype))
        if qtype == "PTR":
            return DnsAnswer(name, "NXDOMAIN")
        for svc, ip in self.services.items():
            if name == f"{svc}.{self.namespace}.svc.cluster.local":
                return DnsAnswer(name, "NOERROR", (ip,) if qtype == "A" else ())
        return DnsAnswer(name, "NXDOMAIN")

    def tcp_connect(self, host: str, port: int) -> TcpResult:
        ip = self._ip(host)
        if ip is None:
            return TcpResult(False, "bad address")
        if host in self.refused or port != 80:
            return TcpResult(False, "connection refused", f"{ip}:{port}")
        return TcpResult(True, None, f"{ip}:{port}", 0.001)


@dataclass
class Container:
    """A process under test, driven one Sleep at a time on a fake clock."""

    argv: list[str]
    network: FakeNetwork | None = None
    env: dict[str, str] | None = None
    fs: FileSystem = field(default_factory=lambda: busybox_root("mypod", "10.244.1.5"))
    stdin: str = ""
    now: float = START
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    status: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        env = self.env if self.env is not None else {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOSTNAME": "mypod", "GREETING": "hello", "HOME": "/root",
        }
        self.ctx = ShellContext(
            env=env, fs=self.fs, hostname="mypod", stdout=self.out.append,
            stderr=self.err.append, now=lambda: self.now, network=self.network,
            pod_ip="10.244.1.5", stdin=self.stdin, **self.extra,  # type: ignore[arg-type]
        )
        self.gen: Generator[Sleep, None, int] = run(self.argv, self.ctx)

    def step(self) -> Sleep | None:
        """Run until the next sleep (returned) or the end (None)."""
        try:
            sleep = next(self.gen)
        except StopIteration as stop:
            self.status = stop.value
            return None
        assert isinstance(sleep, Sleep)
        self.sleeps.append(sleep.seconds)
        if math.isfinite(sleep.seconds):
            self.now += sleep.seconds
        return sleep

    def finish(self, max_yields: int = 1000) -> int:
        for _ in range(max_yields):
            sleep = self.step()
            if sleep is None:
                assert self.status is not None
                return self.status
            if math.isinf(sleep.seconds):
                break
        raise AssertionError(f"still running after {self.sleeps[-5:]}")

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


def sh(script: str, **kw: object) -> Container:
    c = Container(["/bin/sh", "-c", script], **kw)  # type: ignore[arg-type]
    c.finish()
    return c


# -- the documentation's containers ------------------------------------------------------------


def test_exec_liveness_script_keeps_the_file_for_30_seconds() -> None:
    c = Container(["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"])
    assert c.step() == Sleep(30)
    assert c.fs.is_file("/tmp/healthy")
    probe = Container(["cat", "/tmp/healthy"], fs=c.fs)
    assert probe.finish() == 0
    assert c.step() == Sleep(600)
    assert not c.fs.exists("/tmp/healthy")
    probe = Container(["cat", "/tmp/healthy"], fs=c.fs)
    assert probe.finish() == 1
    assert probe.stderr == "cat: can't open '/tmp/healthy': No such file or directory\n"
    assert c.step() is None
    assert c.status == 0


def test_crash_loop_exit_code() -> None:
    assert sh("exit 1").status == 1
    assert Container(["sh", "-c", "exit 1"]).finish() == 1
    assert sh("exit 300").status == 44


def test_hello_loop_prints_every_ten_seconds() -> None:
    c = Container(["/bin/sh", "-c", "while true; do echo hello; sleep 10; done"])
    for n in range(1, 4):
        assert c.step() == Sleep(10)
        assert c.stdout == "hello\n" * n


def test_app_is_running_then_sleeps() -> None:
    c = Container(["sh", "-c", 'echo "The app is running!" && sleep 3600'])
    assert c.step() == Sleep(3600)
    assert c.stdout == "The app is running!\n"
    assert c.step() is None and c.status == 0


def test_cronjob_command_prints_date_and_greeting() -> None:
    c = sh("date; echo Hello from the Kubernetes cluster")
    assert c.stdout == "Wed Nov 18 11:06:40 UTC 2026\nHello from the Kubernetes cluster\n"


def test_init_container_waits_for_the_service() -> None:
    net = FakeNetwork(services={})
    fs = busybox_root("myapp-pod")
    fs.mkdir("/var/run/secrets/kubernetes.io/serviceaccount", parents=True)
    fs.write("/var/run/secrets/kubernetes.io/serviceaccount/namespace", "default")
    script = ("until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/"
              "namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done")
    c = Container(["sh", "-c", script], network=net, fs=fs)
    assert c.step() == Sleep(2)
    assert c.stdout == (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        "** server can't find myservice.default.svc.cluster.local: NXDOMAIN\n\n"
        "** server can't find myservice.default.svc.cluster.local: NXDOMAIN\n\n"
        "waiting for myservice\n"
    )
    assert c.step() == Sleep(2)
    net.services["myservice"] = "10.96.0.50"
    c.out.clear()
    assert c.step() is None
    assert c.status == 0
    assert c.stdout == (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        "Name:\tmyservice.default.svc.cluster.local\nAddress: 10.96.0.50\n\n\n"
    )
    assert ("myservice.default.svc.cluster.local", "A") in net.queries


def test_nslookup_short_name_uses_search_domains() -> None:
    net = FakeNetwork()
    c = sh("nslookup web", network=net)
    assert c.status == 1  # the other search domains answer NXDOMAIN
    assert "Name:\tweb.default.svc.cluster.local\nAddress: 10.96.0.12\n" in c.stdout
    assert "** server can't find web.svc.cluster.local: NXDOMAIN\n" in c.stdout
    assert sh("nslookup nosuch.default.svc.cluster.local", network=net).stdout.endswith(
        "** server can't find nosuch.default.svc.cluster.local: NXDOMAIN\n\n")


def test_nslookup_busybox_128_format() -> None:
    net = FakeNetwork()
    c = Container(["nslookup", "web"], network=net, extra={"busybox_version": (1, 28)})
    assert c.finish() == 0
    assert c.stdout == ("Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\n"
                        "Name:      web\nAddress 1: 10.96.0.12\n")
    c = Container(["nslookup", "nosuch"], network=net, extra={"busybox_version": (1, 28)})
    assert c.finish() == 1
    assert c.stderr == "nslookup: can't resolve 'nosuch'\n"


def test_env_printenv_and_hosts_in_exec() -> None:
    c = Container(["env"])
    assert c.finish() == 0
    assert c.stdout.splitlines()[:2] == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=mypod"]
    assert "SHLVL" not in c.stdout
    assert Container(["printenv", "GREETING"]).finish() == 0
    c = Container(["printenv", "NOPE"])
    assert c.finish() == 1 and c.stdout == ""
    c = Container(["cat", "/etc/hosts"])
    c.finish()
    assert c.stdout.endswith("fe00::2\tip6-allrouters\n10.244.1.5\tmypod\n")
    assert sh("hostname").stdout == "mypod\n"
    assert "SHLVL=1\n" in sh("env").stdout


def test_wget_quiet_to_stdout() -> None:
    net = FakeNetwork(pages={"/hostname": (200, "OK", "web-7d9f8c6b5-x2k9p")})
    c = Container(["wget", "-qO-", "http://web/hostname"], network=net)
    assert c.finish() == 0
    assert c.stdout == "web-7d9f8c6b5-x2k9p" and c.stderr == ""
    assert c.sleeps == [0.002]


def test_wget_progress_to_stdout() -> None:
    c = sh("wget -O- http://web", network=FakeNetwork())
    assert c.stdout == NGINX_PAGE
    assert c.stderr == (
        "Connecting to web (10.96.0.12:80)\nwriting to stdout\n"
        "-                    100% |********************************|   615  0:00:00 ETA\n"
        "written to stdout\n"
    )


def test_wget_saves_index_html_like_the_helm_test() -> None:
    net = FakeNetwork()
    c = Container(["wget", "web:80"], network=net)
    assert c.finish() == 0
    assert c.fs.read("/index.html") == NGINX_PAGE
    assert c.stderr == (
        "Connecting to web (10.96.0.12:80)\nsaving to 'index.html'\n"
        "index.html           100% |********************************|   615  0:00:00 ETA\n"
        "'index.html' saved\n"
    )
    again = Container(["wget", "web:80"], network=net, fs=c.fs)
    assert again.finish() == 1
    assert again.stderr.endswith("wget: can't open 'index.html': File exists\n")


@pytest.mark.parametrize(
    ("script", "stderr", "status"),
    [
        ("wget -q nosuch", "wget: bad address 'nosuch'\n", 1),
        ("wget -qO- http://down", ("wget: can't connect to remote host (10.96.229.109): "
                                  "Connection refused\n"), 1),
        ("wget -qO- http://web/x", "wget: server returned error: HTTP/1.1 404 Not Found\n", 1),
        ("wget -T 5 -qO- http://slow", "wget: download timed out\n", 1),
        ("wget -qO- http://slow", ("wget: can't connect to remote host (10.96.0.99): "
                                  "Connection timed out\n"), 1),
    ],
)
def test_wget_errors(script: str, stderr: str, status: int) -> None:
    net = FakeNetwork(services={"web": "10.96.0.12", "down": "10.96.229.109",
                               "slow": "10.96.0.99"},
                      pages={"/x": (404, "Not Found", "")}, refused={"down"},
                      timing_out={"slow"})
    c = sh(script, network=net)
    assert (c.stderr, c.status) == (stderr, status)


def test_wget_without_network_is_a_bad_address() -> None:
    c = sh("wget -qO- http://web")
    assert c.stderr == "wget: bad address 'web'\n" and c.status == 1


def test_nc_z() -> None:
    net = FakeNetwork()
    assert sh("nc -z web 80", network=net).status == 0
    assert sh("nc -z web 81", network=net).status == 1
    assert sh("nc -z -w 2 nosuch 80", network=net).status == 1


def test_missing_commands() -> None:
    c = sh("curl web")
    assert (c.stderr, c.status) == ("/bin/sh: curl: not found\n", 127)
    c = Container(["sh", "-c", "curl web; echo $?"])
    c.finish()
    assert (c.stderr, c.stdout) == ("sh: curl: not found\n", "127\n")
    assert Container(["curl", "web"]).finish() == 128  # StartError: no such binary
    ctx = Container(["true"]).ctx
    assert not find_executable("curl", ctx)
    assert find_executable("/bin/sh", ctx) and find_executable("wget", ctx)
    assert Container(["nginx"], extra={"applets": DEBIAN_COMMANDS}).finish() == 128


def test_image_programs_are_found() -> None:
    def nginx(inv: object) -> Generator[Sleep, None, int]:
        yield Sleep(math.inf)
        return 0

    c = Container(["sh", "-c", "echo start; nginx -g 'daemon off;'"],
                  extra={"programs": {"nginx": nginx}})
    assert c.step() == Sleep(math.inf)
    assert c.stdout == "start\n"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("fi", 'syntax error: unexpected "fi"'),
        ("if true; then echo", 'syntax error: unexpected end of file (expecting "fi")'),
        ("echo )", 'syntax error: unexpected ")"'),
        ("echo 'abc", "syntax error: unterminated quoted string"),
        ("while true; echo", 'syntax error: unexpected end of file (expecting "do")'),
        ("; echo", 'syntax error: unexpected ";"'),
        ("echo ${a b}", "syntax error: bad substitution"),
    ],
)
def test_syntax_errors_read_like_ash(script: str, message: str) -> None:
    c = Container(["sh", "-c", script])
    assert c.finish() == 2
    assert c.stderr == f"sh: {message}\n"


def test_commands_before_a_syntax_error_run() -> None:
    c = sh("echo first\nfi")
    assert c.stdout == "first\n" and c.status == 2


# -- the language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "stdout"),
    [
        ("false; echo $?; true; echo $?", "1\n0\n"),
        ('echo "$GREETING, ${GREETING}!" ${NOPE:-default} ${GREETING:+set}', ("hello, hello! "
                                                                             "default set\n")),
        ("A=1; export B=2; echo $A$B; env | grep -c '^A='", "12\n0\n"),
        ("A=5 printenv A; echo ${A:-unset}", "5\nunset\n"),
        ("echo $((2 + 3 * 4)) $((7 / 2)) $((7 % 3)) $((1 << 4)) $((3 > 2 && 1))", "14 3 1 16 1\n"),
        ("i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo $i", "3\n"),
        ("for x in a b c; do [ $x = b ] && continue; echo $x; done", "a\nc\n"),
        ("for x in 1 2 3; do for y in 1 2; do [ $y = 2 ] && break 2; echo $x$y; done; done",
         "11\n"),
        ("case foo.txt in *.log) echo log;; *.txt|*.md) echo text;; esac", "text\n"),
        ("f() { echo \"$1-$2\"; return 7; }; f a b; echo $?", "a-b\n7\n"),
        ("x=$(echo hi; echo there); echo \"$x\"", "hi\nthere\n"),
        ("echo `echo back` $(echo $(echo nested))", "back nested\n"),
        ("! false && echo negated", "negated\n"),
        ("false || echo or; true && echo and", "or\nand\n"),
        ("(cd /tmp; pwd); pwd", "/tmp\n/\n"),
        ("{ echo a; echo b; } | wc -l", "2\n"),
        ("echo one two | tr a-z A-Z", "ONE TWO\n"),
        ("printf '%s=%d\\n' a 1 b 2", "a=1\nb=2\n"),
        ("printf '%5.2f|%-4s|%03d\\n' 3.14159 ab 7", " 3.14|ab  |007\n"),
        ("echo -n no; echo -e 'a\\tb'", "noa\tb\n"),
        ("seq 3; seq -s, 2 4", "1\n2\n3\n2,3,4\n"),
        ("echo hello > /tmp/f; echo world >> /tmp/f; cat /tmp/f; wc -l < /tmp/f",
         "hello\nworld\n2\n"),
        ("ls /nope 2>/dev/null || echo missing", "missing\n"),
        ("ls /nope 2>&1 | head -1", "ls: /nope: No such file or directory\n"),
        ("mkdir -p /a/b/c && touch /a/b/c/f && ls -R /a/b/c; ls /a/b", "f\nc\n"),
        ("echo a b c | while read x y; do echo \"$y\"; done", "b c\n"),
        ("set -- x 'y z'; echo $#; for a in \"$@\"; do echo \"[$a]\"; done", "2\n[x]\n[y z]\n"),
        ("basename /a/b/c.txt .txt; dirname /a/b/c.txt", "c\n/a/b\n"),
        ("expr 2 + 3; expr length hello", "5\n5\n"),
        ("id; whoami", "uid=0(root) gid=0(root) groups=0(root),10(wheel)\nroot\n"),
        ("test -d /tmp && [ -f /etc/hosts ] && [ ! -e /x ] && echo ok", "ok\n"),
        ("echo ${HOME#/} ${PATH%%:*} ${#HOSTNAME}", "root /usr/local/sbin 5\n"),
        ("cat <<EOF\nhome=$HOME\nEOF\ncat <<'EOF'\nraw=$HOME\nEOF", "home=/root\nraw=$HOME\n"),
        ("echo /etc/host*", "/etc/hostname /etc/hosts\n"),
        ("grep -i LOCALHOST /etc/hosts | head -n 1", "127.0.0.1\tlocalhost\n"),
        ("trap 'echo bye' EXIT; echo hi", "hi\nbye\n"),
        ("eval 'x=5'; echo $x", "5\n"),
        ("echo $0 $1 $2", "arg0 a b\n"),
    ],
)
def test_language(script: str, stdout: str) -> None:
    c = Container(["sh", "-c", script, "arg0", "a", "b"])
    c.finish()
    assert c.stdout == stdout, c.stderr


def test_sh_c_positional_parameters() -> None:
    c = Container(["sh", "-c", 'echo "$0|$1|$#|$@"', "name", "one", "two"])
    c.finish()
    assert c.stdout == "name|one|2|one two\n"


def test_set_e_stops_at_the_first_failure() -> None:
    c = sh("set -e; echo a; false; echo b")
    assert (c.stdout, c.status) == ("a\n", 1)


def test_sleep_forms() -> None:
    assert Container(["sleep", "1.5"]).finish() == 0
    c = Container(["sh", "-c", "sleep 5s; sleep 1m; sleep 1h"])
    c.finish()
    assert c.sleeps == [5, 60, 3600]
    c = Container(["sleep", "infinity"])
    assert c.step() == Sleep(math.inf)
    c = Container(["sleep", "abc"])
    assert c.finish() == 1
    assert c.stderr == "sleep: invalid number 'abc'\n"


def test_background_job_and_wait() -> None:
    c = sh("(sleep 5; echo bg) & echo fg; wait; echo done")
    assert c.stdout == "fg\nbg\ndone\n"
    assert c.sleeps == [5]


def test_background_jobs_interleave_with_the_shell() -> None:
    c = Container(["sh", "-c", "while true; do echo tick; sleep 3; done & sleep 7; echo end"])
    c.finish()
    assert c.stdout == "tick\ntick\ntick\nend\n"
    assert c.sleeps == [3, 3, 1]


def test_kill_background_job() -> None:
    c = sh("sleep 100 & pid=$!; kill $pid; wait $pid; echo $?")
    assert c.stdout == "143\n"
    assert c.sleeps == []


def test_busy_loop_lets_time_pass() -> None:
    c = Container(["sh", "-c", "while true; do :; done"])
    for _ in range(3):
        sleep = c.step()
        assert sleep is not None and 0 < sleep.seconds < 1


def test_step_limit_and_output_cap() -> None:
    c = Container(["sh", "-c", "while :; do echo spam; done"],
                  extra={"step_limit": 50_000, "output_limit": 1000})
    assert c.finish(max_yields=100) == 137
    assert len(c.stdout) == 1000


def test_yes_into_head_stops() -> None:
    c = sh("yes | head -2")
    assert c.stdout == "y\ny\n" and c.status == 0


def test_files_shared_through_a_mounted_volume() -> None:
    shared = FileSystem()
    writer_fs = busybox_root("two-containers")
    writer_fs.mount("/pod-data", shared)
    reader_fs = busybox_root("two-containers")
    reader_fs.mount("/usr/share/nginx/html", shared)
    Container(["/bin/sh", "-c", "echo Hello from the debian container > /pod-data/index.html"],
              fs=writer_fs).finish()
    c = Container(["cat", "/usr/share/nginx/html/index.html"], fs=reader_fs)
    c.finish()
    assert c.stdout == "Hello from the debian container\n"


def test_configmap_volume_listing() -> None:
    fs = busybox_root("pod")
    volume = FileSystem()
    volume.write("/SPECIAL_LEVEL", "very")
    volume.write("/SPECIAL_TYPE", "charm")
    volume.read_only = True
    fs.mount("/etc/config", volume)
    c = Container(["/bin/sh", "-c", "ls /etc/config/"], fs=fs)
    c.finish()
    assert c.stdout == "SPECIAL_LEVEL\nSPECIAL_TYPE\n"
    c = Container(["sh", "-c", "echo x > /etc/config/new"], fs=fs)
    assert c.finish() == 1
    assert c.stderr == "sh: can't create /etc/config/new: Read-only file system\n"


def test_scripts_in_files_need_execute_permission() -> None:
    fs = busybox_root("pod")
    fs.write("/run.sh", "#!/bin/sh\necho from script $1\n")
    c = Container(["sh", "-c", "/run.sh x; sh /run.sh y; chmod +x /run.sh; /run.sh z"], fs=fs)
    c.finish()
    assert c.stdout == "from script y\nfrom script z\n"
    assert c.stderr == "sh: /run.sh: Permission denied\n"


def test_exit_status_of_kubectl_exec_commands() -> None:
    assert Container(["cat", "/tmp/healthy"]).finish() == 1
    assert Container(["ls", "/"]).finish() == 0
    assert Container(["true"]).finish() == 0
    assert Container(["sh"]).finish() == 0  # busybox's default command with no TTY
    c = Container(["sh"], stdin="echo from stdin\n")
    c.finish()
    assert c.stdout == "from stdin\n"


# -- every command in the conformance manifests that a busybox/alpine image runs --------------

CONFORMANCE = [
    (["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"], 0),
    (["sleep", "3600"], None),
    (["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"], 0),
    (["/bin/sh", "-c", "ls /etc/config/"], 0),
    (["/bin/sh", "-c", "env"], 0),
    (["/bin/sh", "-c", "echo Hello from the debian container > /pod-data/index.html"], 0),
    (["wget", "mychart:80"], 0),
]


@pytest.mark.parametrize(("argv", "status"), CONFORMANCE)
def test_conformance_commands_run(argv: list[str], status: int | None) -> None:
    fs = busybox_root("pod")
    fs.mkdir("/etc/config")
    fs.mkdir("/pod-data")
    c = Container(argv, fs=fs, network=FakeNetwork(services={"mychart": "10.96.0.30"}))
    if status is None:
        assert c.step() == Sleep(3600)
    else:
        assert c.finish() == status
        assert c.stderr.count("not found") == 0


# -- robustness ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("ab $(){}[]'\"`\\|&;<>!*?=#-:%\n\t0123") +
                                ["if", "then", "fi", "while", "do", "done", "for", "case",
                                 "esac", "in", "echo", "sleep 1", "$((", "${", "<<", "exit",
                                 "break", "cat", "wait", "true", "eval", "sh -c", "f()"]),
                max_size=40).map("".join))
def test_any_script_ends_without_a_traceback(script: str) -> None:
    c = Container(["sh", "-c", script], extra={"step_limit": 2000, "output_limit": 10_000})
    yields = 0
    while c.step() is not None:
        yields += 1
        assert yields <= 2000
        if c.sleeps and math.isinf(c.sleeps[-1]):
            break
    assert c.status is None or 0 <= c.status <= 255
