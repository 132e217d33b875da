//! Request ids: one on every response (in `x-request-id`, or the headers the spec names),
//! generated without a UUID crate or a lock: a random per-thread prefix and a per-thread
//! counter, formatted as UUID-shaped strings, a batch at a time. A caller's id is kept when it
//! looks like an id (so traces can be joined across hops), never when it could smuggle text
//! into logs.

use std::cell::{Cell, RefCell};
use std::hash::{BuildHasher, Hasher};

use bytes::Bytes;
use gwc_ir as ir;
use http::{HeaderName, HeaderValue};

use crate::error::BuildError;

/// `x-request-id`, as most proxies and tracing tools use it.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static(ir::X_REQUEST_ID);

/// Where a gateway reads a caller's id and which response headers carry the id
/// (`observability.request_id_headers`), parsed once per deployment.
#[derive(Debug, Clone)]
pub(crate) struct RequestIdHeaders {
    /// The request header a caller's own id is taken from.
    pub(crate) incoming: HeaderName,
    /// The response headers the id goes in, in order.
    pub(crate) outgoing: Box<[HeaderName]>,
}

impl RequestIdHeaders {
    /// The spec's list; a name HTTP cannot carry, or one HTTP or the gateway uses for its own
    /// purpose (a request id in `content-length` would break the response's framing), is an
    /// error. The compiler reports both at their line, so only hand-written IR gets here.
    pub(crate) fn new(names: &[ir::Str]) -> Result<RequestIdHeaders, BuildError> {
        let outgoing = names
            .iter()
            .map(|n| {
                let bad = |reason: String| BuildError::BadHeader {
                    name: n.to_string(),
                    reason,
                };
                let name = HeaderName::from_bytes(n.as_bytes()).map_err(|e| bad(e.to_string()))?;
                if ir::RESERVED_REQUEST_ID_HEADERS.contains(&name.as_str()) {
                    return Err(bad("it cannot carry the request id".to_owned()));
                }
                Ok(name)
            })
            .collect::<Result<Box<[HeaderName]>, _>>()?;
        Ok(RequestIdHeaders {
            incoming: outgoing.first().unwrap_or(&X_REQUEST_ID).clone(),
            outgoing,
        })
    }
}

thread_local! {
    /// This thread's prefix, already formatted (`xxxxxxxx-xxxx-xxxx-`), its counter and its
    /// current batch of ids.
    static IDS: Ids = Ids {
        prefix: format_prefix(random_prefix()),
        batches: Cell::new(0),
        batch: RefCell::new(Bytes::new()),
        next: Cell::new(BATCH),
    };
}

/// Ids are formatted [`BATCH`] at a time into one shared allocation: the counter's last hex
/// digit runs through a batch, so the rest of an id is formatted once per batch, and a
/// request's id costs a reference count rather than an allocation and sixteen digits.
struct Ids {
    prefix: [u8; PREFIX_LEN],
    /// Batches made so far: the counter's digits above the last.
    batches: Cell<u64>,
    batch: RefCell<Bytes>,
    /// The next id of `batch` to hand out; `BATCH` when it is used up.
    next: Cell<usize>,
}

/// Ids per batch: one for each value of the counter's last hex digit.
const BATCH: usize = 16;
/// A UUID-shaped id's length.
const ID_LEN: usize = 36;

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
    IDS.with(|ids| {
        let mut i = ids.next.get();
        if i == BATCH {
            let n = ids.batches.get().wrapping_add(1);
            ids.batches.set(n);
            *ids.batch.borrow_mut() = format_batch(&ids.prefix, n);
            i = 0;
        }
        ids.next.set(i + 1);
        let id = ids.batch.borrow().slice(i * ID_LEN..(i + 1) * ID_LEN);
        // SAFETY: `format_batch` wrote only hex digits and dashes, all visible ASCII, which
        // is what `HeaderValue` requires.
        #[allow(unsafe_code)]
        unsafe {
            HeaderValue::from_maybe_shared_unchecked(id)
        }
    })
}

/// The ids of counters `batch * BATCH` to `batch * BATCH + BATCH - 1`, one after the other.
fn format_batch(prefix: &[u8; PREFIX_LEN], batch: u64) -> Bytes {
    let first = format_id(prefix, batch.wrapping_mul(BATCH as u64));
    let mut out = Vec::with_capacity(BATCH * ID_LEN);
    for digit in &HEX[..BATCH] {
        out.extend_from_slice(&first[..ID_LEN - 1]);
        out.push(*digit);
    }
    Bytes::from(out)
}

/// The id of counter `n`: the prefix, then `n` as `xxxx-xxxxxxxxxxxx`.
fn format_id(prefix: &[u8; PREFIX_LEN], n: u64) -> [u8; ID_LEN] {
    let mut out = [b'-'; ID_LEN];
    out[..PREFIX_LEN].copy_from_slice(prefix);
    let mut digits = n;
    // Right to left, skipping the dash at 23.
    for i in (PREFIX_LEN..ID_LEN).rev().filter(|i| *i != 23) {
        out[i] = HEX[(digits & 0xf) as usize];
        digits >>= 4;
    }
    out
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
            &format_id(&prefix, 42),
            b"01234567-89ab-cdef-0000-00000000002a"
        );
        assert_eq!(
            &format_id(&prefix, u64::MAX),
            b"01234567-89ab-cdef-ffff-ffffffffffff"
        );
        let valid = |id: [u8; ID_LEN]| is_valid(&HeaderValue::from_bytes(&id).unwrap());
        assert!(valid(format_id(&prefix, 0x0123_4567_89ab_cdef)));
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let other = std::thread::spawn(generate).join().unwrap();
        assert_ne!(a.as_bytes()[..18], other.as_bytes()[..18]);
    }

    /// A batch holds the ids of its counters in order, and ids stay unique and well formed
    /// across batch boundaries.
    #[test]
    fn batches_are_consecutive_counters() {
        let prefix = format_prefix(7);
        let batch = format_batch(&prefix, 3);
        assert_eq!(batch.len(), BATCH * ID_LEN);
        for (j, id) in batch.chunks(ID_LEN).enumerate() {
            assert_eq!(id, format_id(&prefix, 3 * BATCH as u64 + j as u64));
        }
        let ids: Vec<HeaderValue> = (0..3 * BATCH + 5).map(|_| generate()).collect();
        let unique: std::collections::HashSet<&[u8]> = ids.iter().map(|v| v.as_bytes()).collect();
        assert_eq!(unique.len(), ids.len());
        assert!(ids.iter().all(|id| id.len() == ID_LEN && is_valid(id)));
    }

    #[test]
    fn validity() {
        assert!(is_valid(&HeaderValue::from_static("abc-123_x.y:z")));
        assert!(!is_valid(&HeaderValue::from_static("")));
        assert!(!is_valid(&HeaderValue::from_static("a b")));
        assert!(!is_valid(&HeaderValue::from_str(&"a".repeat(129)).unwrap()));
    }
}
