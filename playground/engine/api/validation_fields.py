"""Building blocks of semantic validation: field errors and the format checks of apimachinery.

Kubernetes' `ValidateX` functions are written from a handful of shared checks (RFC 1123 names,
label keys and values, port names, percentages, config keys). They live here, with their detail
strings exactly as `k8s.io/apimachinery/pkg/util/validation` and `.../api/validate/content`
of 1.37 print them, so every kind-specific validator speaks the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from playground.engine.errors import FieldError

NEGATIVE = "must be greater than or equal to 0"
IMMUTABLE = "field is immutable"


def required(path: str, detail: str = "") -> FieldError:
    """`<path>: Required value[: detail]`."""
    return FieldError("Required", path, detail)


def invalid(path: str, value: object, detail: str) -> FieldError:
    """`<path>: Invalid value: <value>: detail`."""
    return FieldError("Invalid", path, detail, value, True)


def unsupported(path: str, value: object, supported: Iterable[str]) -> FieldError:
    """`<path>: Unsupported value: "x": supported values: "a", "b"`."""
    listed = ", ".join(f'"{item}"' for item in supported)
    return FieldError("Unsupported", path, f"supported values: {listed}", value, True)


def duplicate(path: str, value: object) -> FieldError:
    """`<path>: Duplicate value: "x"`."""
    return FieldError("Duplicate", path, "", value, True)


def not_found(path: str, value: object) -> FieldError:
    """`<path>: Not found: "x"`."""
    return FieldError("NotFound", path, "", value, True)


def forbidden(path: str, detail: str) -> FieldError:
    """`<path>: Forbidden: detail`."""
    return FieldError("Forbidden", path, detail)


def key_path(path: str, key: str) -> str:
    """Go's `Path.Key`: `data[my.key]`."""
    return f"{path}[{key}]"


def regex_error(message: str, regex: str, *examples: str) -> str:
    """apimachinery's RegexError: the message, its examples and the regex used."""
    if not examples:
        return f"{message} (regex used for validation is '{regex}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{regex}')"


def max_len_error(length: int) -> str:
    """`must be no more than 63 characters` (the older util/validation wording)."""
    return f"must be no more than {length} characters"


def max_bytes_error(length: int) -> str:
    """`must be no more than 63 bytes` (the api/validate/content wording used for labels)."""
    return f"must be no more than {length} bytes"


def inclusive_range_error(low: int, high: int) -> str:
    """`must be between 1 and 65535, inclusive`."""
    return f"must be between {low} and {high}, inclusive"


_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(_DNS1035_FMT)

DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                     "characters or '-', and must start and end with an alphanumeric character")
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                         "characters, '-' or '.', and must start and end with an alphanumeric "
                         "character")
DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                     "start with an alphabetic character, and end with an alphanumeric character")


def dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label."""
    errors = []
    if len(value) > 63:
        errors.append(max_len_error(63))
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(DNS1123_LABEL_MSG, _LABEL_FMT, "my-name", "123-abc"))
    return errors


def dns1123_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain."""
    errors = []
    if len(value) > 253:
        errors.append(max_len_error(253))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(regex_error(DNS1123_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errors


def dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label."""
    errors = []
    if len(value) > 63:
        errors.append(max_len_error(63))
    if not _DNS1035_LABEL.fullmatch(value):
        errors.append(regex_error(DNS1035_LABEL_MSG, _DNS1035_FMT, "my-name", "abc-123"))
    return errors


def _content_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append(max_bytes_error(253))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(regex_error(DNS1123_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errors


_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_KEY = re.compile(_KEY_FMT)
_KEY_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character")
_VALUE_FMT = f"({_KEY_FMT})?"
_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
              "'-', '_' or '.', and must start and end with an alphanumeric character")


def qualified_name(value: str) -> list[str]:
    """IsQualifiedName / IsLabelKey: `[prefix/]name`."""
    errors: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + msg for msg in _content_subdomain(prefix))
    else:
        return ["a valid label key " + regex_error(_KEY_MSG, _KEY_FMT, "MyName", "my.name",
                                                   "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + max_bytes_error(63))
    if not _KEY.fullmatch(name):
        errors.append("name part " + regex_error(_KEY_MSG, _KEY_FMT, "MyName", "my.name",
                                                 "123-abc"))
    return errors


def label_value(value: str) -> list[str]:
    """IsLabelValue."""
    errors = []
    if len(value) > 63:
        errors.append(max_bytes_error(63))
    if not re.fullmatch(_VALUE_FMT, value):
        errors.append(regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def validate_labels(labels: object, path: str) -> list[FieldError]:
    """ValidateLabels: every key a qualified name, every value a label value."""
    errors: list[FieldError] = []
    if not isinstance(labels, dict):
        return errors
    for key in sorted(labels):
        errors.extend(invalid(path, key, msg) for msg in qualified_name(str(key)))
        value = labels[key]
        if isinstance(value, str):
            errors.extend(invalid(path, value, msg) for msg in label_value(value))
    return errors


TOTAL_ANNOTATION_SIZE = 256 * 1024


def validate_annotations(annotations: object, path: str) -> list[FieldError]:
    """ValidateAnnotations: keys are qualified names (any case); 256 KiB in total."""
    errors: list[FieldError] = []
    if not isinstance(annotations, dict):
        return errors
    size = 0
    for key in sorted(annotations):
        errors.extend(invalid(path, key, msg) for msg in qualified_name(str(key).lower()))
        size += len(str(key).encode()) + len(str(annotations[key] or "").encode())
    if size > TOTAL_ANNOTATION_SIZE:
        errors.append(FieldError("TooLong", path,
                                 f"may not be more than {TOTAL_ANNOTATION_SIZE} bytes"))
    return errors


_PORT_NAME_CHARS = re.compile("[-a-z0-9]+")


def port_name(value: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME)."""
    errors = []
    if len(value) > 15:
        errors.append(max_len_error(15))
    if not _PORT_NAME_CHARS.fullmatch(value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errors.append("must contain at least one letter (a-z)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def port_number(value: object) -> list[str]:
    """IsValidPortNum."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


_PERCENT_FMT = "[0-9]+%"


def percent(value: str) -> list[str]:
    """IsValidPercent."""
    if re.fullmatch(_PERCENT_FMT, value):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an "
                        "ending '%'", _PERCENT_FMT, "1%", "93%")]


_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"


def config_map_key(value: str) -> list[str]:
    """IsConfigMapKey (ConfigMap and Secret keys)."""
    errors = []
    if len(value) > 253:
        errors.append(max_len_error(253))
    if not re.fullmatch(_CONFIG_KEY_FMT, value):
        errors.append(regex_error("a valid config key must consist of alphanumeric characters, "
                                  "'-', '_' or '.'", _CONFIG_KEY_FMT, "key.name", "KEY_NAME",
                                  "key-name"))
    if value == ".":
        errors.append("must not be '.'")
    elif value == "..":
        errors.append("must not be '..'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def env_var_name(value: str) -> list[str]:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on by default in 1.37)."""
    errors = []
    if not value:
        errors.append("environment variable name must be non-empty")
    if any(ord(char) > 126 or ord(char) < 32 or char == "=" for char in value):
        errors.append("a valid environment variable name must consist only of printable ASCII "
                      "characters other than '='")
    return errors


def nonnegative(value: object, path: str) -> list[FieldError]:
    """ValidateNonnegativeField for an optional integer."""
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []


def validate_label_selector(selector: object, path: str) -> list[FieldError]:
    """ValidateLabelSelector: matchLabels like labels, matchExpressions well formed."""
    errors: list[FieldError] = []
    if not isinstance(selector, dict):
        return errors
    errors += validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        if not isinstance(expression, dict):
            continue
        at = f"{path}.matchExpressions[{index}]"
        operator = expression.get("operator")
        values = expression.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                errors.append(required(f"{at}.values",
                                       "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                errors.append(forbidden(f"{at}.values", "may not be specified when `operator` "
                                                       "is 'Exists' or 'DoesNotExist'"))
        else:
            errors.append(invalid(f"{at}.operator", operator, "not a valid selector operator"))
        errors.extend(invalid(f"{at}.key", expression.get("key", ""), msg)
                      for msg in qualified_name(str(expression.get("key", ""))))
        for value_index, value in enumerate(values):
            errors.extend(invalid(f"{at}.values[{value_index}]", value, msg)
                          for msg in label_value(str(value)))
    return errors


def selector_matches(selector: dict[str, object], labels: dict[str, object]) -> bool:
    """Whether a LabelSelector selects a set of labels."""
    for key, value in (selector.get("matchLabels") or {}).items():  # type: ignore[union-attr]
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:  # type: ignore[union-attr]
        key = expression.get("key")
        values = expression.get("values") or []
        operator = expression.get("operator")
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def int_or_percent(value: object, path: str) -> tuple[list[FieldError], int | None, bool]:
    """ValidatePositiveIntOrPercent: (errors, number, is_percent)."""
    if isinstance(value, bool):
        return [], None, False
    if isinstance(value, int):
        if value < 0:
            return [invalid(path, value, NEGATIVE)], value, False
        return [], value, False
    if isinstance(value, str):
        messages = percent(value)
        if messages:
            return [invalid(path, value, msg) for msg in messages], None, True
        return [], int(value[:-1]), True
    return [], None, False
