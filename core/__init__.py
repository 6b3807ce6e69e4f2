"""Latent Semantics Studio core: the paper's method, free of any UI.

Modules, one concept each:
    table        reading CSV / XLSX with encoding detection (xlsx: one sheet of a workbook)
    cells        reading one cell: missing, number, range bin or grade
    columns      column roles and the missing-value policy
    transformer  DataFrame <-> float matrix, with one published layout
    vae          the variational autoencoder
    contribution Eq. 1-4: contribution of encoded columns to latent means
    matching     binarisation, Eq. 5 expansion, Eq. 7-8 distance, Algorithm 1, Eq. 9 MI
    semantics    the engineer's semantic-feature matrix R
    training     training, the KL critical point and the clarity fine-tuning (Eq. 10-12)
    generation   targeted sampling (§1.6)
    projectfile  the safe .zip project file (safetensors + JSON, never pickle)
"""
