"""`route serve`: the planner's desk, a local web app over the planning library (docs/desk.md).

The dispatcher picks a county and a date, plans the day with live progress, sees the routes on
a map of the county's own roads beside a table per vehicle, moves and locks stops with the
validator's verdict and the change in cost at once, adds or cancels orders and re-plans from a
time of day, exports the route files and prints the sheets. Nothing is fetched from the
internet: Leaflet is shipped in `static/vendor/leaflet/`, and the background is the county's
road network drawn from its own data.
"""

from __future__ import annotations

from pathlib import Path

from .security import check_host, check_token


def serve(
    county: str = "wugong",
    port: int = 8000,
    host: str = "127.0.0.1",
    token: str | None = None,
    plans_dir: Path = Path("plans"),
    data_dir: Path | None = None,
    time_limit: float = 30.0,
    iterations: int | None = None,
    say=print,
    compare_dir: Path = Path("compare"),
) -> None:
    """Run the desk until interrupted. A host other machines can reach needs a token
    (`InputError`, exit code 3, otherwise)."""
    check_host(host, token)
    check_token(token)
    import uvicorn

    from .app import Settings, create_app
    from .store import check_county

    check_county(county, data_dir)
    allowed = ("localhost", "127.0.0.1", "::1", "[::1]", host)
    app = create_app(
        Settings(
            plans_dir=Path(plans_dir),
            data_dir=data_dir,
            compare_dir=Path(compare_dir),
            county=county,
            time_limit=time_limit,
            iterations=iterations,
            token=token,
            allowed_hosts=allowed,
        )
    )
    shown = f"[{host}]" if ":" in host else host
    say(f"the planner's desk: http://{shown}:{port}/" + (f"?token={token}" if token else ""))
    uvicorn.run(app, host=host, port=port, log_level="warning")
