//! Compile-fail and compile-pass fixtures for `#[gateway]` (trybuild): one mistake per
//! fixture, numbered and never renumbered, each with its expected `.stderr`
//! (`TRYBUILD=overwrite cargo test -p gwc-macros --test ui` rewrites them).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
