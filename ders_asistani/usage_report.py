"""The usage report: today against the class key's limits, the last days, LLM share, offline reasons.

One function, `usage_report`, feeds both `ders-asistani usage --json` and the
instructor page's "Kullanım" tab, so they always show the same numbers.

Limits: from settings (`GROQ_LIMIT_RPM/RPD/TPM/TPD` once the governor adds them;
Groq's free-tier numbers otherwise), or live ones (the governor's `snapshot(model)`,
corrected from Groq's x-ratelimit-* headers) when the caller passes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ders_asistani.usage_ledger import DayUsage, UsageLedger, top_reasons, utc_day
from hardware.explain import tr_number

# Groq free tier per model (requests/min, requests/day, tokens/min, tokens/day), see the README.
FREE_TIER = {
    "openai/gpt-oss-120b": (30, 1000, 8000, 200000),
    "openai/gpt-oss-20b": (30, 1000, 8000, 200000),
    "qwen/qwen3.8-27b": (30, 1000, 8000, 200000),
}
DEFAULT_LIMITS = (30, 1000, 8000, 200000)

OFFLINE_REASONS_TR = {
    "provider_off": "Dil modeli kapalı (çevrimdışı mod ya da anahtar yok)",
    "rate_limit": "Groq kullanım sınırı (429)",
    "queue": "Sırada bekleme / sınıf kotası",
    "too_large": "İstek çok büyük (413)",
    "auth": "Geçersiz API anahtarı",
    "timeout": "Zaman aşımı",
    "connection": "Bağlantı yok",
    "server": "Sağlayıcı sunucu hatası",
    "model_unavailable": "Model kullanılamıyor",
    "truncated": "Cevap yarıda kesildi",
    "tool_use_failed": "Araç çağrısı hatası",
    "tools_unsupported": "Sunucu araç çağıramıyor",
    "empty_answer": "Boş cevap",
    "bad_request": "Geçersiz istek",
    "student_asked": "Öğrenci çevrimdışı cevap istedi",
    "unknown": "Bilinmeyen hata",
}


def reason_label(code: str) -> str:
    return OFFLINE_REASONS_TR.get(code, code)


def tr_percent(share: float | None) -> str:
    """Turkish percent: '%85', '%12,5'; '—' when there is nothing to divide."""
    if share is None:
        return "—"
    value = round(share * 100, 1)
    return "%" + (tr_number(int(value)) if float(value).is_integer() else tr_number(value, 1))


@dataclass(frozen=True)
class KeyLimits:
    model: str
    requests_per_minute: int
    requests_per_day: int
    tokens_per_minute: int
    tokens_per_day: int
    source: str  # "settings" | "live"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def key_limits(settings: Any, live: dict[str, Any] | None = None) -> KeyLimits:
    """The class key's limits: live (a governor snapshot) when given, else settings / free tier."""
    model = str(getattr(settings, "groq_model", "") or "")
    rpm, rpd, tpm, tpd = FREE_TIER.get(model, DEFAULT_LIMITS)
    values = {
        "rpm": getattr(settings, "groq_limit_rpm", None) or rpm,
        "rpd": getattr(settings, "groq_limit_rpd", None) or rpd,
        "tpm": getattr(settings, "groq_limit_tpm", None) or tpm,
        "tpd": getattr(settings, "groq_limit_tpd", None) or tpd,
    }
    source = "settings"
    buckets = (live or {}).get("buckets") or {}
    for name in values:
        limit = (buckets.get(name) or {}).get("limit")
        if limit:
            values[name], source = limit, "live"
    return KeyLimits(str((live or {}).get("model") or model), int(values["rpm"]), int(values["rpd"]),
                     int(values["tpm"]), int(values["tpd"]), source)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def usage_report(
    ledger: UsageLedger,
    settings: Any,
    *,
    days: int = 7,
    today: str | None = None,
    live_limits: dict[str, Any] | None = None,
    cache_stats: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Everything `ders-asistani usage --json` prints (and the "Kullanım" tab shows)."""
    today = today or utc_day()
    date.fromisoformat(today)  # a bad date fails here, before any query
    window = ledger.last_days(days, today=today)
    klass = ledger.day(today, "class")
    own = ledger.day(today, "own")
    now = window[-1]
    limits = key_limits(settings, live_limits)
    total = DayUsage("total")
    for usage in window:
        total.add(usage)
    reasons = top_reasons(window)
    return {
        "day": today,
        "limits": limits.to_dict(),
        "today": {**now.to_dict(), "class": klass.to_dict(), "own": own.to_dict()},
        "today_vs_limits": {
            "requests": klass.requests,
            "requests_limit": limits.requests_per_day,
            "requests_share": _share(klass.requests, limits.requests_per_day),
            "tokens": klass.limit_tokens,
            "tokens_limit": limits.tokens_per_day,
            "tokens_share": _share(klass.limit_tokens, limits.tokens_per_day),
        },
        "days": [usage.to_dict() for usage in window],
        "turns": total.turns,
        "llm_share": _share(total.llm_turns, total.turns),
        "llm_share_today": _share(now.llm_turns, now.turns),
        "cache_hits": total.cache_hits,
        "cache_hit_rate": _share(total.cache_hits, total.turns),
        "rate_limited": total.rate_limited,
        "top_offline_reasons": [{"reason": code, "label": reason_label(code), "count": count} for code, count in reasons],
        "cache": cache_stats or {},
    }


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as a Turkish text table (the CLI without --json)."""
    vs, limits, today = report["today_vs_limits"], report["limits"], report["today"]
    source = "canlı" if limits["source"] == "live" else "ayarlar"
    lines = [
        f"Kullanım — bugün {report['day']} (UTC) · model {limits['model'] or '—'} (sınırlar: {source})",
        f"Sınıf anahtarı: {tr_number(vs['requests'])} / {tr_number(vs['requests_limit'])} istek "
        f"({tr_percent(vs['requests_share'])}) · {tr_number(vs['tokens'])} / {tr_number(vs['tokens_limit'])} token "
        f"({tr_percent(vs['tokens_share'])})",
        f"Bugün: {tr_number(today['turns'])} soru · dil modeli {tr_number(today['llm_turns'])} · "
        f"çevrimdışı {tr_number(today['offline_turns'])} · önbellekten {tr_number(today['cache_hits'])} · "
        f"kendi anahtarıyla {tr_number(today['own']['turns'])} · {tr_number(today['students'])} öğrenci",
        "",
    ]
    header = ("Gün", "Soru", "LLM", "Çevrimdışı", "Önbellek", "İstek", "Token", "429")
    rows = [header] + [
        (d["day"], tr_number(d["turns"]), tr_number(d["llm_turns"]), tr_number(d["offline_turns"]),
         tr_number(d["cache_hits"]), tr_number(d["requests"]), tr_number(d["limit_tokens"]), tr_number(d["rate_limited"]))
        for d in report["days"]
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append("  ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                               for i, cell in enumerate(row)))
    lines.append("")
    lines.append(f"Dil modeliyle cevaplanan: {tr_percent(report['llm_share'])} "
                 f"({tr_number(report['turns'])} sorudan) · önbellekten: {tr_number(report['cache_hits'])}")
    if report["top_offline_reasons"]:
        reasons = ", ".join(f"{r['label']}: {tr_number(r['count'])}" for r in report["top_offline_reasons"])
        lines.append(f"Çevrimdışı cevap nedenleri: {reasons}")
    else:
        lines.append("Çevrimdışı cevap yok.")
    return lines
