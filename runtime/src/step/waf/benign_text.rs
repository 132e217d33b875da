//! An independent benign set for the WAF detectors: text found on this machine that is not
//! the corpus (licence texts, package documentation and changelogs, manual pages, the Rust
//! books, crate READMEs, shell scripts, JSON files, the file paths and URLs they hold),
//! read at test time, sampled reproducibly, and sent the way traffic carries it
//! ([`traffic_forms`]).
//!
//! The corpus's benign files hold a few hundred rows, so a false-positive rate measured on
//! them moves by points with each row; tens of thousands of texts written by people who
//! were not thinking of SQL or HTML show what a rule does to ordinary input. None of it is
//! an attack: a text flagged here is a false positive (or, rarely, documentation quoting
//! SQL or markup, which the report lets one see).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One benign text and where it came from (the report breaks the rate down by source).
pub(super) struct BenignText {
    /// The kind of source (`licenses`, `docs`, `man`, `shell`, …).
    pub(super) source: &'static str,
    /// The text as a person would type or paste it into a field.
    pub(super) text: String,
}

/// At most this many texts per source, the ones whose FNV-1a hash is smallest: a sample
/// that does not depend on the order files are read in.
const PER_SOURCE: usize = 6_000;

/// The independent benign texts found on this machine; empty when none of the sources
/// exists (the caller reports a skip).
pub(super) fn independent_benign() -> Vec<BenignText> {
    let mut sets: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut paths: Vec<String> = Vec::new();

    // Licence texts: long legal prose, in sentences.
    let licenses = files_under(Path::new("/usr/share/common-licenses"), 1, &|_| true);
    paths.extend(licenses.iter().map(|p| p.display().to_string()));
    sets.push((
        "licenses",
        licenses
            .iter()
            .flat_map(|p| sentences(&read(p), false))
            .collect(),
    ));

    // Debian copyright files: names (with apostrophes), e-mail addresses, years, URLs.
    let doc = Path::new("/usr/share/doc");
    let copyright = files_under(doc, 2, &|p| p.file_name().is_some_and(|n| n == "copyright"));
    sets.push((
        "copyright",
        copyright.iter().flat_map(|p| lines(&read(p))).collect(),
    ));

    // Package documentation in plain text and markdown: prose outside code blocks.
    let docs = files_under(doc, 4, &|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !name.ends_with(".gz")
            && (name.ends_with(".md")
                || name.ends_with(".txt")
                || name.ends_with(".rst")
                || ["README", "NEWS", "TODO", "AUTHORS", "THANKS", "FAQ"]
                    .iter()
                    .any(|s| name.starts_with(s)))
    });
    paths.extend(docs.iter().map(|p| p.display().to_string()));
    sets.push((
        "docs",
        docs.iter()
            .flat_map(|p| sentences(&read(p), true))
            .collect(),
    ));

    // Debian changelogs (gzip): entries name files, versions, bugs, people.
    let changelogs = files_under(doc, 2, &|p| {
        p.file_name()
            .is_some_and(|n| n == "changelog.Debian.gz" || n == "changelog.gz")
    });
    sets.push((
        "changelogs",
        lines(&gunzip(&sample_files(changelogs, 4)))
            .into_iter()
            .filter(|l| !l.starts_with(" -- "))
            .map(|l| l.trim_start_matches(['*', '-', '+', ' ']).to_owned())
            .collect(),
    ));

    // Manual pages (groff, gzip): option descriptions and examples, the markup removed.
    let man = ["man1", "man5", "man7", "man8"]
        .iter()
        .flat_map(|s| files_under(&Path::new("/usr/share/man").join(s), 1, &|_| true))
        .collect::<Vec<_>>();
    paths.extend(man.iter().map(|p| p.display().to_string()));
    sets.push(("man", groff_text(&gunzip(&sample_files(man, 16)))));

    // The Rust books shipped with the toolchain (HTML): paragraphs of technical prose.
    let books = rust_books();
    sets.push((
        "rust-books",
        books
            .iter()
            .flat_map(|p| html_paragraphs(&read(p)))
            .flat_map(|p| sentences(&p, false))
            .collect(),
    ));

    // READMEs of the crates in the local registry: prose outside code blocks.
    let readmes = crate_readmes();
    sets.push((
        "crate-readmes",
        readmes
            .iter()
            .flat_map(|p| sentences(&read(p), true))
            .collect(),
    ));

    // Shell scripts: command lines with quotes, `;`, `--options`, `||`, `#` comments.
    let scripts: Vec<PathBuf> = files_under(Path::new("/usr/bin"), 1, &|_| true)
        .into_iter()
        .chain(files_under(doc, 4, &|p| {
            p.extension().is_some_and(|e| e == "sh")
        }))
        .filter(|p| {
            std::fs::read(p).is_ok_and(|b| {
                b.starts_with(b"#!") && b.len() < 512 * 1024 && {
                    let first = b.split(|&c| c == b'\n').next().unwrap_or(&[]);
                    first.ends_with(b"sh") || first.windows(4).any(|w| w == b"bash")
                }
            })
        })
        .collect();
    sets.push((
        "shell",
        scripts
            .iter()
            .flat_map(|p| lines(&read(p)))
            .filter(|l| !l.starts_with("#!"))
            .collect(),
    ));

    // JSON files: small ones whole (on one line), lines of the others.
    let json = [Path::new("/usr/share"), Path::new("/usr/lib/python3")]
        .iter()
        .flat_map(|d| files_under(d, 8, &|p| p.extension().is_some_and(|e| e == "json")))
        .collect::<Vec<_>>();
    sets.push((
        "json",
        json.iter()
            .flat_map(|p| {
                let t = read(p);
                if t.len() <= 2048 {
                    vec![t.split_whitespace().collect::<Vec<_>>().join(" ")]
                } else {
                    lines(&t)
                }
            })
            .collect(),
    ));

    // URLs found in all of the above.
    let urls: Vec<String> = sets
        .iter()
        .flat_map(|(_, texts)| texts.iter().flat_map(|t| urls_in(t)))
        .collect();
    sets.push(("urls", urls));
    sets.push(("paths", paths));

    let mut out = Vec::new();
    for (source, texts) in sets {
        let mut seen = HashSet::new();
        let mut kept: Vec<(u64, String)> = texts
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| t.len() >= 3 && t.len() <= 2048 && seen.insert(t.clone()))
            .map(|t| (super::corpus::fnv(t.as_bytes()), t))
            .collect();
        kept.sort();
        kept.truncate(PER_SOURCE);
        out.extend(
            kept.into_iter()
                .map(|(_, text)| BenignText { source, text }),
        );
    }
    out
}

/// The forms a text takes in a request: as typed, upper-cased (some clients shout),
/// with `+` for its spaces (a form field read before decoding), and as the value of a `q=`
/// query parameter percent-encoded the way a browser's form submission does.
pub(super) fn traffic_forms(text: &str) -> [(&'static str, Vec<u8>); 4] {
    let mut form = b"q=".to_vec();
    for &b in text.as_bytes() {
        match b {
            b' ' => form.push(b'+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => form.push(b),
            _ => form.extend_from_slice(format!("%{b:02X}").as_bytes()),
        }
    }
    [
        ("as-is", text.as_bytes().to_vec()),
        ("upper", text.to_uppercase().into_bytes()),
        ("plus", text.replace(' ', "+").into_bytes()),
        ("q=form", form),
    ]
}

fn read(p: &Path) -> String {
    std::fs::read(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Regular files under `dir` to `depth` levels, sorted, that `keep` accepts.
fn files_under(dir: &Path, depth: usize, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if depth > 1 {
                out.extend(files_under(&p, depth - 1, keep));
            }
        } else if meta.is_file() && keep(&p) {
            out.push(p);
        }
    }
    out
}

/// One file in `one_in`, chosen by the hash of its path (reading every manual page would
/// take long and add little).
fn sample_files(files: Vec<PathBuf>, one_in: u64) -> Vec<PathBuf> {
    files
        .into_iter()
        .filter(|p| super::corpus::fnv(p.as_os_str().as_encoded_bytes()).is_multiple_of(one_in))
        .collect()
}

/// The files' contents decompressed by the system's `gzip` (no decompressor is a
/// dependency); empty when `gzip` is absent.
fn gunzip(files: &[PathBuf]) -> String {
    let mut out = String::new();
    for chunk in files.chunks(200) {
        let Ok(o) = std::process::Command::new("gzip")
            .arg("-dc")
            .args(chunk)
            .output()
        else {
            return out;
        };
        out.push_str(&String::from_utf8_lossy(&o.stdout));
        out.push('\n');
    }
    out
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Sentences of the paragraphs of `text` (lines joined, split after `. `, `? `, `! `);
/// `markdown`: skip fenced and indented code blocks and tables.
fn sentences(text: &str, markdown: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut para = String::new();
    let mut fenced = false;
    let flush = |para: &mut String, out: &mut Vec<String>| {
        let mut start = 0;
        let b = para.as_bytes();
        for i in 1..b.len() {
            if b[i] == b' ' && matches!(b[i - 1], b'.' | b'?' | b'!') {
                out.push(para[start..i].to_owned());
                start = i + 1;
            }
        }
        out.push(para[start..].to_owned());
        para.clear();
    };
    for line in text.lines() {
        if markdown {
            if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
                fenced = !fenced;
                flush(&mut para, &mut out);
                continue;
            }
            if fenced
                || line.starts_with("    ")
                || line.starts_with('\t')
                || line.trim_start().starts_with('|')
            {
                continue;
            }
        }
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
        } else {
            if !para.is_empty() {
                para.push(' ');
            }
            para.push_str(line.trim());
        }
    }
    flush(&mut para, &mut out);
    out
}

/// The text lines of groff sources, requests and font escapes removed.
fn groff_text(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| !l.starts_with('.') && !l.starts_with('\''))
        .map(|l| {
            let mut s = l
                .replace("\\-", "-")
                .replace("\\(aq", "'")
                .replace("\\(dq", "\"")
                .replace("\\(cq", "'")
                .replace("\\(oq", "'")
                .replace("\\(em", "--")
                .replace("\\e", "\\")
                .replace("\\&", "")
                .replace("\\%", "")
                .replace("\\ ", " ");
            for f in ["\\fB", "\\fI", "\\fR", "\\fP", "\\f(CW", "\\f(BI"] {
                s = s.replace(f, "");
            }
            s.trim().to_owned()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The HTML pages of the books shipped with the Rust toolchain (`rustup` installs them).
fn rust_books() -> Vec<PathBuf> {
    let home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")));
    let Some(toolchains) = home.map(|h| h.join("toolchains")) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&toolchains)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    let Some(html) = dirs
        .iter()
        .map(|d| d.join("share/doc/rust/html"))
        .find(|d| d.is_dir())
    else {
        return Vec::new();
    };
    ["book", "reference", "cargo", "edition-guide"]
        .iter()
        .flat_map(|b| {
            files_under(&html.join(b), 3, &|p| {
                p.extension().is_some_and(|e| e == "html")
            })
        })
        .collect()
}

/// The text of each `<p>` element, tags removed and entities decoded.
fn html_paragraphs(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<p>") {
        let body = &rest[start + 3..];
        let Some(end) = body.find("</p>") else {
            break;
        };
        let mut text = String::new();
        let mut in_tag = false;
        for c in body[..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => text.push(if c == '\n' { ' ' } else { c }),
                _ => {}
            }
        }
        let decoded = super::transform::html_entity_decode(text.as_bytes())
            .map_or(text, |d| String::from_utf8_lossy(&d).into_owned());
        out.push(decoded);
        rest = &body[end..];
    }
    out
}

/// `README.md` of each crate in Cargo's registry sources.
fn crate_readmes() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return Vec::new();
    };
    files_under(&src, 3, &|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
    })
}

/// `http://` and `https://` URLs in `text`.
fn urls_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(p) = rest.find("http") {
        let tail = &rest[p..];
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let end = tail
                .find(|c: char| c.is_whitespace() || matches!(c, '>' | ')' | '"' | '<' | ']'))
                .unwrap_or(tail.len());
            out.push(tail[..end].trim_end_matches(['.', ',', ';']).to_owned());
            rest = &tail[end..];
        } else {
            rest = &tail[4..];
        }
    }
    out
}
