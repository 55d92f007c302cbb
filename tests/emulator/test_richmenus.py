"""Rich menus: LINE's size and area rules, images on the data host, links, aliases."""

from __future__ import annotations

from typing import Any

import pytest
from linebot.v3.messaging import (
    CreateRichMenuAliasRequest,
    MessagingApi,
    MessagingApiBlob,
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    RichMenuRequest,
    RichMenuSize,
    UpdateRichMenuAliasRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from line_emulator.client import EmulatorClient
from line_emulator.server import EmulatorServer
from tests.emulator.conftest import LineHttp, png_bytes


def menu_json(width: int = 2500, height: int = 843, **changes: Any) -> dict:
    """Return a valid rich menu object, with changes."""
    menu = {
        "size": {"width": width, "height": height},
        "selected": False,
        "name": "main",
        "chatBarText": "メニュー",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": width // 2, "height": height},
                "action": {"type": "postback", "data": "action=card"},
            }
        ],
    }
    menu.update(changes)
    return menu


def sdk_menu() -> RichMenuRequest:
    """Return a valid rich menu request built with the SDK's models."""
    return RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=True,
        name="main",
        chat_bar_text="Menu",
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=1250, height=843),
                action=PostbackAction(data="action=card", label="card"),
            )
        ],
    )


@pytest.fixture
def menu_with_image(messaging_api: MessagingApi, blob_api: MessagingApiBlob) -> str:
    """Create a rich menu and upload its image through the data host."""
    rich_menu_id = messaging_api.create_rich_menu(sdk_menu()).rich_menu_id
    blob_api.set_rich_menu_image(
        rich_menu_id, body=png_bytes(2500, 843), _headers={"Content-Type": "image/png"}
    )
    return rich_menu_id


def test_create_get_list_delete_with_the_sdk(messaging_api: MessagingApi) -> None:
    rich_menu_id = messaging_api.create_rich_menu(sdk_menu()).rich_menu_id

    assert rich_menu_id.startswith("richmenu-") and len(rich_menu_id) == 41
    assert messaging_api.get_rich_menu(rich_menu_id).chat_bar_text == "Menu"
    listed = messaging_api.get_rich_menu_list().richmenus
    assert [menu.rich_menu_id for menu in listed] == [rich_menu_id]
    messaging_api.delete_rich_menu(rich_menu_id)
    with pytest.raises(ApiException) as error:
        messaging_api.get_rich_menu(rich_menu_id)
    assert error.value.status == 404


@pytest.mark.parametrize(
    ("menu", "prop"),
    [
        (menu_json(width=799, height=250), "size.width"),
        (menu_json(width=2501), "size.width"),
        (menu_json(width=800, height=249), "size.height"),
        (menu_json(width=1200, height=1000), "size"),
        (menu_json(chatBarText="x" * 15), "chatBarText"),
        (menu_json(name="n" * 301), "name"),
        (menu_json(areas=[]), "areas"),
        (
            menu_json(
                areas=[
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "message", "text": "t"},
                    }
                ]
                * 21
            ),
            "areas",
        ),
        (
            menu_json(
                areas=[
                    {
                        "bounds": {"x": 2000, "y": 0, "width": 501, "height": 10},
                        "action": {"type": "message", "text": "t"},
                    }
                ]
            ),
            "areas[0].bounds",
        ),
        (
            menu_json(
                areas=[
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "richmenuswitch", "data": "d"},
                    }
                ]
            ),
            "areas[0].action.richMenuAliasId",
        ),
        (menu_json(selected="yes"), "selected"),
    ],
)
def test_rich_menu_rules(line_http: LineHttp, menu: dict, prop: str) -> None:
    for path in ("/v2/bot/richmenu", "/v2/bot/richmenu/validate"):
        answer = line_http("POST", path, json_body=menu)
        assert answer.status == 400, path
        assert prop in [detail["property"] for detail in answer.body["details"]]


def test_valid_menu_validates(line_http: LineHttp) -> None:
    answer = line_http("POST", "/v2/bot/richmenu/validate", json_body=menu_json())
    assert (answer.status, answer.body) == (200, {})


def test_image_upload_rules(line_http: LineHttp, messaging_api: MessagingApi) -> None:
    rich_menu_id = messaging_api.create_rich_menu(sdk_menu()).rich_menu_id
    path = f"/v2/bot/richmenu/{rich_menu_id}/content"
    png = {"Content-Type": "image/png"}

    on_api_host = line_http("POST", path, data=png_bytes(2500, 843), headers=png)
    wrong_size = line_http(
        "POST", "/data" + path, data=png_bytes(2500, 844), headers=png
    )
    not_png = line_http("POST", "/data" + path, data=b"not an image", headers=png)
    as_jpeg = line_http(
        "POST",
        "/data" + path,
        data=png_bytes(2500, 843),
        headers={"Content-Type": "image/jpeg"},
    )
    gif = line_http(
        "POST", "/data" + path, data=b"GIF89a", headers={"Content-Type": "image/gif"}
    )
    first = line_http("POST", "/data" + path, data=png_bytes(2500, 843), headers=png)
    second = line_http("POST", "/data" + path, data=png_bytes(2500, 843), headers=png)
    download = line_http("GET", "/data" + path)

    assert on_api_host.status == 404
    assert (wrong_size.status, not_png.status, as_jpeg.status) == (400, 400, 400)
    assert gif.status == 415
    assert first.status == 200
    assert second.status == 400
    assert second.body == {
        "message": "An image has already been uploaded to the richmenu"
    }
    assert download.status == 200 and download.body == png_bytes(2500, 843)


def test_image_over_one_megabyte_is_refused(
    line_http: LineHttp, messaging_api: MessagingApi
) -> None:
    rich_menu_id = messaging_api.create_rich_menu(sdk_menu()).rich_menu_id
    answer = line_http(
        "POST",
        f"/data/v2/bot/richmenu/{rich_menu_id}/content",
        data=b"\x89PNG" + b"0" * (1024 * 1024),
        headers={"Content-Type": "image/png"},
    )
    assert answer.status == 413


def test_blob_download_through_the_sdk(
    blob_api: MessagingApiBlob, menu_with_image: str
) -> None:
    assert bytes(blob_api.get_rich_menu_image(menu_with_image)) == png_bytes(2500, 843)


def test_menu_without_image_cannot_be_applied(
    line_http: LineHttp, messaging_api: MessagingApi, friend_id: str
) -> None:
    rich_menu_id = messaging_api.create_rich_menu(sdk_menu()).rich_menu_id
    default = line_http("POST", f"/v2/bot/user/all/richmenu/{rich_menu_id}")
    link = line_http("POST", f"/v2/bot/user/{friend_id}/richmenu/{rich_menu_id}")
    expected = {"message": "must upload richmenu image before applying it to user"}
    assert (default.status, default.body) == (400, expected)
    assert (link.status, link.body) == (400, expected)


def test_default_and_linked_menus(
    emulator_server: EmulatorServer,
    messaging_api: MessagingApi,
    menu_with_image: str,
    friend_id: str,
    control: EmulatorClient,
) -> None:
    platform = emulator_server.platform
    other_id = messaging_api.create_rich_menu(sdk_menu()).rich_menu_id
    with platform.lock:
        platform.state.rich_menus.images[other_id] = platform.state.rich_menus.images[
            menu_with_image
        ]

    messaging_api.set_default_rich_menu(menu_with_image)
    assert messaging_api.get_default_rich_menu_id().rich_menu_id == menu_with_image
    assert control.rich_menu_of(friend_id) == {
        "richMenuId": menu_with_image,
        "source": "default",
    }

    messaging_api.link_rich_menu_id_to_user(friend_id, other_id)
    assert messaging_api.get_rich_menu_id_of_user(friend_id).rich_menu_id == other_id
    assert control.rich_menu_of(friend_id)["source"] == "linked"

    messaging_api.unlink_rich_menu_id_from_user(friend_id)
    assert control.rich_menu_of(friend_id)["richMenuId"] == menu_with_image

    messaging_api.link_rich_menu_id_to_users(
        RichMenuBulkLinkRequest(rich_menu_id=other_id, user_ids=[friend_id])
    )
    assert control.rich_menu_of(friend_id)["richMenuId"] == other_id
    messaging_api.unlink_rich_menu_id_from_users(
        RichMenuBulkUnlinkRequest(user_ids=[friend_id])
    )
    assert control.rich_menu_of(friend_id)["source"] == "default"

    messaging_api.cancel_default_rich_menu()
    assert control.rich_menu_of(friend_id) == {"richMenuId": None, "source": None}


def test_bulk_link_answers_202_and_checks_size(
    line_http: LineHttp, menu_with_image: str, friend_id: str
) -> None:
    ok = line_http(
        "POST",
        "/v2/bot/richmenu/bulk/link",
        json_body={"richMenuId": menu_with_image, "userIds": [friend_id]},
    )
    too_many = line_http(
        "POST",
        "/v2/bot/richmenu/bulk/unlink",
        json_body={"userIds": [friend_id] * 501},
    )
    assert (ok.status, ok.body) == (202, {})
    assert too_many.status == 400


def test_deleting_a_menu_unlinks_it_everywhere(
    messaging_api: MessagingApi,
    menu_with_image: str,
    friend_id: str,
    control: EmulatorClient,
) -> None:
    messaging_api.set_default_rich_menu(menu_with_image)
    messaging_api.link_rich_menu_id_to_user(friend_id, menu_with_image)
    messaging_api.create_rich_menu_alias(
        CreateRichMenuAliasRequest(
            rich_menu_alias_id="main", rich_menu_id=menu_with_image
        )
    )

    messaging_api.delete_rich_menu(menu_with_image)

    assert control.rich_menu_of(friend_id) == {"richMenuId": None, "source": None}
    assert messaging_api.get_rich_menu_alias_list().aliases == []


def test_aliases(
    line_http: LineHttp, messaging_api: MessagingApi, menu_with_image: str
) -> None:
    create = CreateRichMenuAliasRequest(
        rich_menu_alias_id="page-a", rich_menu_id=menu_with_image
    )
    messaging_api.create_rich_menu_alias(create)
    with pytest.raises(ApiException) as conflict:
        messaging_api.create_rich_menu_alias(create)
    messaging_api.update_rich_menu_alias(
        "page-a", UpdateRichMenuAliasRequest(rich_menu_id=menu_with_image)
    )
    got = messaging_api.get_rich_menu_alias("page-a")
    listed = messaging_api.get_rich_menu_alias_list().aliases
    bad_id = line_http(
        "POST",
        "/v2/bot/richmenu/alias",
        json_body={"richMenuAliasId": "has space", "richMenuId": menu_with_image},
    )
    messaging_api.delete_rich_menu_alias("page-a")
    gone = line_http("GET", "/v2/bot/richmenu/alias/page-a")

    assert conflict.value.status == 400
    assert '"conflict richmenu alias id"' in conflict.value.body
    assert got.rich_menu_id == menu_with_image
    assert [alias.rich_menu_alias_id for alias in listed] == ["page-a"]
    assert bad_id.status == 400
    assert gone.status == 404


def test_menu_count_limit(emulator_server: EmulatorServer, line_http: LineHttp) -> None:
    emulator_server.platform.configure(max_rich_menus=2)
    statuses = [
        line_http("POST", "/v2/bot/richmenu", json_body=menu_json()).status
        for _ in range(3)
    ]
    assert statuses == [200, 200, 400]
