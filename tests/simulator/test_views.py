"""The simulator's page and JSON, through Flask's test client."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from line_emulator import create_app
from line_emulator.platform import LinePlatform

TOKEN = "views-test-token"


@pytest.fixture
def platform() -> LinePlatform:
    def bot(url: str, body: bytes, headers: dict, timeout: float) -> int:
        return 200

    return LinePlatform(
        webhook_sender=bot,
        access_tokens=(TOKEN,),
        webhook_url="http://127.0.0.1:9/callback",
        simulator_places=[{"name": "</script><b>店", "lat": 35.0, "lng": 139.0}],
    )


@pytest.fixture
def client(platform: LinePlatform) -> FlaskClient:
    return create_app(platform).test_client()


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def _menu(client: FlaskClient) -> str:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": False,
        "name": "m",
        "chatBarText": "メニュー",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                "action": {"type": "message", "text": "hi"},
            }
        ],
    }
    rich_menu_id = client.post("/v2/bot/richmenu", json=menu, headers=auth).json[
        "richMenuId"
    ]
    client.post(
        f"/data/v2/bot/richmenu/{rich_menu_id}/content",
        data=_png(2500, 843),
        headers={**auth, "Content-Type": "image/png"},
    )
    return rich_menu_id


def test_page_without_a_user_opens_the_newest_friends_chat(
    client: FlaskClient, platform: LinePlatform
) -> None:
    assert client.get("/simulator").status_code == 200  # nobody to show yet
    taro = platform.add_user(display_name="デモ 太郎").user_id
    platform.add_user(display_name="まだ友だちでない", is_friend=False)

    answer = client.get("/simulator")

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"?user={taro}")
    assert client.get(f"/simulator?user={taro}").status_code == 200


def test_page_embeds_settings_as_json_not_markup(client: FlaskClient) -> None:
    page = client.get("/simulator?user=U" + "1" * 32)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "</script><b>" not in html
    start = html.index('type="application/json">') + len('type="application/json">')
    config = json.loads(html[start : html.index("</script>", start)])
    assert config["places"][0]["name"] == "</script><b>店"
    assert config["apiBase"] == "/simulator/api/"
    assert client.get("/simulator/").status_code == 200


def test_create_user_is_not_a_friend_yet(client: FlaskClient) -> None:
    created = client.post("/simulator/api/users", json={"displayName": "花子"})

    assert created.status_code == 201
    assert created.json["isFriend"] is False
    listed = client.get("/simulator/api/users").json["users"]
    assert [user["displayName"] for user in listed] == ["花子"]
    assert client.post("/simulator/api/users", json={}).status_code == 400


def test_talk_answers_user_menu_and_items(
    client: FlaskClient, platform: LinePlatform
) -> None:
    user_id = platform.add_user(display_name="花子").user_id
    rich_menu_id = _menu(client)
    client.post(
        f"/v2/bot/user/{user_id}/richmenu/{rich_menu_id}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    client.post(
        f"/simulator/api/users/{user_id}/actions", json={"kind": "text", "text": "やあ"}
    )
    platform.push(user_id, [{"type": "text", "text": "どうも"}], "req")

    talk = client.get(f"/simulator/api/users/{user_id}/talk").json
    later = client.get(
        f"/simulator/api/users/{user_id}/talk?deliveries=1&userSide=1"
    ).json

    assert talk["richMenu"] == {"richMenuId": rich_menu_id, "source": "linked"}
    assert [item["message"]["text"] for item in talk["items"]] == ["やあ", "どうも"]
    assert talk["cursor"] == {"deliveries": 1, "userSide": 1}
    assert later["items"] == []
    menu = client.get(f"/simulator/api/richmenus/{rich_menu_id}").json
    assert menu["chatBarText"] == "メニュー"
    image = client.get(f"/simulator/api/richmenus/{rich_menu_id}/image")
    assert image.mimetype == "image/png"
    assert Image.open(io.BytesIO(image.data)).size == (2500, 843)


def test_errors_are_json(client: FlaskClient, platform: LinePlatform) -> None:
    stranger = platform.add_user(display_name="花子", is_friend=False).user_id
    unknown = "U" + "2" * 32

    assert client.get(f"/simulator/api/users/{unknown}/talk").status_code == 404
    assert client.get("/simulator/api/richmenus/richmenu-x").status_code == 404
    refused = client.post(
        f"/simulator/api/users/{stranger}/actions", json={"kind": "text", "text": "x"}
    )
    assert refused.status_code == 409
    assert "friend" in refused.json["error"]
    missing = client.post(f"/simulator/api/users/{stranger}/actions", json={})
    assert missing.status_code == 400


def test_simulator_traffic_is_not_a_line_call(
    client: FlaskClient, platform: LinePlatform
) -> None:
    user_id = platform.add_user(display_name="花子").user_id
    platform.configure(latency_ms=0, rate_limits={"*": 1})

    for _ in range(3):
        assert client.get(f"/simulator/api/users/{user_id}/talk").status_code == 200

    assert platform.state.calls.find() == []


def test_liff_stand_in_may_fetch_an_id_token_from_another_origin(
    client: FlaskClient, platform: LinePlatform
) -> None:
    user_id = platform.add_user(display_name="花子").user_id
    preflight = client.options(
        "/_emulator/id-tokens",
        headers={
            "Origin": "http://127.0.0.1:8000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    token = client.post(
        "/_emulator/id-tokens",
        json={"userId": user_id, "channelId": "1660000000"},
        headers={"Origin": "http://127.0.0.1:8000"},
    )

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert token.headers["Access-Control-Allow-Origin"] == "*"
    assert token.json["idToken"].count(".") == 2
    other = client.get("/_emulator/config", headers={"Origin": "http://x"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_user_image_content_is_served(
    client: FlaskClient, platform: LinePlatform
) -> None:
    user_id = platform.add_user(display_name="花子").user_id
    sent: Any = client.post(
        f"/simulator/api/users/{user_id}/actions",
        json={
            "kind": "image",
            "contentBase64": "iVBORw0KGgo=",
            "contentType": "image/png",
        },
    ).json
    message_id = sent["event"]["message"]["id"]

    content = client.get(f"/simulator/api/content/{message_id}")

    assert content.mimetype == "image/png"
    assert content.data == b"\x89PNG\r\n\x1a\n"


def test_simulator_settings_change_through_the_control_api(
    client: FlaskClient,
) -> None:
    places = [{"name": "梅田店", "lat": 34.7, "lng": 135.5}]
    answer = client.post(
        "/_emulator/config",
        json={
            "liff_url": "http://127.0.0.1:8000/liff/card",
            "simulator_places": places,
        },
    )

    assert answer.json["simulator_places"] == places
    config = client.get("/simulator/api/config").json
    assert config["liffUrl"] == "http://127.0.0.1:8000/liff/card"
    assert config["places"] == places
    assert config["beacons"] == []
