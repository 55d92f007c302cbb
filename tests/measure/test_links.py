"""Which URLs of a message become tracked links."""

from __future__ import annotations

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
