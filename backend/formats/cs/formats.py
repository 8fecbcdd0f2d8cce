"""Czech: the short style as ČSN 01 6910 writes it (``2. 12. 2026``), the long one with the month's name."""

DATE_FORMAT = "j. E Y"  # 2. prosince 2026
SHORT_DATE_FORMAT = "j. n. Y"  # 2. 12. 2026
DATETIME_FORMAT = "j. E Y G:i"  # 2. prosince 2026 0:40
SHORT_DATETIME_FORMAT = "j. n. Y G:i"  # 2. 12. 2026 0:40
TIME_FORMAT = "G:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. E"
FIRST_DAY_OF_WEEK = 1

# What people type: with or without the spaces, leading zeros optional; ISO as well.
DATE_INPUT_FORMATS = [
    "%d. %m. %Y",  # 2. 12. 2026
    "%d.%m.%Y",  # 2.12.2026
    "%d. %m. %y",  # 2. 12. 26
    "%d.%m.%y",  # 2.12.26
    "%Y-%m-%d",  # 2026-12-02
]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # a non-breaking space: an amount never breaks across lines
NUMBER_GROUPING = 3
