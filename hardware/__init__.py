"""Hardware advisor (pure domain): which model fits which machine, and why.

- `hardware.catalog`: models, GPUs and weight formats from `hardware/data/*.json` (with sources);
  `resolve_model/resolve_gpu/resolve_quant` for loose names, `find_*_in_text` for free text.
- `hardware.estimate`: `EstimateRequest` -> `estimate()` -> `EstimateResult` (`.to_dict()` is the
  `ders-asistani vram --json` schema, `.to_full_dict()` adds breakdown, course rule, GPUs that fit).
- `hardware.recommend`: `recommend(vram_gb | gpu, task, mode, context)`, `all_tasks()`.
- `hardware.memory` / `hardware.training`: the memory terms; `hardware.explain`: Turkish text.
"""
