//! The credentials a client signs with, kept fresh: temporary credentials are fetched again
//! when less than a fifth of their lifetime (or 3 minutes, or half of a lifetime shorter
//! than 6 minutes) remains, once for every request waiting; a failed refresh is tried again
//! with a backoff while the old ones still hold; no request is signed with credentials
//! within 10 seconds (a tenth of a shorter lifetime) of their Expiration.

use super::{Chosen, CredentialError, Credentials, Provider, Source};
use crate::api::redact::Redactor;
use jiff::{SignedDuration, Timestamp};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Credentials this close to their Expiration are not used (a tenth of a short lifetime).
fn safety(lifetime: SignedDuration) -> SignedDuration {
    SignedDuration::from_secs(10).min(lifetime / 10)
}
/// Refreshes tried in a row before expired credentials stop the run.
const TRIES: u32 = 6;

/// The credentials in use, their source, and every secret they have had (for masking).
pub struct Keys {
    chosen: Chosen,
    http: reqwest::Client,
    state: tokio::sync::Mutex<State>,
    shown: Mutex<(String, Arc<Redactor>, Vec<String>)>,
    fetches: AtomicU64,
}

struct State {
    now: Credentials,
    obtained: Timestamp,
    failed: u32,
    /// No refresh is tried before this (the backoff after a failed one).
    next_try: Option<Timestamp>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("source", &self.chosen.source).finish_non_exhaustive()
    }
}

/// How long before the Expiration a refresh starts, for credentials that live `lifetime`.
pub fn refresh_within(lifetime: SignedDuration) -> SignedDuration {
    let three_minutes = SignedDuration::from_secs(180);
    (lifetime / 5).max(three_minutes.min(lifetime / 2))
}

impl Keys {
    /// Long-lived credentials, as given.
    pub fn fixed(credentials: Credentials) -> Keys {
        Keys::with(Chosen::fixed(credentials.clone()), credentials)
    }

    fn with(chosen: Chosen, credentials: Credentials) -> Keys {
        let redactor = Arc::new(Redactor::new(&credentials));
        let mut secrets = vec![credentials.access_key_secret.expose().to_string()];
        secrets.extend(credentials.security_token.as_ref().map(|t| t.expose().to_string()));
        let shown = Mutex::new((credentials.access_key_id.clone(), redactor, secrets));
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("a client with rustls and static settings builds");
        let state = State { now: credentials, obtained: Timestamp::now(), failed: 0, next_try: None };
        Keys { chosen, http, state: tokio::sync::Mutex::new(state), shown, fetches: AtomicU64::new(0) }
    }

    /// The first credentials of the first of `candidates` that answers (the chain's tail,
    /// the instance role then a credentials URI, may have two); `not_found` is said when
    /// the instance role the chain fell back on has no service to answer.
    pub async fn first(candidates: Vec<Chosen>, not_found: &str) -> Result<Keys, CredentialError> {
        let mut last = None;
        let count = candidates.len();
        for (i, chosen) in candidates.into_iter().enumerate() {
            let probe = Keys::fixed(Credentials::key("", "", ""));
            match fetch(&chosen, &probe.http).await {
                Ok(c) => {
                    let keys = Keys::with(chosen, c);
                    keys.fetches.store(1, Ordering::Relaxed);
                    return Ok(keys);
                }
                Err(e) if i + 1 < count => last = Some(e),
                Err(e) if matches!(chosen.provider, Provider::Ecs { .. }) && chosen.source.profile.is_none() => {
                    return Err(CredentialError::NotFound(format!("{not_found} ({e})")));
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| CredentialError::NotFound(not_found.to_string())))
    }

    /// Where the credentials come from, for the run record and the note on stderr.
    pub fn source(&self) -> &Source {
        &self.chosen.source
    }

    /// The AccessKeyId in use now.
    pub fn access_key_id(&self) -> String {
        self.shown.lock().unwrap_or_else(|e| e.into_inner()).0.clone()
    }

    /// Masks every secret these credentials have had.
    pub fn redactor(&self) -> Arc<Redactor> {
        Arc::clone(&self.shown.lock().unwrap_or_else(|e| e.into_inner()).1)
    }

    /// How many times credentials were fetched (the first time included).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The credentials to sign a request with now, refreshed first when they are due.
    pub async fn current(&self) -> Result<Credentials, CredentialError> {
        let mut st = self.state.lock().await;
        let Some(expiration) = st.now.expiration else { return Ok(st.now.clone()) };
        let lifetime = expiration.duration_since(st.obtained);
        if expiration.duration_since(Timestamp::now()) > refresh_within(lifetime) {
            return Ok(st.now.clone());
        }
        let safety = safety(lifetime);
        loop {
            let left = expiration.duration_since(Timestamp::now());
            if st.next_try.is_some_and(|t| Timestamp::now() < t) && left > safety {
                return Ok(st.now.clone());
            }
            match fetch(&self.chosen, &self.http).await {
                Ok(c) => {
                    self.fetches.fetch_add(1, Ordering::Relaxed);
                    self.remember(&c);
                    *st = State { now: c, obtained: Timestamp::now(), failed: 0, next_try: None };
                    return Ok(st.now.clone());
                }
                Err(e) => {
                    st.failed += 1;
                    let wait =
                        crate::api::error::backoff(st.failed + 1, None, 0.5).max(std::time::Duration::from_millis(200));
                    let left = expiration.duration_since(Timestamp::now());
                    let wait_signed = SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX);
                    if left > safety + wait_signed {
                        st.next_try = Timestamp::now().checked_add(wait_signed).ok();
                        return Ok(st.now.clone());
                    }
                    if st.failed >= TRIES || left <= SignedDuration::ZERO {
                        let place = self.chosen.source.place.clone();
                        return Err(CredentialError::Expired { place, message: e.to_string() });
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Notes new credentials: their key shown, their secrets masked from now on.
    fn remember(&self, c: &Credentials) {
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        shown.0 = c.access_key_id.clone();
        shown.2.push(c.access_key_secret.expose().to_string());
        shown.2.extend(c.security_token.as_ref().map(|t| t.expose().to_string()));
        let all: Vec<&str> = shown.2.iter().map(String::as_str).collect();
        shown.1 = Arc::new(Redactor::of(&all));
    }
}

/// Fetches credentials as `chosen` says.
async fn fetch(chosen: &Chosen, http: &reqwest::Client) -> Result<Credentials, CredentialError> {
    fetch_from(&chosen.provider, &chosen.source.place, http).await
}

fn fetch_from<'a>(
    provider: &'a Provider,
    place: &'a str,
    http: &'a reqwest::Client,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Credentials, CredentialError>> + Send + 'a>> {
    Box::pin(async move {
        match provider {
            Provider::Static(c) => Ok(c.clone()),
            Provider::AssumeRole { source, role } => {
                let signing = fetch_from(source, place, http).await?;
                super::sts::assume_role(http, &signing, role).await
            }
            Provider::Oidc { role, provider_arn, token_file } => {
                super::sts::assume_role_with_oidc(http, role, provider_arn, token_file).await
            }
            Provider::Ecs { role_name, endpoint, imdsv1 } => {
                super::ecs::fetch(http, endpoint, role_name.as_deref(), *imdsv1).await
            }
            Provider::External { command } => {
                let (command, place) = (command.clone(), place.to_string());
                tokio::task::spawn_blocking(move || super::process::external(&command, &place))
                    .await
                    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
            }
            Provider::Uri { uri } => super::process::uri(http, uri).await,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_starts_a_fifth_of_the_lifetime_or_three_minutes_before_the_end() {
        let s = SignedDuration::from_secs;
        assert_eq!(refresh_within(s(3600)), s(720));
        assert_eq!(refresh_within(s(900)), s(180));
        // A rehearsal's short lifetime: half of it, not every request.
        assert_eq!(refresh_within(s(60)), s(30));
    }
}
