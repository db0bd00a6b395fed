"""Every command-line flag is checked before any work: a wrong one, or one that does not apply,
exits with code 2 and a message naming it; ``--version``; checkpoints keyed by the recipe;
``rec --quick`` and ``general --quick`` end to end on real data."""
from __future__ import annotations

import json
import os
import time

import pytest
import torch

import graph_unlearn
from graph_unlearn.cli import main as cli_main

#: a bad flag must be refused well before any loading/training could finish
FAST_S = 5.0
#: a generous bound for the --quick smoke runs (seconds on a shared 2-core machine; ~10 s when idle)
QUICK_S = 300.0


def _never(*args, **kwargs):
    raise AssertionError("the runner was called although a flag is wrong")


@pytest.fixture
def no_work(monkeypatch):
    """Runners and trainers fail the test if reached: validation must happen before them."""
    import graph_unlearn.experiments as ge
    import graph_unlearn.general.experiment as gx
    import recsys.experiment as rx

    for mod, name in ((ge, "run_edge_experiment"), (ge, "run_node_experiment"), (ge, "train_original"),
                      (ge, "train_node_original"), (rx, "run_experiment"), (rx, "train_original"),
                      (gx, "run_general_experiment"), (gx, "train_original")):
        monkeypatch.setattr(mod, name, _never)


def run(argv, capsys):
    t0 = time.perf_counter()
    try:
        code = cli_main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.err + out.out, time.perf_counter() - t0


def _unwritable_dir(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    if os.access(d, os.W_OK):   # root ignores permissions
        pytest.skip("running as root: permissions are not enforced")
    return d


BAD_RUN = [
    (["--fraction", "1.5"], "--fraction"), (["--fraction", "0"], "--fraction"), (["--fraction", "1"], "--fraction"),
    (["--fraction", "-0.1"], "--fraction"), (["--fraction", "nan"], "--fraction"), (["--fraction", "x"], "--fraction"),
    (["--methods", "retrain,bogus"], "--methods"), (["--methods", ","], "--methods"),
    (["--methods", "graph_eraser"], "--methods"),                      # node-only method on the link task
    (["--methods", "utu,utu"], "--methods"),
    (["--seeds", "a"], "--seeds"), (["--seeds", "0,,1"], "--seeds"), (["--seeds", "-1"], "--seeds"),
    (["--seeds", "0,0"], "--seeds"), (["--seeds", ""], "--seeds"),
    (["--device", "tpu"], "--device"), (["--device", "cuda:x"], "--device"),
    (["--root", "/nonexistent/graph-unlearn-data"], "--root"),
    (["--json", "/nonexistent/dir/report.json"], "--json"),
    (["--task", "link", "--delete", "features"], "--delete"), (["--delete", "nodes"], "--delete"),
    (["--task", "link", "--split", "public"], "--split"),
    (["--task", "node", "--setting", "in"], "--setting"),
    (["--task", "node", "--checkpoint-dir", "ckpts"], "--checkpoint-dir"),
    (["--dataset", "NoSuchGraph"], "--dataset"),
    (["--model", "mlp"], "--model"),
]
if not torch.cuda.is_available():
    BAD_RUN.append((["--device", "cuda"], "--device"))
if "WORLD_SIZE" not in os.environ:   # --distributed outside torchrun
    BAD_RUN.append((["--distributed"], "--distributed"))

BAD_REC = [
    (["--epochs", "0"], "--epochs"), (["--epochs", "-3"], "--epochs"), (["--epochs", "1.5"], "--epochs"),
    (["--max-users", "0"], "--max-users"), (["--max-users", "-5"], "--max-users"),
    (["--methods", "gold,bogus"], "--methods"), (["--methods", "d2dgn"], "--methods"),
    (["--fraction", "1.5"], "--fraction"), (["--fraction", "0"], "--fraction"),
    (["--seeds", "x"], "--seeds"), (["--device", "tpu"], "--device"),
    (["--root", "/nonexistent/graph-unlearn-data"], "--root"), (["--json", "/nonexistent/dir/r.json"], "--json"),
    (["--delete", "modality", "--model", "lightgcn"], "--delete"),
    (["--dataset", "no-such-rec-data"], "--dataset"),
]

BAD_GENERAL = [
    (["--methods", "bogus"], "--methods"), (["--methods", "retrain,d2dgn"], "--methods"),
    (["--fraction", "1.5"], "--fraction"), (["--fraction", "0"], "--fraction"),
    (["--forget", "class", "--fraction", "0.2"], "--fraction"),
    (["--forget", "range", "--fraction", "0.2"], "--fraction"),
    (["--seeds", "1,x"], "--seeds"), (["--device", "tpu"], "--device"),
    (["--json", "/nonexistent/dir/r.json"], "--json"), (["--dataset", "cifar10"], "--dataset"),
]


@pytest.mark.parametrize("args,flag", BAD_RUN, ids=[" ".join(a) for a, _ in BAD_RUN])
def test_run_bad_flag(args, flag, capsys, no_work):
    code, msg, seconds = run(["run", "--quick", "--no-progress", *args], capsys)
    assert code == 2, msg
    assert flag in msg, msg
    assert seconds < FAST_S


@pytest.mark.parametrize("args,flag", BAD_REC, ids=[" ".join(a) for a in (a for a, _ in BAD_REC)])
def test_rec_bad_flag(args, flag, capsys, no_work):
    code, msg, seconds = run(["rec", "--quick", "--no-progress", *args], capsys)
    assert code == 2, msg
    assert flag in msg, msg
    assert seconds < FAST_S


@pytest.mark.parametrize("args,flag", BAD_GENERAL, ids=[" ".join(a) for a, _ in BAD_GENERAL])
def test_general_bad_flag(args, flag, capsys, no_work):
    code, msg, seconds = run(["general", "--quick", "--no-progress", *args], capsys)
    assert code == 2, msg
    assert flag in msg, msg
    assert seconds < FAST_S


@pytest.mark.parametrize("command", ["run", "rec", "general"])
def test_json_path_checked_up_front(command, tmp_path, capsys, no_work):
    code, msg, _ = run([command, "--no-progress", "--json", str(tmp_path)], capsys)   # a folder
    assert code == 2 and "--json" in msg, msg
    ro = _unwritable_dir(tmp_path)
    code, msg, _ = run([command, "--no-progress", "--json", str(ro / "r.json")], capsys)
    assert code == 2 and "--json" in msg, msg


def test_root_and_checkpoint_dir_must_be_folders(tmp_path, capsys, no_work):
    f = tmp_path / "file.txt"
    f.write_text("x")
    for argv, flag in ((["--root", str(f)], "--root"), (["--checkpoint-dir", str(f)], "--checkpoint-dir")):
        code, msg, _ = run(["run", "--no-progress", *argv], capsys)
        assert code == 2 and flag in msg, msg
    ro = _unwritable_dir(tmp_path)
    code, msg, _ = run(["run", "--no-progress", "--checkpoint-dir", str(ro / "sub")], capsys)
    assert code == 2 and "--checkpoint-dir" in msg, msg


def test_explicit_root_is_the_only_place_searched(tmp_path):
    from graph_unlearn import load_dataset

    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_dataset("Cora", root=tmp_path)           # Cora exists elsewhere: no silent fallback
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_dataset("Cora", root=tmp_path / "missing")


def test_rec_root_without_the_data(tmp_path, capsys, no_work):
    for dataset in ("ml100k-mm", "ml100k"):     # ml100k-mm's prepared copy is cached: still refused
        code, msg, seconds = run(["rec", "--dataset", dataset, "--root", str(tmp_path), "--no-progress"], capsys)
        assert code == 2 and str(tmp_path) in msg and "--root" in msg, msg
        assert seconds < FAST_S


def test_run_root_without_the_data(tmp_path, capsys, no_work):
    code, msg, _ = run(["run", "--dataset", "Cora", "--root", str(tmp_path), "--no-progress"], capsys)
    assert code == 2 and "--root" in msg and str(tmp_path) in msg, msg


def test_rec_max_users_beyond_the_data(capsys, no_work):
    try:
        from recsys import load_dataset

        load_dataset("ml100k")
    except FileNotFoundError as err:
        pytest.skip(f"MovieLens-100K not available offline: {err}")
    code, msg, _ = run(["rec", "--dataset", "ml100k", "--max-users", "100000", "--no-progress"], capsys)
    assert code == 2 and "--max-users" in msg, msg


def test_general_scenario_and_methods_must_fit_the_task(capsys, no_work, monkeypatch):
    import graph_unlearn.general.experiment as gx

    monkeypatch.undo()           # the runner itself refuses, before training (train_original still barred)
    monkeypatch.setattr(gx, "train_original", _never)
    code, msg, _ = run(["general", "--dataset", "digits", "--forget", "range", "--no-progress"], capsys)
    assert code == 2 and "--forget" in msg, msg
    regression_only = [n for n, c in gx.GENERAL_METHODS.items() if not gx.handles(c, "classification")]
    code, msg, _ = run(["general", "--dataset", "digits", "--methods", regression_only[0], "--no-progress"], capsys)
    assert code == 2 and "--methods" in msg, msg


def test_version(capsys):
    code, msg, _ = run(["--version"], capsys)
    assert code == 0
    assert graph_unlearn.__version__ in msg and torch.__version__ in msg


# ---------------------------------------------------------------------------------------------
# checkpoints of the original model

def test_checkpoint_key_depends_on_recipe_and_version(tmp_path, monkeypatch):
    from graph_unlearn.experiments import QUICK_TRAIN, checkpoint_path
    from graph_unlearn.models.training import TrainConfig

    full = checkpoint_path(tmp_path, "Cora", "gcn", 0, TrainConfig(), quick=False)
    quick = checkpoint_path(tmp_path, "Cora", "gcn", 0, QUICK_TRAIN, quick=True)
    quick_flag_only = checkpoint_path(tmp_path, "Cora", "gcn", 0, TrainConfig(), quick=True)
    assert len({full, quick, quick_flag_only}) == 3
    assert full == checkpoint_path(tmp_path, "Cora", "gcn", 0, TrainConfig(seed=5), quick=False)  # seed: in the name
    assert f"v{graph_unlearn.__version__}" in full.name and "seed0" in full.name
    assert full != checkpoint_path(tmp_path, "Cora", "gcn", 1, TrainConfig(), quick=False)
    assert full != checkpoint_path(tmp_path, "Cora", "gat", 0, TrainConfig(), quick=False)
    assert full != checkpoint_path(tmp_path, "Cora", "gcn", 0, TrainConfig(lr=0.02), quick=False)
    monkeypatch.setattr(graph_unlearn, "__version__", "9.9.9")
    assert full != checkpoint_path(tmp_path, "Cora", "gcn", 0, TrainConfig(), quick=False)


def test_reused_checkpoint_reports_the_real_training(tmp_path, cora_split):
    from graph_unlearn.experiments import checkpoint_path, train_original
    from graph_unlearn.models.training import TrainConfig

    cfg = TrainConfig(epochs=4, eval_every=2, patience=2)
    ckpt = checkpoint_path(tmp_path, "Cora", "gcn", 0, cfg, quick=True)
    torch.manual_seed(1)
    before = torch.get_rng_state()
    model, info = train_original(cora_split, "gcn", 0, cfg, "cpu", ckpt)
    assert torch.equal(torch.get_rng_state(), before)       # the runner's seeding is forked too
    assert ckpt.exists() and "loaded" not in info
    again, info2 = train_original(cora_split, "gcn", 0, cfg, "cpu", ckpt)
    assert info2["loaded"] == str(ckpt)
    assert info2["epochs"] == info["epochs"] == 4
    assert info2["best_val_auroc"] == pytest.approx(info["best_val_auroc"])
    assert info2["seconds"] == pytest.approx(info["seconds"])
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


# ---------------------------------------------------------------------------------------------
# --quick end to end on real data

def test_rec_quick_end_to_end(tmp_path, capsys):
    try:
        from recsys import load_dataset

        load_dataset("ml100k")
    except FileNotFoundError as err:
        pytest.skip(f"MovieLens-100K not available offline (../shared/datasets/MovieLens100K): {err}")
    out = tmp_path / "rec.json"
    t0 = time.perf_counter()
    code = cli_main(["rec", "--dataset", "ml100k", "--quick", "--max-users", "60", "--methods", "gold,mmrecun",
                     "--json", str(out)])
    seconds = time.perf_counter() - t0
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "seed 0: training the original" in captured.err        # progress on stderr
    report = json.loads(out.read_text())
    assert report["quick"] is True and report["train"]["epochs"] == 6
    assert set(report["methods"]) == {"original", "gold", "mmrecun"}
    assert seconds < QUICK_S
    code = cli_main(["rec", "--dataset", "ml100k", "--quick", "--max-users", "60", "--methods", "finetune",
                     "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0 and "seed 0" not in captured.err


def test_general_quick_end_to_end(tmp_path, capsys):
    out = tmp_path / "general.json"
    t0 = time.perf_counter()
    code = cli_main(["general", "--dataset", "digits", "--quick", "--methods", "finetune,gradient_ascent",
                     "--json", str(out)])
    seconds = time.perf_counter() - t0
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "seed 0: original trained" in captured.err and "finetune done" in captured.err
    report = json.loads(out.read_text())
    assert report["quick"] is True
    assert set(report["methods"]) == {"original", "retrain", "finetune", "gradient_ascent"}
    assert seconds < QUICK_S


def test_no_progress_hides_the_progress_lines(capsys, monkeypatch):
    import graph_unlearn.general.experiment as gx

    seen = []
    monkeypatch.setattr(gx, "run_general_experiment", lambda *a, **kw: seen.append(kw["log"]) or _never())
    for flags in ([], ["--no-progress"]):
        with pytest.raises(AssertionError):
            cli_main(["general", "--quick", *flags])
        seen[-1]("a progress line")
    assert capsys.readouterr().err == "a progress line\n"      # printed once: without --no-progress


@pytest.mark.parametrize("bad, match", [({"bogus": 1}, "not GNN keywords"), ({"num_nodes": 3}, "not GNN keywords"),
                                        ({"mlp_norm": "batch"}, "GIN's MLP"), ([("mlp_norm", "batch")], "a dict")])
def test_edge_runner_refuses_bad_model_options_before_loading_anything(monkeypatch, bad, match):
    import graph_unlearn.experiments as ex

    monkeypatch.setattr(ex, "load_dataset", lambda *a, **k: pytest.fail("the dataset was loaded"))
    with pytest.raises(ValueError, match=match):
        ex.run_edge_experiment("Cora", "gcn", model_options=bad, progress=False)
