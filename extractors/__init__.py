"""Pure OCR + NER: a file in, an Extraction out."""
