"""The one exception type users see: a problem in their input, located in a file."""

from __future__ import annotations

from pathlib import Path


class KkgError(Exception):
    """An input problem reported to the user as one line, without a traceback.

    >>> str(KkgError("claims.yaml", 12, "unknown entity 'ketamin'"))
    "claims.yaml:12: unknown entity 'ketamin'"
    >>> str(KkgError(None, None, "no data folder"))
    'no data folder'
    """

    def __init__(self, file: str | Path | None, line: int | None, message: str, *, column: int | None = None):
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + self.message
