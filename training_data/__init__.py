"""Synthetic, labelled training and evaluation data for Shondhan (see DATA_CARD.md).

``training_data.generate`` builds reports, interceptions and truth from the public name lists in
``sources/`` and the gazetteer in ``matcher/data/geo/``; the committed splits live in
``train/``, ``validation/`` and ``test/``.
"""
