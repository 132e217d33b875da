//! The client side of a running gateway's management API (`gwc keys`, `gwc usage`,
//! `gwc cache flush`): one HTTP/1.1 request per command to the admin listener
//! (`--admin-listen` of the gateway), JSON in and out.
//!
//! The admin listener is meant for loopback or a private network, so plain HTTP over a
//! blocking socket is all a command needs; the CLI pulls in no HTTP client for it. The server
//! side (and the endpoints) is documented in the runtime's `server::admin`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long one command waits for the gateway (a Redis-backed change may take a few round
/// trips).
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a management command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// `--admin` is not `http://HOST:PORT`.
    #[error(
        "`{0}` is not an admin address: expected http://HOST:PORT (the gateway's --admin-listen)"
    )]
    BadUrl(String),
    /// The gateway could not be reached or answered something that is not HTTP.
    #[error("cannot reach the admin listener at {url}: {reason}")]
    Io {
        /// The address tried.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The gateway refused the command (its `{"message"}` is shown).
    #[error("the gateway answered {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The gateway's message.
        message: String,
    },
}

/// A management API endpoint of one gateway.
#[derive(Debug, Clone)]
pub struct Admin {
    host: String,
    url: String,
}

impl Admin {
    /// `http://HOST:PORT` (a trailing slash is fine).
    pub fn new(url: &str) -> Result<Admin, AdminError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| AdminError::BadUrl(url.to_owned()))?;
        let host = rest.trim_end_matches('/');
        if host.is_empty() || host.contains('/') {
            return Err(AdminError::BadUrl(url.to_owned()));
        }
        Ok(Admin {
            host: host.to_owned(),
            url: url.to_owned(),
        })
    }

    /// Sends one request; a 2xx answer's JSON body, or the gateway's refusal.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, AdminError> {
        let io = |e: &dyn std::fmt::Display| AdminError::Io {
            url: self.url.clone(),
            reason: e.to_string(),
        };
        let addr = self
            .host
            .to_socket_addrs()
            .map_err(|e| io(&e))?
            .next()
            .ok_or_else(|| io(&"the name resolves to no address"))?;
        let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| io(&e))?;
        stream.set_read_timeout(Some(TIMEOUT)).map_err(|e| io(&e))?;
        let payload = body.map(serde_json::Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{payload}",
            self.host,
            payload.len()
        );
        stream.write_all(request.as_bytes()).map_err(|e| io(&e))?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(|e| io(&e))?;
        let (status, body) = parse_response(&raw).ok_or_else(|| io(&"not an HTTP response"))?;
        let value: serde_json::Value =
            serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(AdminError::Refused {
                status,
                message: value
                    .get("message")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("(no message)")
                    .to_owned(),
            })
        }
    }
}

/// The status and body of a response read to the end (`connection: close`; the admin
/// listener sends a `content-length`, which bounds the body when present).
fn parse_response(raw: &[u8]) -> Option<(u16, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let mut body = &raw[end + 4..];
    let length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    if let Some(n) = length {
        body = body.get(..n)?;
    }
    Some((status, body))
}

/// `PLAN` or `PLAN@STAGE` as the plan link the admin API takes.
pub fn plan_link(text: &str) -> serde_json::Value {
    match text.split_once('@') {
        Some((plan, stage)) => serde_json::json!({ "plan": plan, "stage": stage }),
        None => serde_json::json!({ "plan": text }),
    }
}

/// Percent-encodes a key id for a path segment.
pub fn segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// One line per key: id, enabled, plans.
pub fn keys_table(list: &serde_json::Value) -> String {
    let mut out = String::from("ID\tENABLED\tPLANS\tSOURCE\n");
    for key in list
        .get("items")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        let plans: Vec<String> = key
            .get("plans")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| {
                let plan = p.get("plan").and_then(|v| v.as_str()).unwrap_or("?");
                match p.get("stage").and_then(|v| v.as_str()) {
                    Some(s) => format!("{plan}@{s}"),
                    None => plan.to_owned(),
                }
            })
            .collect();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            key.get("id").and_then(|v| v.as_str()).unwrap_or("?"),
            key.get("enabled")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            if plans.is_empty() {
                "-".to_owned()
            } else {
                plans.join(",")
            },
            if key.get("fromSpec").and_then(serde_json::Value::as_bool) == Some(true) {
                "spec"
            } else {
                "managed"
            },
        ));
    }
    out
}

/// One line per day: date, requests.
pub fn usage_table(usage: &serde_json::Value) -> String {
    let mut out = String::from("DATE\tREQUESTS\n");
    for day in usage
        .get("items")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push_str(&format!(
            "{}\t{}\n",
            day.get("date").and_then(|v| v.as_str()).unwrap_or("?"),
            day.get("used")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_and_addresses_parse() {
        let raw = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}extra";
        assert_eq!(parse_response(raw), Some((201, &b"{}"[..])));
        assert!(parse_response(b"garbage").is_none());
        assert!(Admin::new("http://127.0.0.1:9901/").is_ok());
        assert!(matches!(
            Admin::new("127.0.0.1:9901"),
            Err(AdminError::BadUrl(_))
        ));
        assert_eq!(plan_link("gold@prod")["stage"], "prod");
        assert_eq!(segment("a b"), "a%20b");
    }
}
