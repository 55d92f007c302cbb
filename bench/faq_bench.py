"""Measure FAQ matching accuracy and speed beside naive baselines from the same run.

Run from the repository root: python bench/faq_bench.py
"""

from __future__ import annotations

import difflib
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.faq.content import FaqEntry, parse_faq  # noqa: E402
from bot.faq.matcher import FaqIndex  # noqa: E402

FAQ_PATH = REPO_ROOT / "faq" / "faq.yaml"
EVAL_PATH = REPO_ROOT / "tests" / "faq" / "eval_questions.yaml"
LARGE_FAQ_SIZE = 1000
DIFFLIB_ANSWER_RATIO = 0.5
PRODUCTS = (
    "ダウンジャケット スニーカー トートバッグ 電気ケトル 羽毛布団 革財布 腕時計 "
    "ワンピース デニムパンツ 加湿器 マグカップ 傘 リュック 枕 ルームウェア 帽子 "
    "スーツケース パジャマ エプロン バスタオル 食器セット ハンドクリーム 靴下 "
    "ベルト 手袋 ニット マフラー "
    "ブーツ サングラス 炊飯器 アロマディフューザー 水筒 ランチボックス"
).split()
TOPICS = (
    "素材 お手入れ方法 洗濯のしかた 生産国 保証期間 修理受付 重さ 色落ち "
    "消費電力 防水性能 付属品 取扱説明書 耐熱温度 名入れ刻印 替えパーツ "
    "対象年齢 原材料 箱のサイズ 収納方法 使用期限 組み立て方法 互換性 "
    "アレルギー表示 梱包サイズ 静電気対策 抗菌加工 カラー展開 限定モデル "
    "製造時期 認証マーク 使い始めの注意"
).split()

Matcher = Callable[[str], tuple[str, str | None]]


def synthetic_entries(count: int, seed: int = 7) -> list[FaqEntry]:
    """Generate product-detail FAQ entries to grow the FAQ to a given size."""
    pairs = [(product, topic) for product in PRODUCTS for topic in TOPICS]
    random.Random(seed).shuffle(pairs)
    return [
        FaqEntry(
            id=f"synthetic-{number}",
            category="商品詳細",
            question=f"{product}の{topic}について教えてください",
            answer=f"{product}の{topic}は商品ページの「仕様」欄をご覧ください。",
            alternatives=(f"{product}の{topic}はどうなっていますか？",),
            keywords=(product, topic),
        )
        for number, (product, topic) in enumerate(pairs[:count])
    ]


def index_matcher(entries: Sequence[FaqEntry]) -> Matcher:
    """Wrap the n-gram TF-IDF index as (kind, entry id) matcher."""
    index = FaqIndex.build(entries)

    def match(text: str) -> tuple[str, str | None]:
        result = index.match(text)
        return result.kind, result.entry.id if result.entry else None

    return match


def difflib_matcher(entries: Sequence[FaqEntry]) -> Matcher:
    """Compare the text with every phrasing by difflib ratio (the naive baseline)."""
    phrasings = [
        (_fold(text), entry.id)
        for entry in entries
        for text in (entry.question, *entry.alternatives)
    ]

    def match(text: str) -> tuple[str, str | None]:
        folded = _fold(text)
        best_ratio, best_id = 0.0, None
        for phrasing, entry_id in phrasings:
            ratio = difflib.SequenceMatcher(None, folded, phrasing).ratio()
            if ratio > best_ratio:
                best_ratio, best_id = ratio, entry_id
        if best_ratio >= DIFFLIB_ANSWER_RATIO:
            return "answer", best_id
        return "none", None

    return match


def keyword_matcher(entries: Sequence[FaqEntry]) -> Matcher:
    """Answer with the entry whose keyword appears most often as a substring."""
    keywords = [(_fold(word), entry.id) for entry in entries for word in entry.keywords]

    def match(text: str) -> tuple[str, str | None]:
        folded = _fold(text)
        hits: dict[str, int] = {}
        for keyword, entry_id in keywords:
            if keyword and keyword in folded:
                hits[entry_id] = hits.get(entry_id, 0) + len(keyword)
        if not hits:
            return "none", None
        return "answer", max(hits, key=hits.__getitem__)

    return match


def _fold(text: str) -> str:
    """Fold width and case only, as a naive matcher would."""
    return unicodedata.normalize("NFKC", text).lower()


def measure(match: Matcher, questions: list[dict[str, Any]]) -> dict[str, float]:
    """Return top-1 accuracy, out-of-scope rejection and timings in milliseconds."""
    right = answered_out_of_scope = 0
    timings: list[float] = []
    for question in questions:
        started = time.perf_counter()
        kind, entry_id = match(question["text"])
        timings.append((time.perf_counter() - started) * 1000)
        if question["expected"] is None:
            answered_out_of_scope += kind == "answer"
        else:
            right += kind == "answer" and entry_id == question["expected"]
    in_scope = sum(1 for q in questions if q["expected"] is not None)
    timings.sort()
    return {
        "top1": right / in_scope,
        "rejection": 1 - answered_out_of_scope / (len(questions) - in_scope),
        "mean": statistics.fmean(timings),
        "p50": timings[len(timings) // 2],
        "p99": timings[min(len(timings) - 1, round(len(timings) * 0.99))],
    }


def main() -> None:
    """Print accuracy and answer time for the shipped and a 1,000-entry FAQ."""
    shipped = parse_faq(FAQ_PATH.read_text(encoding="utf-8"), str(FAQ_PATH))
    questions = yaml.safe_load(EVAL_PATH.read_text(encoding="utf-8"))["questions"]
    large = shipped + synthetic_entries(LARGE_FAQ_SIZE - len(shipped))
    started = time.perf_counter()
    FaqIndex.build(large)
    build_ms = (time.perf_counter() - started) * 1000
    print(
        f"{len(questions)} questions; index build for {len(large)} entries: "
        f"{build_ms:.0f} ms\n"
    )
    header = f"{'FAQ':>9} {'matcher':<16} {'top-1':>6} {'reject':>6} "
    print(header + f"{'mean ms':>8} {'p50 ms':>7} {'p99 ms':>7} {'p50 vs':>7}")
    for label, entries in ((f"{len(shipped)}", shipped), (f"{len(large)}", large)):
        rows = {
            name: measure(build(entries), questions)
            for name, build in (
                ("n-gram TF-IDF", index_matcher),
                ("difflib", difflib_matcher),
                ("keyword substr", keyword_matcher),
            )
        }
        ours = rows["n-gram TF-IDF"]["p50"]
        for name, row in rows.items():
            print(
                f"{label:>9} {name:<16} {row['top1']:>6.3f} {row['rejection']:>6.3f} "
                f"{row['mean']:>8.3f} {row['p50']:>7.3f} {row['p99']:>7.3f} "
                f"{row['p50'] / ours:>6.1f}x"
            )
    print("\n'p50 vs' is each matcher's median time over the n-gram index's.")


if __name__ == "__main__":
    main()
