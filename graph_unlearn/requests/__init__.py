"""Deletion requests (validated value objects)."""
from .base import DeletionRequest
from .edge import EdgeDeletion, EdgeUnlearningProblem
from .node import FeatureDeletion, NodeDeletion

__all__ = ["DeletionRequest", "EdgeDeletion", "EdgeUnlearningProblem", "NodeDeletion", "FeatureDeletion"]
