"""The shared metrics core: plain functions over tensors, grouped by family, reused by every
task (graphs, recommenders, vision/text/regression)."""
from .classification import auroc, auprc, accuracy
from .divergence import kl_divergence, js_divergence, bernoulli_probs
from .forgetting import forget_auroc
from .membership import membership_attack_auc
from .report import compare_to_reference, format_report, aggregate_seeds

__all__ = [
    "auroc", "auprc", "accuracy",
    "kl_divergence", "js_divergence", "bernoulli_probs",
    "forget_auroc", "membership_attack_auc",
    "compare_to_reference", "format_report", "aggregate_seeds",
]
from .ranking import (topk_hits, recall_at_k, ndcg_at_k, precision_at_k, ranking_metrics,  # noqa: E402
                      mean_over_users)

__all__ += ["topk_hits", "recall_at_k", "ndcg_at_k", "precision_at_k", "ranking_metrics", "mean_over_users"]
from .general import (mia_efficacy, entropy_mia_member_rate, loss_threshold_mia, regression_mia,  # noqa: E402
                      zrf_score, activation_distance, average_gap, relearn_time, true_class_confidence,
                      prediction_entropy)

__all__ += ["mia_efficacy", "entropy_mia_member_rate", "loss_threshold_mia", "regression_mia", "zrf_score",
            "activation_distance", "average_gap", "relearn_time", "true_class_confidence", "prediction_entropy"]
from .node import node_accuracies, confidence_features, node_membership_auc  # noqa: E402

__all__ += ["node_accuracies", "confidence_features", "node_membership_auc"]
from .bootstrap import Estimate, bootstrap_ci  # noqa: E402
from .holdout import MatchedSample, split_matched, holdout_attack_auc, shadow_attack_auc  # noqa: E402
from .retrain_distance import RetrainDistance, retrain_distance, distance_table, ks_statistic  # noqa: E402
from .completeness import Completeness, completeness  # noqa: E402

__all__ += ["Estimate", "bootstrap_ci", "MatchedSample", "split_matched", "holdout_attack_auc", "shadow_attack_auc",
            "RetrainDistance", "retrain_distance", "distance_table", "ks_statistic", "Completeness", "completeness"]
from .representation import linear_cka, knn_probe_accuracy, linear_probe_accuracy  # noqa: E402
from .recovery import knowledge_recovery  # noqa: E402

__all__ += ["linear_cka", "knn_probe_accuracy", "linear_probe_accuracy", "knowledge_recovery"]
