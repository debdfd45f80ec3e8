"""Shell builtins (`cd`, `export`, `exit`, `wait`, `read`…) and the table of all commands.

Builtins change the shell itself, so they live next to it; the busybox applets that only read
and write files are in `shell_applets`, the network tools in `shell_net`. `lookup(name)` is how
the interpreter finds an applet, `shell_builtin(name)` a builtin.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from playground.engine.images.filesystem import normalize
from playground.engine.images.shell_api import Invocation, Program
from playground.engine.images.shell_arith import ArithmeticError_, evaluate

Gen = Generator[Any, None, int]

SPECIAL_BUILTINS = frozenset({
    ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "trap", "unset", "source", "local",
})


def _shell_error(inv: Invocation, message: str) -> None:
    inv.err(f"{inv.shell.arg0}: {message}\n")


def _number(inv: Invocation, text: str, what: str) -> int | None:
    if text.isdigit():
        return int(text)
    _shell_error(inv, f"{what}: Illegal number: {text}")
    return None


def b_colon(inv: Invocation) -> int:
    return 0


def b_false(inv: Invocation) -> int:
    return 1


def b_cd(inv: Invocation) -> int:
    shell = inv.shell
    args = [a for a in inv.argv[1:] if a not in ("-P", "-L")]
    target = args[0] if args else shell.vars.get("HOME", "/")
    if target == "-":
        target = shell.vars.get("OLDPWD", shell.cwd)
        inv.out(target + "\n")
    path = normalize(target, shell.cwd)
    if not inv.fs.is_dir(path):
        reason = "Not a directory" if inv.fs.exists(path) else "No such file or directory"
        _shell_error(inv, f"cd: can't cd to {target}: {reason}")
        return 2
    shell.vars["OLDPWD"] = shell.cwd
    shell.cwd = path
    shell.vars["PWD"] = path
    return 0


def b_pwd(inv: Invocation) -> int:
    inv.out(inv.shell.cwd + "\n")
    return 0


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def b_export(inv: Invocation) -> int:
    shell = inv.shell
    args = [a for a in inv.argv[1:] if a != "-p"]
    readonly = inv.argv[0] == "readonly"
    if not args:
        keyword = "readonly" if readonly else "export"
        for name in sorted(shell.exported if not readonly else shell.vars):
            if name in shell.vars:
                inv.out(f"{keyword} {name}={_quote(shell.vars[name])}\n")
        return 0
    for arg in args:
        name, eq, value = arg.partition("=")
        if not name or not (name[0].isalpha() or name[0] == "_") or not all(
                c.isalnum() or c == "_" for c in name):
            _shell_error(inv, f"{inv.argv[0]}: {name}: bad variable name")
            return 2
        if eq:
            shell.vars[name] = value
        if not readonly or inv.argv[0] == "export":
            shell.exported.add(name)
    return 0


def b_local(inv: Invocation) -> int:
    # Function-local scoping is not modelled: `local` assigns like a plain assignment.
    for arg in inv.argv[1:]:
        name, eq, value = arg.partition("=")
        if eq:
            inv.shell.vars[name] = value
        else:
            inv.shell.vars.setdefault(name, "")
    return 0


def b_unset(inv: Invocation) -> int:
    shell = inv.shell
    functions = "-f" in inv.argv[1:]
    for name in inv.argv[1:]:
        if name in ("-f", "-v"):
            continue
        if functions:
            shell.functions.pop(name, None)
        else:
            shell.vars.pop(name, None)
            shell.exported.discard(name)
    return 0


def b_exit(inv: Invocation) -> int:
    from playground.engine.images.shell import ExitShell

    status = inv.shell.status
    if len(inv.argv) > 1:
        n = _number(inv, inv.argv[1], "exit")
        if n is None:
            raise ExitShell(2)
        status = n & 255
    raise ExitShell(status)


def b_return(inv: Invocation) -> int:
    from playground.engine.images.shell import ReturnFromFunction

    status = inv.shell.status
    if len(inv.argv) > 1:
        n = _number(inv, inv.argv[1], "return")
        if n is None:
            return 2
        status = n & 255
    inv.shell.status = status
    raise ReturnFromFunction(status)


def b_break(inv: Invocation) -> int:
    from playground.engine.images.shell import BreakLoop, ContinueLoop

    levels = 1
    if len(inv.argv) > 1:
        n = _number(inv, inv.argv[1], inv.argv[0])
        if n is None or n == 0:
            return 2
        levels = n
    if inv.shell.loop_depth == 0:
        return 0
    levels = min(levels, inv.shell.loop_depth)
    raise (ContinueLoop if inv.argv[0] == "continue" else BreakLoop)(levels)


def b_set(inv: Invocation) -> int:
    shell = inv.shell
    args = inv.argv[1:]
    if not args:
        for name in sorted(shell.vars):
            inv.out(f"{name}={_quote(shell.vars[name])}\n")
        return 0
    flags = {"e": "errexit", "u": "nounset", "x": "xtrace"}
    while args:
        arg = args[0]
        if arg == "--":
            args.pop(0)
            shell.positional = list(args)
            return 0
        if arg in ("-o", "+o") and len(args) > 1:
            name = args[1]
            for long in flags.values():
                if long == name:
                    setattr(shell, long, arg == "-o")
            if name == "pipefail":
                pass
            args = args[2:]
            continue
        if arg[:1] in "-+" and len(arg) > 1:
            for letter in arg[1:]:
                if letter in flags:
                    setattr(shell, flags[letter], arg[0] == "-")
            args.pop(0)
            continue
        shell.positional = list(args)
        return 0
    return 0


def b_shift(inv: Invocation) -> int:
    shell = inv.shell
    n = 1
    if len(inv.argv) > 1:
        parsed = _number(inv, inv.argv[1], "shift")
        if parsed is None:
            return 2
        n = parsed
    if n > len(shell.positional):
        _shell_error(inv, "shift: can't shift that many")
        return 2
    shell.positional = shell.positional[n:]
    return 0


def b_wait(inv: Invocation) -> Gen:
    from playground.engine.images.shell import Block

    shell = inv.shell
    process = shell.process
    if len(inv.argv) > 1:
        pids = []
        for arg in inv.argv[1:]:
            if not arg.isdigit() or int(arg) not in process.jobs:
                _shell_error(inv, f"wait: pid {arg} is not a child of this shell")
                return 127
            pids.append(int(arg))
    else:
        pids = list(shell.jobs)
    if not pids:
        return 0
    if not all(process.jobs[p].done for p in pids):
        yield Block(lambda: all(process.jobs[p].done for p in pids))
    return process.jobs[pids[-1]].status if len(inv.argv) > 1 else 0


def b_kill(inv: Invocation) -> int:
    shell = inv.shell
    args = inv.argv[1:]
    signal = "TERM"
    if args and args[0] == "-l":
        inv.out(" 1) HUP\n 2) INT\n 3) QUIT\n 9) KILL\n15) TERM\n")
        return 0
    if args and args[0].startswith("-"):
        signal = args.pop(0)[1:].upper().removeprefix("SIG").removeprefix("S ")
        if signal == "S" and args:
            signal = args.pop(0).upper()
    if not args:
        inv.err("kill: usage: kill [-s sigspec | -signum | -sigspec] pid | jobspec ... "
                "or kill -l [sigspec]\n")
        return 1
    code = {"KILL": 137, "9": 137, "INT": 130, "2": 130, "HUP": 129, "1": 129}.get(signal, 143)
    status = 0
    for arg in args:
        target = arg
        if arg.startswith("%"):
            index = arg[1:]
            jobs = shell.jobs
            if index.isdigit() and 0 < int(index) <= len(jobs):
                target = str(jobs[int(index) - 1])
            elif jobs:
                target = str(jobs[-1])
        if not target.lstrip("-").isdigit():
            _shell_error(inv, f"kill: invalid number '{target}'")
            status = 1
            continue
        pid = int(target)
        if pid in (shell.pid, 1, 0, -1):
            # PID 1 of a container ignores signals it has no handler for.
            continue
        if not shell.process.kill(pid, code):
            _shell_error(inv, f"kill: can't kill pid {pid}: No such process")
            status = 1
    return status


def b_read(inv: Invocation) -> int:
    shell = inv.shell
    args = inv.argv[1:]
    raw = False
    names: list[str] = []
    while args:
        arg = args.pop(0)
        if arg == "-r":
            raw = True
        elif arg in ("-p", "-t", "-u", "-n", "-d") and args:
            args.pop(0)
        elif arg.startswith("-") and len(arg) > 1:
            continue
        else:
            names.append(arg)
    if not names:
        names = ["REPLY"]
    stream = inv.fds.get(0)
    line = stream.readline() if stream is not None else ""
    if not line:
        for name in names:
            shell.vars[name] = ""
        return 1
    text = line.removesuffix("\n")
    if not raw:
        text = text.replace("\\", "")
    ifs = shell.vars.get("IFS", " \t\n")
    if ifs.strip(" \t\n"):
        fields = text.split(ifs[0], len(names) - 1)
    else:
        fields = text.strip(ifs).split(None, len(names) - 1) if ifs else [text]
    for index, name in enumerate(names):
        shell.vars[name] = fields[index] if index < len(fields) else ""
    return 0


def b_eval(inv: Invocation) -> Gen:
    script = " ".join(inv.argv[1:])
    status = yield from inv.shell.run_inline(script, inv.fds)
    return status


def b_source(inv: Invocation) -> Gen:
    if len(inv.argv) < 2:
        _shell_error(inv, f"{inv.argv[0]}: filename argument required")
        return 2
    path = inv.argv[1]
    try:
        script = inv.fs.read(path, inv.cwd)
    except Exception:  # noqa: BLE001 - any refusal reads as "can't open"
        from playground.engine.images.shell import ExitShell

        _shell_error(inv, f"{inv.argv[0]}: can't open '{path}': No such file or directory")
        raise ExitShell(2) from None
    status = yield from inv.shell.run_inline(script, inv.fds)
    return status


def b_exec(inv: Invocation) -> Gen:
    from playground.engine.images.shell import ExitShell

    if len(inv.argv) < 2:
        return 0
    status = yield from inv.shell.exec_argv(inv.argv[1:], inv.fds, {})
    raise ExitShell(status)


def b_trap(inv: Invocation) -> int:
    shell = inv.shell
    args = inv.argv[1:]
    if not args:
        for sig, action in shell.traps.items():
            inv.out(f"trap -- {_quote(action)} {sig}\n")
        return 0
    action, signals = args[0], args[1:]
    for sig in signals:
        sig = sig.upper().removeprefix("SIG")
        sig = {"0": "EXIT", "15": "TERM", "2": "INT", "1": "HUP", "3": "QUIT"}.get(sig, sig)
        if action == "-":
            shell.traps.pop(sig, None)
        else:
            shell.traps[sig] = action
    return 0


def b_type(inv: Invocation) -> int:
    shell = inv.shell
    args = inv.argv[1:]
    verbose_v = False
    if inv.argv[0] == "command":
        if args and args[0] in ("-v", "-V"):
            verbose_v = args[0] == "-v"
            args = args[1:]
        else:
            return 0  # `command cmd` is handled by the interpreter
    status = 0
    for name in args:
        if name in shell.functions:
            inv.out(name + "\n" if verbose_v else f"{name} is a function\n")
        elif shell_builtin(name) is not None:
            inv.out(name + "\n" if verbose_v else f"{name} is a shell builtin\n")
        elif name in inv.ctx.applets or name in inv.ctx.programs:
            path = f"/bin/{name}"
            inv.out(path + "\n" if verbose_v else f"{name} is {path}\n")
        else:
            if not verbose_v:
                inv.out(f"{name}: not found\n")
            status = 127 if inv.argv[0] == "type" else 1
    return status


def b_let(inv: Invocation) -> int:
    from playground.engine.images.shell import ExitShell

    value = 0
    shell = inv.shell
    for expr in inv.argv[1:]:
        try:
            value = evaluate(expr, lambda k: shell.vars.get(k, ""),
                             lambda k, v: shell.vars.__setitem__(k, v))
        except ArithmeticError_ as e:
            _shell_error(inv, f"let: {e}")
            raise ExitShell(2) from None
    return 0 if value else 1


def b_umask(inv: Invocation) -> int:
    if len(inv.argv) == 1:
        inv.out("0022\n")
    return 0


def b_ulimit(inv: Invocation) -> int:
    if len(inv.argv) == 1 or inv.argv[1:] in (["-n"], ["-a"]):
        inv.out("unlimited\n" if len(inv.argv) == 1 else "1048576\n")
    return 0


def b_jobs(inv: Invocation) -> int:
    shell = inv.shell
    for index, pid in enumerate(shell.jobs, start=1):
        job = shell.process.jobs[pid]
        state = "Done" if job.done else "Running"
        inv.out(f"[{index}]{'+' if index == len(shell.jobs) else ' '} {state}\n")
    return 0


_BUILTINS: dict[str, Program] = {
    ":": b_colon, "true": b_colon, "false": b_false, "cd": b_cd, "chdir": b_cd, "pwd": b_pwd,
    "export": b_export, "readonly": b_export, "local": b_local, "unset": b_unset,
    "exit": b_exit, "return": b_return, "break": b_break, "continue": b_break, "set": b_set,
    "shift": b_shift, "wait": b_wait, "kill": b_kill, "read": b_read, "eval": b_eval,
    ".": b_source, "source": b_source, "exec": b_exec, "trap": b_trap, "type": b_type,
    "command": b_type, "let": b_let, "umask": b_umask, "ulimit": b_ulimit, "jobs": b_jobs,
    "alias": b_colon, "unalias": b_colon, "hash": b_colon,
}


def shell_builtin(name: str) -> Program | None:
    """The builtin called `name`, if the shell has one (echo, printf and test included)."""
    if name in _BUILTINS:
        return _BUILTINS[name]
    if name in ("echo", "printf", "test", "[", "[["):
        return lookup(name)
    return None


def lookup(name: str) -> Program | None:
    """The applet called `name` (busybox's implementation of a command)."""
    from playground.engine.images.shell_applets import APPLETS
    from playground.engine.images.shell_net import NET_APPLETS

    if name in _BUILTINS and name in ("true", "false", "kill", "pwd"):
        return _BUILTINS[name]
    return APPLETS.get(name) or NET_APPLETS.get(name) or _unavailable(name)


def _unavailable(name: str) -> Program:
    def applet(inv: Invocation) -> int:
        inv.err(f"{name}: this command is not available in the playground\n")
        return 127

    return applet
