"""What customers read about linking: Japanese defaults, overridable by operators."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "link_invite": (
        "会員番号とLINEを連携すると、LINEで会員証・ポイント・クーポンが"
        "使えるようになります。下のボタンから手続きしてください（10分間有効）。"
    ),
    "link_invite_button": "会員登録・連携へ進む",
    "link_already_linked": (
        "このLINEアカウントはすでに会員番号（末尾{tail}）と連携済みです。"
        "会員証はメニューからご覧いただけます。"
    ),
    "link_welcome": (
        "{name}さん、LINEと会員番号（末尾{tail}）の連携が完了しました！\n"
        "お会計の際は、メニューの「会員証」を提示してください。"
        "ポイントとクーポンもLINEからご確認いただけます。"
    ),
    "link_card_prompt": (
        "会員証はここからも開けます。バーコードとポイント残高を確認できます。"
    ),
    "link_card_button": "会員証を開く",
    "link_failed": (
        "会員連携が完了しませんでした。お手数ですが、メニューの"
        "「会員登録・連携」からもう一度お試しください。"
    ),
    "link_expired": (
        "連携の手続きの有効期限（10分）が切れました。メニューの"
        "「会員登録・連携」からもう一度お試しください。"
    ),
    "link_reused": (
        "この連携の手続きはすでに使われています。連携がお済みでない場合は、"
        "メニューの「会員登録・連携」からもう一度お試しください。"
    ),
    "link_member_taken": (
        "この会員番号はすでに別のLINEアカウントと連携されています。"
        "お手数ですが、そのLINEアカウントで「連携解除」を行ってからお試しいただくか、"
        "店舗スタッフまでお問い合わせください。"
    ),
    "link_user_has_other_member": (
        "このLINEアカウントはすでに別の会員番号（末尾{tail}）と連携されています。"
        "切り替える場合は、メニューの「連携解除」を行ってからお試しください。"
    ),
    "unlink_confirm": (
        "LINEと会員番号（末尾{tail}）の連携を解除しますか？"
        "解除するとLINEで会員証・ポイントが表示されなくなります。"
    ),
    "unlink_yes": "解除する",
    "unlink_no": "やめる",
    "unlink_done": (
        "連携を解除しました。会員番号とポイントはそのまま残ります。"
        "再度連携する場合は、メニューの「会員登録・連携」からどうぞ。"
    ),
    "unlink_kept": "連携はそのままです。引き続きご利用ください。",
    "unlink_not_linked": "このLINEアカウントは会員番号と連携されていません。",
    # Member ranks as customers, staff and operators read them (one place).
    "rank_regular": "レギュラー",
    "rank_silver": "シルバー",
    "rank_gold": "ゴールド",
    "rank_platinum": "プラチナ",
    "email_proof_subject": "【会員登録】メールアドレスの確認のお願い",
    "email_proof_body": (
        "{name}様\n\n"
        "会員登録ありがとうございます。下のリンクを開いて、"
        "メールアドレスの確認を完了してください（{hours}時間有効）。\n"
        "確認が済むと、オンラインストアでのご注文にもポイントがたまります。\n\n"
        "{url}\n\n"
        "このメールにお心当たりのない場合は、リンクを開かずに破棄してください。"
    ),
}
