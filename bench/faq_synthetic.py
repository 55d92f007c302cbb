"""Grow an FAQ to a given size with product-detail entries for speed benches."""

from __future__ import annotations

import random

from bot.faq.content import FaqEntry

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
