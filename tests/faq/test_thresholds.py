"""The answer threshold rises with the size of the FAQ, not for the shipped one."""

from bot.faq.matcher import DEFAULT_THRESHOLDS


def test_answer_threshold_grows_with_index_size() -> None:
    base = DEFAULT_THRESHOLDS.answer
    assert DEFAULT_THRESHOLDS.answer_at(48) == base
    assert DEFAULT_THRESHOLDS.answer_at(50) == base
    assert base < DEFAULT_THRESHOLDS.answer_at(200) < DEFAULT_THRESHOLDS.answer_at(1000)
    assert DEFAULT_THRESHOLDS.answer_at(1000) < DEFAULT_THRESHOLDS.candidate + 0.1
