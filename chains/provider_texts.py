"""What a student reads when no language model answers, in one place.

Kept free of imports so the UI's first render (before LangChain is loaded) shows the very
same sentence as `chains.providers` does once it is.
"""

OFFLINE_CHOSEN = "Çevrimdışı mod istendi; cevaplar ders belgelerinden ve araçlardan derlenir."
# No setting names here: the technical hint (`ProviderChoice.setup_hint`) is for the instructor page.
NOT_CONFIGURED = (
    "Bu ders asistanında şu anda bir dil modeli bağlı değil; cevaplar ders belgelerinden "
    "ve hesaplama araçlarından derleniyor."
)
