"""Synthetic, labelled training and evaluation data for Shondhan (see DATA_CARD.md).

``training_data.generate`` (the front door and ``python -m training_data.generate``) builds
reports, interceptions and truth from the public name lists in ``sources/`` and the gazetteer in
``matcher/data/geo/``; its docstring maps the modules behind it. The committed splits live in
``train/``, ``validation/`` and ``test/``; ``training_data.splits.generated_splits`` makes the
larger ones ``shondhan train`` fits on. ``matcher`` never imports this package.
"""
