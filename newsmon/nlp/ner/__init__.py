"""The project's NER: data conversion, training, scoring, natasha wrapper, entities runner."""
