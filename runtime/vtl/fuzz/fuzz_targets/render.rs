//! Arbitrary bytes as a template: parsing never panics, and a template that parses renders
//! against a JSON body and a non-JSON one under small limits without panicking, and either
//! fails with a limit error or prints no more than the output limit.
#![no_main]

use gwc_vtl::{Env, Limits, Value};
use libfuzzer_sys::fuzz_target;

/// Small enough that loops and string doubling reach them within one run.
const LIMITS: Limits = Limits {
    max_steps: 20_000,
    max_output: 4_096,
    max_iterations: 1_000,
    max_allocated: 256 << 10,
};

fn env(body: &str) -> Env {
    Env {
        body: body.to_owned(),
        path: vec![("id".into(), "42".into())],
        querystring: vec![("q".into(), "a b".into())],
        header: vec![("X-Tenant".into(), "acme".into())],
        context: Value::map([
            ("requestId", Value::str("req-1")),
            (
                "authorizer",
                Value::map([("principalId", Value::str("user-7"))]),
            ),
        ]),
        stage_variables: Value::map([("table", Value::str("Pets"))]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = gwc_vtl::parse(source) else {
        return;
    };
    for body in [
        r#"{"a": [1, 2.5, "x", null, true], "b": {"c": "it's"}, "n": -3}"#,
        "plain text, not JSON: ' \" \\ $ #",
    ] {
        if let Ok(out) = template.render(&env(body), LIMITS) {
            assert!(out.body.len() <= LIMITS.max_output, "output over the limit");
        }
    }
});
