"""Qt views of the playground: they render the model and forward user intent; no maths."""
