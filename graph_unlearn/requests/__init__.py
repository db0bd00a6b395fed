"""Deletion requests (validated value objects)."""
from .base import DeletionRequest, RequestTypeError
from .edge import EdgeDeletion, EdgeUnlearningProblem
from .node import FeatureDeletion, NodeDeletion

__all__ = ["DeletionRequest", "RequestTypeError", "EdgeDeletion", "EdgeUnlearningProblem", "NodeDeletion", "FeatureDeletion"]
