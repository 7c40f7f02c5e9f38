"""What trained nets produce: predictions, submissions, figures, the reproduction
report, ONNX models, and keypoints on photographs."""
