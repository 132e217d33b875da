//! The API keys of a gateway: resolved from their secret references once per gateway, held
//! only as SHA-256 digests, looked up by the digest of the presented value and compared in
//! constant time.
//!
//! A key's value never enters the compiled gateway: the spec names an environment variable or
//! a file (`value_env`, `value_file`), read when the gateway is built (and again on reload, so
//! a rotated file is picked up). The table maps the digest of each value to the key's name,
//! whether it is enabled and the plan it belongs to; the presented header is hashed once per
//! request, which also makes the lookup's timing independent of how much of a real key an
//! attacker guessed.

use std::collections::HashMap;
use std::hash::RandomState;

use ring::digest::{SHA256, digest};
use subtle::ConstantTimeEq;

use crate::error::BuildError;
use crate::ir::{self, Secret};

/// Shortest and longest key AWS accepts; the same bounds here.
pub(crate) const MIN_KEY_LEN: usize = 20;
pub(crate) const MAX_KEY_LEN: usize = 128;

/// A SHA-256 digest of a key value.
pub(crate) type Digest = [u8; 32];

/// One key of the table.
#[derive(Debug)]
pub(crate) struct KeyEntry {
    /// The digest again, compared in constant time after the lookup.
    digest: Digest,
    /// `$context.identity.apiKeyId`: the key's name, never its value.
    pub(crate) id: Box<str>,
    /// A disabled key is refused like an unknown one.
    pub(crate) enabled: bool,
    /// Index of its plan in `Gateway.plans`.
    pub(crate) plan: usize,
}

/// Every key of every plan, by digest.
#[derive(Debug, Default)]
pub(crate) struct KeyTable {
    by_digest: HashMap<Digest, KeyEntry, RandomState>,
}

/// What a presented key turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup<'a> {
    /// Enabled, in a plan.
    Valid(&'a KeyEntry),
    /// Known but disabled.
    Disabled,
    /// Not a key of this gateway.
    Unknown,
}

impl PartialEq for KeyEntry {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for KeyEntry {}

/// The digest of a key value.
pub(crate) fn hash(value: &[u8]) -> Digest {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, value).as_ref());
    out
}

impl KeyTable {
    /// Resolves every plan's keys. A key whose secret cannot be read, whose value is not 20 to
    /// 128 visible ASCII characters, or which two plans (or two names) share, fails the build,
    /// naming the plan and key but never the value.
    pub(crate) fn build(plans: &[ir::UsagePlan]) -> Result<KeyTable, BuildError> {
        let mut by_digest = HashMap::default();
        for (plan_index, plan) in plans.iter().enumerate() {
            for key in &plan.api_keys {
                let fail = |reason: String| BuildError::ApiKey {
                    plan: plan.name.to_string(),
                    key: key.name.to_string(),
                    reason,
                };
                let value = resolve(&key.value).map_err(fail)?;
                if !(MIN_KEY_LEN..=MAX_KEY_LEN).contains(&value.len())
                    || !value.bytes().all(|b| b.is_ascii_graphic())
                {
                    return Err(fail(format!(
                        "the value must be {MIN_KEY_LEN} to {MAX_KEY_LEN} visible ASCII characters (it has {})",
                        value.len()
                    )));
                }
                let digest = hash(value.as_bytes());
                if let Some(other) = by_digest.get(&digest) {
                    let other: &KeyEntry = other;
                    return Err(fail(format!(
                        "the same value is already key `{}` of plan `{}`: a key belongs to one plan",
                        other.id, plans[other.plan].name
                    )));
                }
                by_digest.insert(
                    digest,
                    KeyEntry {
                        digest,
                        id: key.name.as_ref().into(),
                        enabled: key.enabled,
                        plan: plan_index,
                    },
                );
            }
        }
        Ok(KeyTable { by_digest })
    }

    /// Looks a presented value up.
    pub(crate) fn lookup(&self, presented: &[u8]) -> Lookup<'_> {
        let digest = hash(presented);
        match self.by_digest.get(&digest) {
            Some(entry) if bool::from(entry.digest.ct_eq(&digest)) => {
                if entry.enabled {
                    Lookup::Valid(entry)
                } else {
                    Lookup::Disabled
                }
            }
            _ => Lookup::Unknown,
        }
    }

    /// Number of keys, for the start-up log.
    pub(crate) fn len(&self) -> usize {
        self.by_digest.len()
    }
}

/// A secret's value: an environment variable, or a file without its trailing newline.
fn resolve(secret: &Secret) -> Result<String, String> {
    match secret {
        Secret::Env(name) => std::env::var(name.as_ref())
            .map_err(|_| format!("environment variable `{name}` is not set")),
        Secret::File(path) => std::fs::read_to_string(path.as_ref())
            .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
            .map_err(|e| format!("cannot read `{path}`: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ApiKey, UsagePlan};

    fn plan(name: &'static str, keys: &[(&'static str, &str, bool)]) -> UsagePlan {
        UsagePlan {
            name: name.into(),
            api_keys: keys
                .iter()
                .map(|(n, path, enabled)| ApiKey {
                    name: (*n).into(),
                    value: Secret::File(path.to_string().into()),
                    enabled: *enabled,
                })
                .collect(),
            ..UsagePlan::default()
        }
    }

    fn key_file(dir: &std::path::Path, name: &str, value: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        path.display().to_string()
    }

    #[test]
    fn keys_are_found_by_value_and_refused_when_disabled() {
        let dir = std::env::temp_dir().join(format!("gwc-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = key_file(&dir, "a", "aaaaaaaaaaaaaaaaaaaaaaaa");
        let b = key_file(&dir, "b", "bbbbbbbbbbbbbbbbbbbbbbbb");
        let table = KeyTable::build(&[
            plan("basic", &[("alice", &a, true)]),
            plan("pro", &[("bob", &b, false)]),
        ])
        .unwrap();
        assert_eq!(table.len(), 2);
        match table.lookup(b"aaaaaaaaaaaaaaaaaaaaaaaa") {
            Lookup::Valid(e) => assert_eq!((&*e.id, e.plan), ("alice", 0)),
            other => panic!("{other:?}"),
        }
        assert_eq!(table.lookup(b"bbbbbbbbbbbbbbbbbbbbbbbb"), Lookup::Disabled);
        assert_eq!(table.lookup(b"aaaaaaaaaaaaaaaaaaaaaaab"), Lookup::Unknown);
        assert_eq!(table.lookup(b""), Lookup::Unknown);

        let short = key_file(&dir, "short", "tooshort");
        let e = KeyTable::build(&[plan("basic", &[("s", &short, true)])]).unwrap_err();
        assert!(e.to_string().contains("20 to 128"), "{e}");
        assert!(!e.to_string().contains("tooshort"), "the value leaked: {e}");
        let e = KeyTable::build(&[
            plan("basic", &[("alice", &a, true)]),
            plan("pro", &[("again", &a, true)]),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("belongs to one plan"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
