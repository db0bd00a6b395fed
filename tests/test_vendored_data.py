"""The repository runs on its own: Cora and CiteSeer are vendored under datasets/ (MIT), so
the demo works on a machine without ../shared and without internet."""
import hashlib
import shutil
from pathlib import Path

import pytest

from graph_unlearn.data import paths

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/datasets is absent: nothing to compare the vendored copy with")
def test_vendored_planetoid_files_are_byte_identical_to_the_shared_copy():
    files = sorted((REPO / "datasets" / "Planetoid").rglob("ind.*"))
    assert len(files) == 16
    for f in files:
        twin = SHARED / f.relative_to(REPO / "datasets")
        assert hashlib.sha256(f.read_bytes()).digest() == hashlib.sha256(twin.read_bytes()).digest(), f.name


def test_demo_runs_without_shared(tmp_path, monkeypatch, capsys):
    """``make demo``'s command (quick and on fewer methods, to keep the suite fast) with only the
    repository's own datasets/ visible: the project folder is a copy holding datasets/ alone, the
    working directory has no shared/ beside it, no $GRAPH_UNLEARN_DATA."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "datasets", project / "datasets")
    monkeypatch.setattr(paths, "_PROJECT", project)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRAPH_UNLEARN_DATA", raising=False)
    monkeypatch.setenv("GRAPH_UNLEARN_CACHE", str(tmp_path / "cache"))
    assert not any(r.is_dir() and "shared" in r.parts for r in paths.candidate_roots())
    from graph_unlearn.cli import main

    report = tmp_path / "report.json"
    rc = main(["run", "--dataset", "Cora", "--model", "gcn", "--fraction", "0.05", "--setting", "out",
               "--methods", "retrain,utu,d2dgn", "--seeds", "0", "--quick", "--no-progress", "--json", str(report)])
    assert rc == 0 and report.exists()
    assert "d2dgn" in capsys.readouterr().out
    from graph_unlearn import load_dataset

    assert load_dataset("CiteSeer").num_nodes == 3327
