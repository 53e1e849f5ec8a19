//! Where requests may go: the endpoint rule (https, or plain http to loopback only) and the
//! proxy rule (a proxy from the environment carries https calls only, and is itself https or
//! on loopback). Requests never follow redirects (see the client).

use reqwest::Url;
use std::net::IpAddr;

/// An endpoint smcplan refuses. Messages show the URL without any user name or password.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("endpoint '{0}' is not a URL")]
    NotUrl(String),
    #[error(
        "endpoint '{0}': plain http is allowed only to loopback addresses (127.0.0.0/8, ::1, localhost); use https"
    )]
    PlainHttp(String),
    #[error("endpoint '{0}': only https:// (or http:// to loopback) is supported")]
    Scheme(String),
    #[error(
        "endpoint '{0}': a user name or password in the URL is not supported (credentials come from the profile or the environment)"
    )]
    UserInfo(String),
    #[error(
        "endpoint '{0}': a query or a fragment in the URL is not supported (an endpoint is a scheme, a host and a port)"
    )]
    Query(String),
    #[error(
        "endpoint '{0}': {1} resolves to {2}, which is not a loopback address: plain http is allowed only to loopback; use https, or 127.0.0.1"
    )]
    NotLoopback(String, String, String),
}

/// Checks and normalises an endpoint URL.
pub fn parse_endpoint(text: &str) -> Result<Url, EndpointError> {
    let url = Url::parse(text).map_err(|_| EndpointError::NotUrl(text.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::UserInfo(without_userinfo(&url)));
    }
    // A query or fragment could carry a secret into the run record: the endpoint is shown
    // without them, and refused.
    if url.query().is_some() || url.fragment().is_some() {
        let mut shown = url.clone();
        shown.set_query(None);
        shown.set_fragment(None);
        return Err(EndpointError::Query(shown.to_string()));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(EndpointError::PlainHttp(text.to_string())),
        _ => Err(EndpointError::Scheme(text.to_string())),
    }
}

/// Whether `url` names this machine: an address in 127.0.0.0/8, `::1` (also as the
/// IPv4-mapped `::ffff:127.x.y.z`), or `localhost` (with or without its trailing dot).
/// IPv4 in any spelling the URL standard reads (`127.1`, `0x7f.1`, `2130706433`,
/// full-width digits) is read as the address a client would connect to.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost") || d.eq_ignore_ascii_case("localhost."),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback(),
            None => IpAddr::V6(ip).is_loopback(),
        },
        None => false,
    }
}

/// The addresses a plain-http endpoint named by a host name (`localhost`) resolves to, each
/// checked to be loopback: the client connects to these and no other, so that a hosts file
/// or a DNS answer cannot send plain http elsewhere. `None` for https and IP endpoints.
pub fn pinned_loopback(url: &Url) -> Result<Option<(String, Vec<std::net::SocketAddr>)>, EndpointError> {
    pinned_with(url, &|host, port| {
        use std::net::ToSocketAddrs as _;
        (host, port).to_socket_addrs().map(Iterator::collect)
    })
}

/// What the system resolver answers for a host and port.
type Resolve = dyn Fn(&str, u16) -> std::io::Result<Vec<std::net::SocketAddr>>;

fn pinned_with(url: &Url, resolve: &Resolve) -> Result<Option<(String, Vec<std::net::SocketAddr>)>, EndpointError> {
    let (Some(url::Host::Domain(host)), "http") = (url.host(), url.scheme()) else {
        return Ok(None);
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let shown = || url.to_string();
    let addrs: Vec<std::net::SocketAddr> = resolve(host, port)
        .map_err(|e| EndpointError::NotLoopback(shown(), host.to_string(), format!("nothing ({e})")))?;
    if let Some(a) = addrs.iter().find(|a| !a.ip().to_canonical().is_loopback()) {
        return Err(EndpointError::NotLoopback(shown(), host.to_string(), a.ip().to_string()));
    }
    if addrs.is_empty() {
        return Err(EndpointError::NotLoopback(shown(), host.to_string(), "nothing".to_string()));
    }
    Ok(Some((host.to_string(), addrs)))
}

/// `url` as text without a user name or password, for messages.
pub fn without_userinfo(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// The environment variables that name a proxy for https requests, in the order read.
/// `HTTP_PROXY` is not among them: it serves plain http, which smcplan sends to loopback only.
pub const PROXY_VARIABLES: &[&str] = &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// The proxy decision, made once from the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyRule {
    /// The proxy for https requests, and the variable that named it.
    pub proxy: Option<(&'static str, Url)>,
    /// A proxy the environment named that smcplan will not use, and why.
    pub refused: Option<String>,
    /// `NO_PROXY` entries: hosts and domain suffixes reached directly (`*`: every host).
    pub bypass: Vec<String>,
}

impl ProxyRule {
    /// Reads the proxy variables; `--no-proxy` is an empty rule.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> ProxyRule {
        let mut rule = ProxyRule::default();
        let Some((var, value)) = PROXY_VARIABLES.iter().find_map(|v| env(v).map(|x| (*v, x))) else {
            return rule;
        };
        let bypass = env("NO_PROXY").or_else(|| env("no_proxy")).unwrap_or_default();
        rule.bypass = bypass.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
        // `host:port` without a scheme means http, as curl reads it.
        let parsed = Url::parse(&value)
            .ok()
            .filter(|u| u.has_host())
            .or_else(|| Url::parse(&format!("http://{value}")).ok().filter(|u| u.has_host()));
        match parsed {
            None => rule.refused = Some(format!("{var} is not a proxy URL")),
            Some(url) if url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url)) => {
                rule.proxy = Some((var, url));
            }
            Some(url) => {
                rule.refused = Some(format!(
                    "{var} names {}, which is neither https nor on loopback: the proxy would see every signed request",
                    without_userinfo(&url)
                ));
            }
        }
        rule
    }

    /// The proxy a request to `url` goes through, if any.
    pub fn proxy_for(&self, url: &Url) -> Option<&Url> {
        let (_, proxy) = self.proxy.as_ref()?;
        if url.scheme() != "https" || self.bypassed(url.host_str().unwrap_or_default()) {
            return None;
        }
        Some(proxy)
    }

    fn bypassed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.bypass.iter().any(|entry| {
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            entry == "*" || host == entry || host.ends_with(&format!(".{entry}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spellings of an endpoint host, and whether plain http to them is allowed.
    const SPELLINGS: &[(&str, bool)] = &[
        ("http://127.0.0.1", true),
        ("http://127.0.0.1:8080/", true),
        ("http://127.9.9.9", true),
        ("http://127.255.255.254:1", true),
        ("http://127.1", true),
        ("http://127.0.1", true),
        ("http://2130706433", true),
        ("http://0x7f000001", true),
        ("http://0x7f.0.0.1", true),
        ("http://0177.0.0.1", true),
        ("http://0177.1", true),
        ("http://017700000001", true),
        ("http://127.000.000.001", true),
        ("http://[::1]:9", true),
        ("http://[0:0:0:0:0:0:0:1]", true),
        ("http://[::ffff:127.0.0.1]", true),
        ("http://[::ffff:7f00:1]:80", true),
        ("http://[::ffff:127.1.2.3]", true),
        ("http://localhost:1", true),
        ("http://LOCALHOST", true),
        ("http://LocalHost:80", true),
        ("http://localhost.", true),
        ("http://localhost.:9", true),
        ("http://１２７.０.０.１", true),
        ("http://127。0。0。1", true),
        ("http://ｌｏｃａｌｈｏｓｔ", true),
        ("http://10.0.0.1:80", false),
        ("http://0.0.0.0", false),
        ("http://0", false),
        ("http://128.0.0.1", false),
        ("http://126.255.255.255", false),
        ("http://[::]", false),
        ("http://[::2]", false),
        ("http://[::127.0.0.1]", false),
        ("http://[::ffff:10.0.0.1]", false),
        ("http://[fe80::1]", false),
        ("http://localhost..", false),
        ("http://localhost.localdomain", false),
        ("http://foo.localhost", false),
        ("http://localhost.example.com", false),
        ("http://127.0.0.1.nip.io", false),
        ("http://127.0.0.1.", true),
        ("http://smc.aliyuncs.com", false),
        ("http://127.0.0.1@10.0.0.1", false),
        ("http://user:pw@127.0.0.1", false),
        ("http://10.0.0.1#@127.0.0.1", false),
        ("http://10.0.0.1?@127.0.0.1", false),
        ("http://10.0.0.1\\@127.0.0.1", false),
        ("http://localhost%2e", true),
        ("http://2130706432", true),
        ("http://0x80000001", false),
        ("http://[::1%25lo]", false),
        ("http:127.0.0.1", true),
        ("http://127.0.0.1:99999", false),
        ("https://smc.aliyuncs.com", true),
        ("https://10.0.0.1", true),
        ("https://user@smc.aliyuncs.com", false),
        ("ftp://127.0.0.1", false),
        ("file:///etc/passwd", false),
        ("smc.aliyuncs.com", false),
        ("https://", false),
    ];

    #[test]
    fn endpoint_spellings() {
        assert!(SPELLINGS.len() >= 50);
        let mut wrong = Vec::new();
        for (text, allowed) in SPELLINGS {
            if parse_endpoint(text).is_ok() != *allowed {
                wrong.push(format!("{text}: {:?}", parse_endpoint(text)));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn a_host_name_for_plain_http_is_pinned_to_addresses_checked_loopback() {
        let url = |t: &str| parse_endpoint(t).unwrap();
        let hosts =
            |ip: &'static str| move |_: &str, port: u16| Ok(vec![std::net::SocketAddr::new(ip.parse().unwrap(), port)]);
        // A hosts file that names 192.0.2.10 localhost: refused, naming the address.
        let err = pinned_with(&url("http://localhost:8080"), &hosts("192.0.2.10")).unwrap_err().to_string();
        assert_eq!(
            err,
            "endpoint 'http://localhost:8080/': localhost resolves to 192.0.2.10, which is not a loopback address: plain http is allowed only to loopback; use https, or 127.0.0.1"
        );
        let (host, addrs) = pinned_with(&url("http://localhost.:9"), &hosts("127.0.0.7")).unwrap().unwrap();
        assert_eq!((host.as_str(), addrs[0].to_string()), ("localhost.", "127.0.0.7:9".to_string()));
        assert_eq!(pinned_with(&url("http://localhost:9"), &hosts("::ffff:127.0.0.1")).map(|p| p.is_some()), Ok(true));
        assert_eq!(pinned_with(&url("https://smc.aliyuncs.com"), &hosts("192.0.2.10")), Ok(None));
        assert_eq!(pinned_with(&url("http://127.0.0.1:9"), &hosts("192.0.2.10")), Ok(None));
        let real = pinned_loopback(&url("http://localhost:9")).unwrap().unwrap();
        assert!(real.1.iter().all(|a| a.ip().to_canonical().is_loopback()), "{real:?}");
    }

    #[test]
    fn an_endpoint_with_a_query_or_a_fragment_is_refused_without_showing_it() {
        for text in ["https://smc.aliyuncs.com/?AccessKeySecret=s3cr3t", "http://127.0.0.1:9/#SecurityToken=t0k"] {
            let err = parse_endpoint(text).unwrap_err().to_string();
            assert!(err.contains("a query or a fragment") && !err.contains("s3cr3t") && !err.contains("t0k"), "{err}");
        }
    }

    #[test]
    fn refusals_say_why_without_credentials() {
        assert_eq!(
            parse_endpoint("http://10.0.0.1:80").unwrap_err().to_string(),
            "endpoint 'http://10.0.0.1:80': plain http is allowed only to loopback addresses (127.0.0.0/8, ::1, localhost); use https"
        );
        assert!(matches!(parse_endpoint("http://smc.aliyuncs.com"), Err(EndpointError::PlainHttp(_))));
        assert!(matches!(parse_endpoint("ftp://x"), Err(EndpointError::Scheme(_))));
        assert!(matches!(parse_endpoint("smc.aliyuncs.com"), Err(EndpointError::NotUrl(_))));
        let err = parse_endpoint("https://LTAIid:s3cret@smc.aliyuncs.com").unwrap_err().to_string();
        assert!(
            err.contains("https://smc.aliyuncs.com/") && !err.contains("s3cret") && !err.contains("LTAIid"),
            "{err}"
        );
    }

    fn rule(vars: &[(&str, &str)]) -> ProxyRule {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ProxyRule::from_env(&move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn proxies_carry_https_only_and_are_https_or_loopback() {
        let smc = Url::parse("https://smc.aliyuncs.com").unwrap();
        let local = Url::parse("http://127.0.0.1:9").unwrap();
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, bool);
        let cases: &[Case] = &[
            (&[], None, false),
            (&[("HTTP_PROXY", "http://127.0.0.2:3128"), ("http_proxy", "http://10.0.0.1:3128")], None, false),
            (&[("HTTPS_PROXY", "https://proxy.corp:3128")], Some("https://proxy.corp:3128/"), false),
            (&[("https_proxy", "http://127.0.0.1:3128")], Some("http://127.0.0.1:3128/"), false),
            (&[("ALL_PROXY", "http://[::1]:3128")], Some("http://[::1]:3128/"), false),
            (&[("all_proxy", "localhost:3128")], Some("http://localhost:3128/"), false),
            (&[("HTTPS_PROXY", "http://10.0.0.1:3128")], None, true),
            (&[("ALL_PROXY", "http://proxy.corp:3128")], None, true),
            (&[("all_proxy", "socks5://127.0.0.1:1080")], None, true),
            (&[("HTTPS_PROXY", "http://u:pw@10.0.0.1:3128")], None, true),
            (&[("HTTPS_PROXY", "https://p:1"), ("NO_PROXY", "aliyuncs.com")], None, false),
            (&[("HTTPS_PROXY", "https://p:1"), ("no_proxy", ".aliyuncs.com")], None, false),
            (&[("HTTPS_PROXY", "https://p:1"), ("NO_PROXY", "*")], None, false),
            (&[("HTTPS_PROXY", "https://p:1"), ("NO_PROXY", "example.com,cs.com")], Some("https://p:1/"), false),
        ];
        for (vars, want, refused) in cases {
            let r = rule(vars);
            assert_eq!(r.proxy_for(&smc).map(Url::as_str), *want, "{vars:?}");
            assert_eq!(r.refused.is_some(), *refused, "{vars:?}: {:?}", r.refused);
            assert_eq!(r.proxy_for(&local), None, "{vars:?}: never for plain http");
        }
        let r = rule(&[("HTTPS_PROXY", "http://user:hunter2@10.0.0.1:3128")]);
        let why = r.refused.unwrap();
        assert!(!why.contains("hunter2") && !why.contains("user"), "{why}");
    }
}
