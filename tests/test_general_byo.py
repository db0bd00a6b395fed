"""Bring your own model and data to the general unlearners, on the real scikit-learn digits: a
user's ``nn.Module`` trained by the user's own loop on a ``DataLoader``, then unlearned from
``GeneralData``, numpy arrays, a ``TensorDataset`` or the ``DataLoader`` itself, with the same
weights from every form; clear errors for data that cannot work."""
import os
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from graph_unlearn.general import (SCRUB, FineTune, ForgetRequest, GeneralData, GradientAscent, NegGradPlus,
                                   Retrain)


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.data / 16.0), d.target          # float64 pixels, int64 labels: what numpy users have
    return x[:1200], y[:1200], x[1200:], y[1200:]


class Net(nn.Module):
    """The user's own network (not one of the library's)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 48), nn.ReLU())
        self.head = nn.Linear(48, 10)

    def forward(self, x):
        return self.head(self.body(x))


@pytest.fixture(scope="module")
def trained(digits):
    x, y, xt, yt = digits
    ds = TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y))
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(6):                                     # the user's own training loop
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(torch.tensor(xt, dtype=torch.float32)).argmax(1) == torch.tensor(yt)).float().mean()
    assert acc > 0.9
    return model, ds, loader


def weights(m):
    return torch.cat([p.detach().flatten() for p in m.parameters()])


class Pairs(Dataset):
    """A plain map-style dataset returning (x, y) items (not a TensorDataset)."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.tensor(self.x[i], dtype=torch.float32), int(self.y[i])


@pytest.mark.parametrize("method", [Retrain(epochs=3), FineTune(epochs=2), NegGradPlus(epochs=2), SCRUB(epochs=2),
                                    GradientAscent(epochs=1)], ids=lambda m: m.name)
def test_same_weights_from_every_form_of_data(digits, trained, method):
    x, y, _, _ = digits
    model, ds, loader = trained
    forget = list(range(0, 1200, 12))
    forms = {"GeneralData": GeneralData.from_tensors(x, y), "numpy": (x, y), "tensors": ds.tensors,
             "TensorDataset": ds, "DataLoader": loader, "Dataset": Pairs(x, y)}
    before = weights(model).clone()
    results = {name: method.unlearn(model, data, ForgetRequest(forget)) for name, data in forms.items()}
    ref = weights(results["GeneralData"].model)
    for name, res in results.items():
        assert type(res.model) is Net
        assert torch.equal(weights(res.model), ref), name
    assert not torch.equal(ref, before) and torch.equal(weights(model), before)
    # plain indices work as the request too
    assert torch.equal(weights(method.unlearn(model, ds, forget).model), ref)


def test_retrain_forgets_a_class_on_a_loader(digits, trained):
    x, y, xt, yt = digits
    model, ds, loader = trained
    forget = np.flatnonzero(y == 3)
    res = Retrain().unlearn(model, loader, ForgetRequest(forget))
    with torch.no_grad():
        pred = res.model(torch.tensor(x[forget], dtype=torch.float32)).argmax(1)
        other = yt != 3
        acc = (res.model(torch.tensor(xt[other], dtype=torch.float32)).argmax(1).numpy() == yt[other]).mean()
    assert (pred == 3).float().mean() < 0.05 and acc > 0.9


def test_general_data_from_user_data(digits):
    x, y, xt, yt = digits
    d = GeneralData.from_tensors(x, y, x_test=xt, y_test=yt)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.long
    assert (d.task, d.num_classes, d.num_train, d.x_val) == ("classification", 10, 1200, None)
    reg = GeneralData.from_tensors(x, y.astype(np.float32))            # float targets: regression
    assert reg.task == "regression" and reg.y_train.dtype == torch.float32
    ds = GeneralData.from_dataset(TensorDataset(torch.tensor(x), torch.tensor(y)),
                                  test=DataLoader(Pairs(xt, yt), batch_size=10))
    assert torch.equal(ds.x_test, d.x_test) and torch.equal(ds.y_train, d.y_train)
    # a loader's batch size becomes the recipe (Retrain's default)
    assert GeneralData.from_dataset(DataLoader(TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=32)) \
        .recipe.batch_size == 32
    with pytest.raises(ValueError, match="no val set"):
        d.split_tensors("val")


def test_clear_errors(digits, trained):
    x, y, _, _ = digits
    model = trained[0]
    with pytest.raises(ValueError, match="x_train has 1200 samples but y_train has 1199 labels"):
        GeneralData.from_tensors(x, y[:-1])
    with pytest.raises(ValueError, match="x_test has 5 samples but y_test has 4"):
        GeneralData.from_tensors(x, y, x_test=x[:5], y_test=y[:4])
    with pytest.raises(ValueError, match="classification labels must be integer class ids 0..C-1, got dtype float64"):
        GeneralData.from_tensors(x, y.astype(np.float64), task="classification")
    with pytest.raises(ValueError, match="x_val samples have shape \\(32,\\) but the training samples \\(64,\\)"):
        GeneralData.from_tensors(x, y, x_val=x[:10, :32], y_val=y[:10])
    with pytest.raises(ValueError, match="give both x_val and y_val"):
        GeneralData.from_tensors(x, y, x_val=x[:10])
    with pytest.raises(ValueError, match="class id 9 found but num_classes=5"):
        GeneralData.from_tensors(x, y, num_classes=5)
    with pytest.raises(ValueError, match="x_train has 1200 samples but y_train has 1199"):
        FineTune().unlearn(model, (x, y[:-1]), [1, 2])
    with pytest.raises(TypeError, match="samples: a GeneralData, an \\(x, y\\) pair"):
        FineTune().unlearn(model, {"x": x}, [1, 2])
    with pytest.raises(TypeError, match="x_train must be numeric"):
        GeneralData.from_tensors(np.array(["a"] * 4), np.arange(4))


README_GENERAL = '''
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from graph_unlearn.general import GeneralData, NegGradPlus

x, y = torch.randn(600, 20), torch.randint(0, 3, (600,))
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))   # trained by your own loop
loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
result = NegGradPlus().unlearn(model, loader, [3, 17, 42])              # forget these training samples
data = GeneralData.from_tensors(x.numpy(), y.numpy(), x_test=x[:100], y_test=y[:100])   # val / test optional
result = NegGradPlus().unlearn(model, data, [3, 17, 42])                # the same weights
'''


def test_readme_general_block_runs():
    scope = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(README_GENERAL, scope)
    assert isinstance(scope["result"].model, nn.Sequential)
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    assert README_GENERAL.strip() in readme


def test_a_model_that_does_not_fit_the_data_fails_before_any_work(digits):
    x, y, _, _ = digits
    with pytest.raises(ValueError, match="outputs of shape \\(3,\\) per sample but the data has 10 classes"):
        FineTune().unlearn(nn.Linear(64, 3), (x, y), [0, 1])
    with pytest.raises(ValueError, match="cannot run on this data's inputs \\(each of shape \\(64,\\)\\)"):
        FineTune().unlearn(nn.Linear(32, 10), (x, y), [0, 1])
