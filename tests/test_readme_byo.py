"""The README's "Bring your own model" section runs as written (its code blocks, in order)."""
import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parents[1] / "README.md"


def _section_blocks(title: str) -> list[str]:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_bring_your_own_model_section_runs(capsys):
    blocks = _section_blocks("Bring your own model")
    assert len(blocks) == 2
    ns: dict = {}
    torch.manual_seed(0)
    for block in blocks:
        exec(compile(block, str(README), "exec"), ns)
    from torch_geometric.nn.models import GCN

    assert type(ns["result"].model) is not GCN  # GNNDelete: the user's GCN with the operators around it
    assert ns["result"].model.base.module.__class__ is GCN
    assert ns["z"].shape == (2708, 64)
    assert ns["result"].data.edge_index.size(1) == ns["train_data"].edge_index.size(1) - 40
    assert type(ns["reference"].model) is GCN and not ns["reference"].data.train_mask[ns["forget"]].any()
    acc = (ns["logits"].argmax(-1)[ns["data"].test_mask] == ns["data"].y[ns["data"].test_mask]).float().mean()
    assert acc > 0.7
    assert "user train_fn my_training" in capsys.readouterr().out
