//! The API keys a spec names: resolved from their secret references whenever a gateway is
//! built (so a rotated file is picked up on reload) and handed to the process's key store
//! ([`crate::state::keys`]) as its spec layer, as SHA-256 digests only. A key's value never
//! enters the compiled gateway.

use crate::error::BuildError;
use crate::ir::{self, Secret};
use crate::state::keys::{Digest, KeyRecord, PlanLink, check_value, hash};

/// Resolves every plan's keys into the store's spec layer. A key whose secret cannot be read,
/// whose value is not 20 to 128 visible ASCII characters, or which two plans (or two names)
/// share, fails the build, naming the plan and key but never the value.
pub(crate) fn spec_records(
    plans: &[ir::UsagePlan],
) -> Result<Vec<(Digest, KeyRecord)>, BuildError> {
    let mut out: Vec<(Digest, KeyRecord)> = Vec::new();
    for plan in plans {
        for key in &plan.api_keys {
            let fail = |reason: String| BuildError::ApiKey {
                plan: plan.name.to_string(),
                key: key.name.to_string(),
                reason,
            };
            let value = resolve(&key.value).map_err(fail)?;
            check_value(&value).map_err(fail)?;
            let digest = hash(value.as_bytes());
            if let Some((_, other)) = out.iter().find(|(d, _)| *d == digest) {
                return Err(fail(format!(
                    "the same value is already key `{}` of plan `{}`: a key belongs to one plan",
                    other.id, other.plans[0].plan
                )));
            }
            out.push((
                digest,
                KeyRecord {
                    id: key.name.as_ref().into(),
                    enabled: key.enabled,
                    plans: vec![PlanLink {
                        plan: plan.name.as_ref().into(),
                        stage: None,
                    }],
                    from_spec: true,
                    created: 0,
                },
            ));
        }
    }
    Ok(out)
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
        let store = crate::state::keys::KeyStore::default();
        store.seed_spec(
            spec_records(&[
                plan("basic", &[("alice", &a, true)]),
                plan("pro", &[("bob", &b, false)]),
            ])
            .unwrap(),
        );
        let table = store.snapshot();
        assert_eq!(table.len(), 2);
        let alice = table.lookup(b"aaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        assert_eq!(
            (&*alice.id, alice.plan_on("prod", |_| true)),
            ("alice", Some("basic"))
        );
        assert!(!table.lookup(b"bbbbbbbbbbbbbbbbbbbbbbbb").unwrap().enabled);
        assert!(table.lookup(b"aaaaaaaaaaaaaaaaaaaaaaab").is_none());
        assert!(table.lookup(b"").is_none());

        let short = key_file(&dir, "short", "tooshort");
        let e = spec_records(&[plan("basic", &[("s", &short, true)])]).unwrap_err();
        assert!(e.to_string().contains("20 to 128"), "{e}");
        assert!(!e.to_string().contains("tooshort"), "the value leaked: {e}");
        let e = spec_records(&[
            plan("basic", &[("alice", &a, true)]),
            plan("pro", &[("again", &a, true)]),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("belongs to one plan"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
