"""The learned fraud model: the labelled history it trains on, training and its metrics, the loaded model
that scores payments, and the words that explain a score."""
