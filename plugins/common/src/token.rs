//! EKS bearer tokens without the AWS CLI.
//!
//! An EKS token is a presigned STS `GetCallerIdentity` URL whose signature covers the header
//! `x-k8s-aws-id: <cluster>`, encoded as `k8s-aws-v1.` + unpadded base64url. The API server
//! replays the URL against STS to learn who is calling. `kubectl kf token` prints it wrapped in an
//! ExecCredential, so kubeconfig entries can use the plugin as their exec credential plugin.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use serde::Serialize;

use crate::error::{Error, Result};

pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
const CLUSTER_HEADER: &str = "x-k8s-aws-id";
/// How long the presigned URL is valid; EKS accepts tokens for 15 minutes after signing.
const PRESIGN_SECONDS: u64 = 60;
/// Clients should refresh before EKS stops accepting the token.
const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// Makes the token for `cluster` from `creds`, signed for STS in `region` at `now`.
pub fn eks_token(
    cluster: &str,
    region: &str,
    creds: &Credentials,
    now: SystemTime,
) -> Result<String> {
    let host = format!("sts.{region}.amazonaws.com");
    let url = format!("https://{host}/?Action=GetCallerIdentity&Version=2011-06-15");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(PRESIGN_SECONDS));
    let identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| Error::failed(format!("signing the EKS token: {e}")))?;
    let headers = [("host", host.as_str()), (CLUSTER_HEADER, cluster)];
    let request = SignableRequest::new(
        "GET",
        url.clone(),
        headers.into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| Error::failed(format!("signing the EKS token: {e}")))?;
    let (_, query) = sign(request, &params.into())
        .map_err(|e| Error::failed(format!("signing the EKS token: {e}")))?
        .into_parts()
        .0
        .into_parts();
    let mut presigned = url;
    for (k, v) in query {
        presigned.push('&');
        presigned.push_str(k);
        presigned.push('=');
        presigned.push_str(&percent_encode(&v));
    }
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(presigned)
    ))
}

/// RFC 3986 unreserved characters stay; everything else is %-encoded (as SigV4 does).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredential {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub spec: serde_json::Value,
    pub status: ExecCredentialStatus,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredentialStatus {
    pub expiration_timestamp: String,
    pub token: String,
}

/// Wraps a token in a `client.authentication.k8s.io/v1beta1` ExecCredential.
pub fn exec_credential(token: String, now: SystemTime) -> Result<ExecCredential> {
    let expires = jiff::Timestamp::try_from(now + TOKEN_LIFETIME)
        .map_err(|e| Error::failed(format!("token expiry: {e}")))?;
    Ok(ExecCredential {
        kind: "ExecCredential",
        api_version: "client.authentication.k8s.io/v1beta1",
        spec: serde_json::json!({}),
        status: ExecCredentialStatus {
            expiration_timestamp: expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            token,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(session: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session.map(str::to_string),
            None,
            "test",
        )
    }

    fn decode(token: &str) -> String {
        let b64 = token.strip_prefix(TOKEN_PREFIX).expect("prefix");
        assert!(!b64.contains('='), "base64 must be unpadded");
        assert!(
            !b64.contains('+') && !b64.contains('/'),
            "base64 must be url-safe"
        );
        String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn token_is_a_presigned_get_caller_identity_url() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = eks_token("green", "eu-west-1", &creds(None), now).unwrap();
        let url = decode(&token);
        assert!(
            url.starts_with(
                "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
            ),
            "{url}"
        );
        assert!(url.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"), "{url}");
        assert!(
            url.contains(
                "X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Feu-west-1%2Fsts%2Faws4_request"
            ),
            "{url}"
        );
        assert!(url.contains("X-Amz-Date=20231114T221320Z"), "{url}");
        assert!(url.contains("X-Amz-Expires=60"), "{url}");
        assert!(
            url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
            "{url}"
        );
        let sig = url.split("X-Amz-Signature=").nth(1).unwrap();
        assert_eq!(sig.len(), 64);
        assert!(sig.chars().all(|c| c.is_ascii_hexdigit()));
        // The same inputs give the same token; another cluster gives another signature.
        assert_eq!(
            token,
            eks_token("green", "eu-west-1", &creds(None), now).unwrap()
        );
        assert_ne!(
            token,
            eks_token("blue", "eu-west-1", &creds(None), now).unwrap()
        );
    }

    #[test]
    fn session_token_is_part_of_the_url() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let url = decode(&eks_token("c", "us-east-1", &creds(Some("sess/+=")), now).unwrap());
        assert!(url.contains("X-Amz-Security-Token=sess%2F%2B%3D"), "{url}");
    }

    #[test]
    fn exec_credential_shape() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let cred = exec_credential("k8s-aws-v1.abc".into(), now).unwrap();
        let v = serde_json::to_value(&cred).unwrap();
        assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1beta1");
        assert_eq!(v["kind"], "ExecCredential");
        assert_eq!(v["status"]["token"], "k8s-aws-v1.abc");
        assert_eq!(v["status"]["expirationTimestamp"], "2023-11-14T22:27:20Z");
    }
}
