"""What is measured: the MLP's spec, the model (one flat parameter vector with views), its activations,
the counted operations and the passes built from them, and the datasets it trains on."""
