"""The axe-core runner other tests use (tests/helpers/accessibility.py) finds what it must find."""

from __future__ import annotations

from pathlib import Path

from helpers.accessibility import describe, serious, violations

BROKEN = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<p style="color:#eeeeee;background:#ffffff">pâle</p><img src="x.png">
<table><tr><td>a</td></tr></table></body></html>"""
FIXED = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title></head><body>
<main><h1>Essai</h1><p style="color:#212121;background:#ffffff">lisible</p><img src="x.png" alt="un essai">
</main></body></html>"""


def test_a_broken_page_has_serious_violations_and_a_fixed_one_none(tmp_path: Path) -> None:
    broken, fixed = tmp_path / "broken.html", tmp_path / "fixed.html"
    broken.write_text(BROKEN, encoding="utf-8")
    fixed.write_text(FIXED, encoding="utf-8")
    found = violations(broken)
    rules = {v["id"]: v["impact"] for v in serious(found)}
    assert rules.get("color-contrast") == "serious"
    assert rules.get("image-alt") == "critical"
    assert rules.get("html-has-lang") == "serious"
    assert "image-alt" in describe(found)
    assert serious(violations(str(fixed))) == [], describe(violations(fixed))
