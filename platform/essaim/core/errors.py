"""One application error with a stable machine code, a field and a French message."""

from __future__ import annotations


class AppError(Exception):
    """A domain rule was broken. `code` is stable (for API clients), `message` is French."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}
