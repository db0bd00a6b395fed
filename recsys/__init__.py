"""Multimodal recommender unlearning (see the recommender issue)."""
