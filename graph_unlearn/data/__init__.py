"""Data: the dataset registry, offline paths and the message-passing graph."""
from .graph import Graph, edge_keys, edge_membership, k_hop_nodes
from .paths import cache_root, cached_copy, find_dataset_dir
from .registry import available_datasets, dataset_card, load_dataset

__all__ = ["Graph", "edge_keys", "edge_membership", "k_hop_nodes", "cache_root", "cached_copy",
           "find_dataset_dir", "available_datasets", "dataset_card", "load_dataset"]
