//! Who the client is: its IP address, as the throttles and the complaint limit count it.
//!
//! A client can write any `X-Forwarded-For` it likes, so the header is believed only when the
//! connection comes from a proxy listed in `GONGZHI_TRUSTED_PROXIES`; otherwise the client is
//! the TCP peer. Behind trusted proxies, the client is the right-most address of the header that
//! is not itself a trusted proxy: each proxy appends the address it received the request from,
//! so everything left of that entry was written by the client and proves nothing.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

use crate::config::Config;

/// The client's address for `req`: the TCP peer, or — when the peer is a trusted proxy — the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy. Every limit keyed by client
/// goes through this one function.
pub fn client_ip(req: &HttpRequest, config: &Config) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_canonical())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    resolve(peer, &forwarded, &config.trusted_proxies)
}

/// The pure rule behind [`client_ip`]: `forwarded` is every `X-Forwarded-For` value, joined by
/// commas in the order received.
pub fn resolve(peer: IpAddr, forwarded: &str, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.rsplit(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some(ip) = parse_entry(entry) else {
            // Garbage in the chain: the last hop we could read is the best we know.
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(resolve(ip("203.0.113.9"), "1.2.3.4", &[]), ip("203.0.113.9"));
        assert_eq!(resolve(ip("127.0.0.1"), "1.2.3.4", &[]), ip("127.0.0.1"));
    }

    #[test]
    fn an_untrusted_peer_cannot_pick_its_address() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            resolve(ip("203.0.113.9"), "10.0.0.1", &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The client wrote "6.6.6.6" itself; the proxy appended the address it saw.
        assert_eq!(
            resolve(ip("127.0.0.1"), "6.6.6.6, 198.51.100.7, 10.1.2.3", &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), "198.51.100.7:4711", &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), "[2001:db8::1]:443", &trusted),
            ip("2001:db8::1")
        );
        // No header: the proxy itself.
        assert_eq!(resolve(ip("10.0.0.2"), "", &trusted), ip("10.0.0.2"));
        // Only proxies: the left-most of them.
        assert_eq!(
            resolve(ip("10.0.0.2"), "10.0.0.9, 10.0.0.3", &trusted),
            ip("10.0.0.9")
        );
        // Garbage stops the walk at the last address read.
        assert_eq!(
            resolve(ip("10.0.0.2"), "1.2.3.4, junk, 10.0.0.3", &trusted),
            ip("10.0.0.3")
        );
    }

    #[test]
    fn mapped_ipv4_counts_as_ipv4() {
        let trusted = nets(&["127.0.0.1/32"]);
        assert_eq!(
            resolve(ip("::ffff:127.0.0.1").to_canonical(), "192.0.2.1", &trusted),
            ip("192.0.2.1")
        );
    }
}
