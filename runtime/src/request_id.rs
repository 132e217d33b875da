//! Request ids: one on every response (`x-amzn-RequestId` and `x-request-id`), generated
//! without a UUID crate or a lock: a random per-thread prefix and a per-thread counter,
//! formatted as a UUID-shaped string on the stack. An incoming `x-request-id` is kept when it
//! looks like an id (so traces can be joined across hops), never when it could smuggle text
//! into logs.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

/// `x-amzn-RequestId`, as AWS sends it.
pub(crate) static AMZN_REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
/// `x-request-id`, as most proxies and tracing tools use it.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

thread_local! {
    /// This thread's prefix, already formatted (`xxxxxxxx-xxxx-xxxx-`), and its counter.
    static STATE: ([u8; PREFIX_LEN], Cell<u64>) = (format_prefix(random_prefix()), Cell::new(0));
}

/// `8-4-4-` of the UUID shape: the random per-thread half.
const PREFIX_LEN: usize = 19;
const HEX: &[u8; 16] = b"0123456789abcdef";

fn random_prefix() -> u64 {
    // RandomState is seeded from the OS once per process and varied per instance.
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

fn format_prefix(prefix: u64) -> [u8; PREFIX_LEN] {
    let mut out = [b'-'; PREFIX_LEN];
    let mut digits = prefix;
    // Right to left, skipping the dashes at 8 and 13.
    for i in (0..18).rev().filter(|i| *i != 8 && *i != 13) {
        out[i] = HEX[(digits & 0xf) as usize];
        digits >>= 4;
    }
    out
}

/// A new id, unique across threads and restarts with overwhelming probability.
pub(crate) fn generate() -> HeaderValue {
    STATE.with(|(prefix, counter)| {
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        format_id(prefix, n)
    })
}

fn format_id(prefix: &[u8; PREFIX_LEN], n: u64) -> HeaderValue {
    let mut out = [b'-'; 36];
    out[..PREFIX_LEN].copy_from_slice(prefix);
    let mut digits = n;
    // `4-12` of the UUID shape, right to left, skipping the dash at 23.
    for i in (PREFIX_LEN..36).rev().filter(|i| *i != 23) {
        out[i] = HEX[(digits & 0xf) as usize];
        digits >>= 4;
    }
    // One allocation shared by both response headers (cloning a `Bytes` made from an owner
    // counts a reference; one made from a `Vec` allocates again on its first clone).
    let bytes = Bytes::from_owner(out);
    // SAFETY: `out` holds only ASCII hex digits and dashes: valid UTF-8 (the function's
    // contract) and a valid header value. Skips `from_bytes`' check of every byte.
    #[allow(unsafe_code)]
    unsafe {
        HeaderValue::from_maybe_shared_unchecked(bytes)
    }
}

/// An incoming id is kept if it is 1–128 characters of letters, digits and `-_.:`.
pub(crate) fn is_valid(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_uniqueness() {
        let prefix = format_prefix(0x0123_4567_89ab_cdef);
        assert_eq!(&prefix, b"01234567-89ab-cdef-");
        assert_eq!(
            format_id(&prefix, 42),
            "01234567-89ab-cdef-0000-00000000002a"
        );
        assert_eq!(
            format_id(&prefix, u64::MAX),
            "01234567-89ab-cdef-ffff-ffffffffffff"
        );
        assert!(is_valid(&format_id(&prefix, 0x0123_4567_89ab_cdef)));
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let other = std::thread::spawn(generate).join().unwrap();
        assert_ne!(a.as_bytes()[..18], other.as_bytes()[..18]);
    }

    #[test]
    fn validity() {
        assert!(is_valid(&HeaderValue::from_static("abc-123_x.y:z")));
        assert!(!is_valid(&HeaderValue::from_static("")));
        assert!(!is_valid(&HeaderValue::from_static("a b")));
        assert!(!is_valid(&HeaderValue::from_str(&"a".repeat(129)).unwrap()));
    }
}
