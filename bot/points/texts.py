"""What customers read about their points (overridable texts)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "points_alt": "ポイント残高 {balance} pt",
    "points_title": "ポイント",
    "points_balance": "{balance} pt",
    "points_expiring": "{points} pt が {date} に失効します",
    "points_no_expiry": "失効予定のポイントはありません",
    "points_history_title": "最近の履歴",
    "points_history_empty": "まだ履歴はありません",
    "points_card_button": "会員証を開く",
    "points_not_member": (
        "ポイントは会員番号とLINEを連携するとご確認いただけます。"
        "メニューの「会員登録・連携」からどうぞ。"
    ),
    "points_kind_opening": "移行",
    "points_kind_earn": "獲得",
    "points_kind_redeem": "利用",
    "points_kind_expire": "失効",
    "points_kind_reversal": "取消",
}
