"""The bot answers text messages from the loaded FAQ, through LINE's side."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask

from bot.faq.content import parse_faq
from tests.conftest import LineSide
from tests.handoff.helpers import (
    SHIPPED_FAQ,
    Drain,
    last_message,
    load_shipped_faq,
    texts,
)

ENTRIES = {
    e.id: e
    for e in parse_faq(SHIPPED_FAQ.read_text(encoding="utf-8"), str(SHIPPED_FAQ))
}


def quick_reply_data(message: dict) -> list[str]:
    return [item["action"].get("data", "") for item in message["quickReply"]["items"]]


def test_confident_match_answers_with_the_entry_text_exactly(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "ｿｳﾘｮｳっていくらかかりますか？"))
    worker()
    [delivery] = line.deliveries_to(user_id)
    [message] = delivery.messages
    assert delivery.via == "reply"
    assert message["text"] == ENTRIES["shipping-fee"].answer
    assert "action=handoff" in quick_reply_data(message)


def test_close_call_offers_up_to_three_candidates(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "ポイントについて"))
    worker()
    message = last_message(line, user_id)
    picks = [d for d in quick_reply_data(message) if d.startswith("action=faq_pick")]
    assert 2 <= len(picks) <= 3
    assert message["text"].startswith("お問い合わせの内容は")

    line.send(line.postback(user_id, picks[0]))
    worker()
    picked = picks[0].split("id=")[1]
    assert texts(line, user_id)[-1] == ENTRIES[picked].answer


def test_unknown_question_says_so_and_offers_a_person(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "明日の天気はどうなりますか"))
    worker()
    message = last_message(line, user_id)
    assert "理解できませんでした" in message["text"]
    assert quick_reply_data(message) == ["action=handoff"]


def test_new_load_takes_effect_without_restart(
    app: Flask, line: LineSide, worker: Drain, tmp_path: Path
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    assert texts(line, user_id)[-1] == ENTRIES["shipping-fee"].answer

    document = yaml.safe_load(SHIPPED_FAQ.read_text(encoding="utf-8"))
    for entry in document["faqs"]:
        if entry["id"] == "shipping-fee":
            entry["answer"] = "送料は全国一律無料になりました。"
    changed = tmp_path / "faq.yaml"
    changed.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    result = app.test_cli_runner().invoke(args=["faq", "load", str(changed)])
    assert result.exit_code == 0, result.output

    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    assert texts(line, user_id)[-1] == "送料は全国一律無料になりました。"


def test_faq_menu_lists_categories_then_questions(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.postback(user_id, "action=faq"))
    worker()
    menu = last_message(line, user_id)
    labels = [item["action"]["label"] for item in menu["quickReply"]["items"]]
    assert (
        labels[0] == "配送" and "ポイント" in labels and labels[-1] == "スタッフに相談"
    )

    points = next(
        d for d in quick_reply_data(menu) if "category=" in d and "%E3%83%9D" in d
    )
    line.send(line.postback(user_id, points))
    worker()
    questions = last_message(line, user_id)
    picks = [d for d in quick_reply_data(questions) if d.startswith("action=faq_pick")]
    expected = [e.id for e in ENTRIES.values() if e.category == "ポイント"]
    assert [p.split("id=")[1] for p in picks] == expected
    assert all(
        len(item["action"]["label"]) <= 20 for item in questions["quickReply"]["items"]
    )


def test_retired_pick_is_refused_politely(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.postback(user_id, "action=faq_pick&id=no-such-entry"))
    worker()
    assert "ご案内は終了しました" in texts(line, user_id)[-1]


def test_loading_animation_shows_only_while_the_faq_is_rebuilt(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    line.send(line.text(user_id, "駐車場はありますか"))
    worker()
    [loading] = line.calls("/v2/bot/chat/loading/start")
    assert loading.body == {"chatId": user_id, "loadingSeconds": 5}
    assert loading.status == 202
    assert len(texts(line, user_id)) == 2
