"""Learned field choices: candidates from the page, features of their neighbourhood, a trained model's pick.

``candidates(ocr) -> features(candidates) -> choose(model, features)``, per field (``total``, ``service_date``,
``provider``); the models are data files beside this module (``<field>.json``, made by ``claimflow model
train-chooser``), named with their digest in every extraction. See README.md here for the recipe, the measurements and why this learner.
"""
