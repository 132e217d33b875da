//! `gwc serve` against a real spec file on disk and a real socket: it serves, picks up edits,
//! keeps serving the last good version when an edit breaks the spec, and stops gracefully.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

fn spec(body: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: Reload, version: "1.0"}}
x-gateway:
  name: reload
paths:
  /hello:
    get:
      x-gateway-integration: {{type: mock, status: 200, body: "{body}"}}
      responses:
        "200": {{description: ok}}
"#
    )
}

/// One `GET /hello` over a fresh connection; the body, or the error as text.
fn get(addr: SocketAddr) -> String {
    let attempt = || -> std::io::Result<String> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        s.write_all(b"GET /hello HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")?;
        let mut response = String::new();
        s.read_to_string(&mut response)?;
        Ok(response
            .split_once("\r\n\r\n")
            .map_or_else(String::new, |(_, body)| body.to_owned()))
    };
    attempt().unwrap_or_else(|e| format!("error: {e}"))
}

/// Polls until `GET /hello` answers `want`, for up to 10 s (file events and the debounce take
/// a few hundred milliseconds).
fn wait_for(addr: SocketAddr, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = get(addr);
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still `{got}`, expected `{want}`"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Replaces the file the way editors do: write a temporary file, rename it over the old one.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("yaml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn serves_reloads_keeps_the_last_good_spec_and_stops() {
    let dir = std::env::temp_dir().join(format!("gwc-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.yaml");
    std::fs::write(&path, spec("v1")).unwrap();

    let args = gwc_runtime::RuntimeArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        workers: Some(1),
        ..Default::default()
    };
    let serving = match gwc::serve::Serving::start(&path, &args, false) {
        Ok(s) => s,
        Err(gwc::serve::ServeError::Spec(front)) => {
            panic!("{}", gwc::build::render(&front, false))
        }
        Err(e) => panic!("{e}"),
    };
    let addr = serving.local_addr();
    let stopper = serving.stopper();
    let running = std::thread::spawn(move || serving.run());
    assert_eq!(get(addr), "v1");

    save(&path, &spec("v2"));
    wait_for(addr, "v2");

    // A broken spec is reported and the previous gateway keeps serving.
    save(&path, "openapi: 3.0.3\npaths: [not, a, map\n");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(get(addr), "v2");

    // Written in place (no rename) this time.
    std::fs::write(&path, spec("v3")).unwrap();
    wait_for(addr, "v3");

    stopper.stop();
    running.join().unwrap();
    assert!(get(addr).starts_with("error:"), "still serving after stop");
    let _ = std::fs::remove_dir_all(&dir);
}
