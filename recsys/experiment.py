"""One recommender-unlearning experiment: train the original model, sample a request, run each
method, evaluate everything on the retained data against Gold. Shared by the ``rec`` CLI and
``benchmarks/rec_unlearning.py``."""
from __future__ import annotations

import time
from typing import Iterable

from graph_unlearn.core.rng import seeded_rng
from graph_unlearn.core.runner import run_methods
from graph_unlearn.metrics import aggregate_seeds

from .data import InteractionData
from .evaluation import evaluate, interaction_mia
from .methods import METHODS
from .models import make_model
from .requests import sample_request, withhold_holdout
from .training import BPRConfig, train_bpr

#: the training recipe of the original model (and of Gold)
TRAIN = dict(epochs=120, batch_size=4096, lr=1e-2, reg=1e-4, patience=3, eval_every=3)
#: ``quick=True`` (``rec --quick``): a smoke run, not a measurement. The original and Gold train
#: for at most 6 epochs (validation every 2, patience 1) and each method takes few steps.
QUICK_TRAIN = dict(TRAIN, epochs=6, eval_every=2, patience=1)
QUICK_OPTIONS = {"mmrecun": {"steps": 5}, "finetune": {"steps": 5}, "gradient_ascent": {"steps": 3},
                 "neggrad_plus": {"steps": 5}}
KINDS = ("users", "items", "interactions", "modality")
KEYS = ("test_recall20", "test_ndcg20", "test_recall10", "test_ndcg10", "test_precision20", "forget_recall20",
        "forget_ndcg20", "retain_recall20", "mia_auc")


def train_original(data: InteractionData, model_name: str, seed: int, device="cpu", train: dict | None = None):
    """The original recommender, initialised and trained from ``seed`` on a forked RNG (the
    caller's global random state is left alone)."""
    with seeded_rng(seed, device):
        model = make_model(model_name, data).to(device)
        hist = train_bpr(model, data, seed=seed, **(train or TRAIN))
    return model, hist


def check_experiment(data: InteractionData, model_name: str, kind: str, fraction: float, methods, seeds) -> None:
    """Everything :func:`run_experiment` needs, checked before any training: known model, kind and
    methods, ``fraction`` in (0, 1), distinct non-negative seeds, a modality deletion only for a
    model that uses a modality, and a request that can be drawn for every seed."""
    from graph_unlearn.core.options import is_int, is_real

    from .models import MODELS

    if model_name not in MODELS:
        raise ValueError(f"unknown model {model_name!r}: use one of {sorted(MODELS)}")
    if kind not in KINDS:
        raise ValueError(f"unknown deletion kind {kind!r}: use one of {', '.join(KINDS)}")
    if not is_real(fraction) or not 0 < fraction < 1:
        raise ValueError(f"fraction must be a number in (0, 1), got {fraction!r}")
    methods, seeds = list(methods), list(seeds)
    if not methods:
        raise ValueError("no methods given")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}: use {sorted(METHODS)}")
    if not seeds or not all(is_int(s) and s >= 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct non-negative integers, got {seeds}")
    if kind == "modality":
        if not data.modalities:
            raise ValueError(f"dataset {data.name} has no item modality: a modality deletion does not apply")
        if not getattr(make_model(model_name, data), "names", None):
            raise ValueError(f"{model_name} uses no item modality: a modality deletion does not apply to it")
    for seed in seeds:
        sample_request(data, kind, fraction, seed=seed)


def method_options(name: str, train: dict, overrides: dict | None = None) -> dict:
    opts = {}
    if name == "gold":
        opts = {"config": BPRConfig(**{k: train[k] for k in ("epochs", "lr", "reg", "patience", "eval_every",
                                                              "batch_size")})}
    opts.update((overrides or {}).get(name, {}))
    return opts


def measure(model, retained: InteractionData, forget, seed: int) -> dict:
    graph = model.build_graph(retained)
    row = evaluate(model, retained, graph, forget, splits=("test", "valid", "retain", "forget"))
    has_forget = forget[0].numel() > 0
    row["mia_auc"] = interaction_mia(model, retained, forget, graph, seed=seed) if has_forget else float("nan")
    if not has_forget:
        row.update(forget_recall20=float("nan"), forget_ndcg20=float("nan"))
    return row


def run_one(data, model, kind: str, fraction: float, methods: Iterable[str], seed: int, device="cpu",
            train: dict | None = None, overrides: dict | None = None, log=print,
            audit_dir: str | None = None, request=None, holdout=None, retrains: int = 3) -> dict[str, dict]:
    """Every method on one request (sampled with ``seed`` unless given) for the trained ``model``; with
    ``audit_dir``, each result is saved to ``audit_dir/<method>-seed<seed>/`` (model.pt + audit.json).
    ``holdout``: the matched holdout's :class:`~recsys.requests.RecDeletion` (withheld from ``data``
    before the original was trained): every row then gets the forgetting yardstick's keys
    (:func:`graph_unlearn.core.runner.yardstick`, ``retrains`` retrain seeds) and a ``retrain_extra``
    row is added."""
    train = train or TRAIN
    if kind == "modality" and not getattr(model, "names", None):
        raise ValueError(f"{type(model).__name__} uses no item modality: a modality deletion does not apply to it")
    request = request if request is not None else sample_request(data, kind, fraction, seed=seed)
    deletion = request.apply(data)
    forget = (deletion.forget_user, deletion.forget_item)
    rows = {"original": {**measure(model, deletion.retained, forget, seed), "seconds": 0.0, "peak_mem_mb": 0.0}}
    unknown = [name for name in methods if name not in METHODS]
    if unknown:
        raise ValueError(f"unknown method {unknown[0]!r}: use {sorted(METHODS)}")

    def skip(name, unl):   # a method that only ascends on the forget set has nothing to work on
        return "no forget set" if name == "gradient_ascent" and deletion.num_forget == 0 else None

    def done(name, res):
        if res is None:
            log(f"  {name:16s} n/a: the request forgets no interaction")
            return
        row = measure(res.model, deletion.retained, forget, seed)
        row.update(seconds=res.seconds, peak_mem_mb=res.peak_mem_mb, epochs=res.epochs)
        rows[name] = row
        log(f"  {name:16s} test R@20 {row['test_recall20']:.4f} forget R@20 {row.get('forget_recall20', float('nan')):.4f} "
            f"MIA {row['mia_auc']:.3f} {res.seconds:.1f}s")

    built = [(name, METHODS[name](device=device, seed=seed, **method_options(name, train, overrides)))
             for name in methods]
    results = run_methods(built, model, data, request, seed=seed, audit_dir=audit_dir, skip=skip, on_done=done)
    if holdout is not None and "gold" in results and deletion.num_forget:
        from graph_unlearn.core.runner import yardstick

        from .methods import Retrain

        recipe = method_options("gold", train)["config"]
        table, extra = yardstick(results, model, data, request, retrain=lambda s: Retrain(recipe, device=device, seed=s),
                                 extra_seeds=[seed + 1000 * k for k in range(1, retrains)], holdout=holdout,
                                 seed=seed, device=device, reference="gold")
        rows["retrain_extra"] = {**measure(extra.model, deletion.retained, forget, seed), "seconds": extra.seconds,
                                 "peak_mem_mb": extra.peak_mem_mb, "epochs": extra.epochs}
        for name, trow in table.items():
            rows["gold" if name == "retrain" else name].update(
                {k: v for k, v in trow.items() if not k.endswith("_note")})
    rows["_request"] = {"kind": kind, "size": len(request), "forget_interactions": deletion.num_forget}
    return rows


def run_experiment(data: InteractionData, model_name: str, kind: str, fraction: float, methods, seeds, device="cpu",
                   train: dict | None = None, overrides: dict | None = None, log=print, quick: bool = False,
                   audit_dir: str | None = None, holdout: bool = False, retrains: int = 3) -> dict:
    """Mean ± std over ``seeds`` per method (plus the untouched original model). Every option is
    checked (:func:`check_experiment`) before anything is trained. ``quick``: :data:`QUICK_TRAIN`
    (unless ``train`` is given) and :data:`QUICK_OPTIONS` under ``overrides``. ``audit_dir``: see
    :func:`run_one`. ``holdout``: the forgetting yardstick: a matched holdout of the same kind is
    drawn with each request and withheld from every training (the original's included), see
    :func:`run_one` (not for modality deletions, which forget no interaction)."""
    methods, seeds = list(methods), list(seeds)
    check_experiment(data, model_name, kind, fraction, methods, seeds)
    if quick:
        train = train or QUICK_TRAIN
        overrides = {name: {**QUICK_OPTIONS.get(name, {}), **(overrides or {}).get(name, {})}
                     for name in set(QUICK_OPTIONS) | set(overrides or {})}
    per_seed = []
    for seed in seeds:
        t = time.perf_counter()
        run_data, request, hold = data, None, None
        if holdout and kind != "modality":
            request, hold_request = sample_request(data, kind, fraction, seed=seed, holdout=True)
            run_data, hold = withhold_holdout(data, hold_request)
        log(f"seed {seed}: training the original {model_name} on {data.name} ...")
        model, hist = train_original(run_data, model_name, seed, device, train)
        log(f"seed {seed}: original {model_name} trained in {time.perf_counter() - t:.1f}s "
            f"(best epoch {hist['best_epoch']}, valid R@20 {hist['best_valid_recall20']:.4f})")
        per_seed.append(run_one(run_data, model, kind, fraction, methods, seed, device, train, overrides, log,
                                audit_dir, request=request, holdout=hold, retrains=retrains))
    names = [k for k in per_seed[0] if not k.startswith("_")]
    return {"per_seed": per_seed, "mean": {n: aggregate_seeds([r[n] for r in per_seed]) for n in names}}


#: MMRecUn grid searched on validation (see :func:`tune_mmrecun`)
MMRECUN_GRID = ([dict(forget_weight=1.0, lr=5e-4, steps=30, retain_weight=1.0, optimizer="adam")]
                + [dict(forget_weight=a, lr=lr, steps=30, retain_weight=1.0, optimizer="sgd")
                   for lr in (0.3, 1.0, 3.0, 10.0, 30.0) for a in (1.0, 4.0)])
#: a setting is eligible only if it keeps this share of the original's validation Recall@20
#: (the utility bar of the benchmark's targets); when none does, the lowest cost wins
MIN_VALID_SHARE = 0.95
TUNING_SEED = 999  # the tuning request's seed; never an evaluation seed


def choose_setting(rows: list[dict], base_valid: float, min_share: float = MIN_VALID_SHARE) -> dict:
    """The lowest-``cost`` row among those whose ``valid_recall20`` keeps ``min_share`` of
    ``base_valid`` (among all rows when none does)."""
    if not rows:
        raise ValueError("no tuning rows to choose from")
    eligible = [r for r in rows if r["valid_recall20"] is not None and r["valid_recall20"] >= min_share * base_valid]
    return min(eligible or rows, key=lambda r: r["cost"])


def holdout_attack(model, data: InteractionData, request, holdout, device="cpu"):
    """``attack(m, original_data=False)``: the matched-holdout attack's AUC (no interval) of model
    ``m`` on ``request``'s forgotten interactions against ``holdout`` (a
    :class:`~recsys.requests.RecDeletion` from :func:`~recsys.requests.withhold_holdout`);
    ``original_data=True`` scores on the data before the deletion (the original's view). It
    returns ``None`` without a holdout or when the request forgets no interaction."""
    task = None
    if holdout is not None:
        from graph_unlearn.core.task import make_task

        task = make_task(model, data, request, device=device)   # applies the request once
        if not task.num_forget:
            task = None

    def attack(m, original_data: bool = False):
        if task is None:
            return None
        from graph_unlearn.metrics.holdout import holdout_attack_auc

        f, h = task.element_scores(m, holdout, original_data=original_data)
        return holdout_attack_auc(f.cpu().numpy(), h.cpu().numpy(), n_boot=0).value
    return attack


def tune_mmrecun(model, data: InteractionData, kind: str, fraction: float, grid=None, device="cpu",
                 seed: int = TUNING_SEED, log=print, request=None, holdout=None) -> tuple[dict, list[dict]]:
    """Choose MMRecUn's weights on *validation* data with a *tuning* request (drawn with
    ``seed``, never used for evaluation), without Gold and without the evaluated forget set.

    Cost of a setting: ``|R@20(tuning forget set) - target| / max(target, 0.05)
    + 2 · max(0, 1 - R@20_valid / R@20_valid(original))``, where the target is what a never-seen
    interaction gets: the original model's validation Recall@20 for interaction deletion, chance
    level (20 / #items) for user and item deletion (a retrained model has never seen the user /
    item); for modality deletion only the validation term counts. The lowest cost wins among the
    settings that keep :data:`MIN_VALID_SHARE` of the original's validation Recall@20 (all
    settings when none does): otherwise the forget term, up to 5 for an untouched deleted user,
    buys forgetting with a third of the utility.

    With a matched ``holdout`` (the :class:`~recsys.requests.RecDeletion` of
    :func:`~recsys.requests.withhold_holdout`, withheld from ``data`` and from the training of
    ``model``; ``request`` is the tuning request drawn with it) the forget term is the holdout
    attack's instead: ``|AUC - 0.5| / max(|AUC(original) - 0.5|, 0.05)``, AUC of the model's own
    scores on the forget set against the never-seen holdout (0.5 for a model that never saw the
    forget set, whatever it recommends). 0 = like never-seen data, 1 = as far from it as doing
    nothing; forgetting past never-seen (AUC below 0.5: the forget set marked *less* familiar
    than unseen data, which an attacker sees too) costs as much as forgetting too little.
    """
    from .methods import MMRecUn

    grid = grid or MMRECUN_GRID
    request = request if request is not None else sample_request(data, kind, fraction, seed=seed)
    deletion = request.apply(data)
    forget = (deletion.forget_user, deletion.forget_item)
    base_valid = evaluate(model, deletion.retained, None, splits=("valid",))["valid_recall20"]
    target = base_valid if kind == "interactions" else 20.0 / data.num_items
    attack = holdout_attack(model, data, request, holdout, device)
    base_auc = attack(model, original_data=True)
    base_gap = max(abs(base_auc - 0.5), 0.05) if base_auc is not None else None
    rows = []
    for opts in grid:
        try:
            res = MMRecUn(device=device, seed=seed, **opts).unlearn(model, data, request)
        except FloatingPointError as err:    # diverged: never chosen
            rows.append({**opts, "valid_recall20": None, "tuning_forget_recall20": None, "cost": float("inf")})
            log(f"  tune {opts}: diverged ({err})")
            continue
        ev = evaluate(res.model, deletion.retained, None, forget, splits=("valid", "forget"))
        cost = 2 * max(0.0, 1 - ev["valid_recall20"] / base_valid)
        auc = attack(res.model)
        if auc is not None:
            cost += abs(auc - 0.5) / base_gap
        elif deletion.num_forget:
            cost += abs(ev["forget_recall20"] - target) / max(target, 0.05)
        rows.append({**opts, "valid_recall20": ev["valid_recall20"], "tuning_forget_recall20": ev.get("forget_recall20"),
                     "holdout_auc": auc, "cost": cost})
        log(f"  tune {opts}: valid R@20 {ev['valid_recall20']:.4f} tuning-forget R@20 "
            f"{ev.get('forget_recall20', float('nan')):.4f} holdout AUC {auc if auc is not None else float('nan'):.3f} "
            f"cost {cost:.3f}")
    best = choose_setting(rows, base_valid)
    return {k: best[k] for k in dict.fromkeys(k for opts in grid for k in opts) if k in best}, rows
