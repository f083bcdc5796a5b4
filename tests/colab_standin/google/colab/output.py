"""Stand-in for `google.colab.output`: jax imports it (for its debugger's widgets) and calls nothing at import."""
