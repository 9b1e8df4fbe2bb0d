"""The NER stage: claimflow's spaCy pipeline (trained entities + rule components), its training and its model."""
