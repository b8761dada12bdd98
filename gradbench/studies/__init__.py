"""The studies a command runs on top of measurements: sweep, accuracy, check, your own function, train
with its optimizers, reproduce, bench and diff."""
