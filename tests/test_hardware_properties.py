"""Property tests: memory grows with context, batch and bits; 'fits' agrees with the totals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.catalog import all_models, all_quants
from hardware.estimate import estimate

MODELS = [m.id for m in all_models() if m.params_total < 80e9]
ORDERED_BITS = ["Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "fp16", "fp32"]
FAST = settings(max_examples=40, deadline=None)

models = st.sampled_from(MODELS)
contexts = st.integers(min_value=1, max_value=65536)
batches = st.integers(min_value=1, max_value=16)


@FAST
@given(models, contexts, contexts, batches)
def test_memory_grows_with_context(model: str, a: int, b: int, batch: int) -> None:
    lo, hi = sorted((a, b))
    small = estimate({"model": model, "quant": "Q4_K_M", "context": lo, "batch": batch})
    large = estimate({"model": model, "quant": "Q4_K_M", "context": hi, "batch": batch})
    assert large.total_gb >= small.total_gb
    assert large.kv_cache_gb >= small.kv_cache_gb


@FAST
@given(models, contexts, batches, batches)
def test_memory_grows_with_batch(model: str, context: int, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    small = estimate({"model": model, "context": context, "batch": lo})
    large = estimate({"model": model, "context": context, "batch": hi})
    assert large.total_gb >= small.total_gb


@FAST
@given(models, st.integers(min_value=0, max_value=len(ORDERED_BITS) - 2), contexts)
def test_memory_grows_with_bits(model: str, index: int, context: int) -> None:
    fewer = estimate({"model": model, "quant": ORDERED_BITS[index], "context": context})
    more = estimate({"model": model, "quant": ORDERED_BITS[index + 1], "context": context})
    assert more.weights_gb > fewer.weights_gb
    assert more.total_gb >= fewer.total_gb


@FAST
@given(models, st.sampled_from([q.id for q in all_quants()]), contexts, batches,
       st.floats(min_value=0.5, max_value=200, allow_nan=False), st.integers(min_value=1, max_value=8))
def test_fits_agrees_with_totals(model: str, quant: str, context: int, batch: int, vram: float, gpus: int) -> None:
    result = estimate({"model": model, "quant": quant, "context": context, "batch": batch, "vram": vram, "gpus": gpus})
    assert result.fits == (result.total_gb <= vram * gpus)
    parts = result.weights_gb + result.kv_cache_gb + result.activations_gb + result.overhead_gb + result.training_gb
    assert abs(result.total_gb - parts) < 1e-6
    assert result.max_context is not None
    if result.fits:
        assert result.max_context >= min(context, result.model_max_context)
    elif context <= result.model_max_context:
        assert result.max_context < context


@FAST
@given(st.floats(min_value=0.05, max_value=500, allow_nan=False), st.floats(min_value=0.05, max_value=500, allow_nan=False))
def test_size_only_models_grow_with_size(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert estimate({"params": hi, "context": 1024}).weights_gb >= estimate({"params": lo, "context": 1024}).weights_gb


@FAST
@given(models, st.sampled_from(["lora", "qlora", "full"]), st.integers(min_value=16, max_value=8192), batches)
def test_training_grows_with_tokens(model: str, mode: str, context: int, batch: int) -> None:
    one = estimate({"model": model, "mode": mode, "context": context, "batch": batch})
    two = estimate({"model": model, "mode": mode, "context": context * 2, "batch": batch})
    assert two.total_gb >= one.total_gb
    assert one.training_gb > 0 and one.kv_cache_gb == 0
