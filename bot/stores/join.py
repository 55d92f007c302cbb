"""GET /join?store=CODE: where the register poster's QR code leads.

The store is kept in the signed session cookie, then the customer goes on to
LINE's add-friend page. Registration later reads it with `joined_store_code()`.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template_string, request, session
from sqlalchemy import select

from bot.extensions import db
from bot.measure.friends import count_friend_event, poster_source
from bot.models_base import utcnow
from bot.stores.models import Store
from bot.stores.poster import add_friend_url

bp = Blueprint("store_join", __name__)

SESSION_KEY = "join_store"

_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="1;url={{ friend_url }}">
<title>{{ store.name }} - LINE友だち追加</title></head>
<body style="font-family: sans-serif; text-align: center; padding: 2em 1em">
<h1 style="font-size: 1.3em">{{ store.name }}</h1>
<p>LINEの友だち追加画面へ移動します。</p>
<p>友だち追加のあと、メニューの「会員登録・連携」からご登録ください。</p>
<p><a id="add-friend" href="{{ friend_url }}"
 style="display: inline-block; background: #06c755; color: #fff; padding: .8em 2em;
 border-radius: 8px; text-decoration: none">友だち追加する</a></p>
</body></html>"""


@bp.get("/join")
def join() -> str:
    """Remember the poster's store for this browser and lead on to add-friend."""
    code = request.args.get("store", "")
    store = db.session.scalar(select(Store).where(Store.code == code))
    if store is None:
        abort(404)
    session[SESSION_KEY] = store.code
    session.permanent = True
    count_friend_event(poster_source(store.code), utcnow(), join_visits=1)
    db.session.commit()
    return render_template_string(_PAGE, store=store, friend_url=add_friend_url())


def joined_store_code() -> str | None:
    """Return the store code remembered from the poster, if this browser has one."""
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) else None
