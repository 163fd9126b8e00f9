# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The shipped translations, read as files: no Odoo, no database.

``tests/test_routing_translations.py`` checks what Odoo makes of them (a lead
routed for a Chinese or a Russian reader); these check what a translator hands
in: every string of the .pot translated, the placeholders kept, the headers Odoo
and gettext need, and no English left in by copying the msgid.
"""

import re
from pathlib import Path

import pytest
from devtool import translations as dev  # what ./dev lint checks them with

I18N = Path(__file__).resolve().parents[2] / "i18n"
POT = I18N / "crm_lead_routing.pot"
LANGUAGES = {
    "zh_CN": "nplurals=1; plural=0;",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);",
}


def header(path):
    """The header fields of a .po file (the msgstr of msgid "")."""
    text = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    fields = {}
    for line in re.findall(r'^"(.*)\\n"$', text, flags=re.MULTILINE):
        key, _sep, value = line.partition(": ")
        fields[key] = value
    return fields


def words(text):
    """Latin words of ``text`` outside its placeholders and HTML tags (class
    names are code; a tag's title is checked on its own)."""
    titles = " ".join(re.findall(r'title="([^"]*)"', text))
    text = re.sub(r"<[^>]*>", " ", dev._PLACEHOLDER.sub("", text)) + " " + titles
    return re.findall(r"[A-Za-z]{2,}", text)


def test_both_languages_translate_every_string_of_the_pot_with_its_placeholders():
    problems = dev.check_po_files(I18N.parent)
    assert problems == []
    pot = dev.read_po(POT)
    for lang in LANGUAGES:
        po = dev.read_po(I18N / f"{lang}.po")
        assert set(po) == set(pot), lang
        for (_ctx, msgid), entry in po.items():
            (msgstr,) = entry.msgstrs
            assert msgstr.strip(), (lang, msgid)
            assert dev.po_placeholders(msgstr) == dev.po_placeholders(msgid), (
                lang,
                msgid,
            )


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_headers_name_the_language_its_plural_forms_and_utf8(lang):
    fields = header(I18N / f"{lang}.po")
    assert fields["Language"] == lang
    assert fields["Plural-Forms"] == LANGUAGES[lang]
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_no_english_is_left_in_by_copying_the_msgid(lang):
    # Abbreviations, product names and the literal values a filter may hold
    # (True, False) stay as they are in both languages.
    kept = {"ID", "CRM", "CSAT", "NPS", "Odoo", "SMS", "True", "False", "NUL"}
    copied = [
        msgid
        for (_ctx, msgid), entry in dev.read_po(I18N / f"{lang}.po").items()
        if set(words(entry.msgstrs[0])) - kept
    ]
    assert copied == []


def test_chinese_joins_lists_and_parts_with_full_width_punctuation():
    po = {
        msgid: e.msgstrs[0] for (_c, msgid), e in dev.read_po(I18N / "zh_CN.po").items()
    }
    assert po["%(items)s; %(item)s"] == "%(items)s；%(item)s"
    assert po["%(user)s: %(reason)s"] == "%(user)s（%(reason)s）"
    assert po["%(user)s (%(figures)s)"] == "%(user)s（%(figures)s）"
    half_width = [
        m for m, text in po.items() if re.search(r"[\u4e00-\u9fff][;:,]", text)
    ]
    assert half_width == []
