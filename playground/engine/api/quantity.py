"""Resource quantities (`500m`, `1Gi`, `2.5`, `1e3`), as `k8s.io/apimachinery/pkg/api/resource`.

Requests, limits, capacity and allocatable are quantities. The scheduler compares them exactly,
so values are held as `Fraction`s; helpers give CPU in millicores and memory in bytes, the units
the rest of the engine counts in.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": 1,
            "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}

_QUANTITY = re.compile(
    r"^(?P<sign>[+-]?)(?P<number>(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE](?P<exp>[+-]?\d+))?$")

QUANTITY_FORMAT_DETAIL = (
    "must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
"""The detail Kubernetes gives when a quantity does not parse."""


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity."""


def parse_quantity(value: str | int | float) -> Fraction:
    """The exact value of a quantity; raises QuantityError for anything else."""
    if isinstance(value, bool):
        raise QuantityError(f"quantities must be numbers or strings, not {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise QuantityError(f"{value!r} is not a quantity")
        return Fraction(value).limit_denominator(10**9)
    match = _QUANTITY.match(value.strip()) if isinstance(value, str) else None
    if match is None or value.strip() != value:
        raise QuantityError(f"quantities must match the regular expression "
                            f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got {value!r}")
    number = Fraction(match["number"])
    if match["sign"] == "-":
        number = -number
    suffix = match["suffix"]
    if match["exp"] is not None:
        return number * Fraction(10) ** int(match["exp"])
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    return number * _DECIMAL[suffix or ""]


def is_quantity(value: object) -> bool:
    """True when `value` parses as a quantity."""
    try:
        parse_quantity(value)  # type: ignore[arg-type]
    except QuantityError:
        return False
    return True


def cpu_millis(value: str | int | float) -> int:
    """CPU in millicores, rounded up as the API server rounds sub-milli CPU."""
    return math.ceil(parse_quantity(value) * 1000)


def memory_bytes(value: str | int | float) -> int:
    """Memory (or storage) in bytes, rounded up."""
    return math.ceil(parse_quantity(value))


def format_millis(millis: int) -> str:
    """CPU for display: `250m`, or whole cores as `2`."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_bytes(count: int) -> str:
    """Memory for display in the largest exact binary unit: `128Mi`, `1Gi`, `1500`."""
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = _BINARY[suffix]
        if count and count % unit == 0:
            return f"{count // unit}{suffix}"
    return str(count)
