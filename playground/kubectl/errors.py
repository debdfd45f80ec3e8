"""How kubectl prints errors from the server (cmdutil.CheckErr's rules).

`Invalid` errors print from their causes: `The Deployment "web" is invalid: spec.replicas: ...`
(several causes as `[a, b]`); one without causes names its object, or else carries the server's
message (`The request is invalid: <msg>`); every other status prints
`Error from server (<Reason>): <msg>`, where commands that read files insert
`error when creating "web.yaml": ` before the message.
"""

from __future__ import annotations

from playground.engine.api.format import aggregate, field_error_text
from playground.engine.errors import APIError


def api_error_text(exc: APIError, *, source: str | None = None, action: str = "creating") -> str:
    """The line kubectl prints for a refused request."""
    if exc.reason == "Invalid":
        if exc.kind or exc.name:
            head = f'The {exc.kind} "{exc.name}" is invalid'
        elif exc.message and not exc.causes:
            return f"The request is invalid: {exc.message}"
        else:
            head = "The request is invalid"
        if not exc.causes:
            return head
        return f"{head}: " + aggregate([field_error_text(c) for c in exc.causes])
    message = exc.message
    if source is not None:
        message = f'error when {action} "{source}": {message}'
    return f"Error from server ({exc.reason}): {message}"
