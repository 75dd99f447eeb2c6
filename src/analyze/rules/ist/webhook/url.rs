//! The host of a webhook URL, read as Go's `net/url` reads it (istioctl
//! checks the URL with it): enough to tell a hostname from an IP address.

use std::net::IpAddr;

/// The URL's host (without port or brackets), `""` when it has none, or why
/// the URL does not parse.
pub(super) fn host(url: &str) -> Result<&str, &'static str> {
    if url.chars().any(|c| c.is_ascii_control()) {
        return Err("contains a control character");
    }
    let rest = url.split('#').next().unwrap_or("");
    // A scheme: a letter, then letters, digits, `+`, `-` or `.`, then `:`.
    let after_scheme = match rest.find(':') {
        Some(0) => return Err("has no scheme"),
        Some(colon)
            if rest[..colon].starts_with(|c: char| c.is_ascii_alphabetic())
                && rest[..colon]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            &rest[colon + 1..]
        }
        Some(colon) if !rest[..colon].contains('/') => {
            return Err("has a colon in its first path segment")
        }
        _ => rest,
    };
    let Some(authority) = after_scheme.strip_prefix("//") else {
        return Ok("");
    };
    let authority = authority.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        let Some((host, port)) = bracketed.split_once(']') else {
            return Err("has an unclosed [ in its host");
        };
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(valid_port)) {
            return Err("has an invalid port");
        }
        return Ok(host);
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if valid_port(port) => Ok(host),
        Some(_) => Err("has an invalid port"),
        None => Ok(host_port),
    }
}

fn valid_port(port: &str) -> bool {
    port.chars().all(|c| c.is_ascii_digit())
}

/// Whether a host is an IP address (Go's `net.ParseIP`: no zone).
pub(super) fn is_ip(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hosts_as_go_does() {
        assert_eq!(host("https://test.com:15017/validate"), Ok("test.com"));
        assert_eq!(host("https://1.1.1.1:5100/inject"), Ok("1.1.1.1"));
        assert_eq!(host("https://[::1]:443/x"), Ok("::1"));
        assert_eq!(
            host("https://user@istiod.example.com/x"),
            Ok("istiod.example.com")
        );
        assert_eq!(host("test.com/inject"), Ok(""));
        assert!(host("https://test.com:port/").is_err());
        assert!(host(":foo").is_err());
        assert!(host("https://a b\n").is_err());
        assert!(is_ip("1.1.1.1") && is_ip("::1") && !is_ip("test.com"));
    }
}
