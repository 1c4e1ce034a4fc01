"""Reading a plan.json that may not be what the tool wrote: every structural problem is an
input error that names the file and the field (a JSON path such as `routes[2].stops[0].point`),
all of them at once, checked against the shipped JSON Schema (`plan.schema.json`)."""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
from collections.abc import Container
from pathlib import Path

from ..errors import Fault, InputError
from ..inputs.tables import shown
from .document import PLAN_FORMAT, READABLE_VERSIONS, Deferred, Plan, Route, Stop, Unserved

MAX_PLAN_BYTES = 200_000_000  # a plan of a thousand routes is a few MB


@functools.cache
def plan_schema() -> dict:
    """The JSON Schema of plan.json, shipped with the package."""
    text = importlib.resources.files("routing.plans").joinpath("plan.schema.json").read_text()
    return json.loads(text)


def _inlined(node, defs: dict):
    """The schema with its `$ref`s replaced by what they name: the same rules, checked four
    times faster by jsonschema (measured on a 30-route plan)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inlined(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inlined(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inlined(v, defs) for v in node]
    return node


def _where(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def schema_faults(doc: object, source: str, courier: bool = False) -> list[Fault]:
    """Every way `doc` breaks the plan schema, sorted by where. `courier` relaxes what only
    the tool's own plans carry (inputs, summary)."""
    import jsonschema

    schema = _inlined(plan_schema(), plan_schema()["$defs"])
    if courier:
        optional = {"inputs", "summary", "adcode", "seed", "time_limit_s", "iterations", "engine"}
        schema = {**schema, "required": [k for k in schema["required"] if k not in optional]}
    validator = jsonschema.Draft202012Validator(schema)
    faults = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.path]):
        message = err.message if len(err.message) <= 200 else err.message[:200] + " ..."
        faults.append(Fault(source, message, field=_where(err.absolute_path)))
    return faults


def _not_json(name: str) -> None:
    raise ValueError(f"not valid JSON ({name} is not a JSON number)")


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"not valid JSON for a plan ({text[:20]} is too large a number)")
    return x


_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number"}


def read_document(path: Path) -> object:
    """The JSON value of a file; unreadable, non-UTF-8 or invalid JSON is an input error."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_PLAN_BYTES:
            raise InputError(Fault(source, f"is {size:,} bytes: too large for a plan file"))
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(Fault(source, "file not found")) from None
    except IsADirectoryError:
        raise InputError(Fault(source, "is a folder, not a plan file")) from None
    except OSError as exc:
        raise InputError(Fault(source, f"cannot read the file ({exc.strerror})")) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Fault(source, f"not UTF-8 text (byte {exc.start}): not a plan file")
        ) from None
    try:
        return json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # NaN or Infinity, from _not_json
            raise InputError(Fault(source, str(exc))) from None
        raise InputError(
            Fault(source, f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})")
        ) from None
    except RecursionError:
        raise InputError(Fault(source, "not a plan file (JSON nested too deeply)")) from None


def plan_from_dict(d: object, source: str = "plan.json", courier: bool = False) -> Plan:
    """A plan from its JSON document, after checking it against the schema."""
    if not isinstance(d, dict):
        raise InputError(
            Fault(
                source,
                "not a plan file: the document is a JSON "
                + ("true/false" if isinstance(d, bool) else _JSON_TYPES.get(type(d), "null")),
            )
        )
    if d.get("format") != PLAN_FORMAT:
        raise InputError(
            Fault(source, f"not a plan file (format is {d.get('format')!r})", field="format")
        )
    if d.get("version") not in READABLE_VERSIONS:
        raise InputError(
            Fault(
                source,
                f"plan version {d.get('version')!r} is not supported "
                f"(this tool reads versions {', '.join(map(str, READABLE_VERSIONS))})",
                field="version",
            )
        )
    faults = schema_faults(d, source, courier)
    if faults:
        raise InputError(faults)
    routes = tuple(
        Route(
            **{
                **r,
                "stops": tuple(
                    Stop(
                        **{
                            **s,
                            "deliver": tuple(s.get("deliver", ())),
                            "collect": tuple(s.get("collect", ())),
                            "unload": tuple(s.get("unload", ())),
                        }
                    )
                    for s in r["stops"]
                ),
            }
        )
        for r in d["routes"]
    )
    return Plan(
        county=d["county"],
        adcode=d.get("adcode", ""),
        date=d["date"],
        engine=d.get("engine", "imported"),
        seed=d.get("seed", 0),
        time_limit_s=d.get("time_limit_s", 0.0),
        iterations=d.get("iterations"),
        inputs=d.get("inputs", {}),
        routes=routes,
        unserved=tuple(Unserved(**u) for u in d["unserved"]),
        stats=d.get("stats", {}),
        standing_cost_yuan=d.get("standing_cost_yuan"),
        deferred=tuple(Deferred(**x) for x in d.get("deferred", ())),
        replan=d.get("replan"),
        stated_summary=d.get("summary"),
    )


def read_plan(path: Path, courier: bool = False) -> Plan:
    """A plan file, checked for structure (not yet against its county: see `references`)."""
    return plan_from_dict(read_document(path), str(path), courier)


def references(
    plan: Plan,
    vehicles: Container[str],
    points: Container[str],
    orders: Container[str],
    source: str,
) -> list[Fault]:
    """Every vehicle, point and order id the plan names that its county and day lack, with
    the JSON path of each: a plan file's ids are checked before anything is drawn from them."""
    faults = []
    for i, r in enumerate(plan.routes):
        if r.vehicle not in vehicles:
            faults.append(
                Fault(source, f"unknown vehicle {shown(r.vehicle)}", field=f"routes[{i}].vehicle")
            )
        for j, s in enumerate(r.stops):
            where = f"routes[{i}].stops[{j}]"
            if s.point not in points:
                faults.append(
                    Fault(source, f"unknown service point {shown(s.point)}", field=f"{where}.point")
                )
            for role in ("deliver", "collect", "unload"):
                for oid in getattr(s, role):
                    if oid not in orders:
                        faults.append(
                            Fault(source, f"unknown order {shown(oid)}", field=f"{where}.{role}")
                        )
    for i, u in enumerate(plan.unserved):
        if u.order not in orders:
            faults.append(
                Fault(source, f"unknown order {shown(u.order)}", field=f"unserved[{i}].order")
            )
    return faults
