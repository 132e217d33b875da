//! A keyed hash (std's SipHash, per-process random key) over only part of what a key writes,
//! for map keys whose distinguishing bytes are known: a JWT's signature (its last bytes) or a
//! SHA-256 digest (any eight of its bytes). Equality still compares whole keys, so this only
//! trims hashing, which on such keys (a 200-byte token, a 32-byte digest) cost hundreds of
//! instructions per request, and keeps SipHash's resistance to flooding.

use std::hash::{BuildHasher, Hasher, RandomState};

/// Builds [`TailHasher`]s that hash at most the last `N` bytes of each write.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tail<const N: usize>(RandomState);

impl<const N: usize> BuildHasher for Tail<N> {
    type Hasher = TailHasher<N>;

    fn build_hasher(&self) -> TailHasher<N> {
        TailHasher(self.0.build_hasher())
    }
}

/// SipHash of the last `N` bytes of each `write` (and of every integer written, such as a
/// length prefix).
#[derive(Debug)]
pub(crate) struct TailHasher<const N: usize>(std::hash::DefaultHasher);

impl<const N: usize> Hasher for TailHasher<N> {
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.write(&bytes[bytes.len().saturating_sub(N)..]);
    }

    fn write_u8(&mut self, i: u8) {
        self.0.write_u8(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.0.write_usize(i);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Keys that share their tail collide in the hash but stay apart in the map, and the
    /// hash depends on the tail.
    #[test]
    fn only_the_tail_is_hashed_and_keys_stay_distinct() {
        let build = Tail::<4>::default();
        assert_eq!(build.hash_one("aaaa-tail"), build.hash_one("bbbb-tail"));
        assert_ne!(build.hash_one("aaaa-tail"), build.hash_one("aaaa-liat"));
        let mut map: HashMap<Box<str>, u32, Tail<4>> = HashMap::default();
        map.insert("aaaa-tail".into(), 1);
        map.insert("bbbb-tail".into(), 2);
        assert_eq!(map.get("aaaa-tail"), Some(&1));
        assert_eq!(map.get("bbbb-tail"), Some(&2));
        assert_eq!(map.get("cccc-tail"), None);
    }
}
