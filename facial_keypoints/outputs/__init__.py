"""What trained nets produce: ONNX models, and keypoints on photographs."""
