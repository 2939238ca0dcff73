"""VRAM Hesaplayıcı: how much graphics memory a model needs, and whether it fits."""

import streamlit as st

from ders_asistani.ui import calculator as calc
from ders_asistani.ui.calc_chart import memory_chart
from ders_asistani.ui import chat
from ders_asistani.ui.navigation import leave_legacy_pages_mode
from hardware import catalog
from hardware.errors import HardwareInputError
from turkish.number_format import GB_NOTE, tr_gb, tr_int, tr_number

leave_legacy_pages_mode()  # a first visit to this URL gets the real navigation

st.set_page_config(layout="wide")
st.title("🧮 VRAM Hesaplayıcı")
st.caption("Bir modelin çalışması ya da ince ayarı için ne kadar GPU belleği gerektiğini hesaplar. " + GB_NOTE)

models = {m.id: m for m in catalog.all_models()}
gpus = {g.id: g for g in catalog.all_gpus()}
quants = {q.id: q for q in catalog.all_quants()}

left, right = st.columns(2)
with left:
    source = st.radio("Model", ["Katalogdan seç", "Özel boyut"], horizontal=True, key="model_source")
    model_id, params = None, None
    if source == "Katalogdan seç":
        model_id = st.selectbox("Model (aramak için yazın)", list(models), key="model",
                                index=list(models).index("llama-3.1-8b") if "llama-3.1-8b" in models else 0,
                                format_func=lambda key: models[key].name)
    else:
        params = st.number_input("Parametre sayısı (milyar)", 0.1, 1000.0, 7.0, 0.5, key="params")
    quant_ids = list(quants)
    quant = st.selectbox("Nicemleme (quantization)", quant_ids, key="quant",
                         index=quant_ids.index("Q4_K_M") if "Q4_K_M" in quant_ids else 0,
                         format_func=lambda key: quants[key].label)
    mode = st.selectbox("İş", list(calc.MODES), format_func=calc.MODES.get, key="mode")
with right:
    context = st.select_slider("Bağlam uzunluğu (token)", calc.CONTEXT_CHOICES, value=4096, key="context",
                               format_func=tr_int)
    batch = st.number_input("Batch", 1, 256, 1, key="batch")
    target = st.radio("Donanım", ["GPU seç", "VRAM gir"], horizontal=True, key="target")
    gpu_id, vram = None, None
    if target == "GPU seç":
        gpu_id = st.selectbox("GPU", list(gpus), key="gpu", format_func=lambda key: gpus[key].name,
                              index=list(gpus).index("rtx-3060-12gb") if "rtx-3060-12gb" in gpus else 0)
    else:
        vram = st.number_input("GPU belleği (GB)", 1.0, 1024.0, 12.0, 1.0, key="vram")
    gpu_count = st.number_input("GPU sayısı", 1, 16, 1, key="gpu_count")

try:
    from hardware.estimate import EstimateRequest, default_four_bit_note, estimate

    request = EstimateRequest(model=model_id, params=params, quant=quant, context=int(context), batch=int(batch),
                              mode=mode, gpu=gpu_id, vram=vram, gpus=int(gpu_count))
    result = estimate(request).to_full_dict()
    four_bit_note = default_four_bit_note(request)
except HardwareInputError as exc:
    st.error(str(exc))
    st.stop()

st.divider()
fits = result.get("fits")
cols = st.columns(4)
cols[0].metric("Toplam VRAM", tr_gb(result["total_gb"]))
cols[1].metric("Sığıyor mu?", "Evet ✅" if fits else "Hayır ❌")
max_context = result.get("max_context")
cols[2].metric("Sığan en uzun bağlam", f"{tr_int(max_context)} token" if max_context else "—")
speed = result.get("tokens_per_s")
cols[3].metric("Beklenen hız (token/sn)", f"~{tr_number(speed, 0)}" if speed else "—")

rows = calc.breakdown(result)
if rows:
    st.subheader("Bellek dağılımı")
    st.altair_chart(memory_chart(rows, result.get("budget_gb"), fits), width="stretch")

rule_gb, rule_text = calc.course_rule(result)
rule_col, detail_col = st.columns(2)
with rule_col:
    st.markdown("**Ders kuralı (kaba hesap): parametre × bayt × 1,2**")
    st.markdown(f"### {tr_gb(rule_gb)}" if rule_gb is not None else "—")
    for line in rule_text.splitlines():
        st.caption(line)
with detail_col:
    st.markdown("**Ayrıntılı tahmin**")
    st.markdown(f"### {tr_gb(result['total_gb'])}")
    for note in [*([four_bit_note] if four_bit_note else []), *(result.get("notes") or [])]:
        st.caption(f"• {note}")

fitting = calc.fitting_gpus(result)
shown = ", ".join(fitting[:8]) + (f" ve {len(fitting) - 8} tane daha" if len(fitting) > 8 else "")
st.markdown("**Bu işi çalıştırabilen yaygın GPU'lar** (küçükten büyüğe): " + (shown or "listede yok"))

gpu_label = gpus[gpu_id].name if gpu_id else f"{tr_gb(vram, 0 if float(vram).is_integer() else 1)} VRAM'li bir GPU"
if gpu_count > 1:
    gpu_label = f"{gpu_count} adet {gpu_label}"
if st.button("💬 Bunu asistana sor", type="primary"):
    chat.ask_later(calc.question_for_chat(result, gpu_label))
    st.switch_page("pages/sohbet.py")
