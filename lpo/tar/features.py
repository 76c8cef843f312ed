"""Text features for ranking: hashed words, sublinear tf-idf, l2-normalised, one sparse row a document.

Hashing needs no vocabulary, so a million documents are featurized in one pass and new
documents join without refitting anything but the idf; words are not stored, only their
hashed columns (the matrix holds no readable text).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

N_FEATURES = 2**20


def vectorizer(n_features: int = N_FEATURES) -> HashingVectorizer:
    # Words of 2+ characters starting with a letter; no stop list (idf weighs common words down).
    return HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None, lowercase=True,
                             token_pattern=r"(?u)\b[^\W\d_][^\W_]+\b", ngram_range=(1, 1), dtype=np.float32)


def counts(texts: Sequence[str], n_features: int = N_FEATURES) -> sparse.csr_matrix:
    """Hashed word counts, one row a text (what a matter keeps, so new documents only add rows)."""
    return vectorizer(n_features).transform(texts).tocsr()


def weigher(collection_counts: sparse.csr_matrix) -> TfidfTransformer:
    """Sublinear tf x idf, the idf from the collection; rows l2-normalised."""
    return TfidfTransformer(sublinear_tf=True).fit(collection_counts)


def weigh(collection_counts: sparse.csr_matrix) -> sparse.csr_matrix:
    return weigher(collection_counts).transform(collection_counts).astype(np.float32).tocsr()


def featurize(texts: Sequence[str], n_features: int = N_FEATURES) -> sparse.csr_matrix:
    """Sublinear tf x idf over the collection, rows l2-normalised."""
    return weigh(counts(texts, n_features))
