"""Web servers the catalog's images run: nginx, Apache httpd, Apache+PHP (hpa-example and the
guestbook frontend), and the shared static-file logic they answer requests with.

Pages come from the container's filesystem at request time, so a volume mounted over the
document root (an emptyDir a sidecar writes, a PVC) changes what the server answers, exactly
as on a real cluster. Log lines follow each server's default format and stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playground.engine.images.filesystem import FileSystem, FileSystemError, normalize
from playground.engine.images.host import HttpRequest, HttpResponse
from playground.engine.images.programs_base import (
    Context,
    Gen,
    clf_time,
    http_date,
    listen,
    program,
    response,
    version_tuple,
    wait,
)
from playground.engine.images.shell_api import Invocation, Program, Sleep

CONTENT_TYPES = {
    "html": "text/html", "htm": "text/html", "txt": "text/plain", "css": "text/css",
    "js": "application/javascript", "json": "application/json", "png": "image/png",
    "jpg": "image/jpeg", "svg": "image/svg+xml", "xml": "text/xml", "ico": "image/x-icon",
}


@dataclass(frozen=True)
class Lookup:
    """What the document root holds for a request path."""

    status: int
    path: str
    body: str = ""
    location: str = ""


def find_document(fs: FileSystem, root: str, url_path: str, index: str = "index.html") -> Lookup:
    """Map a URL path to a file under `root` the way a static server does."""
    clean = normalize(url_path.split("?", 1)[0] or "/")
    full = normalize(root + clean)
    if fs.is_dir(full):
        if not url_path.endswith("/"):
            return Lookup(301, full, location=clean + "/")
        candidate = normalize(full + "/" + index)
        if fs.is_file(candidate):
            return Lookup(200, candidate, fs.read(candidate))
        return Lookup(403, full.rstrip("/") + "/")
    if fs.is_file(full):
        return Lookup(200, full, fs.read(full))
    return Lookup(404, full)


def content_type(path: str) -> str:
    """The MIME type a stock server config gives a file name."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return CONTENT_TYPES.get(ext, "application/octet-stream")


# -- nginx -----------------------------------------------------------------------------------


def nginx_error_page(status: int, reason: str, version: str) -> str:
    """nginx's built-in error page (CRLF line ends)."""
    title = f"{status} {reason}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n"
            "</body>\r\n</html>\r\n")


def _built_by(version: tuple[int, ...], alpine: bool) -> str:
    if alpine:
        if version >= (1, 27, 4):
            return "gcc 14.2.0 (Alpine 14.2.0)"
        if version >= (1, 25):
            return "gcc 13.2.1 20231014 (Alpine 13.2.1_git20231014)"
        return "gcc 12.2.1 20220924 (Alpine 12.2.1_git20220924-r4)"
    if version >= (1, 29, 1):
        return "gcc 14.2.0 (Debian 14.2.0-19)"
    if version >= (1, 24):
        return "gcc 12.2.0 (Debian 12.2.0-14)"
    if version >= (1, 21):
        return "gcc 10.2.1 20210110 (Debian 10.2.1-6)"
    return "gcc 8.3.0 (Debian 8.3.0-6)"


SIGNAL_NUMBERS = {"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGTERM": 15, "SIGWINCH": 28,
                  "SIGUSR1": 10}

_DEFAULT_CONF = "/etc/nginx/conf.d/default.conf"


@program("nginx", "nginx", "docker-entrypoint.sh", stateless=True)
def _nginx(ctx: Context) -> dict[str, Program]:
    image = ctx.image
    version = str(image.param("version", "1.27.3"))
    v = version_tuple(version)
    alpine = bool(image.param("alpine", False))
    notices = v >= (1, 19)
    root = str(image.param("root", "/usr/share/nginx/html"))
    ports = [int(p) for p in image.param("ports", [80])]
    workers = max(1, int(getattr(ctx.host, "node_cpus", 1) or 1))
    worker_pids = list(range(29, 29 + workers))

    def entrypoint(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if args and args[0] in ("nginx", "nginx-debug") and not inv.env.get(
                "NGINX_ENTRYPOINT_QUIET_LOGS"):
            inv.out("".join(line + "\n" for line in _entrypoint_lines(inv, v)))
        if not args:
            return 0
        status = yield from inv.shell.exec_argv(args, inv.fds, {})
        return int(status)

    def nginx(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if "-v" in args or "-V" in args:
            inv.err(f"nginx version: nginx/{version}\n")
            if "-V" in args:
                inv.err(f"built by {_built_by(v, alpine)}\n")
            return 0
        if "-t" in args or "-T" in args:
            inv.err("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
                    "nginx: configuration file /etc/nginx/nginx.conf test is successful\n")
            return 0
        if "-s" in args:
            if notices:
                inv.err(f"{_err_time(inv)} [notice] 40#40: signal process started\n")
            return 0
        if not ctx.signals.claim(inv, SIGNAL_NUMBERS):
            ctx.signals.claim(inv, ())
        bound: list[int] = []
        state = {"connections": 0}
        handler = _nginx_handler(inv, version, root, worker_pids[0], state)
        try:
            for port in ports:
                for attempt in range(6):
                    problem = listen(ctx, port, "TCP", handler)
                    if problem is None:
                        bound.append(port)
                        break
                    if attempt == 5:
                        inv.err("nginx: [emerg] still could not bind()\n")
                        return 1
                    text = f"bind() to 0.0.0.0:{port} failed (98: Address already in use)"
                    inv.err(f"nginx: [emerg] {text}\n")
                    yield Sleep(0.5)
            if notices:
                t = _err_time(inv)
                inv.err("".join(f"{t} [notice] 1#1: {line}\n" for line in (
                    'using the "epoll" event method',
                    f"nginx/{version}",
                    f"built by {_built_by(v, alpine)}", "OS: Linux 6.8.0-51-generic",
                    "getrlimit(RLIMIT_NOFILE): 65536:65536", "start worker processes",
                    *(f"start worker process {pid}" for pid in worker_pids),
                )))
            ctx.host.set_usage(image.cpu_millis, image.memory_bytes)
            while True:
                got = yield from wait(ctx.signals)
                if got is None:
                    continue
                number = SIGNAL_NUMBERS.get(got, 0)
                if got == "SIGHUP":
                    if notices:
                        inv.err(f"{_err_time(inv)} [notice] 1#1: signal {number} (SIGHUP) "
                                "received, reconfiguring\n")
                    continue
                if notices:
                    _nginx_shutdown(inv, got, number, worker_pids)
                return 0
        finally:
            for port in bound:
                ctx.host.unlisten(port)
            ctx.signals.release(inv)

    return {"nginx": nginx, "docker-entrypoint.sh": entrypoint}


def _err_time(inv: Invocation) -> str:
    from playground.engine.images.programs_base import go_log_time

    return go_log_time(inv)


def _entrypoint_lines(inv: Invocation, v: tuple[int, ...]) -> list[str]:
    if v < (1, 19):
        return []
    me = "10-listen-on-ipv6-by-default.sh"
    lines = [
        ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
         "configuration"),
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        f"/docker-entrypoint.sh: Launching /docker-entrypoint.d/{me}",
    ]
    fs = inv.fs
    if fs.is_file(_DEFAULT_CONF):
        try:
            fs.touch(_DEFAULT_CONF, mtime=inv.ctx.now())
            writable = True
        except FileSystemError:
            writable = False
        if not writable:
            lines.append(f"{me}: info: can not modify {_DEFAULT_CONF} (read-only file system?)")
        else:
            conf = fs.read(_DEFAULT_CONF)
            lines.append(f"{me}: info: Getting the checksum of {_DEFAULT_CONF}")
            if "listen  [::]:80;" in conf:
                lines.append(f"{me}: info: IPv6 listen already enabled")
            elif "listen       80;" not in conf:
                lines.append(f"{me}: info: {_DEFAULT_CONF} differs from the packaged version")
            else:
                fs.write(_DEFAULT_CONF, conf.replace(
                    "listen       80;", "listen       80;\n    listen  [::]:80;", 1))
                lines.append(f"{me}: info: Enabled listen on IPv6 in {_DEFAULT_CONF}")
    if v >= (1, 25, 3):
        lines.append("/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh")
    lines.append("/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh")
    if v >= (1, 21):
        lines.append(
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh")
    lines.append("/docker-entrypoint.sh: Configuration complete; ready for start up")
    return lines


def _nginx_shutdown(inv: Invocation, signal: str, number: int, workers: list[int]) -> None:
    t = _err_time(inv)
    if signal == "SIGQUIT":
        inv.err(f"{t} [notice] 1#1: signal {number} (SIGQUIT) received, shutting down\n")
        for pid in workers:
            inv.err(f"{t} [notice] {pid}#{pid}: gracefully shutting down\n")
    else:
        inv.err(f"{t} [notice] 1#1: signal {number} ({signal}) received, exiting\n")
    for pid in workers:
        inv.err(f"{t} [notice] {pid}#{pid}: exiting\n{t} [notice] {pid}#{pid}: exit\n")
    for pid in workers:
        inv.err(f"{t} [notice] 1#1: signal 17 (SIGCHLD) received from {pid}\n"
                f"{t} [notice] 1#1: worker process {pid} exited with code 0\n")
    inv.err(f"{t} [notice] 1#1: exit\n")


def _nginx_handler(
    inv: Invocation, version: str, root: str, worker: int, state: dict[str, int],
) -> Callable[[HttpRequest], HttpResponse]:
    def handle(req: HttpRequest) -> HttpResponse:
        state["connections"] += 1
        conn = state["connections"]
        target = req.path + ("?" + "&".join(f"{k}={v}" for k, v in req.query.items())
                             if req.query else "")
        request_line = f"{req.method} {target} HTTP/1.1"
        base = {"Server": f"nginx/{version}", "Date": http_date(inv)}
        extra: dict[str, str] = {}
        if req.method not in ("GET", "HEAD"):
            status, body, ctype = 405, nginx_error_page(405, "Not Allowed", version), "text/html"
        else:
            found = find_document(inv.fs, root, req.path)
            if found.status == 200:
                status, body, ctype = 200, found.body, content_type(found.path)
                extra = {"Accept-Ranges": "bytes"}
            elif found.status == 301:
                status, body, ctype = 301, nginx_error_page(301, "Moved Permanently", version), \
                    "text/html"
                extra = {"Location": f"http://{req.host or 'localhost'}{found.location}"}
            else:
                reason = "Forbidden" if found.status == 403 else "Not Found"
                status, body, ctype = found.status, nginx_error_page(
                    found.status, reason, version), "text/html"
                what = (f'directory index of "{found.path}" is forbidden' if found.status == 403
                        else f'open() "{found.path}" failed (2: No such file or directory)')
                inv.err(f"{_err_time(inv)} [error] {worker}#{worker}: *{conn} {what}, client: "
                        f"{req.client_ip}, server: localhost, request: \"{request_line}\", "
                        f"host: \"{req.host}\"\n")
        length = len(body.encode())
        agent = req.headers.get("User-Agent", "-") or "-"
        referer = req.headers.get("Referer", "-") or "-"
        forwarded = req.headers.get("X-Forwarded-For", "-") or "-"
        inv.out(f'{req.client_ip} - - {clf_time(inv)} "{request_line}" {status} {length} '
                f'"{referer}" "{agent}" "{forwarded}"\n')
        return response(status, "" if req.method == "HEAD" else body, ctype,
                        {**base, **extra, "Connection": "keep-alive"})

    return handle


# -- Apache httpd and Apache+PHP -------------------------------------------------------------

APACHE_404 = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
    "<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on this server.</p>\n</body></html>\n"
)
APACHE_403 = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
    "<title>403 Forbidden</title>\n</head><body>\n<h1>Forbidden</h1>\n"
    "<p>You don't have permission to access this resource.</p>\n</body></html>\n"
)


def _apache_time(inv: Invocation) -> str:
    from playground.engine.images.programs_base import moment

    t = moment(inv)
    return f"[{t:%a %b %d %H:%M:%S}.{t.microsecond:06d} {t:%Y}]"


def _apache(
    ctx: Context, inv: Invocation, binary: str, mpm: str, banner: str,
    dynamic: Callable[[HttpRequest], HttpResponse | None] | None = None,
) -> Gen:
    root = str(ctx.image.param("root", "/usr/local/apache2/htdocs"))
    ctx.signals.claim(inv, ("SIGTERM", "SIGWINCH", "SIGINT", "SIGHUP", "SIGUSR1"))
    for _ in range(2):
        inv.err(f"AH00558: {binary}: Could not reliably determine the server's fully qualified "
                f"domain name, using {ctx.host.pod_ip}. Set the 'ServerName' directive globally "
                "to suppress this message\n")
    pid = "[pid 1:tid 1]" if mpm == "mpm_event" else "[pid 1]"

    def handle(req: HttpRequest) -> HttpResponse:
        answer = dynamic(req) if dynamic is not None else None
        if answer is None:
            found = find_document(inv.fs, root, req.path)
            if found.status == 200:
                answer = response(200, found.body, content_type(found.path))
            elif found.status == 301:
                answer = response(301, "", "text/html", {"Location": found.location})
            elif found.status == 403:
                answer = response(403, APACHE_403, "text/html; charset=iso-8859-1")
            else:
                answer = response(404, APACHE_404, "text/html; charset=iso-8859-1")
        headers = {"Date": http_date(inv), "Server": banner.split(" PHP/")[0], **answer.headers}
        size = len(answer.body.encode())
        agent = req.headers.get("User-Agent", "-") or "-"
        line = f'{req.client_ip} - - {clf_time(inv)} "{req.method} {req.path} HTTP/1.1" ' \
               f"{answer.status} {size}"
        if binary == "apache2":
            line += f' "{req.headers.get("Referer", "-") or "-"}" "{agent}"'
        inv.out(line + "\n")
        return HttpResponse(answer.status, answer.reason, headers, answer.body, answer.elapsed)

    problem = listen(ctx, 80, "TCP", handle)
    if problem is not None:
        inv.err("(98)Address already in use: AH00072: make_sock: could not bind to address "
                "0.0.0.0:80\nno listening sockets available, shutting down\n"
                "AH00015: Unable to open logs\n")
        return 1
    try:
        inv.err(f"{_apache_time(inv)} [{mpm}:notice] {pid} AH00489: {banner} configured -- "
                "resuming normal operations\n")
        inv.err(f"{_apache_time(inv)} [core:notice] {pid} AH00094: Command line: "
                f"'{binary} -D FOREGROUND'\n")
        ctx.host.set_usage(ctx.image.cpu_millis, ctx.image.memory_bytes)
        while True:
            got = yield from wait(ctx.signals)
            if got in (None, "SIGHUP", "SIGUSR1"):
                continue
            if got == "SIGWINCH":
                inv.err(f"{_apache_time(inv)} [{mpm}:notice] {pid} AH00492: caught SIGWINCH, "
                        "shutting down gracefully\n")
            else:
                inv.err(f"{_apache_time(inv)} [{mpm}:notice] {pid} AH00491: caught SIGTERM, "
                        "shutting down\n")
            return 0
    finally:
        ctx.host.unlisten(80)
        ctx.signals.release(inv)


@program("httpd", "httpd-foreground", "httpd", stateless=True)
def _httpd(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("version", "2.4.62"))

    def run(inv: Invocation) -> Gen:
        if "-v" in inv.argv:
            inv.out(f"Server version: Apache/{version} (Unix)\n")
            return 0
        status = yield from _apache(ctx, inv, "httpd", "mpm_event", f"Apache/{version} (Unix)")
        return int(status)

    return {"httpd-foreground": run, "httpd": run}


@program("hpa-example", "apache2-foreground", "apache2")
def _hpa_example(ctx: Context) -> dict[str, Program]:
    cost = int(ctx.image.param("cpuMillisPerRequest", 30))
    window = 15.0
    hits: list[float] = []
    now: list[Callable[[], float]] = []

    def report() -> None:
        if not now:
            return
        t = now[0]()
        while hits and hits[0] <= t - window:
            hits.pop(0)
        cpu = ctx.image.cpu_millis + int(cost * len(hits) / window)
        ctx.host.set_usage(cpu, ctx.image.memory_bytes)

    def page(req: HttpRequest) -> HttpResponse | None:
        if req.path not in ("/", "/index.php"):
            return None
        hits.append(now[0]())
        report()
        ctx.host.call_later(window + 0.001, report)
        return response(200, "OK!", "text/html; charset=UTF-8", elapsed=cost / 1000)

    def run(inv: Invocation) -> Gen:
        now.append(inv.ctx.now)
        status = yield from _apache(ctx, inv, "apache2", "mpm_prefork",
                                    "Apache/2.4.10 (Debian) PHP/5.6.40", page)
        return int(status)

    return {"apache2-foreground": run, "apache2": run}


GUESTBOOK_PAGE = """<html ng-app="redis">
  <head>
    <title>Guestbook</title>
    <link rel="stylesheet" href="//netdna.bootstrapcdn.com/bootstrap/3.1.1/css/bootstrap.min.css">
    <script src="https://ajax.googleapis.com/ajax/libs/angularjs/1.2.12/angular.min.js"></script>
    <script src="controllers.js"></script>
    <script src="https://cdnjs.cloudflare.com/ajax/libs/angular-ui-bootstrap/0.13.0/ui-bootstrap-tpls.js"></script>
  </head>
  <body ng-controller="RedisCtrl">
    <div style="width: 50%; margin-left: 20px">
      <h2>Guestbook</h2>
    <form>
    <fieldset>
    <input ng-model="msg" placeholder="Messages" class="form-control" type="text" name="input"><br>
    <button type="button" class="btn btn-primary" ng-click="controller.onRedis()">Submit</button>
    </fieldset>
    </form>
    <div>
      <div ng-repeat="msg in messages track by $index">
        {{msg}}
      </div>
    </div>
    </div>
  </body>
</html>
"""


@program("gb-frontend", "apache2-foreground", "apache2")
def _gb_frontend(ctx: Context) -> dict[str, Program]:
    store: dict[str, str] = {}

    def page(req: HttpRequest) -> HttpResponse | None:
        if req.path != "/guestbook.php":
            return None
        cmd, key = req.query.get("cmd", ""), req.query.get("key", "")
        if cmd == "set":
            store[key] = req.query.get("value", "")
            return response(200, '{"message": "Updated"}', "application/json")
        if cmd == "get":
            value = store.get(key, "").replace('"', '\\"')
            return response(200, f'{{"data": "{value}"}}', "application/json")
        return response(200, '{"message": "Invalid command"}', "application/json")

    def run(inv: Invocation) -> Gen:
        status = yield from _apache(ctx, inv, "apache2", "mpm_prefork",
                                    "Apache/2.4.38 (Debian) PHP/7.4.33", page)
        return int(status)

    return {"apache2-foreground": run, "apache2": run}
