"""Which URLs of a message become tracked links."""

from __future__ import annotations

import re

from flask import Flask

from bot.measure.links import rewrite, urls_in


def test_picture_urls_stay_as_they_are_and_text_urls_are_tracked(
    app: Flask,
) -> None:
    picture = "https://cdn.example.com/sale.png"
    messages = [
        {"type": "text", "text": f"セール https://shop.example.com/sale {picture}"},
        {"type": "image", "originalContentUrl": picture, "previewImageUrl": picture},
    ]
    with app.app_context():
        assert urls_in(messages) == ["https://shop.example.com/sale", picture]
        personal = rewrite(messages, {picture: 7}, 42)
    assert "/r/" in personal[0]["text"] and picture not in personal[0]["text"]
    assert personal[1] == messages[1]  # LINE fetches the picture itself


def test_a_url_ends_where_the_japanese_sentence_around_it_goes_on(
    app: Flask,
) -> None:
    # The link took 「。お待ちしています」 and 「).」 into the URL: the customer
    # lost the end of the sentence and the link led to a page that is not.
    text = (
        "詳しくはこちら→https://shop.example.com/sale。お待ちしています\n"
        "(https://shop.example.com/a?x=1&y=2). "
        "クーポンはこちらhttps://shop.example.com/c、ぜひどうぞ"
    )
    messages = [{"type": "text", "text": text}]
    with app.app_context():
        urls = urls_in(messages)
        personal = rewrite(messages, dict.fromkeys(urls, 7), 42)
    assert urls == [
        "https://shop.example.com/sale",
        "https://shop.example.com/a?x=1&y=2",
        "https://shop.example.com/c",
    ]
    token = r"http://\S+?/r/[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{16}"
    sent = re.sub(token, "<link>", personal[0]["text"])
    assert sent == (
        "詳しくはこちら→<link>。お待ちしています\n"
        "(<link>). "
        "クーポンはこちら<link>、ぜひどうぞ"
    )
