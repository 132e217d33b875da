//! Data-driven routing-table tests: one table of routes, many `METHOD path` probes, one
//! expected outcome per probe in a single snapshot.

use std::fmt::Write;

use expect_test::{Expect, expect};

use super::*;
use crate::ir::{HttpProxy, Integration, Millis, PathTemplate, Route, UriTemplate};

fn route(method: Method, path: &str) -> Route {
    Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).unwrap(),
        integration: Integration::HttpProxy(HttpProxy {
            uri: UriTemplate::parse("http://127.0.0.1:1/").unwrap(),
        }),
        timeout: Millis(1000),
        ..Route::default()
    }
}

fn table() -> Vec<Route> {
    use Method::*;
    vec![
        route(Get, "/"),
        route(Get, "/pets"),
        route(Post, "/pets"),
        route(Get, "/pets/{id}"),
        route(Delete, "/pets/{id}"),
        route(Get, "/pets/mine"),
        route(Get, "/pets/{id}/photo"),
        route(Post, "/pets/mine/photo"),
        route(Get, "/Calls/{sid}.json"),
        route(Get, "/Calls/{sid}"),
        route(Any, "/files/{proxy+}"),
        route(Get, "/files/readme"),
        route(Get, "/a/{x}/c"),
        route(Get, "/a/b/d"),
        route(Any, "/any"),
        route(Put, "/any"),
        route(Trace, "/any"),
    ]
}

fn check(routes: &[Route], base: Option<&str>, probes: &str, expect: &Expect) {
    let router = Router::new(routes, base).unwrap();
    let mut out = String::new();
    for probe in probes.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (method, path) = probe.split_once(' ').unwrap();
        let method = http::Method::from_bytes(method.as_bytes()).unwrap();
        let result = match router.lookup(&method, path) {
            Lookup::Found(id, params) => {
                let captured: Vec<String> = (0..params.len())
                    .map(|i| {
                        format!(
                            "{}={}",
                            params.raw(path, i).unwrap(),
                            params.decoded(path, i).unwrap()
                        )
                    })
                    .collect();
                format!("{} [{}]", routes[id as usize].id, captured.join(", "))
            }
            Lookup::MethodNotAllowed(allow) => format!("405 allow: {}", allow.to_str().unwrap()),
            Lookup::NotFound => "404".to_owned(),
            Lookup::BadPath => "400".to_owned(),
        };
        writeln!(out, "{probe:<32} => {result}").unwrap();
    }
    expect.assert_eq(&out);
}

#[test]
fn precedence_and_params() {
    check(
        &table(),
        None,
        "
        GET /
        GET /pets
        GET /pets/
        POST /pets
        PUT /pets
        GET /pets/42
        DELETE /pets/42
        GET /pets/mine
        DELETE /pets/mine
        GET /pets/mine/photo
        POST /pets/mine/photo
        PUT /pets/mine/photo
        GET /pets/42/photo
        GET /Calls/CA1.json
        GET /Calls/CA1
        GET /Calls/.json
        GET /files/a
        POST /files/a/b/c
        GET /files/a/b/
        GET /files/readme
        POST /files/readme
        GET /files
        GET /files/
        GET /a/b/c
        GET /a/b/d
        GET /any
        PUT /any
        PROPFIND /any
        TRACE /any
        CONNECT /any
        PROPFIND /pets
        CONNECT /files/a
        TRACE /files/a
        OPTIONS /files/a
        PATCH /files/a
        GET /nothing
        GET /pets/42/photo/extra
        ",
        &expect![[r#"
            GET /                            => GET / []
            GET /pets                        => GET /pets []
            GET /pets/                       => GET /pets []
            POST /pets                       => POST /pets []
            PUT /pets                        => 405 allow: GET, POST
            GET /pets/42                     => GET /pets/{id} [42=42]
            DELETE /pets/42                  => DELETE /pets/{id} [42=42]
            GET /pets/mine                   => GET /pets/mine []
            DELETE /pets/mine                => DELETE /pets/{id} [mine=mine]
            GET /pets/mine/photo             => GET /pets/{id}/photo [mine=mine]
            POST /pets/mine/photo            => POST /pets/mine/photo []
            PUT /pets/mine/photo             => 405 allow: POST
            GET /pets/42/photo               => GET /pets/{id}/photo [42=42]
            GET /Calls/CA1.json              => GET /Calls/{sid}.json [CA1=CA1]
            GET /Calls/CA1                   => GET /Calls/{sid} [CA1=CA1]
            GET /Calls/.json                 => GET /Calls/{sid} [.json=.json]
            GET /files/a                     => ANY /files/{proxy+} [a=a]
            POST /files/a/b/c                => ANY /files/{proxy+} [a/b/c=a/b/c]
            GET /files/a/b/                  => ANY /files/{proxy+} [a/b/=a/b/]
            GET /files/readme                => GET /files/readme []
            POST /files/readme               => ANY /files/{proxy+} [readme=readme]
            GET /files                       => 404
            GET /files/                      => 404
            GET /a/b/c                       => GET /a/{x}/c [b=b]
            GET /a/b/d                       => GET /a/b/d []
            GET /any                         => ANY /any []
            PUT /any                         => PUT /any []
            PROPFIND /any                    => 405 allow: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE
            TRACE /any                       => TRACE /any []
            CONNECT /any                     => 405 allow: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE
            PROPFIND /pets                   => 405 allow: GET, POST
            CONNECT /files/a                 => 405 allow: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH
            TRACE /files/a                   => 405 allow: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH
            OPTIONS /files/a                 => ANY /files/{proxy+} [a=a]
            PATCH /files/a                   => ANY /files/{proxy+} [a=a]
            GET /nothing                     => 404
            GET /pets/42/photo/extra         => 404
        "#]],
    );
}

#[test]
fn percent_encoding_and_normalisation() {
    check(
        &table(),
        None,
        "
        GET /p%65ts
        GET /pets/a%20b
        GET /pets/a%2Fb
        GET /files/a%2Fb/c
        GET /pets//42
        GET //pets
        GET /pets/.
        GET /pets/..
        GET /files/../pets
        GET /files/a/%2e%2e/b
        GET /files/%2E%2E
        GET /files/..%2fetc
        GET /files/..%5cetc
        GET /files/a%00b
        GET /files/a.b..c
        GET /files/...
        GET /files/a\\..\\b
        OPTIONS *
        CONNECT example.com:443
        ",
        &expect![[r#"
            GET /p%65ts                      => GET /pets []
            GET /pets/a%20b                  => GET /pets/{id} [a%20b=a b]
            GET /pets/a%2Fb                  => GET /pets/{id} [a%2Fb=a/b]
            GET /files/a%2Fb/c               => ANY /files/{proxy+} [a%2Fb/c=a/b/c]
            GET /pets//42                    => 404
            GET //pets                       => 404
            GET /pets/.                      => 400
            GET /pets/..                     => 400
            GET /files/../pets               => 400
            GET /files/a/%2e%2e/b            => 400
            GET /files/%2E%2E                => 400
            GET /files/..%2fetc              => 400
            GET /files/..%5cetc              => 400
            GET /files/a%00b                 => 400
            GET /files/a.b..c                => ANY /files/{proxy+} [a.b..c=a.b..c]
            GET /files/...                   => ANY /files/{proxy+} [...=...]
            GET /files/a\..\b                => 400
            OPTIONS *                        => 404
            CONNECT example.com:443          => 404
        "#]],
    );
}

#[test]
fn base_path() {
    check(
        &table(),
        Some("/prod"),
        "
        GET /prod
        GET /prod/
        GET /prod/pets
        GET /prod/pets/7
        GET /pets
        GET /production/pets
        GET /prod//pets
        ",
        &expect![[r#"
            GET /prod                        => GET / []
            GET /prod/                       => GET / []
            GET /prod/pets                   => GET /pets []
            GET /prod/pets/7                 => GET /pets/{id} [7=7]
            GET /pets                        => 404
            GET /production/pets             => 404
            GET /prod//pets                  => 404
        "#]],
    );
}

#[test]
fn many_params_spill() {
    let routes = vec![route(Method::Get, "/{a}/{b}/{c}/{d}/{e}/{f}")];
    check(
        &routes,
        None,
        "GET /1/2/3/4/5/6",
        &expect![[r#"
            GET /1/2/3/4/5/6                 => GET /{a}/{b}/{c}/{d}/{e}/{f} [1=1, 2=2, 3=3, 4=4, 5=5, 6=6]
        "#]],
    );
}

#[test]
fn conflicting_routes() {
    let routes = vec![route(Method::Get, "/p/{a}"), route(Method::Get, "/p/{b}")];
    let err = Router::new(&routes, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "routes `GET /p/{a}` and `GET /p/{b}` both serve GET /p/{b}"
    );
}

/// The static-path shortcut answers exactly what the walk alone answers, method fallbacks,
/// trailing slashes, base paths and unsafe paths included.
#[test]
fn static_paths_match_as_the_walk_does() {
    let mut routes = table();
    routes.push(route(Method::Get, "/odd/%2e%2e"));
    routes.push(route(Method::Get, "/dots/../up"));
    for base in [None, Some("/prod")] {
        let fast = Router::new(&routes, base).unwrap();
        assert!(fast.statics.len() >= 6, "{:?}", fast.statics);
        let walk = Router {
            statics: Vec::new(),
            ..Router::new(&routes, base).unwrap()
        };
        let prefix = base.unwrap_or("");
        for method in ["GET", "POST", "PUT", "DELETE", "TRACE", "PATCH", "BREW"] {
            let method = http::Method::from_bytes(method.as_bytes()).unwrap();
            for path in [
                "/",
                "/pets",
                "/pets/",
                "/pets//",
                "/pets/mine",
                "/pets/mine/",
                "/pets/mine/photo",
                "/files/readme",
                "/files/readme/",
                "/a/b/d",
                "/a/b/c",
                "/any",
                "/any/",
                "/Calls/x.json",
                "/odd/%2e%2e",
                "/dots/../up",
                "/pets/./mine",
                "/PETS",
            ] {
                let path = format!("{prefix}{path}");
                assert_eq!(
                    format!("{:?}", fast.lookup(&method, &path)),
                    format!("{:?}", walk.lookup(&method, &path)),
                    "{method} {path}"
                );
            }
        }
    }
}
