//! Table tests against AWS's documented templates and outputs, plus the engine's limits.

use super::*;

fn env(body: &str) -> Env {
    Env {
        body: body.to_owned(),
        path: vec![("id".into(), "42".into())],
        querystring: vec![("lang".into(), "en".into())],
        header: vec![("X-Tenant".into(), "acme".into())],
        context: Value::map([
            ("requestId", Value::str("req-1")),
            ("httpMethod", Value::str("POST")),
            (
                "authorizer",
                Value::map([("principalId", Value::str("user-7"))]),
            ),
        ]),
        stage_variables: Value::map([("table", Value::str("Pets"))]),
    }
}

fn render(template: &str, body: &str) -> String {
    let t = parse(template).unwrap_or_else(|e| panic!("{template}: {e} at {}", e.offset));
    t.render(&env(body), Limits::default()).unwrap().body
}

#[test]
fn aws_documented_templates() {
    let cases: &[(&str, &str, &str)] = &[
        // Step Functions StartExecution (AWS's example): the body as an escaped JSON string.
        (
            r#"{"input": "$util.escapeJavaScript($input.json('$'))", "stateMachineArn": "arn:aws:states:us-east-1:123:stateMachine:M"}"#,
            r#"{"name":"it's"}"#,
            r#"{"input": "{\"name\":\"it\'s\"}", "stateMachineArn": "arn:aws:states:us-east-1:123:stateMachine:M"}"#,
        ),
        // The common fix for the escaped single quote.
        (
            r#"$util.escapeJavaScript($input.body).replaceAll("\\'","'")"#,
            "it's",
            "it's",
        ),
        // SQS SendMessage.
        (
            "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
            "hello world & more",
            "Action=SendMessage&MessageBody=hello+world+%26+more",
        ),
        // DynamoDB GetItem.
        (
            r#"{"TableName": "$stageVariables.table", "Key": {"id": {"S": "$input.params('id')"}}}"#,
            "",
            r#"{"TableName": "Pets", "Key": {"id": {"S": "42"}}}"#,
        ),
        // A mock's request template.
        (r#"{"statusCode": 200}"#, "", r#"{"statusCode": 200}"#),
        // `$input.json` gives JSON text, `$input.path` an object printed the Java way.
        (
            "$input.json('$.pet') | $input.path('$.pet') | $input.path('$.pet.tags') | $input.path('$.pet.tags').size()",
            r#"{"pet":{"name":"Rex","age":3,"tags":["a","b"]}}"#,
            r#"{"name":"Rex","age":3,"tags":["a","b"]} | {name=Rex, age=3, tags=[a, b]} | [a, b] | 2"#,
        ),
        // Missing values print as nothing; `$!` is the same.
        (
            "[$nothing][$!nothing][$input.path('$.x.y')][$input.params('nope')]",
            "{}",
            "[][][][]",
        ),
        // An empty body is `{}` to `$input.json('$')`.
        ("$input.json('$')", "", "{}"),
        // `$input.params()` and its header map.
        (
            "$input.params().header.get('X-Tenant') $input.params('lang') $input.params('x-tenant')",
            "",
            "acme en acme",
        ),
        // Context, including the authorizer's principal.
        (
            "$context.requestId/$context.authorizer.principalId",
            "",
            "req-1/user-7",
        ),
        // Base64 both ways.
        (
            "$util.base64Encode('gwc!') $util.base64Decode('Z3djIQ==')",
            "",
            "Z3djIQ== gwc!",
        ),
        // parseJson gives an object.
        (
            "#set($o = $util.parseJson($input.body))$o.a.b",
            r#"{"a":{"b":"deep"}}"#,
            "deep",
        ),
    ];
    for (template, body, expected) in cases {
        assert_eq!(render(template, body), *expected, "template: {template}");
    }
}

#[test]
fn foreach_with_has_next_commas_as_in_awss_photo_example() {
    let template = r#"#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot.photos.photo)
  {
    "id": "$elem.id",
    "title": "$elem.title"
  }#if($foreach.hasNext),#end

#end
]"#;
    let body = r#"{"photos":{"photo":[{"id":"1","title":"a"},{"id":"2","title":"b"}]}}"#;
    let expected = "[\n  {\n    \"id\": \"1\",\n    \"title\": \"a\"\n  },\n  {\n    \"id\": \"2\",\n    \"title\": \"b\"\n  }\n]";
    assert_eq!(render(template, body), expected);
}

#[test]
fn response_override_is_returned_in_the_context() {
    let t = parse(
        "#set($context.responseOverride.status = 400)\n#set($context.responseOverride.header.X-Reason = \"bad $input.path('$.why')\")\n{\"ok\": false}",
    )
    .unwrap();
    let out = t
        .render(&env(r#"{"why":"input"}"#), Limits::default())
        .unwrap();
    assert_eq!(out.body, r#"{"ok": false}"#);
    let o = out
        .context
        .as_ref()
        .and_then(|c| c.get("responseOverride"))
        .unwrap();
    assert_eq!(o.get("status"), Some(&Value::Int(400)));
    assert_eq!(
        o.get("header").and_then(|h| h.get("X-Reason")),
        Some(&Value::str("bad input"))
    );
}

#[test]
fn directives_and_expressions() {
    let cases: &[(&str, &str)] = &[
        (
            "#set($a = 1)#if($a == 1)one#elseif($a == 2)two#{else}other#end",
            "one",
        ),
        ("#set($a = 5)#if($a > 3 && !($a >= 10))mid#end", "mid"),
        (
            "#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end",
            "1,2,3",
        ),
        ("#foreach($i in [1..5])#if($i == 3)#break#end$i#end", "12"),
        ("a#stop b", "a"),
        (
            "#set($m = {\"k\": \"v\", \"n\": 2})$m $m.k $m.get('n') $m.keySet()",
            "{k=v, n=2} v 2 [k, n]",
        ),
        (
            "#set($l = [])#set($ok = $l.add('x'))$l.add('y')$l $l.size()",
            "true[x, y] 2",
        ),
        (
            "#set($s = 'Hello World')$s.toLowerCase() $s.length() $s.substring(6) $s.contains('World') $s.replaceAll('o', '0')",
            "hello world 11 World true Hell0 W0rld",
        ),
        (
            "#set($s = 'a,b,,c,,')$s.split(',') $s.split(',').size()",
            "[a, b, , c] 4",
        ),
        ("#set($s = \"x=$input.params('lang')\")$s", "x=en"),
        ("'single $x' \"double\"", "'single ' \"double\""),
        ("$ 5 costs $5 #notadirective", "$ 5 costs $5 #notadirective"),
        ("## a comment\n#* block\ncomment *#done", "done"),
        ("\\$escaped", "$escaped"),
        (
            "#set($n = 7 / 2)$n #set($f = 7.0 / 2)$f #set($x = 1.0)$x",
            "3 3.5 1.0",
        ),
        ("$foo.", "."),
        ("${input.body}x", "bodyx"),
        ("#set($a = 'v')\n#if($a)\n  yes\n#end\ndone", "  yes\ndone"),
    ];
    for (template, expected) in cases {
        assert_eq!(
            render(template, "body"),
            *expected,
            "template: {template:?}"
        );
    }
}

#[test]
fn escape_javascript_matches_commons_lang() {
    assert_eq!(
        eval::escape_javascript("a\"b'c\\d/e\nf\té\u{1F600}\u{1}"),
        "a\\\"b\\'c\\\\d\\/e\\nf\\t\\u00E9\\uD83D\\uDE00\\u0001"
    );
}

#[test]
fn syntax_errors_have_offsets() {
    for (template, offset) in [
        ("ok #if($a) no end", 3),
        ("#set($a = )", 10),
        ("x #end", 2),
        ("#foreach($a on $b)#end", 12),
        ("\"unterminated #* comment", 14),
    ] {
        let e = parse(template).unwrap_err();
        assert_eq!(e.offset, offset, "{template}: {e}");
    }
}

#[test]
fn evaluation_is_bounded() {
    // 1,000 iterations at most, as AWS.
    let out = render("#foreach($i in [1..5000])x#end", "");
    assert_eq!(out.len(), 1000, "loops stop at 1,000 iterations");
    let t = parse("#set($l = [])#foreach($i in [1..1000])#set($ok = $l.add($i))#end#foreach($i in $l)#foreach($j in $l)x#end#end").unwrap();
    let e = t.render(&env(""), Limits::default()).unwrap_err();
    assert!(
        e.message.contains("too many steps") || e.message.contains("size limit"),
        "{e}"
    );
    let t =
        parse("#set($s = 'xxxxxxxxxx')#foreach($i in [1..1000])$s$s$s$s$s$s$s$s$s$s#end").unwrap();
    let limits = Limits {
        max_output: 1000,
        ..Limits::default()
    };
    assert!(t.render(&env(""), limits).is_err());
    // Deep nesting is a syntax error, not a stack overflow.
    let deep = "#if(true)".repeat(500);
    assert!(parse(&deep).is_err());
    let deep = format!("$a{}", ".b(".repeat(5000));
    let _ = parse(&deep);
}

#[test]
fn arbitrary_templates_never_panic() {
    let alphabet: &[&str] = &[
        "#set(",
        "#if(",
        "#elseif(",
        "#else",
        "#end",
        "#foreach(",
        " in ",
        "$a",
        "$!{b",
        "}",
        ")",
        "(",
        "[",
        "]",
        "{",
        ",",
        ":",
        "'",
        "\"",
        "..",
        "1",
        "-2.5",
        "==",
        "&&",
        "!",
        "#*",
        "*#",
        "##",
        "\n",
        "$input.json('$.x')",
        "$util.escapeJavaScript(",
        ".size()",
        "$foreach.hasNext",
        "#break",
        "#stop",
        "\\",
        "x",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 24) as usize;
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        if let Ok(t) = parse(&s) {
            let limits = Limits {
                max_steps: 10_000,
                max_output: 10_000,
                max_iterations: 1_000,
                max_allocated: 1 << 20,
            };
            let _ = t.render(&env(r#"{"x":[1,2]}"#), limits);
        }
    }
}

#[test]
fn references_read_by_reference_behave_as_copies() {
    let body = r#"{"a": {"b": [1, {"c": "x"}]}, "s": "Hi", "n": null}"#;
    let cases: &[(&str, &str)] = &[
        // The body is parsed once and reused; each path selects from the same document.
        (
            "$input.path('$.a.b[1].c')$input.json('$.a.b')$input.path('$.s')",
            "x[1,{\"c\":\"x\"}]Hi",
        ),
        ("$input.json('$..c')|$input.json('$.nope')", "[\"x\"]|null"),
        // A copy taken by #set is not changed by a later write to the original.
        (
            "#set($m = {'k': 1})#set($c = $m.k)#set($m.k = 2)$c $m.k",
            "1 2",
        ),
        // Getters on strings and lists go through the evaluator, not the borrowed path.
        (
            "#set($p = $input.path('$'))$p.s.length() $p.s.length $p.a.b.size()",
            "2 2 2",
        ),
        (
            "$p.missing.deeper|$context.authorizer.principalId|$stageVariables.table",
            "|user-7|Pets",
        ),
        // A template that writes to $context hands it back; one that reads it does not.
        ("$context.requestId", "req-1"),
        // $foreach is updated in place, and a body that replaces it gets a fresh one next time.
        (
            "#foreach($i in [1, 2, 3])$foreach.count#set($foreach = 'x')#end",
            "123",
        ),
    ];
    for (template, want) in cases {
        assert_eq!(render(template, body), *want, "{template}");
    }
    let t = parse("$context.requestId").unwrap();
    assert_eq!(
        t.render(&env(body), Limits::default()).unwrap().context,
        None
    );
    let t = parse("#set($context.responseOverride.status = 400)").unwrap();
    let out = t
        .render(&env(body), Limits::default())
        .unwrap()
        .context
        .unwrap();
    assert_eq!(out.get("requestId"), Some(&Value::str("req-1")));
}

#[test]
fn templates_that_read_params_are_known_before_evaluation() {
    for (template, reads) in [
        ("$input.params('id')", true),
        ("#set($all = $input.params())", true),
        ("#if($x)${input.params}#end", true),
        (
            "#foreach($h in $input.params().header.keySet())$h#end",
            true,
        ),
        ("\"$input.params('a')\"", true),
        ("$input.path('$.params')", false),
        ("$params.get('x') $context.params", false),
        ("static", false),
    ] {
        assert_eq!(parse(template).unwrap().reads_params(), reads, "{template}");
    }
}

/// A caller builds only the `$context` variables a template names; a template that uses
/// `$context` as a value (copies, iterates or indexes it by a computed key) gets them all.
#[test]
fn context_variables_read_are_known_before_evaluation() {
    let names = |list: &[&'static str]| {
        ContextReads::Names(list.iter().map(|n| Str::Borrowed(*n)).collect())
    };
    for (template, reads) in [
        ("static", names(&[])),
        ("$context.requestId", names(&["requestId"])),
        (
            "{\"ip\": \"$context.identity.sourceIp\", \"id\": \"${context.requestId}\"}",
            names(&["identity", "requestId"]),
        ),
        (
            "#if($context.stage == 'prod')$context['httpMethod']#end",
            names(&["httpMethod", "stage"]),
        ),
        (
            "#set($context.responseOverride.status = 400)$context.authorizer.claims.sub",
            names(&["authorizer", "responseOverride"]),
        ),
        ("$input.path('$.context') $ctx.requestId", names(&[])),
        ("#set($c = $context)$c.requestId", ContextReads::All),
        ("#foreach($k in $context.keySet())$k#end", ContextReads::All),
        ("$context[$name]", ContextReads::All),
        ("$context", ContextReads::All),
    ] {
        let parsed = parse(template).unwrap();
        assert_eq!(parsed.context_reads(), &reads, "{template}");
    }
    assert!(ContextReads::All.reads("anything"));
    assert!(!names(&["stage"]).reads("requestId"));
}

/// Limits small enough that the generated templates below reach them.
const SMALL: Limits = Limits {
    max_steps: 20_000,
    max_output: 4_096,
    max_iterations: 1_000,
    max_allocated: 256 << 10,
};

/// Templates that build values without printing them are stopped by the memory budget, and
/// single calls that would make a huge string fail before they allocate it.
#[test]
fn values_built_without_printing_are_bounded() {
    for template in [
        // Doubling: 2^60 bytes after 60 iterations, were nothing to stop it.
        "#set($s = 'ab')#foreach($i in [1..60])#set($s = \"$s$s\")#end$s.length()",
        "#set($s = 'ab')#foreach($i in [1..60])#set($s = $s + $s)#end",
        "#set($s = 'ab')#foreach($i in [1..60])#set($s = $s.concat($s))#end",
        // Copies of a value kept in a list.
        "#set($s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')#foreach($i in [1..20])#set($s = \"$s$s\")#end#set($l = [])#foreach($i in [1..1000])#set($ok = $l.add($s))#end",
        // Deeper and deeper lists (empty ones count too).
        "#set($a = [])#foreach($i in [1..1000])#foreach($j in [1..1000])#set($a = [$a, $a])#end#end",
        // One call, a huge result.
        "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')#foreach($i in [1..12])#set($s = $s.replace('a', 'aaaaaaaa'))#end",
        "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')#foreach($i in [1..12])#set($s = $s.replaceAll('a+', '$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0'))#end",
    ] {
        let t = parse(template).unwrap_or_else(|e| panic!("{template}: {e}"));
        let e = t.render(&env(""), Limits::default()).unwrap_err();
        assert!(
            e.message.contains("memory limit")
                || e.message.contains("size limit")
                || e.message.contains("too many steps"),
            "{template}: {e}"
        );
    }
    // What fits passes.
    assert_eq!(
        render(
            "#set($s = 'ab')#foreach($i in [1..10])#set($s = \"$s$s\")#end$s.length()",
            ""
        ),
        "2048"
    );
    assert_eq!(
        render("$input.body.replaceAll('(b)', '[$1]')", "abc"),
        "a[b]c"
    );
}

/// Property and index keys that are not names: empty, or starting with a multi-byte character.
#[test]
fn odd_property_keys_read_as_nothing() {
    assert_eq!(
        render("[$s['']][$s['é']][$n['']][$l['ünï']][${s.length}]", ""),
        "[][][][][]"
    );
    assert_eq!(
        render("#set($s = 'héllo')[$s['']][$s['é']]$s.length", ""),
        "[][]5"
    );
}

/// A tiny xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Renders `template` (when it parses) with small limits against a JSON body and a body that
/// is not JSON: no panic, and whatever renders is within the output limit.
fn check_bounded(template: &str) {
    let Ok(t) = parse(template) else {
        return;
    };
    for body in [r#"{"x":[1,2,{"y":"é"}],"s":"it's","n":null}"#, "not json ]"] {
        if let Ok(out) = t.render(&env(body), SMALL) {
            assert!(
                out.body.len() <= SMALL.max_output,
                "{template:?}: {} bytes of output",
                out.body.len()
            );
        }
    }
}

/// Fuzz-style: templates drawn from the whole surface (directives, references, literals, Java
/// methods with odd arguments, `$input`/`$util` calls, unicode), 30,000 of them.
#[test]
fn generated_templates_never_panic_and_stay_bounded() {
    let alphabet: &[&str] = &[
        "#set($a = ",
        "#set($s = \"$s$s\")",
        "#set($l = [])",
        "#set($m = {})",
        "#if(",
        "#elseif(",
        "#else",
        "#end",
        "#foreach($i in ",
        "#break",
        "#stop",
        "#define($d)",
        "#macro(m $x)",
        "#{if}(",
        "#{end}",
        "$a",
        "$!a",
        "${a}",
        "$s",
        "$l",
        "$m",
        "$i",
        "$foreach.index",
        "$foreach.hasNext",
        "$velocityCount",
        ".length()",
        ".size()",
        ".substring(",
        ".charAt(",
        ".replaceAll(",
        ".replace(",
        ".split(",
        ".matches(",
        ".indexOf(",
        ".get(",
        ".put(",
        ".add(",
        ".remove(",
        ".keySet()",
        ".entrySet()",
        ".toString()",
        ".toUpperCase()",
        ".concat(",
        "$input.json('$.x')",
        "$input.json('$..y')",
        "$input.path('$.x[2].y')",
        "$input.path('$.x[-1]')",
        "$input.path('$[*]')",
        "$input.path(",
        "$input.params(",
        "$input.params().header",
        "$input.body",
        "$util.escapeJavaScript(",
        "$util.parseJson(",
        "$util.urlDecode('%')",
        "$util.urlDecode('%zz%c3')",
        "$util.base64Decode('@@')",
        "$util.base64Encode(",
        "$util.toJson(",
        "$context.requestId",
        "#set($context.responseOverride.status = ",
        "$stageVariables.table",
        "[1..",
        "[-9223372036854775808..9223372036854775807]",
        "9999999999999999999999",
        "1.5e308",
        "-0",
        "0",
        "'",
        "\"",
        "''",
        "'é'",
        "'.*'",
        "'(a+)+$'",
        "'$0$0'",
        "'['",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        " + ",
        " - ",
        " * ",
        " / ",
        " % ",
        " == ",
        " != ",
        " && ",
        " || ",
        "!",
        " < ",
        "#*",
        "*#",
        "##",
        "\n",
        " ",
        "\\",
        "\\$a",
        "é",
        "日本",
        "\u{0}",
        "x",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..30_000 {
        let mut s = String::new();
        for _ in 0..rng.below(32) {
            s.push_str(alphabet[rng.below(alphabet.len())]);
        }
        check_bounded(&s);
    }
}

/// Fuzz-style: AWS's documented templates and the benchmark's, mutated a character at a time
/// (deleted, duplicated, swapped for a syntax character), 20,000 mutants.
#[test]
fn mutated_templates_never_panic_and_stay_bounded() {
    let seeds: &[&str] = &[
        r#"{"input": "$util.escapeJavaScript($input.json('$'))", "stateMachineArn": "arn:aws:states:us-east-1:123:stateMachine:M"}"#,
        "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
        r#"{"TableName": "$stageVariables.table", "Key": {"id": {"S": "$input.params('id')"}}}"#,
        r#"#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot.x)
  {"v": "$elem", "i": $foreach.index}#if($foreach.hasNext),#end
#end
]"#,
        r##"#set($allParams = $input.params())
{"params": {
#foreach($type in $allParams.keySet())
#set($params = $allParams.get($type))
"$type": {#foreach($paramName in $params.keySet())"$paramName": "$util.escapeJavaScript($params.get($paramName))"#if($foreach.hasNext),#end#end}#if($foreach.hasNext),#end
#end
}}"##,
        "#set($context.responseOverride.status = 400)\n#set($context.responseOverride.header.X-Reason = \"bad $input.path('$.s')\")\n{\"ok\": false}",
        "#if($input.path('$.n') == $null)none#elseif($input.path('$.s').contains(\"'\"))quote#else other#end ## done\n#* block *#",
    ];
    let syntax = [
        '$', '#', '(', ')', '[', ']', '{', '}', '\'', '"', '.', '!', '\\', '*', 'é',
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let mut chars: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
        for _ in 0..=rng.below(4) {
            let at = rng.below(chars.len());
            match rng.below(3) {
                0 => {
                    chars.remove(at);
                }
                1 => {
                    let c = chars[at];
                    chars.insert(at, c);
                }
                _ => chars[at] = syntax[rng.below(syntax.len())],
            }
            if chars.is_empty() {
                break;
            }
        }
        check_bounded(&chars.into_iter().collect::<String>());
    }
}

/// Literal patterns are compiled once, with the template; a pattern computed at run time still
/// works, compiled on its call; both give the same answers.
#[test]
fn literal_regexes_are_compiled_with_the_template() {
    let literal = r#"#set($s = 'a  b c')$s.replaceAll("\s+", '-') $s.replaceFirst('\s+', '') $s.split('\s+').size() $s.matches("a.*") $s.matches('b') $s.replaceAll("\s+", '_')"#;
    // `\s+` searched (once, though four calls use it), `a.*` and `b` matched whole.
    assert_eq!(parse(literal).unwrap().regexes.len(), 3);
    let dynamic = r#"#set($s = 'a  b c')#set($p = '\s+')#set($a = "a.*")#set($b = 'b')$s.replaceAll($p, '-') $s.replaceFirst($p, '') $s.split($p).size() $s.matches($a) $s.matches("$b") $s.replaceAll("$p", '_')"#;
    assert_eq!(parse(dynamic).unwrap().regexes.len(), 0);
    assert_eq!(render(literal, ""), "a-b-c ab c 3 true false a_b_c");
    assert_eq!(render(dynamic, ""), "a-b-c ab c 3 true false a_b_c");
    // Inside a loop, an `#if` and an interpolated string too.
    let nested = r##"#foreach($x in ['a1', 'b2'])#if($x.matches('[a-z]\d'))"$x.replaceAll('\d', '')"#end#end"##;
    assert_eq!(parse(nested).unwrap().regexes.len(), 2);
    assert_eq!(render(nested, ""), r#""a""b""#);
}

/// A pattern that does not compile answers `null` (printed as nothing), literal or not, and a
/// pattern whose program would be huge is refused by the size limit, not built.
#[test]
fn bad_and_huge_patterns_answer_null() {
    let bad = "#set($s = 'abc')$s.replaceAll('(', 'x')|$s.split('[')|$s.matches('*')";
    assert_eq!(parse(bad).unwrap().regexes.len(), 3);
    assert_eq!(render(bad, ""), "||");
    let bad = "#set($s = 'abc')#set($p = '(')$s.replaceAll($p, 'x')|$s.split($p)|$s.matches($p)";
    assert_eq!(render(bad, ""), "||");
    // `\w` is Unicode: 1,000 of them repeated 1,000 times is far over a MiB of program.
    let huge = r#"#set($s = 'abc')#set($p = '(?:\w{1000}){1000}')$s.matches($p)|$s.replaceAll($p, '')|$s.matches('(?:\w{1000}){1000}')"#;
    assert_eq!(render(huge, ""), "||");
}

/// Velocity's getter shorthand (`$s.length`, `$list.size` on a non-map) reads through the
/// `get…` methods, whatever the case of the property's first letter.
#[test]
fn getter_shorthand() {
    assert_eq!(
        render(
            "#set($s = 'abc')#set($l = [1, 2])$s.length $s.Length $l.size $l.Size $l.empty|$s.nothing|$s.é|$l.isEmpty",
            ""
        ),
        "3 3 2 2 ||abc.é|false"
    );
}
