"""The project's exceptions: each maps to one exit code and a message that names the culprit.

Validation collects every fault in a file before raising, so a user fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One problem in an input: where it is (file, row, field) and what is wrong."""

    file: str
    message: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class RouteError(Exception):
    """Base class; `exit_code` is what the command line returns."""

    exit_code = 1


SHOWN_FAULTS = 20  # an error message lists at most this many problems, then counts the rest
KEPT_FAULTS = 1000  # a reader stops keeping problems after this many (it still counts them)


class InputError(RouteError):
    """Bad files or values. Carries every fault found (up to KEPT_FAULTS, and the count of
    all), not just the first."""

    exit_code = 3

    def __init__(self, faults: list[Fault] | Fault | str, total: int | None = None):
        if isinstance(faults, str):
            faults = [Fault(file="input", message=faults)]
        elif isinstance(faults, Fault):
            faults = [faults]
        self.faults = tuple(faults)
        self.total = max(total or 0, len(self.faults))
        super().__init__(self._text())

    def _text(self) -> str:
        if self.total == 1:
            return str(self.faults[0])
        lines = [f"{self.total:,} problems in the input:"]
        lines += [f"  - {f}" for f in self.faults[:SHOWN_FAULTS]]
        if self.total > SHOWN_FAULTS:
            lines.append(f"  ... and {self.total - SHOWN_FAULTS:,} more")
        return "\n".join(lines)


class NetworkError(RouteError):
    """The road graph cannot serve the points: unsnappable, unreachable or disconnected."""

    exit_code = 4


class EngineError(RouteError):
    """The chosen search engine cannot model this problem (use another engine)."""

    exit_code = 2


class PlanInvalidError(RouteError):
    """A plan broke a rule the validator checks; never written to disk."""

    exit_code = 5


class Faults:
    """Collects faults while a file is read, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[Fault] = []
        self.count = 0

    def add(self, file: str, message: str, row: int | None = None, field: str | None = None):
        self.count += 1
        if len(self.items) < KEPT_FAULTS:
            self.items.append(Fault(file=file, message=message, row=row, field=field))

    def __bool__(self) -> bool:
        return self.count > 0

    def raise_if_any(self) -> None:
        """Raise every fault at once, in file and row order."""
        if self.items:
            raise InputError(sorted(self.items, key=lambda f: (f.file, f.row or 0)), self.count)
