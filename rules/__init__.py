"""Adjudication, pure: Extraction + member + plan + accumulators in, Decision out."""
