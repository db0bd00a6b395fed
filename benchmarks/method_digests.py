"""A SHA-256 digest of every shared and graph method's result parameters on fixed seeds, across
the four tasks (Cora links, Cora nodes, ML-100K users, digits samples): a refactoring that keeps
every number keeps every digest. ``--old-api`` runs the same calls under the option names used
before the task protocol (commit c1d2863 and earlier: ``GNNDelete(epochs=)``, ``Gold``), so a
checkout of such a commit can be compared::

    python benchmarks/method_digests.py --json new.json
    (cd old-checkout && PYTHONPATH=. python /path/to/benchmarks/method_digests.py --old-api --json old.json)
"""
from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import replace

import torch


def digest(model) -> str:
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().double().numpy().tobytes())
    return h.hexdigest()[:12]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old-api", action="store_true")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    from graph_unlearn import (GNN, EdgeDeletion, NodeDeletion, TrainConfig, get_method, load_dataset,
                               random_node_split, sample_forget_edges, sample_forget_nodes, split_edges,
                               train_link_predictor, train_node_classifier)
    from graph_unlearn.tasks.node_classification import NODE_TRAIN

    steps = "epochs" if args.old_api else "steps"
    out = {}
    cora = load_dataset("Cora")
    split = split_edges(cora, seed=0)
    torch.manual_seed(0)
    model = GNN("gcn", split.x.size(1), 128, 64)
    cfg = TrainConfig(epochs=40, eval_every=10)
    train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg, cfg)
    request = EdgeDeletion(sample_forget_edges(split, 0.05, "out", seed=0))
    for name, opts in [("gradient_ascent", {}), ("neggrad_plus", {}), ("d2dgn", {}), ("gnndelete", {steps: 10}),
                       ("retrain", {"config": cfg})]:
        out[f"link/{name}"] = digest(get_method(name, **opts).unlearn(model, split, request).model)

    import recsys
    from recsys import UserDeletion, make_model, train_bpr

    rdata = recsys.load_dataset("ml100k")
    rmodel = make_model("lightgcn", rdata)
    train_bpr(rmodel, rdata, epochs=3, eval_every=3, seed=0)
    for name in ["mmrecun", "neggrad_plus", "finetune", "gradient_ascent", "gold"]:
        if name != "gold":
            opts = {"steps": 5}
        elif args.old_api:
            opts = {"epochs": 3, "eval_every": 3}
        else:
            opts = {"config": recsys.BPRConfig(epochs=3, eval_every=3)}
        out[f"rec/{name}"] = digest(recsys.METHODS[name](**opts).unlearn(rmodel, rdata, UserDeletion([1, 2, 3, 4, 5])).model)

    from graph_unlearn.general import GENERAL_METHODS, load_general_dataset, make_request
    from graph_unlearn.general.task import train_original

    gdata = load_general_dataset("digits", seed=0)
    gdata.recipe = replace(gdata.recipe, epochs=3)
    gmodel = train_original(gdata, 0)
    greq = make_request(gdata, "random", seed=0)
    for name in ["finetune", "gradient_ascent", "neggrad_plus", "retrain"]:
        out[f"sample/{name}"] = digest(GENERAL_METHODS[name]().unlearn(gmodel, gdata, greq).model)

    nsplit = random_node_split(cora, seed=0)
    torch.manual_seed(0)
    nmodel = GNN("gcn", nsplit.x.size(1), 64, int(nsplit.y.max()) + 1)
    ncfg = replace(NODE_TRAIN, epochs=30)
    train_node_classifier(nmodel, nsplit.x, nsplit.graph, nsplit.y, nsplit.train_idx, nsplit.val_idx, ncfg)
    nreq = NodeDeletion(sample_forget_nodes(nsplit, 0.05, seed=0))
    for name, opts in [("gradient_ascent", {}), ("neggrad_plus", {}), ("d2dgn", {}), ("gnndelete", {steps: 10}),
                       ("retrain", {"config": ncfg}), ("gif", {}), ("descent_to_delete", {})]:
        out[f"node/{name}"] = digest(get_method(name, **opts).unlearn(nmodel, nsplit, nreq).model)
    print(json.dumps(out, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == "__main__":
    main()
