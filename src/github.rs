//! GitHub OAuth (authorization code + PKCE S256) and the one `/user` call, every URL from
//! settings so the whole flow, token exchange included, runs against a fake in tests.
//! The access token is used once and dropped: never stored, never logged.

use crate::settings::GithubSettings;
use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use std::time::Duration;
use url::Url;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

pub const USER_AGENT: &str = concat!("twir-picks/", env!("CARGO_PKG_VERSION"));

/// The GitHub profile fields we keep.
#[derive(Debug, Clone, Deserialize)]
pub struct GithubUser {
    pub id: i64,
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// GitHub refused the code (expired, used, or not ours): answered 200 with an `error` body.
    #[error("GitHub did not accept the login code: {0}")]
    Rejected(String),
    #[error("GitHub could not be reached: {0}")]
    Unreachable(String),
    #[error("GitHub answered unexpectedly: {0}")]
    Unexpected(String),
}

/// A started login: send the browser to `url`; keep `state` and `verifier` in the session.
pub struct Authorization {
    pub url: Url,
    pub state: String,
    pub verifier: String,
}

#[derive(Clone)]
pub struct Github {
    oauth: Client,
    http: reqwest::Client,
    api_url: Url,
}

impl Github {
    pub fn new(settings: &GithubSettings, redirect_uri: Url) -> anyhow::Result<Self> {
        let oauth = BasicClient::new(ClientId::new(settings.client_id.clone()))
            .set_client_secret(ClientSecret::new(settings.client_secret.clone()))
            .set_auth_uri(AuthUrl::from_url(settings.auth_url.clone()))
            .set_token_uri(TokenUrl::from_url(settings.token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(redirect_uri))
            // GitHub documents client_id and client_secret as form fields of the token request.
            .set_auth_type(AuthType::RequestBody);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent(USER_AGENT)
            .build()?;
        Ok(Github {
            oauth,
            http,
            api_url: settings.api_url.clone(),
        })
    }

    /// The authorize URL with a fresh state and PKCE challenge (both 256-bit CSPRNG values).
    /// No scope: the public profile is all we read.
    pub fn authorize(&self) -> Authorization {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .oauth
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .url();
        Authorization {
            url,
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
        }
    }

    /// Exchange the code for a token and read the profile with it; the token goes no further.
    pub async fn login(&self, code: String, verifier: String) -> Result<GithubUser, GithubError> {
        let token = self
            .oauth
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                // GitHub answers a bad code with 200 and {"error": …}: it fails to parse as a token.
                RequestTokenError::Parse(_, body) => GithubError::Rejected(
                    github_error_code(&body).unwrap_or_else(|| "no access token".into()),
                ),
                RequestTokenError::ServerResponse(r) => GithubError::Rejected(r.error().to_string()),
                RequestTokenError::Request(e) => GithubError::Unreachable(e.to_string()),
                RequestTokenError::Other(e) => GithubError::Unexpected(e),
            })?;
        let url = self
            .api_url
            .join(&format!("{}/user", self.api_url.path().trim_end_matches('/')))
            .map_err(|e| GithubError::Unexpected(e.to_string()))?;
        let response = self
            .http
            .get(url)
            .bearer_auth(token.access_token().secret())
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .send()
            .await
            .map_err(|e| GithubError::Unreachable(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(GithubError::Unexpected(format!(
                "/user answered {}",
                response.status()
            )));
        }
        response
            .json::<GithubUser>()
            .await
            .map_err(|e| GithubError::Unexpected(format!("/user: {e}")))
    }
}

/// The `error` field of a GitHub error body, if that is what `body` is.
fn github_error_code(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error)
        .or_else(|| {
            url::form_urlencoded::parse(body)
                .find(|(k, _)| k == "error")
                .map(|(_, v)| v.into_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_in_both_encodings() {
        assert_eq!(
            github_error_code(br#"{"error":"bad_verification_code","error_description":"x"}"#).as_deref(),
            Some("bad_verification_code")
        );
        assert_eq!(
            github_error_code(b"error=incorrect_client_credentials&error_description=x").as_deref(),
            Some("incorrect_client_credentials")
        );
        assert_eq!(github_error_code(b"{}"), None);
    }

    #[test]
    fn authorize_url_carries_state_and_s256_challenge() {
        let gh = Github::new(
            &GithubSettings {
                client_id: "cid".into(),
                client_secret: "secret".into(),
                auth_url: "https://github.example/login/oauth/authorize".parse().unwrap(),
                token_url: "https://github.example/login/oauth/access_token".parse().unwrap(),
                api_url: "https://api.github.example".parse().unwrap(),
            },
            "https://picks.example/auth/github/callback".parse().unwrap(),
        )
        .unwrap();
        let a = gh.authorize();
        let q: std::collections::HashMap<_, _> = a.url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["state"], a.state);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["redirect_uri"], "https://picks.example/auth/github/callback");
        assert!(!q.contains_key("scope"));
        assert!(a.state.len() >= 22 && a.verifier.len() >= 43);
        assert_ne!(gh.authorize().state, a.state);
    }
}
