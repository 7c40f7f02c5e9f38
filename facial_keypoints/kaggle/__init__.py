"""The Kaggle Facial Keypoints Detection format: its constants
(:mod:`.format`), reading and caching its CSV files (:mod:`.reading`), where
the data is (:mod:`.datadir`), the embedded synthetic faces
(:mod:`.synthetic`), downloading (:mod:`.download`) and the submission
file (:mod:`.submission`).
"""
