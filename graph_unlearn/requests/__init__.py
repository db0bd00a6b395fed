"""Deletion requests (validated value objects)."""
from .base import DeletionRequest
from .edge import EdgeDeletion, EdgeUnlearningProblem

__all__ = ["DeletionRequest", "EdgeDeletion", "EdgeUnlearningProblem"]
