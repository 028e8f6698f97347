"""The dlib adapter: image loading, detection, landmarks, embeddings, quality checks. No Qt."""
