//! Names: the gateway's crate name, and "did you mean" among declared names.

/// True for names cargo accepts as a package and binary name and that we keep simple:
/// lower-case ASCII letters, digits and `-`, starting with a letter.
pub(crate) fn is_crate_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.ends_with('-')
        && name.len() <= 64
}

/// The default gateway name: `info.title` in kebab case (`Pet Store API` → `pet-store-api`),
/// or `gateway` when nothing usable is left.
pub fn crate_name_from_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(48);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        return "gateway".to_owned();
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "api-");
    }
    out
}

/// The declared name closest to `wanted`, if any is close enough to suggest.
pub(crate) fn closest<'a>(wanted: &str, declared: &[&'a str]) -> Option<&'a str> {
    declared
        .iter()
        .map(|d| (strsim::jaro_winkler(wanted, d), *d))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d)
}

/// `` `a`, `b` `` for help lines.
pub(crate) fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_titles() {
        assert_eq!(crate_name_from_title("Pet Store API"), "pet-store-api");
        assert_eq!(crate_name_from_title("  Twilio - Api  "), "twilio-api");
        assert_eq!(crate_name_from_title("2010 API"), "api-2010-api");
        assert_eq!(crate_name_from_title("ÄÖÜ"), "gateway");
        assert!(is_crate_name("petstore"));
        assert!(!is_crate_name("Petstore"));
        assert!(!is_crate_name("pet_store"));
        assert!(!is_crate_name("9pets"));
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(closest("prdo", &["prod", "dev"]), Some("prod"));
        assert_eq!(closest("staging", &["prod", "dev"]), None);
    }
}
