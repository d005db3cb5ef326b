"""Using a trained model: one decoding loop for every task, sampling, translation, captions,
forecasts, predictions and handwriting. Nothing here trains."""
