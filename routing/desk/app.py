"""The desk's routes: the page, its static files, and the JSON endpoints (docs/desk.md).

Every library error becomes JSON `{"error": message}`: 400 for a bad input, 403 for a path
outside the desk's folders, 409 for a change refused (locked, busy), 413 for a body too large
(`security.Guard`), 422 for a plan that fails validation; anything unexpected is a 500 with
one line, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import InputError, NetworkError, PlanInvalidError, RouteError
from ..replan.run import DEFAULT_TIME_LIMIT_S
from . import edits, replanning
from .days import Days
from .jobs import Busy, DayLocks, Jobs, plan_day
from .locks import Locks, orders_of
from .payload import plan_payload, roads_payload
from .security import LOCAL_NAMES, Guard
from .store import Forbidden, Store, check_county, check_date, counties, history, read_locks
from .store import write_locks as store_locks

STATIC = Path(__file__).parent / "static"
UPLOAD_SUFFIXES = (".csv", ".xlsx")
CJK_FONT = "RouteSansCJKsc-Regular.ttf"


@dataclass
class Settings:
    plans_dir: Path = Path("plans")
    data_dir: Path | None = None
    compare_dir: Path = Path("compare")
    county: str = "wugong"
    time_limit: float = 30.0
    iterations: int | None = None
    token: str | None = None
    allowed_hosts: tuple[str, ...] = LOCAL_NAMES
    extra: dict = field(default_factory=dict)


class Desk:
    """The desk's state: its folders, the opened plans, the jobs and the days' locks."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store(Path(settings.plans_dir), settings.data_dir, settings.compare_dir)
        self.days = Days()
        self.locks = DayLocks()
        self.jobs = Jobs(self._plan, self.locks, self._planned)
        self._roads: dict[str, dict] = {}

    def _plan(self, county, date, say, improved) -> dict:
        s = self.settings
        out = self.store.plan_dir(county, date)
        return plan_day(county, date, out, s.data_dir, s.time_limit, s.iterations, say, improved)

    def _planned(self, job) -> None:
        self.days.forget(self.store.plan_path(job.county, job.date))

    def day(self, request: Request) -> tuple[str, str]:
        county = check_county(request.path_params["county"], self.settings.data_dir)
        return county, check_date(request.path_params["date"])

    def payload(self, county: str, date: str) -> dict:
        path = self.store.existing_plan(county, date)
        opened = self.days.open(path)
        locks = Locks.of(read_locks(path.parent), opened.plan)
        return plan_payload(opened, locks, len(history(path.parent)))


async def _body(request: Request) -> dict:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InputError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return data


def _int(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"'{name}' must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise InputError(f"'{name}' must be a whole number") from None


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InputError(f"'{name}' is missing")
    return value


def create_app(settings: Settings) -> Starlette:
    desk = Desk(settings)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    async def font(request: Request) -> Response:
        """The bundled CJK subset (SIL OFL), so Chinese names show with no installed font."""
        fonts = Path(__file__).resolve().parent.parent / "exports" / "fonts"
        return FileResponse(fonts / CJK_FONT, media_type="font/ttf")

    async def config(request: Request) -> JSONResponse:
        from ..exports.files import FORMATS

        return JSONResponse(
            {
                "county": settings.county,
                "counties": counties(settings.data_dir),
                "formats": list(FORMATS),
                "time_limit_s": settings.time_limit,
                "iterations": settings.iterations,
            }
        )

    async def roads(request: Request) -> JSONResponse:
        county = check_county(request.path_params["county"], settings.data_dir)
        if county not in desk._roads:

            def load() -> dict:
                from ..inputs.county import load_county
                from ..network.graph import read_road_arrays
                from ..network.matrices import default_cache_dir

                c = load_county(county, settings.data_dir)
                arrays = read_road_arrays(
                    c.graph_path, default_cache_dir(), c.digests.get("roads.graphml")
                )
                hub = c.hub
                return {**roads_payload(arrays), "hub": [hub.lat, hub.lon], "name": hub.name}

            desk._roads[county] = await run_in_threadpool(load)
        return JSONResponse(desk._roads[county])

    async def dates(request: Request) -> JSONResponse:
        county = request.path_params["county"]
        return JSONResponse({"dates": desk.store.dates(county)})

    async def start_plan(request: Request) -> JSONResponse:
        body = await _body(request)
        county = check_county(_text(body, "county"), settings.data_dir)
        date = check_date(_text(body, "date"))
        desk.store.plan_dir(county, date)  # refused here, not in the job, if outside
        job = desk.jobs.start(county, date)
        return JSONResponse(job.as_dict(), status_code=202)

    async def job_state(request: Request) -> JSONResponse:
        job = desk.jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "no such job")
        return JSONResponse(job.as_dict())

    async def job_events(request: Request) -> StreamingResponse:
        job = desk.jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "no such job")

        async def stream():
            sent, quiet = 0, 0
            while True:
                events = job.events[sent:]
                for e in events:
                    data = json.dumps(e["data"], ensure_ascii=False)
                    yield f"event: {e['event']}\ndata: {data}\n\n"
                sent += len(events)
                if job.finished and sent >= len(job.events):
                    yield "event: end\ndata: {}\n\n"
                    return
                quiet = 0 if events else quiet + 1
                if quiet and quiet % 50 == 0:
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.2)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    async def plan(request: Request) -> JSONResponse:
        county, date = desk.day(request)
        return JSONResponse(await run_in_threadpool(desk.payload, county, date))

    async def move(request: Request) -> JSONResponse:
        county, date = desk.day(request)
        body = await _body(request)
        vehicle, stop = _text(body, "vehicle"), _int(body, "stop")
        to_vehicle = str(body.get("to_vehicle") or vehicle)
        position = _int(body, "position")

        def work() -> dict:
            path = desk.store.existing_plan(county, date)
            with desk.locks.held(county, date):
                opened = desk.days.open(path)
                locks = Locks.of(read_locks(path.parent), opened.plan)
                fleet = {v.id: v.shift_start for v in opened.file.county.fleet}
                changed = edits.move_visit(
                    opened.plan, vehicle, stop, to_vehicle, position, fleet, locks
                )
                verdict = edits.judge(opened, changed)
                if verdict.ok:
                    edits.save(opened, verdict.plan)
            answer = {**verdict.as_dict(), "applied": verdict.ok}
            answer["plan"] = desk.payload(county, date)
            return answer

        return JSONResponse(await run_in_threadpool(work))

    async def undo(request: Request) -> JSONResponse:
        county, date = desk.day(request)

        def work() -> dict:
            path = desk.store.existing_plan(county, date)
            with desk.locks.held(county, date):
                done = edits.undo(desk.days, path)
            if not done:
                raise edits.Refused("there is no earlier version to go back to")
            return {"applied": True, "plan": desk.payload(county, date)}

        return JSONResponse(await run_in_threadpool(work))

    async def lock(request: Request) -> JSONResponse:
        county, date = desk.day(request)
        body = await _body(request)
        vehicle = _text(body, "vehicle")
        locked = body.get("locked", True) is not False
        stop = body.get("stop")

        def work() -> dict:
            path = desk.store.existing_plan(county, date)
            with desk.locks.held(county, date):
                opened = desk.days.open(path)
                locks = Locks.of(read_locks(path.parent), opened.plan)
                route = next((r for r in opened.plan.routes if r.vehicle == vehicle), None)
                if route is None:
                    raise InputError(f"no route for vehicle {vehicle!r} in the plan")
                if stop is None:
                    locks.set_route(vehicle, locked)
                else:
                    k = _int(body, "stop")
                    if not 1 <= k <= len(route.stops):
                        raise InputError(f"{vehicle} has stops 1 to {len(route.stops)}, not {k}")
                    from ..plans.document import visit_spans

                    span = next(s for s in visit_spans(route.stops) if k - 1 in s)
                    point = route.stops[span[0]].point
                    locks.set_stop(vehicle, point, orders_of(route, span), locked)
                store_locks(path.parent, locks.as_dict())
            return {"locks": locks.as_dict(), "plan": desk.payload(county, date)}

        return JSONResponse(await run_in_threadpool(work))

    async def replan_call(request: Request) -> JSONResponse:
        county, date = desk.day(request)
        action = request.path_params["action"]
        if action not in ("add", "cancel", "replan"):
            raise HTTPException(404, "not found")
        body = await _body(request)

        def work() -> dict:
            path = desk.store.existing_plan(county, date)
            with desk.locks.held(county, date):
                opened = desk.days.open(path)
                locks = Locks.of(read_locks(path.parent), opened.plan).replan_terms(opened.plan)
                at_s = replanning.at_seconds(body.get("at", ""))
                limit = min(settings.time_limit, DEFAULT_TIME_LIMIT_S)
                kw: dict = {"time_limit": limit, "iterations": settings.iterations}
                if action == "add":
                    order = replanning.order_of(body.get("order") or {}, opened)
                    out = replanning.replan(opened, at_s, locks, new_orders=(order,), **kw)
                elif action == "cancel":
                    gone = (_text(body, "order"),)
                    out = replanning.replan(opened, at_s, locks, cancel=gone, **kw)
                else:
                    out = replanning.replan(opened, at_s, locks, full=True, **kw)
            return {**out.as_dict(), "plan": desk.payload(county, date)}

        return JSONResponse(await run_in_threadpool(work))

    async def export(request: Request) -> Response:
        from ..exports.files import FORMATS, export_plan

        county, date = desk.day(request)
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt[:20]!r}; formats: {', '.join(FORMATS)}")
        crs = request.query_params.get("crs", "wgs84")
        if crs not in ("wgs84", "gcj02"):
            raise InputError("crs is wgs84 or gcj02")

        def work() -> bytes:
            path = desk.store.existing_plan(county, date)
            with tempfile.TemporaryDirectory(prefix="desk-export-") as tmp:
                out = export_plan(path, fmt, crs, Path(tmp) / f"routes.{fmt}")
                return out.read_bytes()

        data = await run_in_threadpool(work)
        name = f"{county}-{date}-routes.{fmt}"
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(
            data, media_type=kind, headers={"content-disposition": f'attachment; filename="{name}"'}
        )

    async def sheets(request: Request) -> Response:
        from ..exports.files import write_route_sheets

        county, date = desk.day(request)

        def work() -> bytes:
            path = desk.store.existing_plan(county, date)
            with tempfile.TemporaryDirectory(prefix="desk-sheets-") as tmp:
                out, _ = write_route_sheets(path, None, Path(tmp) / "sheets.pdf")
                return out.read_bytes()

        data = await run_in_threadpool(work)
        return Response(
            data,
            media_type="application/pdf",
            headers={"content-disposition": f'inline; filename="{county}-{date}-sheets.pdf"'},
        )

    async def upload(request: Request) -> JSONResponse:
        from ..inputs.orders import import_orders

        county = check_county(request.path_params["county"], settings.data_dir)
        form = await request.form(max_files=1, max_fields=10)
        date = form.get("date")
        file = form.get("file")
        if file is None or isinstance(file, str):
            raise InputError("no file in the upload (field 'file')")
        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise InputError(f"orders files are {' or '.join(UPLOAD_SUFFIXES)}, not {suffix!r}")
        data = await file.read()

        def work() -> list:
            with tempfile.TemporaryDirectory(prefix="desk-upload-") as tmp:
                staged = Path(tmp) / f"orders{suffix}"
                staged.write_bytes(data)
                return import_orders(staged, county, settings.data_dir)

        stored = await run_in_threadpool(work)
        days = [{"date": d, "orders": n} for d, _, n in stored]
        answer: dict = {"stored": days}
        if isinstance(date, str) and date and date not in [d["date"] for d in days]:
            answer["warning"] = f"the file has no orders for {date}"
        return JSONResponse(answer)

    async def comparisons(request: Request) -> JSONResponse:
        return JSONResponse({"files": desk.store.comparisons()})

    async def comparison(request: Request) -> JSONResponse:
        return JSONResponse(desk.store.comparison(request.query_params.get("file", "")))

    async def shared_file(request: Request) -> Response:
        return FileResponse(desk.store.shared_file(request.path_params["path"]))

    def error(status: int):
        async def handler(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"error": str(exc)}, status_code=status)

        return handler

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": f"unexpected {type(exc).__name__}: {str(exc)[:300]}"}, status_code=500
        )

    day = "/api/plans/{county}/{date}"
    routes = [
        Route("/", index),
        Route("/api/config", config),
        Route("/font/cjk.ttf", font),
        Route("/api/counties/{county}/roads", roads),
        Route("/api/counties/{county}/dates", dates),
        Route("/api/plan", start_plan, methods=["POST"]),
        Route("/api/jobs/{job}", job_state),
        Route("/api/jobs/{job}/events", job_events),
        Route(day, plan),
        Route(f"{day}/move", move, methods=["POST"]),
        Route(f"{day}/undo", undo, methods=["POST"]),
        Route(f"{day}/lock", lock, methods=["POST"]),
        Route(f"{day}/" + "{action:str}", replan_call, methods=["POST"]),
        Route(f"{day}/export/" + "{fmt}", export),
        Route(f"{day}/sheets.pdf", sheets),
        Route("/api/upload/{county}", upload, methods=["POST"]),
        Route("/api/comparisons", comparisons),
        Route("/api/comparison", comparison),
        Route("/files/{path:path}", shared_file),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {
        Forbidden: error(403),
        Busy: error(409),
        edits.Refused: error(409),
        PlanInvalidError: error(422),
        NetworkError: error(422),
        InputError: error(400),
        RouteError: error(400),
        HTTPException: http_error,
        Exception: unexpected,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.desk = desk
    return Guard(app, settings.token, settings.allowed_hosts)  # type: ignore[return-value]
