"""Turkish number formatting, the one format every page, the CLI and the answers use.

Decimal comma and thousands dot: 5.876 -> "5,9", 54267 -> "54.267". Sizes are shown in
"GB", and a GB here is 2^30 bytes (what some tools call GiB): GPU memory is sold in
binary units (an RTX 3060's "12 GB" is 12 × 2^30 bytes), so the sizes compare directly.
`GB_NOTE` says that once, where a page first shows a size.
"""

from __future__ import annotations

GB_NOTE = "GB burada 2³⁰ bayt (1.073.741.824 bayt) demektir; GPU'ların \"12 GB\" gibi etiketleri de bu birimdedir."


def tr_number(value: float, digits: int = 1) -> str:
    """Turkish decimal comma: 16.5 -> '16,5'; thousands with a dot: 131072 -> '131.072'.

    Integers (and integral floats from 1000 on) are written without decimals.
    """
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1000):
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def tr_int(value: float) -> str:
    """Rounded to a whole number with a thousands dot: 54267.4 -> '54.267'."""
    return f"{round(value):,}".replace(",", ".")


def tr_gb(value: float, digits: int = 1) -> str:
    """A size with its unit: 5.876 -> '5,9 GB', 12.0 -> '12 GB' (GB = 2^30 bytes, see GB_NOTE)."""
    value = float(value)
    if round(value, digits).is_integer() and value != 0 and abs(value) >= 1:
        return f"{tr_int(value)} GB"
    return f"{tr_number(value, digits)} GB"


def tr_tokens(value: int) -> str:
    """A token count: 54267 -> '54.267 token'."""
    return f"{tr_int(value)} token"


# Vega expression that writes an axis or tooltip number the same way ("1.234,5"), for charts.
VEGA_TR_NUMBER = (
    "replace(replace(replace(format({value}, ',.{digits}~f'), regexp(',', 'g'), '#'),"
    " regexp('\\\\.', 'g'), ','), regexp('#', 'g'), '.')"
)


def vega_tr_number(value: str = "datum.value", digits: int = 1) -> str:
    return VEGA_TR_NUMBER.format(value=value, digits=digits)
