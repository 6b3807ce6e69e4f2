"""Latent Semantics Studio core: the paper's method, free of any UI (docs/method.md).

Modules, one concept each, from the input to the outputs:
    messages            sentences for people as codes with parameters (English here, any UI translates)
    messages_zh         the same sentences in Chinese
    errors              InputError: bad input the user can fix, carrying a message
    limits              the limits of every setting, argument and project-file number, checked in one place
    cells               reading one cell: its text, missing, a number, a range bin or a grade
    upload              the bytes of an upload, a path or a file object, within a size limit
    table               reading a CSV / XLSX upload into text cells, with encoding detection
    xlsx                one sheet of a workbook as rows of cell text
    sheet_rows          rows of a sheet that are no buildings: units under the header, totals, notes
    roles               what each column is: its role, inferred from the values
    columns             the table the model sees: roles applied, cells cleaned, blanks filled or kept
    passthrough         input columns the model does not use, written back to generated files
    transformer         DataFrame <-> float matrix, with one published layout of spans
    bands               label columns read off a number (a service-year bin and its date), kept agreeing
    semantics           the engineer's semantic-feature matrix R, over every input column (Eq. 5)
    vae                 the variational autoencoder and its per-column-type loss (§1.1)
    contribution        Eq. 1-4: contribution of each encoded column to each latent mean
    matching            binarisation (§1.4), Eq. 7-8 distance, Algorithm 1, Hungarian, Eq. 9 MI
    finetune            the clarity term, Eq. 10-12, and its differentiable surrogate
    optim               Adam, in twenty lines
    stratified          the random numbers generation runs on, stratified down the rows (Latin hypercube)
    latents             the distribution latents are drawn from, and how a set slider conditions it
    model               settings, how the VAE is built, the trained model (TrainConfig, FittedModel)
    device              torch's threads and device, each decided in one place
    training            training, the KL critical point and clarity fine-tuning (§1.1, §1.5, Fig. 8)
    worker              training in a background thread (the app's Train page)
    generation          targeted sampling: latents set by semantic, rows drawn from p(x | z) (§1.6)
    conditions          rows that satisfy conditions: COLUMN=VALUE, COLUMN=LO..HI
    effects             how generated rows move when a latent moves (shifts, traversal)
    controllability     does each slider steer its own semantic (selectivity, hits)
    evaluation          fidelity, validity, novelty (exact copies, distance to real rows)
    augmentation        rows of a rare class from the VAE
    augmentation_check  do those rows help a classifier, beside SMOTE-NC
    grouping            groups of features proposed from the data alone (a starting R)
    workbench           which single tick of R would raise MI most (every flip scored at once)
    report              the analysis of a model as JSON (the CLI report and the project file)
    export              generated rows as CSV / XLSX downloads
    atomic              saving a file all at once or not at all (a temporary file, then a rename), never over an input
    views               small tables the app displays (matches, distribution counts, shares)
    strings             every word the app and the report show, in English and Chinese
    figures             the plotly figures of the pages and the report (heatmaps, curves, bars)
    project             the one state of a piece of work, with derived results cached on their inputs
    projectfile         the safe .zip project file (safetensors + JSON + CSV, never pickle)
    projectcheck        the project file's model description checked against limits and the weights' header
    latentfile          the latent distribution in the project file (latents.safetensors, older JSON forms)
    handout             the report to keep: the whole analysis as one self-contained HTML file
    cli                 python -m core fit | group | report | generate | evaluate | export
"""
