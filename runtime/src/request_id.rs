//! Request ids: one on every response (`x-amzn-RequestId` and `x-request-id`), generated
//! without a UUID crate or a lock: a random per-thread prefix and a per-thread counter,
//! formatted as a UUID-shaped string on the stack. An incoming `x-request-id` is kept when it
//! looks like an id (so traces can be joined across hops), never when it could smuggle text
//! into logs.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

use http::{HeaderName, HeaderValue};

/// `x-amzn-RequestId`, as AWS sends it.
pub(crate) static AMZN_REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
/// `x-request-id`, as most proxies and tracing tools use it.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

thread_local! {
    static STATE: (u64, Cell<u64>) = (random_prefix(), Cell::new(0));
}

fn random_prefix() -> u64 {
    // RandomState is seeded from the OS once per process and varied per instance.
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

/// A new id, unique across threads and restarts with overwhelming probability.
pub(crate) fn generate() -> HeaderValue {
    let (prefix, n) = STATE.with(|(p, c)| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        (*p, n)
    });
    format_id(prefix, n)
}

fn format_id(prefix: u64, n: u64) -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut raw = [0u8; 32];
    for (i, byte) in prefix
        .to_be_bytes()
        .iter()
        .chain(&n.to_be_bytes())
        .enumerate()
    {
        raw[2 * i] = HEX[usize::from(byte >> 4)];
        raw[2 * i + 1] = HEX[usize::from(byte & 0xf)];
    }
    let mut out = [b'-'; 36];
    out[..8].copy_from_slice(&raw[..8]);
    out[9..13].copy_from_slice(&raw[8..12]);
    out[14..18].copy_from_slice(&raw[12..16]);
    out[19..23].copy_from_slice(&raw[16..20]);
    out[24..].copy_from_slice(&raw[20..]);
    HeaderValue::from_bytes(&out).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
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
        assert_eq!(
            format_id(0x0123_4567_89ab_cdef, 42),
            "01234567-89ab-cdef-0000-00000000002a"
        );
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
