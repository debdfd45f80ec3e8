"""Small servers of test and teaching images: agnhost, http-echo, hello-app, goproxy, and the
playground's own images (echo, crashloop, slow-start, leaky, cpu-burner).

Each answers HTTP through the container host and logs what the real binary logs, so probes,
Services and `kubectl logs` behave as in the tutorials that use these images.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from playground.engine.images.host import HttpRequest, HttpResponse
from playground.engine.images.programs_base import (
    Context,
    Gen,
    flag_value,
    go_log_time,
    klog,
    listen,
    program,
    response,
    wait,
)
from playground.engine.images.shell_api import BufferSink, Invocation, Program, Sleep

Handler = Callable[[HttpRequest], HttpResponse]


def serve(
    ctx: Context, inv: Invocation, ports: list[tuple[int, str, Handler | None]],
    on_signal: Callable[[str], int | None] | None = None,
    handled: tuple[str, ...] = ("SIGTERM", "SIGINT"),
    usage: bool = True,
) -> Gen:
    """Bind `ports`, then idle until a handled signal (or a wake with `exit` set) ends it."""
    ctx.signals.claim(inv, handled)
    bound: list[tuple[int, str]] = []
    try:
        for port, protocol, handler in ports:
            problem = listen(ctx, port, protocol, handler)
            if problem is not None:
                inv.err(f"{go_log_time(inv)} {problem}\n")
                return 1
            bound.append((port, protocol))
        if usage:
            ctx.host.set_usage(ctx.image.cpu_millis, ctx.image.memory_bytes)
        while True:
            got = yield from wait(ctx.signals)
            if got is None:
                continue
            code = on_signal(got) if on_signal is not None else 0
            if code is not None:
                return code
    finally:
        for port, protocol in bound:
            ctx.host.unlisten(port, protocol)
        ctx.signals.release(inv)


def _run_shell(inv: Invocation, script: str) -> tuple[str, int]:
    """Run `sh -c script` in the container to completion (agnhost `/shell`)."""
    from playground.engine.images.shell import run

    out = BufferSink(1 << 16)
    sub = dataclasses.replace(inv.ctx, stdout=out.write, stderr=out.write, step_limit=200_000)
    gen = run(["sh", "-c", script], sub)
    try:
        for _ in range(100_000):
            next(gen)
    except StopIteration as stop:
        return out.value(), int(stop.value or 0)
    gen.close()
    return out.value(), 137


# -- agnhost ---------------------------------------------------------------------------------


@program("agnhost", "agnhost")
def _agnhost(ctx: Context) -> dict[str, Program]:
    host = ctx.host

    def netexec(inv: Invocation, args: list[str]) -> Gen:
        http_port = int(flag_value(args, "--http-port", "-http-port") or 8080)
        udp_port = int(flag_value(args, "--udp-port", "-udp-port") or 8081)
        exit_code: list[int] = []

        def handle(req: HttpRequest) -> HttpResponse:
            inv.err(klog(inv, f"{req.method} {req.path}"))
            if req.path == "/hostname":
                return response(200, host.hostname)
            if req.path == "/echo":
                code = int(req.query.get("code", "200") or 200)
                return response(code, req.query.get("msg", ""))
            if req.path == "/clientip":
                return response(200, f"{req.client_ip}:{req.client_port}")
            if req.path in ("/healthz", "/readyz"):
                return response(200, "")
            if req.path == "/shell":
                output, status = _run_shell(inv, req.query.get("cmd", ""))
                body: dict[str, str] = {"output": output}
                if status != 0:
                    body = {"error": f"exit status {status}", "output": output}
                return response(200, json.dumps(body), "application/json")
            if req.path == "/exit":
                exit_code.append(int(req.query.get("code", "0") or 0))
                host.wake()
                return response(200, "")
            if req.path == "/":
                t = inv.ctx.now()
                return response(200, f"NOW: {_go_time(t)}")
            return response(404, "404 page not found\n")

        inv.err(klog(inv, f"Started HTTP server on port {http_port}"))
        inv.err(klog(inv, f"Started UDP server on port  {udp_port}"))
        ctx.signals.claim(inv, ())
        bound = []
        try:
            for port, proto, handler in ((http_port, "TCP", handle), (udp_port, "UDP", None)):
                problem = host.listen(port, proto, handler)
                if problem is not None:
                    inv.err(klog(inv, problem, level="F"))
                    return 255
                bound.append((port, proto))
            host.set_usage(ctx.image.cpu_millis, ctx.image.memory_bytes)
            while not exit_code:
                got = yield from wait(ctx.signals)
                if got is not None and not exit_code:
                    return 2
            inv.err(klog(inv, f"Exiting with code {exit_code[0]}"))
            return exit_code[0]
        finally:
            for port, proto in bound:
                host.unlisten(port, proto)
            ctx.signals.release(inv)

    def serve_hostname(inv: Invocation, args: list[str]) -> Gen:
        port = int(flag_value(args, "--port", "-port") or 9376)
        inv.out(f"{go_log_time(inv)} Serving on port {port}.\n")

        def handle(req: HttpRequest) -> HttpResponse:
            return response(200, host.hostname)

        return (yield from serve(ctx, inv, [(port, "TCP", handle)], lambda s: 2))

    def liveness(inv: Invocation, args: list[str]) -> Gen:
        started = inv.ctx.now()

        def handle(req: HttpRequest) -> HttpResponse:
            age = inv.ctx.now() - started
            if req.path == "/started":
                return response(200, f"{age:g}")
            if req.path == "/healthz":
                if age > 10:
                    return response(500, f"error: {age!r}")
                return response(200, "ok")
            if req.path == "/redirect":
                return response(302, "", headers={"Location": req.query.get("loc", "/")})
            return response(404, "404 page not found\n")

        return (yield from serve(ctx, inv, [(8080, "TCP", handle)], lambda s: 2))

    def pause(inv: Invocation, args: list[str]) -> Gen:
        inv.out("Paused\n")

        def stop(signal: str) -> int:
            inv.out(f"Shutting down after receiving signal: {_go_signal(signal)}.\n")
            return 2

        return (yield from serve(ctx, inv, [], stop))

    def agnhost(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if not args:
            inv.out("Usage:\n  agnhost [flags]\n  agnhost [command]\n")
            return 0
        sub, rest = args[0], args[1:]
        table = {"netexec": netexec, "serve-hostname": serve_hostname, "liveness": liveness,
                 "pause": pause, "test-webserver": _test_webserver_factory(ctx)}
        if sub not in table:
            inv.err(f'Error: unknown command "{sub}" for "agnhost"\n'
                    "Run 'agnhost --help' for usage.\n")
            return 1
        return int((yield from table[sub](inv, rest)))

    return {"agnhost": agnhost}


def _test_webserver_factory(ctx: Context) -> Callable[[Invocation, list[str]], Gen]:
    def run(inv: Invocation, args: list[str]) -> Gen:
        port = int(flag_value(args, "--port", "-port") or 80)

        def handle(req: HttpRequest) -> HttpResponse:
            return response(200, "hello")

        return (yield from serve(ctx, inv, [(port, "TCP", handle)], lambda s: 2))

    return run


def _go_signal(signal: str) -> str:
    return {"SIGTERM": "terminated", "SIGINT": "interrupt", "SIGQUIT": "quit",
            "SIGHUP": "hangup"}.get(signal, signal.lower())


def _go_time(seconds: float) -> str:
    from datetime import UTC, datetime

    t = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond * 1000:09d} +0000 UTC"


# -- http-echo, hello-app, goproxy -------------------------------------------------------------


@program("http-echo", "http-echo")
def _http_echo(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        text = flag_value(args, "-text", "--text")
        if text is None:
            text = inv.env.get("ECHO_TEXT", "")
        if not text:
            inv.err("Missing -text option!\n")
            return 127
        address = flag_value(args, "-listen", "--listen") or ":5678"
        port = int(address.rsplit(":", 1)[-1])
        body = text + "\n"

        def handle(req: HttpRequest) -> HttpResponse:
            if req.path == "/health":
                answer = response(200, '{"status":"ok"}\n', "application/json")
            else:
                answer = response(200, body, "text/plain; charset=utf-8",
                                  {"X-App-Name": "http-echo", "X-App-Version": "1.0.0"})
            agent = req.headers.get("User-Agent", "")
            inv.out(f"{go_log_time(inv)} {req.host or 'localhost'}:{port} {req.client_ip}:"
                    f"{req.client_port} \"{req.method} {req.path} HTTP/1.1\" {answer.status} "
                    f"{len(answer.body.encode())} \"{agent}\" 41.2µs\n")
            return answer

        inv.out(f"{go_log_time(inv)} [INFO] server is listening on {address}\n")

        def stop(signal: str) -> int:
            inv.out(f"{go_log_time(inv)} [INFO] received interrupt, shutting down...\n")
            return 0

        return (yield from serve(ctx, inv, [(port, "TCP", handle)], stop))

    return {"http-echo": run}


@program("hello-app", "hello-app")
def _hello_app(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("appVersion", "2.0.0"))

    def run(inv: Invocation) -> Gen:
        port = int(inv.env.get("PORT", "8080") or 8080)
        inv.out(f"{go_log_time(inv)} Server listening on port {port}\n")

        def handle(req: HttpRequest) -> HttpResponse:
            inv.out(f"{go_log_time(inv)} Serving request: {req.path}\n")
            return response(200, f"Hello, world!\nVersion: {version}\nHostname: "
                                 f"{ctx.host.hostname}\n")

        return (yield from serve(ctx, inv, [(port, "TCP", handle)], lambda s: 2))

    return {"hello-app": run}


@program("goproxy", "goproxy")
def _goproxy(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        def handle(req: HttpRequest) -> HttpResponse:
            return response(500, "This is a proxy server. Does not respond to non-proxy "
                                 "requests.\n")

        return (yield from serve(ctx, inv, [(8080, "TCP", handle)], lambda s: 2))

    return {"goproxy": run}


# -- the playground's teaching images ----------------------------------------------------------


@program("playground-echo", "echo-server")
def _echo(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        port = int(inv.env.get("PORT", "8080") or 8080)
        greeting = inv.env.get("MESSAGE", "Hello from")
        inv.out(f"{go_log_time(inv)} echo-server listening on :{port}\n")

        def handle(req: HttpRequest) -> HttpResponse:
            inv.out(f"{go_log_time(inv)} {req.client_ip} {req.method} {req.path}\n")
            if req.path in ("/healthz", "/readyz"):
                return response(200, "ok\n")
            return response(200, f"{greeting} {ctx.host.pod_name}\n")

        return (yield from serve(ctx, inv, [(port, "TCP", handle)]))

    return {"echo-server": run}


@program("playground-crashloop", "crashloop")
def _crashloop(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        host = inv.env.get("DATABASE_HOST", "db")
        inv.out(f"{go_log_time(inv)} starting app version 1.0.0\n")
        inv.out(f"{go_log_time(inv)} connecting to database at {host}:5432\n")
        yield Sleep(2.0)
        inv.err(f"{go_log_time(inv)} ERROR: could not connect to database at {host}:5432: "
                "connection refused\n")
        inv.err(f"{go_log_time(inv)} FATAL: giving up, exiting with status 1\n")
        return 1

    return {"crashloop": run}


@program("playground-slow-start", "slow-start")
def _slow_start(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        delay = float(inv.env.get("STARTUP_SECONDS", "30") or 30)
        port = int(inv.env.get("PORT", "8080") or 8080)
        inv.out(f"{go_log_time(inv)} warming up caches (this takes {delay:g}s)...\n")
        ctx.signals.claim(inv, ("SIGTERM", "SIGINT"))
        got = yield from wait(ctx.signals, delay)
        if got is not None:
            ctx.signals.release(inv)
            return 0
        ctx.signals.release(inv)
        inv.out(f"{go_log_time(inv)} ready: listening on :{port}\n")

        def handle(req: HttpRequest) -> HttpResponse:
            return response(200, "ready\n" if req.path in ("/healthz", "/readyz")
                            else f"Hello from {ctx.host.pod_name}\n")

        return (yield from serve(ctx, inv, [(port, "TCP", handle)]))

    return {"slow-start": run}


@program("playground-leaky", "leaky")
def _leaky(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        step = int(inv.env.get("LEAK_MIB_PER_STEP", "16") or 16) << 20
        every = float(inv.env.get("LEAK_INTERVAL_SECONDS", "2") or 2)
        ceiling = 64 << 30
        used = ctx.image.memory_bytes
        inv.out(f"{go_log_time(inv)} leaky: caching every request forever (oops)\n")
        ctx.signals.claim(inv, ("SIGTERM", "SIGINT"))
        ctx.host.listen(8080, "TCP", lambda req: response(200, f"{used >> 20} MiB in use\n"))
        try:
            while used < ceiling:
                ctx.host.set_usage(ctx.image.cpu_millis, used)
                got = yield from wait(ctx.signals, every)
                if got is not None:
                    return 0
                used += step
                inv.out(f"{go_log_time(inv)} cache size {used >> 20} MiB\n")
            got = yield from wait(ctx.signals)
            return 0
        finally:
            ctx.host.unlisten(8080)
            ctx.signals.release(inv)

    return {"leaky": run}


@program("playground-cpu-burner", "cpu-burner")
def _cpu_burner(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        cores = float(inv.env.get("BURN_CORES", "1") or 1)
        inv.out(f"{go_log_time(inv)} burning {cores:g} core(s)\n")
        ctx.signals.claim(inv, ("SIGTERM", "SIGINT"))
        ctx.host.set_usage(int(cores * 1000), ctx.image.memory_bytes)
        try:
            while True:
                got = yield from wait(ctx.signals)
                if got is not None:
                    return 0
        finally:
            ctx.signals.release(inv)

    return {"cpu-burner": run}
