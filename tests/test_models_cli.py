import json

import pytest
import torch

from graph_unlearn import GNN, load_checkpoint, save_checkpoint
from graph_unlearn.cli import main as cli_main


@pytest.mark.parametrize("conv", ["gcn", "gat", "gin", "sage"])
def test_encoders_run_on_features_and_on_learned_embeddings(conv, cora_split):
    g = cora_split.graph()
    z = GNN(conv, cora_split.num_features)(cora_split.x, g)
    assert z.shape == (cora_split.num_nodes, 64)
    z = GNN(conv, None, num_nodes=cora_split.num_nodes)(None, g)
    assert z.shape == (cora_split.num_nodes, 64)


def test_model_input_errors(cora_split):
    with pytest.raises(ValueError, match="features"):
        GNN("gcn", 10)(cora_split.x, cora_split.graph())
    with pytest.raises(ValueError, match="num_nodes"):
        GNN("gcn", None)
    with pytest.raises(ValueError, match="unknown conv"):
        GNN("transformer", 3)


def test_checkpoint_roundtrip_with_weights_only(tmp_path, cora_model, cora_split):
    path = tmp_path / "m.pt"
    save_checkpoint(cora_model, path, seed=0)
    torch.load(path, weights_only=True)  # plain state dict + plain types
    loaded = load_checkpoint(path)
    g = cora_split.graph()
    with torch.no_grad():
        assert torch.allclose(loaded(cora_split.x, g), cora_model(cora_split.x, g))


def test_cli_quick_run_writes_the_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    code = cli_main(["run", "--dataset", "Cora", "--model", "gcn", "--fraction", "0.05", "--setting", "out",
                     "--methods", "retrain,utu,gradient_ascent,neggrad_plus,descent_to_delete,gnndelete,d2dgn",
                     "--seeds", "0", "--quick", "--no-progress", "--json", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["dataset"] == "Cora"
    assert set(report["methods"]) == {"original", "retrain", "utu", "gradient_ascent", "neggrad_plus", "descent_to_delete",
                                      "gnndelete", "d2dgn"}
    for row in report["methods"].values():
        for key in ("test_auroc", "forget_auroc", "mia_auc", "seconds", "peak_mem_mb"):
            assert isinstance(row[key], float) and isinstance(row[f"{key}_std"], float)
        assert 0.5 < row["test_auroc"] <= 1.0
    printed = capsys.readouterr().out
    assert "d2dgn" in printed and "forget_auroc" in printed


def test_cli_errors_are_clear(capsys):
    assert cli_main(["run", "--dataset", "NoSuchGraph", "--quick", "--no-progress"]) == 2
    assert "unknown dataset" in capsys.readouterr().err
    assert cli_main(["run", "--methods", "retrain,bogus", "--quick", "--no-progress"]) == 2


def test_gin_mlp_norm_is_refused_where_it_has_no_meaning():
    with pytest.raises(ValueError, match="GIN's MLP"):
        GNN("gcn", 3, mlp_norm="batch")
    with pytest.raises(ValueError, match="unknown mlp_norm"):
        GNN("gin", 3, mlp_norm="group")
    with pytest.raises(ValueError, match="unknown mlp_norm"):
        GNN("gin", 3, mlp_norm=True)
    assert "mlp_norm" not in GNN("gin", 3).config   # plain models keep their config (and checkpoints)


def test_batch_normalised_gin_trains_reloads_and_unlearns_without_touching_the_original(tmp_path, cora_split,
                                                                                         cora_request):
    """Real Cora: the MLP's BatchNorm learns running statistics in training (train mode), is used
    with them afterwards (eval mode), survives a weights-only checkpoint, and an unlearning run
    leaves the original's parameters and buffers as they were."""
    from graph_unlearn import D2DGN, TrainConfig, train_link_predictor

    torch.manual_seed(0)
    model = GNN("gin", cora_split.num_features, mlp_norm="batch")
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(norms) == model.num_layers
    info = train_link_predictor(model, cora_split.x, cora_split.graph(), cora_split.train_pos, cora_split.val_pos,
                                cora_split.val_neg, TrainConfig(epochs=40, eval_every=5, patience=4))
    assert info["best_val_auroc"] > 0.7
    assert not model.training and norms[0].running_mean.abs().sum() > 0   # statistics were learned
    path = tmp_path / "gin.pt"
    save_checkpoint(model, path, seed=0)
    loaded = load_checkpoint(path)
    assert loaded.config["mlp_norm"] == "batch"
    g = cora_split.graph()
    with torch.no_grad():
        assert torch.allclose(loaded(cora_split.x, g), model(cora_split.x, g))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = D2DGN(steps=5).unlearn(model, cora_split, cora_request)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert any(not torch.equal(v, result.model.state_dict()[k]) for k, v in before.items())
