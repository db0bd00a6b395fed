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
