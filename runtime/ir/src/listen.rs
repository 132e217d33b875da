//! Listen addresses: the one grammar that `gwc check` enforces at the spec line and the runtime
//! reads at start-up (`x-gateway.endpoint.listen`, `--listen`, `--admin-listen`).
//!
//! `HOST:PORT`, where HOST is an IPv4 address (`0.0.0.0` for every interface, `127.0.0.1`), an
//! IPv6 address in brackets (`[::]`, `[::1]`) or a host name (`localhost`, `gw.internal`), and
//! PORT is a decimal number 0–65535 (0 picks a free port). A host name is resolved when the
//! gateway starts, and the first address the system resolver returns is bound. Nothing else is
//! accepted: no scheme, no path, no bare port.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A parsed listen address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    /// What to bind.
    pub host: ListenHost,
    /// The port (0: any free port).
    pub port: u16,
}

/// The host part of a [`ListenAddr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenHost {
    /// An IP address, bound as is.
    Ip(IpAddr),
    /// A host name, resolved at start-up.
    Name(String),
}

/// Why a text is not a listen address; [`ListenError::help`] says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenError {
    /// `http://…`.
    #[error("`{0}` is a URL, not a listen address")]
    Url(String),
    /// `localhost`, `0.0.0.0`.
    #[error("`{0}` has no port")]
    NoPort(String),
    /// `:8080`, `8080`.
    #[error("`{0}` has no host")]
    NoHost(String),
    /// `::1:8080`, `::`: more than one `:` outside brackets.
    #[error("`{0}` is an IPv6 address without brackets")]
    UnbracketedIpv6(String),
    /// Not a number 0–65535.
    #[error("`{0}` is not a port number (0–65535)")]
    BadPort(String),
    /// Not an IP address or host name (`*`, `999.0.0.1`, `my_host`).
    #[error("`{0}` is not an IP address or host name")]
    BadHost(String),
}

impl ListenError {
    /// What to write instead.
    pub fn help(&self) -> String {
        match self {
            ListenError::Url(text) => {
                let bare = text.split_once("://").map_or(text.as_str(), |(_, r)| r);
                let bare = bare.split('/').next().unwrap_or(bare);
                format!("write only the host and port, e.g. `{bare}`")
            }
            ListenError::NoPort(host) if host.contains(':') => format!("write `[{host}]:8080`"),
            ListenError::NoPort(host) => format!("add the port, e.g. `{host}:8080`"),
            ListenError::NoHost(text) => {
                let port = text.trim_start_matches(':');
                format!(
                    "write `0.0.0.0:{port}` (every IPv4 interface), `[::]:{port}` or `127.0.0.1:{port}`"
                )
            }
            ListenError::UnbracketedIpv6(text) => match text.rsplit_once(':') {
                Some((ip, port))
                    if ip.parse::<Ipv6Addr>().is_ok()
                        && !port.is_empty()
                        && port.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    format!("write `[{ip}]:{port}`")
                }
                _ => format!("write `[{text}]:8080`"),
            },
            ListenError::BadPort(_) => "the port is a number from 0 to 65535 (0: any free port)".to_owned(),
            ListenError::BadHost(_) => "the host is an IPv4 address (`0.0.0.0` for every interface), an IPv6 address in brackets (`[::]`) or a host name (`localhost`)".to_owned(),
        }
    }
}

impl ListenAddr {
    /// Parses `HOST:PORT` (see the module documentation for the grammar).
    pub fn parse(text: &str) -> Result<ListenAddr, ListenError> {
        if text.contains("://") {
            return Err(ListenError::Url(text.to_owned()));
        }
        if let Some(rest) = text.strip_prefix('[') {
            let (ip, after) = rest
                .split_once(']')
                .ok_or_else(|| ListenError::BadHost(text.to_owned()))?;
            let ip: Ipv6Addr = ip
                .parse()
                .map_err(|_| ListenError::BadHost(format!("[{ip}]")))?;
            let port = match after.strip_prefix(':') {
                Some(port) => port,
                None if after.is_empty() => return Err(ListenError::NoPort(ip.to_string())),
                None => return Err(ListenError::BadHost(text.to_owned())),
            };
            return Ok(ListenAddr {
                host: ListenHost::Ip(IpAddr::V6(ip)),
                port: parse_port(port)?,
            });
        }
        if text.matches(':').count() > 1 {
            return Err(ListenError::UnbracketedIpv6(text.to_owned()));
        }
        let Some((host, port)) = text.rsplit_once(':') else {
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ListenError::NoHost(text.to_owned()));
            }
            return Err(ListenError::NoPort(text.to_owned()));
        };
        if host.is_empty() {
            return Err(ListenError::NoHost(text.to_owned()));
        }
        let port = parse_port(port)?;
        let host = if let Ok(ip) = host.parse::<Ipv4Addr>() {
            ListenHost::Ip(IpAddr::V4(ip))
        } else if is_host_name(host) {
            ListenHost::Name(host.to_owned())
        } else {
            return Err(ListenError::BadHost(host.to_owned()));
        };
        Ok(ListenAddr { host, port })
    }
}

fn parse_port(port: &str) -> Result<u16, ListenError> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ListenError::BadPort(port.to_owned()));
    }
    port.parse()
        .map_err(|_| ListenError::BadPort(port.to_owned()))
}

/// A DNS host name: dot-separated labels of ASCII letters, digits and `-` (1–63 characters, not
/// starting or ending with `-`), 253 characters at most, and not all digits (that would be a
/// mistyped IPv4 address).
fn is_host_name(host: &str) -> bool {
    host.len() <= 253
        && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            ListenHost::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]:{}", self.port),
            ListenHost::Ip(IpAddr::V4(ip)) => write!(f, "{ip}:{}", self.port),
            ListenHost::Name(name) => write!(f, "{name}:{}", self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        match ListenAddr::parse(text) {
            Ok(a) => a.to_string(),
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn err(text: &str) -> String {
        match ListenAddr::parse(text) {
            Ok(a) => panic!("{text} parsed as {a}"),
            Err(e) => format!("{e}; {}", e.help()),
        }
    }

    #[test]
    fn accepted() {
        for text in [
            "0.0.0.0:8080",
            "127.0.0.1:0",
            "[::]:8080",
            "[::1]:65535",
            "localhost:8080",
            "gw-1.internal.example:443",
        ] {
            assert_eq!(ok(text), text);
        }
        assert_eq!(
            ListenAddr::parse("localhost:0").map(|a| a.host),
            Ok(ListenHost::Name("localhost".to_owned()))
        );
    }

    #[test]
    fn refused_with_a_hint() {
        let cases = [
            ("http://0.0.0.0:8080/", "is a URL", "`0.0.0.0:8080`"),
            ("localhost", "has no port", "`localhost:8080`"),
            ("0.0.0.0", "has no port", "`0.0.0.0:8080`"),
            ("::", "without brackets", "`[::]:8080`"),
            ("8080", "has no host", "`0.0.0.0:8080`"),
            (":8080", "has no host", "`[::]:8080`"),
            ("::1:8080", "without brackets", "`[::1]:8080`"),
            ("fe80::1", "without brackets", "`[fe80::1]:8080`"),
            ("[::1]", "has no port", "`[::1]:8080`"),
            ("0.0.0.0:http", "not a port", "0 to 65535"),
            ("0.0.0.0:65536", "not a port", "0 to 65535"),
            ("0.0.0.0:+80", "not a port", "0 to 65535"),
            ("*:8080", "not an IP address or host name", "`0.0.0.0`"),
            (
                "999.0.0.1:80",
                "not an IP address or host name",
                "`0.0.0.0`",
            ),
            ("my_host:80", "not an IP address or host name", "host name"),
            ("[nope]:80", "not an IP address or host name", "brackets"),
            ("", "has no port", ":8080"),
        ];
        for (text, message, help) in cases {
            let got = err(text);
            assert!(got.contains(message) && got.contains(help), "{text}: {got}");
        }
    }
}
