"""What each image's processes do: the programs a container runs, and how its command is found.

`programs_for(image, host)` builds the executables an image adds to a container (`nginx`,
`redis-server`, `agnhost`…) as shell `Program`s bound to that container's `ContainerHost`; the
kubelet puts them in `ShellContext.programs` (and the image's `commands` in
`ShellContext.applets`) and runs the container's argv with `shell.run`. The returned table's
`terminate(signal)` delivers the stop signal (see `programs_base` for the protocol).

`resolve_command(image, command, args)` merges a container's `command`/`args` with the image's
ENTRYPOINT/CMD exactly as Kubernetes does and checks that the executable exists, returning a
`StartError` with the runtime's message when it does not (the container then shows
Terminated / StartError / exit code 128).

Program kinds live in `programs_web`, `programs_apps` and `programs_services`; importing this
module registers them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playground.engine.images import programs_apps as _apps  # noqa: F401  (registers kinds)
from playground.engine.images import programs_services as _services  # noqa: F401
from playground.engine.images import programs_web as _web  # noqa: F401
from playground.engine.images.host import ContainerHost
from playground.engine.images.programs_base import (
    PROGRAMS,
    Context,
    ProgramTable,
    Signals,
    version_tuple,
)
from playground.engine.images.programs_web import GUESTBOOK_PAGE
from playground.engine.images.shell_api import Program

if TYPE_CHECKING:
    from playground.engine.images.catalog import Image

__all__ = [
    "PROGRAMS", "ParkedPrograms", "ProgramTable", "StartError", "builtin_file",
    "program_commands", "programs_for", "rebuildable", "resolve_command",
]


def programs_for(image: Image, host: ContainerHost, signals: Signals | None = None
                 ) -> ProgramTable:
    """The image's programs for one container, by command name, with its signal inbox (a new
    one unless the container's `signals` are given)."""
    if signals is None:
        signals = Signals()
    ctx = Context(image, host, signals)
    table: dict[str, Any] = {}
    for kind in image.programs:
        table.update(PROGRAMS[kind].factory(ctx))
    # Entrypoints named by path (`/agnhost`, `./hello-app`) are the same programs.
    for argv in (image.entrypoint, image.cmd):
        if argv and "/" in argv[0] and argv[0].rsplit("/", 1)[-1] in table:
            table[argv[0]] = table[argv[0].rsplit("/", 1)[-1]]
    return ProgramTable(table, signals)


def rebuildable(image: Image) -> bool:
    """Whether every program kind of the image is stateless (see `Kind.stateless`), so that a
    container's table may be dropped and built again (`ParkedPrograms`)."""
    return all(PROGRAMS[kind].stateless for kind in image.programs)


class ParkedPrograms(ProgramTable):
    """The program table of a parked container, dropped: it keeps only the image, the host and
    the signal inbox, and builds the programs again the first time anything looks one up
    (an exec into the still-parked container). The kubelet swaps in a full table when the
    process is revived. Only for images whose kinds are all stateless (`rebuildable`)."""

    def __init__(self, image: Image, host: ContainerHost, signals: Signals) -> None:
        super().__init__({}, signals)
        self.image = image
        self.host = host
        self.built = False

    def rebuild(self) -> ProgramTable:
        """A full table for the same container (same signal inbox)."""
        return programs_for(self.image, self.host, self.signals)

    def _fill(self) -> None:
        if not self.built:
            self.built = True
            dict.update(self, self.rebuild())

    def __contains__(self, name: object) -> bool:
        self._fill()
        return dict.__contains__(self, name)

    def __getitem__(self, name: str) -> Program:
        self._fill()
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        self._fill()
        return dict.get(self, name, default)

    def __iter__(self) -> Iterator[str]:
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._fill()
        return dict.keys(self)

    def values(self) -> Any:
        self._fill()
        return dict.values(self)

    def items(self) -> Any:
        self._fill()
        return dict.items(self)


def program_commands(kinds: Sequence[str]) -> frozenset[str]:
    """The command names the given program kinds provide."""
    return frozenset(c for k in kinds for c in PROGRAMS[k].commands)


@dataclass(frozen=True)
class StartError:
    """Why the runtime could not start a container's process."""

    message: str
    reason: str = "StartError"
    exit_code: int = 128


_RUNC = ("failed to create containerd task: failed to create shim task: OCI runtime create "
         "failed: runc create failed: unable to start container process: error during "
         "container init: ")


def resolve_command(
    image: Image, command: Sequence[str] | None, args: Sequence[str] | None,
) -> list[str] | StartError:
    """The argv a container runs: `command` replaces ENTRYPOINT (and drops CMD), `args` alone
    replaces CMD. `$(VAR)` references must already be expanded by the caller."""
    if command:
        argv = [*command, *(args or [])]
    elif args:
        argv = [*image.entrypoint, *args]
    else:
        argv = [*image.entrypoint, *image.cmd]
    if not argv:
        return StartError("failed to create containerd container: no command specified",
                          reason="CreateContainerError", exit_code=128)
    name = argv[0]
    if "/" in name:
        base = name.rsplit("/", 1)[-1]
        provided = base in program_commands(image.programs) and (
            _on_path(name) or name in (image.entrypoint[:1] + image.cmd[:1]))
        if name in image.files or provided or base in image.commands and _on_path(name):
            return argv
        return StartError(f"{_RUNC}exec: \"{name}\": stat {name}: no such file or directory: "
                          "unknown")
    if image.has_command(name):
        return argv
    return StartError(f"{_RUNC}exec: \"{name}\": executable file not found in $PATH: unknown")


def _on_path(path: str) -> bool:
    folder = path.rsplit("/", 1)[0] or "/"
    return folder in ("", "/", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin",
                      "/usr/local/sbin")


# -- files images ship ---------------------------------------------------------------------------

_NGINX_WELCOME_TAIL = """</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

_NGINX_STYLE_2012 = """<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
"""

_NGINX_STYLE_2021 = """<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
"""

_NGINX_WELCOME_2026_BODY = """</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, nginx is successfully installed and working.
Further configuration is required for the web server, reverse proxy, 
API gateway, load balancer, content cache, or other features.</p>

<p>For online documentation and support please refer to
<a href="https://nginx.org/">nginx.org</a>.<br/>
To engage with the community please visit
<a href="https://community.nginx.org/">community.nginx.org</a>.<br/>
For enterprise grade support, professional services, additional 
security features and capabilities please refer to
<a href="https://f5.com/nginx">f5.com/nginx</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

_HEAD = "<!DOCTYPE html>\n<html>\n<head>\n"


def nginx_welcome(version: str) -> str:
    """The welcome page a given nginx version ships (612 bytes before 1.21.2, 615 bytes up to
    1.29.5, 896 bytes from 1.29.6)."""
    v = version_tuple(version)
    if v >= (1, 29, 6):
        return _HEAD + "<title>Welcome to nginx!</title>\n" + _NGINX_STYLE_2021 + \
            _NGINX_WELCOME_2026_BODY
    style = _NGINX_STYLE_2021 if v >= (1, 21, 2) else _NGINX_STYLE_2012
    return _HEAD + "<title>Welcome to nginx!</title>\n" + style + _NGINX_WELCOME_TAIL


def nginx_50x(version: str) -> str:
    """nginx's packaged 50x.html."""
    style = _NGINX_STYLE_2021 if version_tuple(version) >= (1, 21, 2) else _NGINX_STYLE_2012
    return (_HEAD + "<title>Error</title>\n" + style + "</head>\n<body>\n"
            "<h1>An error occurred.</h1>\n<p>Sorry, the page you are looking for is currently "
            "unavailable.<br/>\nPlease try again later.</p>\n<p>If you are the system "
            "administrator of this resource then you should check\nthe error log for details."
            "</p>\n<p><em>Faithfully yours, nginx.</em></p>\n</body>\n</html>\n")


NGINX_DEFAULT_CONF = """server {
    listen       80;
    server_name  localhost;

    #access_log  /var/log/nginx/host.access.log  main;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    #error_page  404              /404.html;

    # redirect server error pages to the static page /50x.html
    #
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
"""


def builtin_file(name: str, params: dict[str, Any]) -> str:
    """Text of a file the catalog names as `@name` (raises KeyError for an unknown name)."""
    version = str(params.get("version", ""))
    makers = {
        "nginx-welcome": lambda: nginx_welcome(version),
        "nginx-50x": lambda: nginx_50x(version),
        "nginx-default-conf": lambda: NGINX_DEFAULT_CONF,
        "httpd-index": lambda: "<html><body><h1>It works!</h1></body></html>\n",
        "guestbook-index": lambda: GUESTBOOK_PAGE,
        "hpa-index": lambda: ("<?php\n  $x = 0.0001;\n  for ($i = 0; $i <= 1000000; $i++) {\n"
                              "    $x += sqrt($x);\n  }\n  echo \"OK!\";\n?>\n"),
    }
    return makers[name]()
