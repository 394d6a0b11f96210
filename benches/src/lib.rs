//! Shared fixtures for the shuchuang criterion benches (one bench file per crate in `benches/`).
