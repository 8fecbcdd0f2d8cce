"""English as a Czech office reads it: day before month, the month in words (``2 Dec 2026``), 24-hour time."""

DATE_FORMAT = "j F Y"  # 2 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 2 Dec 2026
DATETIME_FORMAT = "j F Y, H:i"  # 2 December 2026, 00:40
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 2 Dec 2026, 00:40
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1

# No month-first input: 02/12/2026 would be read the wrong way round by one reader or the other.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-02
    "%d %b %Y",  # 2 Dec 2026
    "%d %B %Y",  # 2 December 2026
    "%d.%m.%Y",  # 2.12.2026, as Czech colleagues write
    "%d. %m. %Y",  # 2. 12. 2026
]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
