"""kubectl's command-line grammar: flags anywhere, in all the spellings people type.

kubectl (cobra + pflag) accepts `-n x`, `-n=x`, `-nx`, `--namespace x`, `--namespace=x`,
`-oyaml`, `-o=json`, boolean flags with or without `=true`, flags before or after the verb and
its arguments, and `--` to end flag parsing (needed before `exec` commands). This module turns
an argument list into positional arguments and flag values according to a small table of flag
specs, and reports unknown flags with kubectl's wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class UsageError(Exception):
    """A command line kubectl would refuse; the message is what kubectl prints."""


@dataclass(frozen=True)
class Flag:
    """One flag: its long name, optional shorthand, and whether it takes a value."""

    name: str
    short: str = ""
    takes_value: bool = True
    repeatable: bool = False
    default: object = None


@dataclass
class Parsed:
    """Positional arguments, flag values, and what came after `--`."""

    args: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)
    after_dashes: list[str] | None = None

    def get(self, name: str, default: object = None) -> object:
        """A flag's value (the spec's default when absent)."""
        return self.values.get(name, default)

    def text(self, name: str, default: str = "") -> str:
        """A string flag's value."""
        value = self.values.get(name)
        return default if value is None else str(value)

    def flag(self, name: str) -> bool:
        """A boolean flag's value."""
        return bool(self.values.get(name, False))

    def many(self, name: str) -> list[str]:
        """A repeatable flag's values, in order."""
        value = self.values.get(name)
        return list(value) if isinstance(value, list) else []


GLOBAL_FLAGS = (
    Flag("namespace", "n"),
    Flag("context"),
    Flag("kubeconfig"),
    Flag("request-timeout"),
    Flag("v", "v"),
)

_TRUE = {"true", "1", "t", "T", "TRUE", "True"}
_FALSE = {"false", "0", "f", "F", "FALSE", "False"}


def parse(argv: list[str], specs: tuple[Flag, ...], command: str) -> Parsed:
    """Split `argv` (everything after the verb) by the flag specs of `command`."""
    by_long = {f.name: f for f in specs + GLOBAL_FLAGS}
    by_short = {f.short: f for f in specs + GLOBAL_FLAGS if f.short}
    parsed = Parsed()
    for spec in specs:
        if spec.default is not None:
            parsed.values[spec.name] = spec.default
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            parsed.after_dashes = argv[i + 1:]
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            spec = by_long.get(name)
            if spec is None:
                raise UsageError(f"error: unknown flag: --{name}\n"
                                 f"See 'kubectl {command} --help' for usage.")
            if spec.takes_value:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise UsageError(f"error: flag needs an argument: --{name}\n"
                                         f"See 'kubectl {command} --help' for usage.")
                    value = argv[i]
                _store(parsed, spec, value)
            else:
                _store(parsed, spec, _boolean(value, name, command) if eq else True)
        elif arg.startswith("-") and len(arg) > 1 and not _is_number(arg):
            short, rest = arg[1], arg[2:]
            spec = by_short.get(short)
            if spec is None:
                raise UsageError(f"error: unknown shorthand flag: '{short}' in {arg}\n"
                                 f"See 'kubectl {command} --help' for usage.")
            if spec.takes_value:
                if rest.startswith("="):
                    value = rest[1:]
                elif rest:
                    value = rest
                else:
                    i += 1
                    if i >= len(argv):
                        raise UsageError(f"error: flag needs an argument: '{short}' in -{short}"
                                         f"\nSee 'kubectl {command} --help' for usage.")
                    value = argv[i]
                _store(parsed, spec, value)
            else:
                if rest.startswith("="):
                    _store(parsed, spec, _boolean(rest[1:], spec.name, command))
                else:
                    _store(parsed, spec, True)
                    # combined boolean shorthands such as -Aw
                    for extra in rest:
                        extra_spec = by_short.get(extra)
                        if extra_spec is None or extra_spec.takes_value:
                            raise UsageError(f"error: unknown shorthand flag: '{extra}' in "
                                             f"{arg}\nSee 'kubectl {command} --help' for usage.")
                        _store(parsed, extra_spec, True)
        else:
            parsed.args.append(arg)
        i += 1
    return parsed


def _store(parsed: Parsed, spec: Flag, value: object) -> None:
    if spec.repeatable:
        existing = parsed.values.get(spec.name)
        items = list(existing) if isinstance(existing, list) else []
        items.append(value)
        parsed.values[spec.name] = items
    else:
        parsed.values[spec.name] = value


def _boolean(text: str, name: str, command: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f'error: invalid argument "{text}" for "--{name}" flag: strconv.ParseBool: '
                     f'parsing "{text}": invalid syntax\nSee \'kubectl {command} --help\' for '
                     "usage.")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
