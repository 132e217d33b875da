//! Unit tests of the authorizers.
