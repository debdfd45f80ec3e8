"""Errors the API server returns, shaped like Kubernetes' `metav1.Status`.

Every refusal the engine makes is an `APIError` carrying the HTTP code, the `reason`
(NotFound, AlreadyExists, Conflict, Invalid, BadRequest, Forbidden, MethodNotAllowed) and the
message a real API server would put in `Status.message`. kubectl renders them as
`Error from server (<reason>): <message>`, which is why the messages are written exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One field-level problem, as in `k8s.io/apimachinery/pkg/util/validation/field`."""

    type: str
    """`Required`, `Invalid`, `Unsupported`, `Forbidden`, `Duplicate`, `NotFound`, `TooLong`…"""
    field: str
    """Field path, e.g. `spec.template.metadata.labels`."""
    detail: str = ""
    value: object = None
    has_value: bool = False

    def __str__(self) -> str:
        from playground.engine.api.format import field_error_text  # local: avoid a cycle

        return field_error_text(self)


@dataclass
class APIError(EngineError):
    """A request the API server refused."""

    code: int
    reason: str
    message: str
    causes: list[FieldError] = field(default_factory=list)
    kind: str = ""
    """Details.kind: the kind the error is about (kubectl prints `The <kind> "<name>" ...`)."""
    name: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def not_found(qualified_resource: str, name: str) -> APIError:
    """`pods "x" not found`."""
    return APIError(404, "NotFound", f'{qualified_resource} "{name}" not found')


def already_exists(qualified_resource: str, name: str) -> APIError:
    """`deployments.apps "web" already exists`."""
    return APIError(409, "AlreadyExists", f'{qualified_resource} "{name}" already exists')


def conflict(qualified_resource: str, name: str) -> APIError:
    """Optimistic-concurrency failure on update."""
    return APIError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {qualified_resource} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again")


def bad_request(message: str) -> APIError:
    """A request the server could not decode or act on."""
    return APIError(400, "BadRequest", message)


def invalid(kind: str, group: str, name: str, errors: list[FieldError]) -> APIError:
    """`Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be ...`;
    kubectl shows it as `The Deployment "web" is invalid: ...`."""
    from playground.engine.api.format import invalid_message

    group_kind = f"{kind}.{group}" if group else kind
    return APIError(422, "Invalid", invalid_message(group_kind, name, errors), list(errors),
                    kind=kind, name=name)


REJECTED = "the server rejected our request due to an error in our request"


def rejected() -> APIError:
    """A bare 422: what the server answers when a JSON patch's operations do not apply (its
    own message is not passed on); kubectl shows `The request is invalid: <message>`."""
    return APIError(422, "Invalid", REJECTED)


def forbidden(message: str) -> APIError:
    """A request refused by admission (e.g. creating in a terminating namespace)."""
    return APIError(403, "Forbidden", message)
