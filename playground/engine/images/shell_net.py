"""Network tools inside containers: busybox `wget`, `nslookup`, `nc`, and `curl`.

They ask the `Network` of the container's context (the simulated cluster network) and print
exactly what the real tools print, on stdout/stderr as they do, after sleeping for the time the
exchange took. Without a network they fail the way an isolated container would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator
from typing import Any

from playground.engine.images.filesystem import FileSystemError
from playground.engine.images.shell_api import DnsAnswer, HttpResult, Invocation, Program, Sleep

Gen = Generator[Any, None, int]


def _host_of(url: str) -> tuple[str, str]:
    """(host, path) of a URL as wget sees it."""
    rest = url.split("://", 1)[1] if "://" in url else url
    host, slash, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1]
    name = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]
    return name, "/" + path if slash else "/"


def _size5(n: int) -> str:
    """busybox's 5-character human size (`  615`, `1234k`)."""
    if n < 100000:
        return f"{n:5d}"
    for suffix in "kMGTPE":
        n //= 1024
        if n < 10000:
            return f"{n:4d}{suffix}"
    return f"{n:4d}E"


def _progress(name: str, size: int) -> str:
    bar = "*" * 32
    return f"{name[:20]:<20} 100% |{bar}| {_size5(size)}  0:00:00 ETA\n"


def _sleep(seconds: float) -> Generator[Sleep, None, None]:
    if seconds > 0:
        yield Sleep(seconds)


def wget(inv: Invocation) -> Gen:
    args = inv.argv[1:]
    quiet = False
    output: str | None = None
    spider = False
    timeout: float | None = None
    show_headers = False
    urls: list[str] = []
    while args:
        arg = args.pop(0)
        if arg.startswith("--"):
            key, eq, value = arg[2:].partition("=")
            if key == "quiet":
                quiet = True
            elif key == "spider":
                spider = True
            elif key in ("output-document", "timeout", "user-agent", "header", "tries"):
                value = value if eq else (args.pop(0) if args else "")
                if key == "output-document":
                    output = value
                elif key == "timeout":
                    timeout = float(value) if value.replace(".", "", 1).isdigit() else None
            elif key == "server-response":
                show_headers = True
            continue
        if arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            i = 0
            while i < len(letters):
                flag = letters[i]
                if flag in "OTUYPt":
                    value = letters[i + 1:] or (args.pop(0) if args else "")
                    if flag == "O":
                        output = value
                    elif flag == "T":
                        timeout = float(value) if value.replace(".", "", 1).isdigit() else None
                    break
                if flag == "q":
                    quiet = True
                elif flag == "S":
                    show_headers = True
                i += 1
            continue
        urls.append(arg)
    if not urls:
        inv.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n"
                "\t[--post-data STR | --post-file FILE] [-Y on/off]\n"
                "\t[-P DIR] [-U AGENT] [-T SEC] URL...\n")
        return 1
    status = 0
    for url in urls:
        code = yield from _wget_one(inv, url, quiet, output, spider, timeout, show_headers)
        status = status or code
    return status


def _wget_one(
    inv: Invocation, url: str, quiet: bool, output: str | None, spider: bool,
    timeout: float | None, show_headers: bool,
) -> Gen:
    host, path = _host_of(url)
    network = inv.ctx.network
    if network is None:
        yield from _sleep(0.0)
        inv.err(f"wget: bad address '{host}'\n")
        return 1
    result: HttpResult = network.http_get(url, inv.ctx.pod_ip)
    if result.error == "bad address":
        yield from _sleep(result.elapsed)
        inv.err(f"wget: bad address '{host}'\n")
        return 1
    if not quiet:
        inv.err(f"Connecting to {host} ({result.address})\n")
    if result.error is not None:
        if timeout is not None and result.elapsed > timeout:
            yield from _sleep(timeout)
            inv.err("wget: download timed out\n")
            return 1
        yield from _sleep(result.elapsed)
        reason = "Connection refused" if result.error == "connection refused" else (
            "Connection timed out")
        ip = result.address.rsplit(":", 1)[0]
        inv.err(f"wget: can't connect to remote host ({ip}): {reason}\n")
        return 1
    if timeout is not None and result.elapsed > timeout:
        yield from _sleep(timeout)
        inv.err("wget: download timed out\n")
        return 1
    yield from _sleep(result.elapsed)
    if show_headers:
        inv.err(f"  HTTP/1.1 {result.status} {result.reason}\n")
        for key, value in result.headers.items():
            inv.err(f"  {key}: {value}\n")
    if result.status >= 400 or result.status < 200:
        inv.err(f"wget: server returned error: HTTP/1.1 {result.status} {result.reason}\n")
        return 1
    if spider:
        return 0
    size = len(result.body.encode())
    if output in ("-", "/dev/stdout"):
        if not quiet:
            inv.err("writing to stdout\n")
        inv.out(result.body)
        if not quiet:
            inv.err(_progress("-", size) + "written to stdout\n")
        return 0
    name = output
    if name is None:
        name = path.rstrip("/").rsplit("/", 1)[-1] if path.strip("/") else "index.html"
        name = name.split("?", 1)[0] or "index.html"
        if inv.fs.exists(name, inv.cwd):
            inv.err(f"wget: can't open '{name}': File exists\n")
            return 1
    if not quiet:
        inv.err(f"saving to '{name}'\n")
    try:
        inv.fs.write(name, result.body, inv.cwd, inv.ctx.now())
    except FileSystemError as e:
        inv.err(f"wget: can't open '{name}': {e.strerror}\n")
        return 1
    if not quiet:
        inv.err(_progress(name.rsplit("/", 1)[-1], size) + f"'{name}' saved\n")
    return 0


def _resolv_conf(inv: Invocation) -> tuple[str, list[str]]:
    """(first nameserver, search domains) from /etc/resolv.conf."""
    server = "127.0.0.1"
    search: list[str] = []
    try:
        text = inv.fs.read("/etc/resolv.conf")
    except FileSystemError:
        return server, search
    found = False
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver" and not found:
            server, found = parts[1], True
        elif parts and parts[0] in ("search", "domain"):
            search = parts[1:]
    return server, search


def _is_ip(text: str) -> bool:
    return bool(re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", text)) or ":" in text


def nslookup(inv: Invocation) -> Gen:
    args = [a for a in inv.argv[1:] if not a.startswith("-")]
    if not args or len(args) > 2:
        inv.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\n"
                "Query DNS about HOST\n\nQUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any\n")
        return 1
    name = args[0]
    server, search = _resolv_conf(inv)
    if len(args) == 2:
        server = args[1]
    network = inv.ctx.network
    if inv.ctx.busybox_version < (1, 29):
        return (yield from _nslookup_128(inv, name, server, search))
    if network is None:
        yield Sleep(5.0)
        inv.out(";; connection timed out; no servers could be reached\n\n")
        return 1
    if _is_ip(name):
        queries = [(_ptr_name(name), "PTR")]
    else:
        names = [name] if "." in name.rstrip(".") or not search else [
            f"{name}.{domain}" for domain in search]
        queries = [(n.rstrip("."), qtype) for n in names for qtype in ("A", "AAAA")]
    answers = [network.resolve(q, qtype) for q, qtype in queries]
    yield from _sleep(max((a.elapsed for a in answers), default=0.0))
    if all(a.rcode == "TIMEOUT" for a in answers):
        inv.out(";; connection timed out; no servers could be reached\n\n")
        return 1
    lines = [f"Server:\t\t{server}\n", f"Address:\t{server}:53\n", "\n"]
    failed = False
    for (query, qtype), answer in zip(queries, answers, strict=True):
        if answer.rcode == "TIMEOUT":
            continue
        if answer.rcode != "NOERROR":
            lines.append(f"** server can't find {query}: {answer.rcode}\n\n")
            failed = True
            continue
        if not answer.authoritative and answer.addresses:
            lines.append("Non-authoritative answer:\n")
        if answer.cname:
            lines.append(f"{query}\tcanonical name = {answer.cname}\n")
        for address in answer.addresses:
            if qtype == "PTR":
                lines.append(f"{query}\tname = {address}\n")
            else:
                lines.append(f"Name:\t{answer.name or query}\nAddress: {address}\n")
        lines.append("\n")
    inv.out("".join(lines))
    return 1 if failed else 0


def _ptr_name(ip: str) -> str:
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def _reverse(inv: Invocation, ip: str) -> str | None:
    network = inv.ctx.network
    if network is None:
        return None
    answer: DnsAnswer = network.resolve(_ptr_name(ip), "PTR")
    return answer.addresses[0].rstrip(".") if answer.rcode == "NOERROR" and answer.addresses \
        else None


def _nslookup_128(inv: Invocation, name: str, server: str, search: list[str]) -> Gen:
    """busybox 1.28 (the docs' `busybox:1.28`): getaddrinfo with the search list."""
    server_name = _reverse(inv, server)
    head = f"Server:    {server}\nAddress 1: {server}" + (f" {server_name}" if server_name
                                                           else "") + "\n\n"
    network = inv.ctx.network
    if network is None:
        yield Sleep(10.0)
        inv.err(f"nslookup: can't resolve '{server}'\n" if False else "")
        inv.out(head)
        inv.err(f"nslookup: can't resolve '{name}'\n")
        return 1
    dots = name.count(".")
    candidates = [f"{name}.{d}" for d in search] if dots < 5 else []
    candidates = ([name] if dots >= 5 else []) + candidates + ([] if dots >= 5 else [name])
    elapsed = 0.0
    for candidate in candidates:
        answer = network.resolve(candidate.rstrip("."), "A")
        elapsed += answer.elapsed
        if answer.rcode == "NOERROR" and answer.addresses:
            yield from _sleep(elapsed)
            lines = [head, f"Name:      {name}\n"]
            for index, address in enumerate(answer.addresses, start=1):
                reverse = _reverse(inv, address)
                lines.append(f"Address {index}: {address}" + (f" {reverse}" if reverse else "")
                             + "\n")
            inv.out("".join(lines))
            return 0
    yield from _sleep(elapsed)
    inv.out(head)
    inv.err(f"nslookup: can't resolve '{name}'\n")
    return 1


def nc(inv: Invocation) -> Gen:
    args = inv.argv[1:]
    zero = verbose = False
    wait: float | None = None
    rest: list[str] = []
    while args:
        arg = args.pop(0)
        if arg.startswith("-") and len(arg) > 1:
            for i, flag in enumerate(arg[1:]):
                if flag == "z":
                    zero = True
                elif flag == "v":
                    verbose = True
                elif flag == "w":
                    value = arg[i + 2:] or (args.pop(0) if args else "")
                    wait = float(value) if value.isdigit() else None
                    break
            continue
        rest.append(arg)
    if len(rest) < 2 or not rest[1].isdigit():
        inv.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                "Usage: nc [OPTIONS] HOST PORT  - connect\n")
        return 1
    host, port = rest[0], int(rest[1])
    network = inv.ctx.network
    if network is None:
        inv.err(f"nc: bad address '{host}'\n")
        return 1
    result = network.tcp_connect(host, port)
    if result.error == "bad address":
        inv.err(f"nc: bad address '{host}'\n")
        return 1
    if not result.connected:
        elapsed = result.elapsed if wait is None else min(wait, result.elapsed)
        yield from _sleep(elapsed)
        if wait is not None and result.elapsed > wait:
            inv.err("nc: timed out\n" if not zero else "")
            return 1
        if not zero or verbose:
            reason = "Connection refused" if result.error == "connection refused" else (
                "Connection timed out")
            ip = result.address.rsplit(":", 1)[0]
            inv.err(f"nc: can't connect to remote host ({ip}): {reason}\n")
        return 1
    yield from _sleep(result.elapsed)
    if verbose:
        inv.err(f"{host} ({result.address}) open\n")
    if not zero:
        inv.read_stdin()
    return 0


def curl(inv: Invocation) -> Gen:
    args = inv.argv[1:]
    silent = fail = head_only = include = show_error = False
    output: str | None = None
    max_time: float | None = None
    urls: list[str] = []
    while args:
        arg = args.pop(0)
        if arg in ("-o", "--output") and args:
            output = args.pop(0)
        elif arg in ("-m", "--max-time", "--connect-timeout") and args:
            value = args.pop(0)
            max_time = float(value) if value.replace(".", "", 1).isdigit() else None
        elif arg in ("-H", "--header", "-A", "--user-agent", "-X", "--request", "-d",
                     "--data", "-w", "--write-out") and args:
            args.pop(0)
        elif arg.startswith("--"):
            silent |= arg == "--silent"
            fail |= arg == "--fail"
            head_only |= arg == "--head"
            include |= arg == "--include"
            show_error |= arg == "--show-error"
        elif arg.startswith("-") and len(arg) > 1:
            silent |= "s" in arg
            fail |= "f" in arg
            head_only |= "I" in arg
            include |= "i" in arg
            show_error |= "S" in arg
        else:
            urls.append(arg)
    if not urls:
        inv.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    url = urls[0]
    host, _ = _host_of(url)
    quiet_errors = silent and not show_error
    network = inv.ctx.network
    result = network.http_get(url, inv.ctx.pod_ip) if network is not None else HttpResult(
        error="bad address")
    if result.error == "bad address":
        yield from _sleep(result.elapsed)
        if not quiet_errors:
            inv.err(f"curl: (6) Could not resolve host: {host}\n")
        return 6
    ip, _, port = result.address.rpartition(":")
    if result.error is not None or (max_time is not None and result.elapsed > max_time):
        timed_out = result.error == "timed out" or (
            max_time is not None and result.elapsed > max_time)
        elapsed = min(result.elapsed, max_time) if max_time is not None else result.elapsed
        yield from _sleep(elapsed)
        ms = round(elapsed * 1000)
        if not quiet_errors:
            if timed_out:
                inv.err(f"curl: (28) Failed to connect to {ip} port {port} after {ms} ms: "
                        "Timeout was reached\n")
            else:
                inv.err(f"curl: (7) Failed to connect to {ip} port {port} after {ms} ms: "
                        "Could not connect to server\n")
        return 28 if timed_out else 7
    yield from _sleep(result.elapsed)
    if fail and result.status >= 400:
        if not quiet_errors:
            inv.err(f"curl: (22) The requested URL returned error: {result.status}\n")
        return 22
    head = f"HTTP/1.1 {result.status} {result.reason}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in result.headers.items()) + "\r\n"
    body = head if head_only else (head if include else "") + result.body
    if output and output != "-":
        try:
            inv.fs.write(output, body, inv.cwd, inv.ctx.now())
        except FileSystemError as e:
            inv.err(f"curl: (23) Failure writing output to destination, passed {len(body)} "
                    f"returned 0\n" if e else "")
            return 23
        if not silent:
            size = len(body.encode())
            inv.err("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  "
                    "Current\n                                 Dload  Upload   Total   Spent    "
                    "Left  Speed\n"
                    f"100 {size:5d}  100 {size:5d}    0     0   {size:5d}      0 --:--:-- "
                    "--:--:-- --:--:-- " + f"{size:5d}\n")
        return 0
    inv.out(body)
    return 0


def ping(inv: Invocation) -> Gen:
    args = [a for a in inv.argv[1:] if not a.startswith("-")]
    if not args:
        inv.err("ping: usage: ping [OPTIONS] HOST\n")
        return 1
    host = args[-1]
    network = inv.ctx.network
    answer = network.resolve(host, "A") if network is not None and not _is_ip(host) else None
    if not _is_ip(host) and (answer is None or not answer.addresses):
        inv.err(f"ping: bad address '{host}'\n")
        return 1
    ip = host if _is_ip(host) else answer.addresses[0]  # type: ignore[union-attr]
    inv.out(f"PING {host} ({ip}): 56 data bytes\n")
    # Service IPs are virtual and answer no ICMP; the playground models no pod-to-pod ping.
    yield Sleep(math.inf)
    return 1


NET_APPLETS: dict[str, Program] = {
    "wget": wget, "nslookup": nslookup, "nc": nc, "curl": curl, "ping": ping,
}
