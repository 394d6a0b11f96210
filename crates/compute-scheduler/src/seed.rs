//! Stable seeds: FNV-1a over bytes, the same on every platform and in every release, for
//! mapping names to numbers (trace users to firms) and deriving one seed per part of a run
//! from a master seed.

/// FNV-1a (64-bit) of `bytes`.
///
/// ```
/// // The published FNV-1a test vector for "a".
/// assert_eq!(compute_scheduler::seed::fnv1a(b"a".iter().copied()), 0xaf63dc4c8601ec8c);
/// ```
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The seed of one `part` of one `year` of a seeded run, from its master `seed`: FNV-1a over
/// the seed and the year (little-endian) and the part's name. Different parts and years get
/// unrelated streams; the same inputs give the same seed everywhere.
///
/// ```
/// use compute_scheduler::seed::derive_seed;
/// assert_eq!(derive_seed(2025, 2025, "compute"), derive_seed(2025, 2025, "compute"));
/// assert_ne!(derive_seed(2025, 2025, "compute"), derive_seed(2025, 2026, "compute"));
/// assert_ne!(derive_seed(2025, 2025, "compute"), derive_seed(2025, 2025, "supervision"));
/// ```
pub fn derive_seed(seed: u64, year: i32, part: &str) -> u64 {
    fnv1a(
        seed.to_le_bytes()
            .into_iter()
            .chain(year.to_le_bytes())
            .chain(part.bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_vectors() {
        // From the FNV reference test suite (64-bit FNV-1a).
        assert_eq!(fnv1a([]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
    }
}
