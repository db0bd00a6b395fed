"""``--audit DIR`` and ``--plot FILE.png`` on the command line (issue 11 items 7 and 8): every
unlearning result is saved as ``DIR/<method>-seed<seed>/{model.pt, audit.json}`` and the
trade-off picture is written; a bad path is refused before any work (exit code 2, naming the flag)."""
from __future__ import annotations

import json

import pytest
import torch

from graph_unlearn.cli import main as cli_main
from graph_unlearn.cli.common import tradeoff_rows

PNG = b"\x89PNG\r\n\x1a\n"


def run(argv, capsys):
    try:
        code = cli_main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.err + out.out


def _check_saved(folder, method):
    d = folder / f"{method}-seed0"
    assert (d / "model.pt").is_file() and (d / "audit.json").is_file()
    audit = json.loads((d / "audit.json").read_text())
    assert audit["method"] == method
    assert len(audit["deleted"]["sha256"]) == 64 and audit["deleted"]["count"] > 0
    state = torch.load(d / "model.pt", map_location="cpu", weights_only=True)
    assert state and all(isinstance(v, torch.Tensor) for v in state.values())


def test_run_writes_audit_and_plot(tmp_path, capsys):
    audit, png = tmp_path / "audit", tmp_path / "tradeoff.png"
    code, out = run(["run", "--dataset", "Cora", "--quick", "--methods", "retrain,utu,d2dgn", "--audit", str(audit),
                     "--plot", str(png), "--no-progress"], capsys)
    assert code == 0, out
    assert "original" in out   # the do-nothing row the completeness needs
    for method in ("retrain", "utu", "d2dgn"):
        _check_saved(audit, method)
    assert png.read_bytes()[:8] == PNG


def test_general_writes_audit_and_plot(tmp_path, capsys):
    audit, png = tmp_path / "a", tmp_path / "g.png"
    code, out = run(["general", "--quick", "--dataset", "digits", "--methods", "retrain,finetune", "--plot", str(png),
                     "--audit", str(audit), "--no-progress"], capsys)
    assert code == 0, out
    for method in ("retrain", "finetune"):
        _check_saved(audit, method)
    assert png.read_bytes()[:8] == PNG


@pytest.mark.parametrize("cmd", [["run"], ["rec"], ["general"]])
def test_bad_plot_and_audit_paths_exit_2(cmd, tmp_path, capsys, monkeypatch):
    import graph_unlearn.experiments as ge
    import graph_unlearn.general.experiment as gx
    import recsys.experiment as rx

    def never(*a, **k):
        raise AssertionError("the runner was called although a flag is wrong")

    for mod, name in ((ge, "run_edge_experiment"), (ge, "run_node_experiment"), (rx, "run_experiment"),
                      (gx, "run_general_experiment")):
        monkeypatch.setattr(mod, name, never)
    for bad, flag in ((["--plot", str(tmp_path / "out.txt")], "--plot"),
                      (["--plot", str(tmp_path / "missing" / "f.png")], "--plot"),
                      (["--audit", str(tmp_path / "file")], "--audit")):
        (tmp_path / "file").write_text("x")
        code, out = run(cmd + ["--quick", "--no-progress", *bad], capsys)
        assert code == 2 and flag in out, out


def test_rec_plot_needs_gold(tmp_path, capsys):
    code, out = run(["rec", "--quick", "--methods", "finetune", "--plot", str(tmp_path / "r.png"), "--no-progress"],
                    capsys)
    assert code == 2 and "--plot" in out and "gold" in out


def test_tradeoff_rows_completeness():
    methods = {"original": {"f": 0.7, "u": 0.88, "seconds": 0.0}, "retrain": {"f": 0.9, "u": 0.90, "seconds": 4.0},
               "half": {"f": 0.8, "u": 0.85, "seconds": 1.0}}
    rows = {r["name"]: r for r in tradeoff_rows(methods, "f", "u")}
    assert rows["half"]["completeness"] == pytest.approx(0.5)
    assert rows["half"]["speedup"] == pytest.approx(4.0)
    assert rows["half"]["utility_gap"] == pytest.approx(0.05)
    assert rows["retrain"]["completeness"] == pytest.approx(1.0) and rows["original"]["completeness"] == 0.0


def test_run_yardstick_on_cora_links(tmp_path, capsys):
    """``--yardstick``: a matched holdout withheld from every training, two more retrain seeds, and
    the yardstick's table; the original (nothing done) has completeness 0 and a retrain seed
    outside the band a distance completeness of 1, while UtU sits between."""
    js = tmp_path / "r.json"
    code, out = run(["run", "--dataset", "Cora", "--quick", "--methods", "retrain,utu", "--yardstick",
                     "--json", str(js), "--no-progress"], capsys)
    assert code == 0, out
    assert "forgetting yardstick" in out and "retrain_extra" in out
    rows = json.loads(js.read_text())["methods"]
    assert rows["original"]["completeness_holdout"] == 0.0 and rows["original"]["completeness_dist"] == 0.0
    assert rows["original"]["holdout_auc"] > rows["retrain"]["holdout_auc_high"]
    assert 0.0 < rows["utu"]["completeness_dist"] < 1.0 and rows["retrain_extra"]["completeness_dist"] == 1.0
