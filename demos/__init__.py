"""minnet's demos: one module per study of the source documents, run as `python -m demos.<name>`."""
