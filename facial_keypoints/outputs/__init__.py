"""What trained nets produce: predictions, submissions, figures, the reproduction report."""
