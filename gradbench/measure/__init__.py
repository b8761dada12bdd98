"""Measuring a gradient method: timing, the run's conditions, the predicted cost in seconds, the
measurement run and the one record each method's measurement produces."""
