"""NLP stage: spaCy pipelines per language, rule components, fact building."""
