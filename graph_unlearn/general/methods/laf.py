r"""Label-Agnostic Forgetting (after Shen et al., "Label-Agnostic Forgetting: A Supervision-Free
Unlearning in Deep Models", ICLR 2024): unlearning without any labels, of the forget or the
retained data.

The network is read as extractor :math:`E` (everything up to the penultimate features) and head
:math:`H` (the last linear layer, frozen throughout). With :math:`E_o` the original extractor:

1. **Representation models.** Two small Gaussian VAEs are fitted, by the ELBO, to the original
   representations of the retained data :math:`\{E_o(x)\}_{D_r}` (:math:`\mathrm{VAE}_r`) and of the
   forget data :math:`\{E_o(x)\}_{D_f}` (:math:`\mathrm{VAE}_f`); :math:`\ell_r(z)`, :math:`\ell_f(z)`
   denote their negative ELBOs (reconstruction + KL) of a representation :math:`z`.
2. **Extractor unlearning.** :math:`E` is trained to keep the retained representations in the
   retained distribution and to move the forget representations out of the forget distribution:

   .. math:: \mathcal{L}_E = \mathbb{E}_{D_r}\,\ell_r(E(x)) + \alpha\,\mathbb{E}_{D_f}\,
             \max\big(0,\; m - \ell_f(E(x))\big),

   with the margin :math:`m` = the mean :math:`\ell_f` of the original *retained*
   representations: a forget sample should look to :math:`\mathrm{VAE}_f` no more familiar
   than a sample it never modelled (bounded, unlike pushing :math:`\ell_f` up without limit).
3. **Representation repair** (label-free, contrastive): the retained representations are
   realigned with the original ones, which the frozen head was trained on, by InfoNCE
   (positives: :math:`E(x_i)` and :math:`E_o(x_i)`, negatives: the other samples of the batch,
   cosine similarity, temperature :math:`\tau`); with ``forget_contrast`` :math:`\beta > 0` each
   step also adds :math:`\beta\,\mathbb{E}_{D_f}\cos(E(x), E_o(x))`, turning the forget
   representations away from their original directions (after the paper's contrastive stage,
   which contrasts the forget representations with the original ones too; scale-free, so it
   cannot be met by growing the features' norms).

What differs from the paper: the paper's second stage realigns with a contrastive term that
uses the model's own predictions and also updates the head; here the head stays frozen and the
contrast is between new and original representations; the VAEs' sizes and the margin form of
the forget term are our choices (the paper's exact objectives were not available offline). No
label is read anywhere: :func:`laf_unlearn` takes inputs only.

Defaults and their provenance: VAE latent 16, hidden 128, 30 epochs (not tuned); ``forget_weight`` (α) ``= 10``,
``epochs = 10`` extractor epochs over :math:`D_f`, ``temperature = 0.1`` (SimCLR's usual value), from a first
tuning on the digits split seed 100 (lr {1e-4, 1e-3} × epochs {3, 10} × alpha {1, 10}; lr 1e-4 did not move
the model; no setting forgot a whole class: forget accuracy stayed 1.0). ``lr = 2e-3``, ``repair_epochs = 2``,
``forget_contrast = 0``: chosen on digits tuning requests seeds 100/101 (random and worst 10%, not the
reported seeds 0-2) by ``benchmarks/tune_general_defaults.py``: the highest mean completeness of forget
accuracy and MIA-efficacy (0.43; the previous defaults lr 1e-3, 1 repair epoch: 0.24) among the settings of two
grid rounds over lr {1e-3, 2e-3, 3e-3, 1e-2}, forget_contrast {0, 0.5, 1, 2, 5}, repair_epochs {1, 2, 3} (32 in
all) whose test accuracy stayed within 2 points of retrain's (or no further than the original's) on every
request; see ``benchmarks/results/tune_general_defaults.md``. Settings that forgot more (up to 0.71: lr 1e-3,
β = 2, 2 repair epochs) broke that constraint (2.8 test points); β = 5 collapses the network. Why the previous
defaults hardly forgot (no sign error or detached tensor was found): the forget hinge is often inactive from
the first step (on the random tuning request seed 100, :math:`\mathrm{VAE}_f` already scores the forget set
above the margin, 521 vs 509), and where it is active it is met by growing the forget representations' norms
(×1.4 without the repair), which makes the frozen head more confident, not less. The tuned setting forgets by
moving the extractor for every input, not selectively (≈ 2 test points lost on the random tuning requests).
On the reported seeds it meets the issue's target on digits worst-case sets only; the digits tuning does not
transfer to MNIST-5k or Rotten Tomatoes (``benchmarks/results/general_recent*.md``). Treat this
implementation as a baseline of the idea, not a reproduction of the paper's numbers.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...core.options import check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from ..models import penultimate_features
from ...core.optim import make_optimizer, take_step
from ..task import paired_batches
from .base import GeneralUnlearner


class FeatureVAE(nn.Module):
    """A Gaussian VAE over ``d``-dimensional representations (MLP encoder/decoder)."""

    def __init__(self, dim: int, latent: int = 16, hidden: int = 128):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def neg_elbo(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-sample negative ELBO: squared reconstruction error + KL to N(0, I)."""
        mu, logvar = self.enc(z).chunk(2, -1)
        logvar = logvar.clamp(-10, 10)
        eps = (torch.randn(mu.shape, generator=generator).to(mu.device) if generator is not None
               else torch.zeros_like(mu))
        rec = self.dec(mu + eps * (0.5 * logvar).exp())
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)
        return (rec - z).pow(2).sum(-1) + kl


def fit_vae(z: torch.Tensor, *, latent: int = 16, hidden: int = 128, epochs: int = 30, lr: float = 1e-3,
            batch_size: int = 64, generator: torch.Generator) -> FeatureVAE:
    vae = FeatureVAE(z.size(1), latent, hidden).to(z.device)
    opt = make_optimizer(vae.parameters(), lr)
    for _ in range(epochs):
        for idx in torch.randperm(len(z), generator=generator).split(batch_size):
            take_step(opt, vae.neg_elbo(z[idx.to(z.device)], generator).mean())
    for p in vae.parameters():
        p.requires_grad_(False)
    return vae.eval()


def _head(model: nn.Module) -> nn.Linear:
    lin = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not lin:
        raise ValueError(f"laf: {type(model).__name__} has no linear output layer")
    return lin[-1]


def info_nce(z: torch.Tensor, z_ref: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """InfoNCE with positives ``(z_i, z_ref_i)`` and the batch's other ``z_ref_j`` as negatives."""
    sim = F.normalize(z, dim=-1) @ F.normalize(z_ref, dim=-1).T / temperature
    return F.cross_entropy(sim, torch.arange(len(z), device=z.device))


def laf_unlearn(net: nn.Module, original: nn.Module, x_retain: torch.Tensor, x_forget: torch.Tensor, *,
                forget_weight: float = 10.0, epochs: int = 10, repair_epochs: int = 2, lr: float = 2e-3,
                temperature: float = 0.1, forget_contrast: float = 0.0, batch_size: int = 64, vae_epochs: int = 30,
                generator: torch.Generator | None = None) -> dict:
    """LAF on ``net`` in place (inputs only, no labels); ``original`` frozen. Returns stats."""
    gen = generator or torch.Generator().manual_seed(0)
    dev = x_retain.device
    original.eval()
    with torch.no_grad():
        zr0, zf0 = penultimate_features(original, x_retain), penultimate_features(original, x_forget)
    vae_r = fit_vae(zr0, epochs=vae_epochs, batch_size=batch_size, generator=gen)
    vae_f = fit_vae(zf0, epochs=vae_epochs, batch_size=batch_size, generator=gen)
    with torch.no_grad():
        margin = float(vae_f.neg_elbo(zr0).mean())
        before = float(vae_f.neg_elbo(zf0).mean())
    head = _head(net)
    for p in head.parameters():
        p.requires_grad_(False)
    body = [p for p in net.parameters() if p.requires_grad]
    opt = make_optimizer(body, lr)
    net.train()
    for _ in range(epochs):
        for jf, ir in paired_batches(len(x_forget), len(x_retain), batch_size, gen, dev):
            lr_term = vae_r.neg_elbo(penultimate_features(net, x_retain[ir])).mean()
            lf_term = F.relu(margin - vae_f.neg_elbo(penultimate_features(net, x_forget[jf]))).mean()
            take_step(opt, lr_term + forget_weight * lf_term)
    opt = make_optimizer(body, lr)
    for _ in range(repair_epochs):
        for idx in torch.randperm(len(x_retain), generator=gen).split(batch_size):
            idx = idx.to(dev)
            if len(idx) < 2:
                continue
            loss = info_nce(penultimate_features(net, x_retain[idx]), zr0[idx], temperature)
            if forget_contrast > 0:  # push forget directions away from the original's (scale-free)
                jf = torch.randint(len(x_forget), (len(idx),), generator=gen).to(dev)
                loss = loss + forget_contrast * F.cosine_similarity(
                    penultimate_features(net, x_forget[jf]), zf0[jf], dim=-1).mean()
            take_step(opt, loss)
    for p in head.parameters():
        p.requires_grad_(True)
    net.eval()
    with torch.no_grad():
        zf1 = penultimate_features(net, x_forget)
        after = float(vae_f.neg_elbo(zf1).mean())
        cos = float(F.cosine_similarity(zf1, zf0, dim=-1).mean())
        norm_ratio = float(zf1.norm(dim=-1).mean() / zf0.norm(dim=-1).mean().clamp_min(1e-12))
    return {"vae_f_forget_before": before, "vae_f_forget_after": after, "vae_f_margin": margin,
            "forget_cos_to_original": cos, "forget_norm_ratio": norm_ratio}


class LAF(GeneralUnlearner):
    """Args: ``forget_weight`` (α, 10.0), ``epochs`` (10), ``repair_epochs`` (2), ``lr`` (2e-3), ``temperature``
    (0.1), ``vae_epochs`` (30), ``forget_contrast`` (β, 0.0), ``batch_size`` (64). Classification networks
    with a penultimate representation and a linear head; reads no labels."""

    name = "laf"
    tasks = ("classification",)

    def __init__(self, forget_weight: float = 10.0, epochs: int = 10, repair_epochs: int = 2, lr: float = 2e-3,
                 temperature: float = 0.1, vae_epochs: int = 30, forget_contrast: float = 0.0, **kw):
        super().__init__(**kw)
        check_non_negative(self, "forget_weight", forget_weight)
        check_int(self, "epochs", epochs)
        check_int(self, "repair_epochs", repair_epochs, minimum=0)
        check_positive(self, "lr", lr)
        check_positive(self, "temperature", temperature)
        check_int(self, "vae_epochs", vae_epochs)
        check_non_negative(self, "forget_contrast", forget_contrast)
        self.forget_weight, self.epochs, self.repair_epochs, self.lr = forget_weight, epochs, repair_epochs, lr
        self.temperature, self.vae_epochs, self.forget_contrast = temperature, vae_epochs, forget_contrast

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        original = clone_model(model, self.device).eval()
        net = clone_model(model, self.device)
        stats = laf_unlearn(net, original, pb.xr, pb.xf, forget_weight=self.forget_weight, epochs=self.epochs,
                            repair_epochs=self.repair_epochs, lr=self.lr, temperature=self.temperature,
                            forget_contrast=self.forget_contrast, batch_size=self.batch_size,
                            vae_epochs=self.vae_epochs, generator=self.generator())
        return net, self.epochs, stats
