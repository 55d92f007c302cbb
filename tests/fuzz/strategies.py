"""Hypothesis strategies for webhook bodies: LINE's and the shop's shapes, gone odd.

Each field is usually of the right shape and sometimes anything JSON can say:
NUL bytes, lone surrogates, NaN, huge numbers, deep nesting.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

EVENT_TYPES = [
    "message",
    "follow",
    "unfollow",
    "postback",
    "beacon",
    "accountLink",
    "join",
    "memberJoined",
    "videoPlayComplete",
    "unsend",
]

# Strings that databases and encoders trip over, and ordinary ones.
nasty_texts = st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "x\udfff", "U" + "f" * 64, "𠮷野家", "", " "]
) | st.text(max_size=80)
_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([1e300, -1e300, 2**63, 2**64])
    | st.floats(allow_nan=True, allow_infinity=True)
    | nasty_texts
)
json_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


class Deep:
    """A nesting `depth` lists deep, written out by `to_json` (not kept as lists)."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __repr__(self) -> str:
        return f"Deep({self.depth})"


def to_json(document: Any) -> bytes:
    """Encode a generated document as JSON, writing each Deep as raw brackets."""
    nestings: list[int] = []

    def placeholder(value: Any) -> str:
        if not isinstance(value, Deep):
            raise TypeError(type(value).__name__)
        nestings.append(value.depth)
        return f"@@deep{len(nestings) - 1}@@"

    # Python's JSON writes NaN and Infinity; LINE never would, a forger might.
    text = json.dumps(document, default=placeholder)
    for index, depth in enumerate(nestings):
        text = text.replace(f'"@@deep{index}@@"', "[" * depth + "1" + "]" * depth)
    return text.encode()


deep = st.integers(min_value=50, max_value=6000).map(Deep)


def sometimes_odd(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `good`, sometimes any JSON value, rarely a deep nesting."""
    # one_of would merge repeated branches; a drawn number weighs them instead.
    return st.integers(0, 11).flatmap(
        lambda n: good if n < 9 else json_values if n < 11 else deep
    )


user_ids = st.from_regex(r"U[0-9a-f]{32}", fullmatch=True) | nasty_texts
texts = nasty_texts | st.text(max_size=300)

line_events = st.fixed_dictionaries(
    {
        "type": sometimes_odd(st.sampled_from(EVENT_TYPES)),
        "mode": sometimes_odd(st.sampled_from(["active", "standby"])),
        "timestamp": sometimes_odd(st.integers(0, 2**53)),
        "source": sometimes_odd(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["user", "group", "room"]), "userId": user_ids}
            )
        ),
        "webhookEventId": sometimes_odd(st.from_regex(r"[0-9A-Z]{26}", fullmatch=True)),
        "deliveryContext": sometimes_odd(
            st.fixed_dictionaries({"isRedelivery": st.booleans()})
        ),
    },
    optional={
        "replyToken": sometimes_odd(st.text(max_size=40)),
        "message": sometimes_odd(
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["text", "image", "location", "sticker"]),
                    "id": st.text(max_size=20),
                    "text": texts,
                }
            )
        ),
        "postback": sometimes_odd(st.fixed_dictionaries({"data": texts})),
        "beacon": sometimes_odd(
            st.fixed_dictionaries(
                {"hwid": st.text(max_size=12), "type": st.just("enter")}
            )
        ),
        "link": sometimes_odd(
            st.fixed_dictionaries(
                {"result": st.sampled_from(["ok", "failed"]), "nonce": texts}
            )
        ),
    },
)

line_bodies = sometimes_odd(
    st.fixed_dictionaries(
        {
            "destination": sometimes_odd(st.text(max_size=40)),
            "events": sometimes_odd(st.lists(line_events, min_size=1, max_size=4)),
        }
    )
)

prices = st.decimals(allow_nan=True, allow_infinity=True).map(str) | st.from_regex(
    r"[0-9]{1,9}(\.[0-9]{2})?", fullmatch=True
)
shop_orders = sometimes_odd(
    st.fixed_dictionaries(
        {
            "id": sometimes_odd(st.integers(1, 2**63) | st.text(max_size=70)),
            "subtotal_price": sometimes_odd(prices),
        },
        optional={
            "email": sometimes_odd(st.emails() | st.just("hanako@example.com")),
            "contact_email": sometimes_odd(st.emails()),
            "total_price": sometimes_odd(prices),
            "current_subtotal_price": sometimes_odd(prices),
            "customer": sometimes_odd(st.fixed_dictionaries({"email": st.emails()})),
            "note_attributes": sometimes_odd(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "name": st.sampled_from(["member_no", "会員番号", "gift"]),
                            "value": sometimes_odd(
                                st.from_regex(r"[0-9]{13}", fullmatch=True)
                            ),
                        }
                    ),
                    max_size=3,
                )
            ),
        },
    )
)
