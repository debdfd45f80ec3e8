"""Non-HTTP programs of the catalog: databases (redis, postgres, mysql, mariadb), perl, the
docs' fluentd, cluster add-ons (coredns, kube-proxy, pause) and the stress tools of the
resource tutorials.

Databases keep their real start-up behaviour: refusing to initialise without a password
(exit 1, CrashLoopBackOff), or logging their way to "ready" on their port.
"""

from __future__ import annotations

from datetime import timedelta

from playground.engine.images.filesystem import FileSystemError
from playground.engine.images.programs_apps import Handler, serve
from playground.engine.images.programs_base import (
    FOREVER,
    Context,
    Gen,
    flag_value,
    go_log_time,
    klog,
    moment,
    program,
    version_tuple,
    wait,
)
from playground.engine.images.shell_api import Invocation, Program, Sleep

# -- redis -----------------------------------------------------------------------------------


@program("redis", "redis-server", "docker-entrypoint.sh")
def _redis(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("version", "7.4.1"))
    v = version_tuple(version)

    def stamp(inv: Invocation, role: str, mark: str) -> str:
        t = moment(inv)
        return f"1:{role} {t:%d %b %Y %H:%M:%S}.{t.microsecond // 1000:03d} {mark}"

    def server(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if "--version" in args or "-v" in args:
            inv.out(f"Redis server v={version} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 "
                    "build=c2ad3b4ef3a5e2bd\n")
            return 0
        port = int(flag_value(args, "--port") or 6379)
        new = v >= (7,)
        c = "*" if new else "#"
        inv.out(stamp(inv, "C", "#") + " WARNING Memory overcommit must be enabled! Without "
                "it, a background save or replication may fail under low memory condition. "
                "Being disabled, it can also cause failures without low memory condition, see "
                "https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add "
                "'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the "
                "command 'sysctl vm.overcommit_memory=1' for this to take effect.\n")
        inv.out(stamp(inv, "C", c) + " oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n")
        inv.out(stamp(inv, "C", c) + f" Redis version={version}, bits=64, commit=00000000, "
                "modified=0, pid=1, just started\n")
        if not args or args[0].startswith("--"):
            inv.out(stamp(inv, "C", "#") + " Warning: no config file specified, using the "
                    "default config. In order to specify a config file use redis-server "
                    "/path/to/redis.conf\n")
        else:
            inv.out(stamp(inv, "C", c) + " Configuration loaded\n")
        if new:
            inv.out(stamp(inv, "M", "*") + " monotonic clock: POSIX clock_gettime\n")
        inv.out(stamp(inv, "M", "*") + f" Running mode=standalone, port={port}.\n")
        inv.out(stamp(inv, "M", c) + " Server initialized\n")
        inv.out(stamp(inv, "M", "*") + (" Ready to accept connections tcp\n" if v >= (7, 2)
                                         else " Ready to accept connections\n"))
        leader = flag_value(args, "--replicaof", "--slaveof")
        if leader is not None:
            index = args.index(next(a for a in args if a.startswith(("--replicaof",
                                                                   "--slaveof"))))
            leader_port = args[index + 2] if index + 2 < len(args) else "6379"
            inv.out(stamp(inv, "S", "*") + f" Connecting to MASTER {leader}:{leader_port}\n")
            inv.out(stamp(inv, "S", "*") + " MASTER <-> REPLICA sync started\n")

        def stop(signal: str) -> int:
            inv.out(stamp(inv, "signal-handler (0)", "#") + f" Received {signal} scheduling "
                    "shutdown...\n")
            inv.out(stamp(inv, "M", "#") + " User requested shutdown...\n")
            inv.out(stamp(inv, "M", "*") + " Saving the final RDB snapshot before exiting.\n")
            inv.out(stamp(inv, "M", "*") + " DB saved on disk\n")
            inv.out(stamp(inv, "M", "#") + " Redis is now ready to exit, bye bye...\n")
            return 0

        return (yield from serve(ctx, inv, [(port, "TCP", None)], stop))

    def entrypoint(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if args and args[0].startswith("-"):
            args = ["redis-server", *args]
        if not args:
            return 0
        return int((yield from inv.shell.exec_argv(args, inv.fds, {})))

    return {"redis-server": server, "docker-entrypoint.sh": entrypoint}


# -- postgres --------------------------------------------------------------------------------

POSTGRES_NO_PASSWORD = """Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about "trust":
       https://www.postgresql.org/docs/current/auth-trust.html
"""


@program("postgres", "postgres", "docker-entrypoint.sh")
def _postgres(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("version", "17.2"))
    major = version.split(".")[0]
    build = str(ctx.image.param("build", f"{version} (Debian {version}-1.pgdg120+1)"))
    compiler = str(ctx.image.param("compiler", "gcc (Debian 12.2.0-14) 12.2.0"))

    def log_time(inv: Invocation) -> str:
        t = moment(inv)
        return f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} UTC"

    def entrypoint(inv: Invocation) -> Gen:
        args = inv.argv[1:] or ["postgres"]
        if args[0].startswith("-"):
            args = ["postgres", *args]
        if args[0] != "postgres":
            return int((yield from inv.shell.exec_argv(args, inv.fds, {})))
        data = inv.env.get("PGDATA", "/var/lib/postgresql/data")
        fs = inv.fs
        initialised = fs.is_file(f"{data}/PG_VERSION")
        if initialised:
            inv.out("\nPostgreSQL Database directory appears to contain a database; Skipping "
                    "initialization\n\n")
        else:
            trust = inv.env.get("POSTGRES_HOST_AUTH_METHOD") == "trust"
            if not inv.env.get("POSTGRES_PASSWORD") and not trust:
                inv.err(POSTGRES_NO_PASSWORD)
                return 1
            user = inv.env.get("POSTGRES_USER", "postgres")
            inv.out('The files belonging to this database system will be owned by user '
                    '"postgres".\nThis user must also own the server process.\n\n'
                    'The database cluster will be initialized with locale "en_US.utf8".\n'
                    'The default database encoding has accordingly been set to "UTF8".\n'
                    'The default text search configuration will be set to "english".\n\n'
                    "Data page checksums are disabled.\n\n"
                    f"fixing permissions on existing directory {data} ... ok\n"
                    "creating subdirectories ... ok\nselecting dynamic shared memory "
                    "implementation ... posix\nselecting default \"max_connections\" ... 100\n"
                    "selecting default \"shared_buffers\" ... 128MB\nselecting default time "
                    "zone ... Etc/UTC\ncreating configuration files ... ok\nrunning bootstrap "
                    "script ... ok\nperforming post-bootstrap initialization ... ok\n"
                    "syncing data to disk ... ok\n\n\nSuccess. You can now start the database "
                    "server using:\n\n    pg_ctl -D /var/lib/postgresql/data -l logfile start"
                    "\n\n")
            yield Sleep(2.0)
            try:
                fs.mkdir(data, parents=True)
                fs.write(f"{data}/PG_VERSION", major + "\n")
            except FileSystemError:
                inv.err(f"initdb: error: could not write to directory \"{data}\"\n")
            inv.out(f"waiting for server to start....{log_time(inv)} [48] LOG:  starting "
                    f"PostgreSQL {build} on x86_64-pc-linux-gnu, compiled by {compiler}, "
                    "64-bit\n")
            inv.out(" done\nserver started\n")
            if user != "postgres" or inv.env.get("POSTGRES_DB"):
                inv.out("CREATE DATABASE\n")
            inv.out("\n/usr/local/bin/docker-entrypoint.sh: ignoring "
                    "/docker-entrypoint-initdb.d/*\n\n")
            yield Sleep(1.0)
            inv.out("waiting for server to shut down.... done\nserver stopped\n\n"
                    "PostgreSQL init process complete; ready for start up.\n\n")
        return int((yield from server(inv, started_from_entrypoint=True)))

    def server(inv: Invocation, started_from_entrypoint: bool = False) -> Gen:
        t = log_time(inv)
        for line in (
            f"starting PostgreSQL {build} on x86_64-pc-linux-gnu, compiled by {compiler}, 64-bit",
            'listening on IPv4 address "0.0.0.0", port 5432',
            'listening on IPv6 address "::", port 5432',
            'listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"',
            f"database system was shut down at {t}",
            "database system is ready to accept connections",
        ):
            inv.err(f"{t} [1] LOG:  {line}\n")

        def stop(signal: str) -> int:
            kind = {"SIGINT": "fast", "SIGQUIT": "immediate"}.get(signal, "smart")
            inv.err(f"{log_time(inv)} [1] LOG:  received {kind} shutdown request\n")
            inv.err(f"{log_time(inv)} [1] LOG:  database system is shut down\n")
            return 0

        return (yield from serve(ctx, inv, [(5432, "TCP", None)], stop,
                                 ("SIGTERM", "SIGINT", "SIGQUIT")))

    def postgres(inv: Invocation) -> Gen:
        return int((yield from server(inv)))

    return {"postgres": postgres, "docker-entrypoint.sh": entrypoint}


# -- mysql and mariadb -----------------------------------------------------------------------


def _mysql_family(ctx: Context, flavour: str) -> dict[str, Program]:
    version = str(ctx.image.param("version", "8.4.3" if flavour == "mysql" else "11.4.4"))
    server_name = "mysqld" if flavour == "mysql" else "mariadbd"

    def note(inv: Invocation, level: str, text: str) -> str:
        return f"{moment(inv):%Y-%m-%d %H:%M:%S}+00:00 [{level}] [Entrypoint]: {text}\n"

    def entrypoint(inv: Invocation) -> Gen:
        args = inv.argv[1:] or [server_name]
        if args[0].startswith("-"):
            args = [server_name, *args]
        if args[0] not in ("mysqld", "mariadbd"):
            return int((yield from inv.shell.exec_argv(args, inv.fds, {})))
        env = inv.env
        label = "MySQL" if flavour == "mysql" else "MariaDB"
        full = f"{version}-1.el9" if flavour == "mysql" else f"1:{version}+maria~ubu2404"
        inv.out(note(inv, "Note", f"Entrypoint script for {label} Server {full} started."))
        inv.out(note(inv, "Note", f"Switching to dedicated user '{flavour}'"))
        inv.out(note(inv, "Note", f"Entrypoint script for {label} Server {full} started."))
        data = "/var/lib/mysql"
        if not inv.fs.is_dir(f"{data}/mysql"):
            names = ["ROOT_PASSWORD", "ALLOW_EMPTY_PASSWORD", "RANDOM_ROOT_PASSWORD"]
            given = any(env.get(f"MYSQL_{n}") for n in names) or (
                flavour == "mariadb" and any(env.get(f"MARIADB_{n}") for n in (
                    "ROOT_PASSWORD", "ROOT_PASSWORD_HASH", "ALLOW_EMPTY_ROOT_PASSWORD",
                    "RANDOM_ROOT_PASSWORD")))
            if not given:
                if flavour == "mysql":
                    inv.err(note(inv, "ERROR", "Database is uninitialized and password option "
                                               "is not specified").rstrip("\n") + "\n"
                            "    You need to specify one of the following as an environment "
                            "variable:\n    - MYSQL_ROOT_PASSWORD\n"
                            "    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD\n")
                else:
                    inv.err(note(inv, "ERROR", "Database is uninitialized and password option "
                                               "is not specified").rstrip("\n") + "\n"
                            "\tYou need to specify one of MARIADB_ROOT_PASSWORD, "
                            "MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and "
                            "MARIADB_RANDOM_ROOT_PASSWORD\n")
                return 1
            inv.out(note(inv, "Note", "Initializing database files"))
            yield Sleep(8.0)
            try:
                inv.fs.mkdir(f"{data}/mysql", parents=True)
            except FileSystemError:
                inv.err(note(inv, "ERROR", f"{data} is not writable"))
            inv.out(note(inv, "Note", "Database files initialized"))
            inv.out(note(inv, "Note", "Temporary server started."))
            yield Sleep(2.0)
            inv.out(note(inv, "Note", "Stopping temporary server"))
            inv.out(note(inv, "Note", "Temporary server stopped"))
            inv.out("\n" + note(inv, "Note", f"{label} init process done. Ready for start up.")
                    + "\n")
        return int((yield from server(inv)))

    def server(inv: Invocation) -> Gen:
        t = f"{moment(inv):%Y-%m-%dT%H:%M:%S}.000000Z"
        if flavour == "mysql":
            inv.err(f"{t} 0 [System] [MY-015015] [Server] MySQL Server - start.\n")
            inv.err(f"{t} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for "
                    f"connections. Version: '{version}'  socket: '/var/run/mysqld/mysqld.sock'"
                    "  port: 3306  MySQL Community Server - GPL.\n")
        else:
            inv.err(f"{moment(inv):%Y-%m-%d %H:%M:%S} 0 [Note] mariadbd: ready for connections."
                    f"\nVersion: '{version}-MariaDB-ubu2404'  socket: '/run/mysqld/mysqld.sock'"
                    "  port: 3306  mariadb.org binary distribution\n")

        def stop(signal: str) -> int:
            if flavour == "mysql":
                inv.err(f"{t} 0 [System] [MY-013172] [Server] Received SHUTDOWN from user "
                        "<via user signal>. Shutting down mysqld (Version: "
                        f"{version}).\n")
            return 0

        return (yield from serve(ctx, inv, [(3306, "TCP", None), (33060, "TCP", None)]
                                 if flavour == "mysql" else [(3306, "TCP", None)], stop))

    return {"docker-entrypoint.sh": entrypoint, server_name: server}


@program("mysql", "docker-entrypoint.sh", "mysqld")
def _mysql(ctx: Context) -> dict[str, Program]:
    return _mysql_family(ctx, "mysql")


@program("mariadb", "docker-entrypoint.sh", "mariadbd")
def _mariadb(ctx: Context) -> dict[str, Program]:
    return _mysql_family(ctx, "mariadb")


# -- perl --------------------------------------------------------------------------------------


def pi_digits(significant: int) -> str:
    """π rounded to `significant` significant digits, as Math::BigFloat's bpi prints it."""
    guard = 10
    scale = 10 ** (significant + guard)

    def arctan_inverse(x: int) -> int:
        total = term = scale // x
        x2, n, sign = x * x, 1, -1
        while term:
            term //= x2
            total += sign * (term // (2 * n + 1))
            n, sign = n + 1, -sign
        return total

    pi = 4 * (4 * arctan_inverse(5) - arctan_inverse(239))
    digits = str(pi)
    kept = int(digits[:significant])
    if int(digits[significant]) >= 5:
        kept += 1
    text = str(kept)
    return text[0] + "." + text[1:] if significant > 1 else text


@program("perl", "perl")
def _perl(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("version", "5.34.0"))
    # perl 5.36's bundled Math::BigInt broke `bpi`; 5.38 shipped a fixed one
    broken_bignum = (5, 36) <= version_tuple(version) < (5, 38)

    def run(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if "-v" in args or "--version" in args:
            inv.out(f"\nThis is perl 5, version {version.split('.')[1]}, subversion "
                    f"{version.split('.')[2] if version.count('.') > 1 else 0} (v{version}) "
                    "built for x86_64-linux-gnu\n")
            return 0
        script = None
        newline = False
        for i, arg in enumerate(args):
            if arg.startswith("-") and not arg.startswith("-M"):
                newline |= "l" in arg
                if arg.endswith("e") and i + 1 < len(args):
                    script = args[i + 1]
                    break
        if script is None:
            inv.err("perl: playground perl only runs one-line -e scripts\n")
            return 2
        import re

        match = re.fullmatch(r"\s*print\s+bpi\(\s*(\d+)\s*\)\s*;?\s*", script)
        if match:
            digits = int(match.group(1))
            yield Sleep(min(12.0, 0.5 + digits * digits / 450_000))
            if broken_bignum:
                inv.err("Can't use an undefined value as an ARRAY reference at "
                        f"/usr/local/lib/perl5/{version}/Math/BigInt/Calc.pm line 1049.\n")
                return 255
            inv.out(pi_digits(max(1, digits)) + ("\n" if newline else ""))
            return 0
        match = re.fullmatch(r'\s*print\s+"((?:[^"\\]|\\.)*)"\s*;?\s*', script)
        if match:
            text = match.group(1).replace("\\n", "\n").replace("\\t", "\t")
            inv.out(text + ("\n" if newline else ""))
            return 0
        inv.err("perl: playground perl only understands print \"…\" and print bpi(N)\n")
        return 255

    return {"perl": run}


# -- cluster add-ons and agents ----------------------------------------------------------------


@program("pause", "pause")
def _pause(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        def stop(signal: str) -> int:
            name = {"SIGTERM": "Terminated", "SIGINT": "Interrupt"}.get(signal, signal)
            inv.err(f"Shutting down, got signal: {name}\n")
            return 0

        return (yield from serve(ctx, inv, [], stop))

    return {"pause": run}


@program("fluentd", "fluentd", "entrypoint.sh")
def _fluentd(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("fluentdVersion", "1.17.1"))

    def run(inv: Invocation) -> Gen:
        def line(text: str, t_offset: float = 0.0) -> str:
            t = moment(inv) + timedelta(seconds=t_offset)
            return f"{t:%Y-%m-%d %H:%M:%S} +0000 [info]: {text}\n"

        inv.out(line("init supervisor logger path=nil rotate_age=nil rotate_size=nil"))
        inv.out(line('parsing config file is succeeded path="/etc/fluent/fluent.conf"'))
        inv.out(line(f"gem 'fluentd' version '{version}'"))
        inv.out(line("gem 'fluent-plugin-elasticsearch' version '5.4.3'"))
        inv.out(line(f'starting fluentd-{version} pid=7 ruby="3.2.6"'))
        inv.out(line("#0 starting fluentd worker pid=16 ppid=7 worker=0"))
        inv.out(line("#0 fluentd worker is now running worker=0"))

        def stop(signal: str) -> int:
            inv.out(line("Received graceful stop"))
            inv.out(line("#0 fluentd worker is now stopping worker=0"))
            return 0

        return (yield from serve(ctx, inv, [(24231, "TCP", None)], stop))

    return {"fluentd": run, "entrypoint.sh": run}


@program("coredns", "coredns")
def _coredns(ctx: Context) -> dict[str, Program]:
    version = str(ctx.image.param("version", "1.12.0"))
    from playground.engine.images.host import static_response
    from playground.engine.images.programs_base import response

    def run(inv: Invocation) -> Gen:
        inv.out(".:53\n[INFO] plugin/reload: Running configuration SHA512 = "
                "591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf88"
                "8b953814040d180f52594972691cd6ff41be96639138a43908\n"
                f"CoreDNS-{version}\nlinux/amd64, go1.23.3, 51e11f1\n")

        def stop(signal: str) -> int:
            inv.out("[INFO] SIGTERM: Shutting down servers then terminating\n")
            inv.out("[INFO] plugin/health: Going into lameduck mode for 5s\n")
            return 0

        return (yield from serve(ctx, inv, [
            (53, "UDP", None), (53, "TCP", None),
            (8080, "TCP", static_response(response(200, "OK"))),
            (8181, "TCP", static_response(response(200, "OK"))),
            (9153, "TCP", lambda req: response(200, "# HELP coredns_build_info\n")),
        ], stop))

    return {"coredns": run}


@program("kube-proxy", "kube-proxy")
def _kube_proxy(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        for text, source in (
            ('"Using iptables proxy"', "server_linux.go:66"),
            ('"Successfully retrieved node IP(s)" IPs=["172.18.0.2"]', "server.go:677"),
            ('"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"',
             "server_linux.go:170"),
            ('"Starting service config controller"', "config.go:199"),
            ('"Starting endpoint slice config controller"', "config.go:105"),
            ('"Caches are synced for service config"', "shared_informer.go:320"),
        ):
            inv.err(klog(inv, text, source))
        return (yield from serve(ctx, inv, [(10256, "TCP", None)]))

    return {"kube-proxy": run}


# -- stress tools -------------------------------------------------------------------------------


def _stress_bytes(text: str) -> int:
    units = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip()
    if text and text[-1].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


@program("stress", "stress")
def _stress(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        cpu = int(flag_value(args, "--cpu", "-c") or 0)
        io = int(flag_value(args, "--io", "-i") or 0)
        vm = int(flag_value(args, "--vm", "-m") or 0)
        hdd = int(flag_value(args, "--hdd", "-d") or 0)
        vm_bytes = _stress_bytes(flag_value(args, "--vm-bytes") or "256M")
        hang = flag_value(args, "--vm-hang")
        timeout = flag_value(args, "--timeout", "-t")
        inv.err(f"stress: info: [1] dispatching hogs: {cpu} cpu, {io} io, {vm} vm, {hdd} hdd\n")
        ctx.signals.claim(inv, ("SIGTERM", "SIGINT"))
        vm_cpu = 50 if hang is not None else 1000
        ctx.host.set_usage(cpu * 1000 + vm * vm_cpu + io * 100,
                           ctx.image.memory_bytes + vm * vm_bytes)
        try:
            seconds = float(timeout.rstrip("s")) if timeout else None
            got = yield from wait(ctx.signals, seconds or FOREVER)
            if got is not None or seconds is None:
                return 0
            inv.err(f"stress: info: [1] successful run completed in {int(seconds)}s\n")
            return 0
        finally:
            ctx.signals.release(inv)

    return {"stress": run}


@program("vish-stress", "stress")
def _vish_stress(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        cpus = int(flag_value(args, "-cpus", "--cpus") or 0)
        total = flag_value(args, "-mem-total", "--mem-total") or "0"
        chunk = flag_value(args, "-mem-alloc-size", "--mem-alloc-size") or "4Ki"
        pause = flag_value(args, "-mem-alloc-sleep", "--mem-alloc-sleep") or "1ms"
        inv.err(klog(inv, f'Allocating "{total}" memory, in "{chunk}" chunks, with a {pause} '
                          "sleep between allocations", "main.go:26"))
        if cpus:
            inv.err(klog(inv, "Spawning a thread to consume CPU", "main.go:39"))
        from playground.engine.api.quantity import memory_bytes

        memory = ctx.image.memory_bytes + memory_bytes(total)
        ctx.signals.claim(inv, ())
        ctx.host.set_usage(cpus * 1000, memory)
        try:
            while True:
                yield Sleep(3600 * 24 * 365)
        finally:
            ctx.signals.release(inv)

    return {"stress": run}


@program("curl-entrypoint", "entrypoint.sh")
def _curl_entrypoint(ctx: Context) -> dict[str, Program]:
    def run(inv: Invocation) -> Gen:
        args = inv.argv[1:]
        if not args or args[0].startswith("-"):
            args = ["curl", *args]
        return int((yield from inv.shell.exec_argv(args, inv.fds, {})))

    return {"entrypoint.sh": run}


@program("go-log-idle", "app")
def _idle(ctx: Context) -> dict[str, Program]:
    """An image whose program only logs that it started and then waits (voting-app parts)."""

    def run(inv: Invocation) -> Gen:
        inv.out(f"{go_log_time(inv)} {ctx.image.param('banner', 'started')}\n")
        ports: list[tuple[int, str, Handler | None]] = [
            (int(p), "TCP", None) for p in ctx.image.param("ports", [])]
        return (yield from serve(ctx, inv, ports))

    return {"app": run}
