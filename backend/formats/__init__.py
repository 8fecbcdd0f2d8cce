"""Rámec's date and number formats per language (FORMAT_MODULE_PATH), over Django's own.

One short and one long date style per language, used everywhere (pages, e-mails, the admin):
Czech ``2. 12. 2026`` and ``2. prosince 2026``; English ``2 Dec 2026`` and ``2 December 2026``, never the
US month-first style, which a Czech reader takes for day-first.
"""
