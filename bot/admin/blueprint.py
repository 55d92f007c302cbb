"""The /admin blueprint: sign-in shared with /operator, roles on every request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, redirect, request, url_for

from bot.admin.tables import Table, csv_response
from bot.operator.auth import check_csrf, csrf_token, current_operator
from bot.operator.models import Operator
from bot.operator.views import SECURITY_HEADERS

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
)


@bp.before_request
def _signed_in_marketer() -> Any:
    """Refuse anyone but a signed-in marketer or admin, then check CSRF."""
    me = current_operator()
    if me is None:
        if request.path.startswith("/admin/api/"):
            abort(401)
        return redirect(url_for("operator.login", next=request.path))
    if not me.sees_marketing:
        abort(403)
    check_csrf()
    return None


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    # The message preview shows the image URL being written (https only).
    response.headers["Content-Security-Policy"] = SECURITY_HEADERS[
        "Content-Security-Policy"
    ].replace("img-src 'self' data:", "img-src 'self' data: https:")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "me": current_operator}


def me() -> Operator:
    """Return the signed-in marketer (the before-request hook made sure)."""
    operator = current_operator()
    assert operator is not None
    return operator


def admin_only() -> None:
    """Refuse a marketer where only admins may look (403)."""
    if not me().is_admin:
        abort(403)


def page_or_csv(tables: list[Table]) -> Response | None:
    """Return the table named by ?csv= as a download; None to render the page."""
    wanted = request.args.get("csv")
    if wanted is None:
        g.tables = {table.name: table for table in tables}
        return None
    for table in tables:
        if table.name == wanted:
            return csv_response(table)
    abort(404, description=f"no table {wanted!r} on this page")
