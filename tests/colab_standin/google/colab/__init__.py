"""Stand-in for Colab's `google.colab` package, for tests of the notebooks' Colab cell.

Only its presence matters: the Colab cell acts when `google.colab` is in sys.modules, and
jax then imports `google.colab.output`, so this is a package with that submodule.
"""
