"""Views of the generation app, one module per concern (urls.py imports the modules)."""
