"""Fixtures for the FAQ content and matcher tests."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.faq.content import FaqEntry, parse_faq
from bot.faq.matcher import FaqIndex

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FAQ = REPO_ROOT / "faq" / "faq.yaml"
EVAL_QUESTIONS = Path(__file__).with_name("eval_questions.yaml")


@pytest.fixture(scope="session")
def shipped_entries() -> list[FaqEntry]:
    """Return the entries of the FAQ shipped in faq/faq.yaml."""
    return parse_faq(SHIPPED_FAQ.read_text(encoding="utf-8"), str(SHIPPED_FAQ))


@pytest.fixture(scope="session")
def shipped_index(shipped_entries: list[FaqEntry]) -> FaqIndex:
    """Return a matcher index over the shipped FAQ."""
    return FaqIndex.build(shipped_entries)


@pytest.fixture(scope="session")
def eval_questions() -> list[dict[str, Any]]:
    """Return the held-out evaluation questions with their expected ids."""
    document = yaml.safe_load(EVAL_QUESTIONS.read_text(encoding="utf-8"))
    return document["questions"]
