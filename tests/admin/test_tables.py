"""CSV downloads: what a customer typed never opens as a spreadsheet formula."""

from __future__ import annotations

import csv
import io

from flask import Flask

from bot.admin.tables import Table, csv_response


def test_cells_a_spreadsheet_would_run_are_quoted(app: Flask) -> None:
    typed = [
        '=HYPERLINK("http://evil.example","x")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=1+1",
        '\r=HYPERLINK("http://evil.example","cr")',
        "送料はいくら？",
    ]
    table = Table("faq_gaps", ["question"], [[text] for text in typed])
    with app.test_request_context():
        body = csv_response(table).get_data(as_text=True)
    cells = [row[0] for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))][1:]
    assert cells == ["'" + text for text in typed[:-1]] + ["送料はいくら？"]
