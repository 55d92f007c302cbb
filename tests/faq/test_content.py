"""Validation of hand-written FAQ files."""

import pytest

from bot.faq.content import FaqContentError, FaqEntry, parse_faq
from bot.line.limits import TEXT_LIMIT

VALID = """
faqs:
  - id: shipping-fee
    category: 配送
    question: 送料はいくらですか？
    answer: 送料は550円です。
    alternatives: [送料無料の条件は？]
    keywords: [送料]
  - id: store-hours
    category: 店舗
    question: 営業時間は？
    answer: 10時から20時までです。
"""


def problems_of(text: str) -> list[str]:
    """Parse text expecting failure and return the reported problems."""
    with pytest.raises(FaqContentError) as caught:
        parse_faq(text, "faq.yaml")
    assert "faq.yaml" in str(caught.value)
    return caught.value.problems


def test_parses_valid_entries() -> None:
    entries = parse_faq(VALID, "faq.yaml")
    assert entries[0] == FaqEntry(
        id="shipping-fee",
        category="配送",
        question="送料はいくらですか？",
        answer="送料は550円です。",
        alternatives=("送料無料の条件は？",),
        keywords=("送料",),
    )
    assert entries[1].alternatives == ()
    assert entries[1].keywords == ()


def test_shipped_faq_is_valid(shipped_entries: list[FaqEntry]) -> None:
    assert len(shipped_entries) >= 40


def test_missing_field_names_id_and_field() -> None:
    problems = problems_of(VALID.replace("    answer: 10時から20時までです。\n", ""))
    assert problems == ["entry 'store-hours', field 'answer': missing"]


def test_missing_id_names_index() -> None:
    text = VALID.replace("  - id: store-hours\n    category", "  - category")
    problems = problems_of(text)
    assert problems == ["entry #1, field 'id': missing"]


def test_empty_field_is_reported() -> None:
    problems = problems_of(VALID.replace("question: 営業時間は？", "question: '  '"))
    assert problems == ["entry 'store-hours', field 'question': empty"]


def test_wrong_types_are_reported() -> None:
    text = VALID.replace("category: 店舗", "category: [店舗]").replace(
        "keywords: [送料]", "keywords: 送料"
    )
    assert problems_of(text) == [
        "entry 'shipping-fee', field 'keywords': must be a list, got str",
        "entry 'store-hours', field 'category': must be text, got list",
    ]


def test_bad_list_item_is_reported() -> None:
    problems = problems_of(VALID.replace("keywords: [送料]", "keywords: [送料, 5]"))
    assert problems == [
        "entry 'shipping-fee', field 'keywords': item 1 must be non-empty text"
    ]


def test_duplicate_id_is_reported() -> None:
    problems = problems_of(VALID.replace("id: store-hours", "id: shipping-fee"))
    assert problems == ["entry 'shipping-fee' (#1), field 'id': duplicate id"]


def test_answer_over_line_limit_is_reported() -> None:
    long_answer = "あ" * (TEXT_LIMIT + 1)
    problems = problems_of(VALID.replace("10時から20時までです。", long_answer))
    assert problems == [
        "entry 'store-hours', field 'answer': 5001 characters as LINE counts "
        "them, over LINE's 5000-character limit"
    ]
    # LINE counts an emoji outside the basic plane as two characters.
    emoji = problems_of(VALID.replace("10時から20時までです。", "😀" * 2501))
    assert emoji == [
        "entry 'store-hours', field 'answer': 5002 characters as LINE counts "
        "them, over LINE's 5000-character limit"
    ]


def test_unknown_key_is_reported() -> None:
    text = VALID.replace("category: 店舗", "category: 店舗\n    url: x")
    problems = problems_of(text)
    assert problems == ["entry 'store-hours', field 'url': unknown key"]


def test_all_problems_are_collected_at_once() -> None:
    text = VALID.replace("id: store-hours", "id: shipping-fee").replace(
        "question: 送料はいくらですか？", "question: ''"
    )
    assert problems_of(text) == [
        "entry 'shipping-fee', field 'question': empty",
        "entry 'shipping-fee' (#1), field 'id': duplicate id",
    ]


@pytest.mark.parametrize(
    "text",
    ["faqs: [", "- just a list", "faqs: {}", "questions: []"],
    ids=["bad-yaml", "list", "faqs-mapping", "no-faqs"],
)
def test_bad_document_shape_is_rejected(text: str) -> None:
    assert len(problems_of(text)) == 1


def test_unknown_top_level_key_is_reported() -> None:
    assert problems_of(VALID + "version: 2\n") == ["unknown top-level key 'version'"]


def test_entry_that_is_not_a_mapping_is_reported() -> None:
    assert problems_of("faqs:\n  - 送料\n") == ["entry #0: must be a mapping, got str"]
