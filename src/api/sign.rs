//! Request signing: ACS3-HMAC-SHA256 (V3, the default) and the legacy HMAC-SHA1 RPC scheme (SignatureVersion 1.0).

use super::encode::pct;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The V3 algorithm name.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// What a V3 signature covers.
pub struct V3Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Query parameters, decoded.
    pub query: &'a [(String, String)],
    /// Headers to sign (any case; `authorization` is never signed).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Every step of a V3 signature, as the reference names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Signature {
    pub hashed_payload: String,
    pub canonical_uri: String,
    pub canonical_query_string: String,
    pub canonical_headers: String,
    pub signed_headers: String,
    pub canonical_request: String,
    pub hashed_canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs a request with ACS3-HMAC-SHA256.
pub fn sign_v3(req: &V3Request, access_key_id: &str, secret: &str) -> V3Signature {
    let hashed_payload = sha256_hex(req.body);
    let canonical_uri =
        if req.path.is_empty() { "/".to_string() } else { req.path.split('/').map(pct).collect::<Vec<_>>().join("/") };
    let mut query: Vec<(String, String)> = req.query.iter().map(|(k, v)| (pct(k), pct(v))).collect();
    query.sort();
    let canonical_query_string = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| k != "authorization")
        .collect();
    headers.sort();
    let mut canonical_headers = String::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 && headers[i - 1].0 == *name {
            // A repeated header: its sorted values are joined with commas.
            canonical_headers.pop();
            canonical_headers.push_str(&format!(",{value}\n"));
            continue;
        }
        canonical_headers.push_str(&format!("{name}:{value}\n"));
        names.push(name);
    }
    let signed_headers = names.join(";");
    let canonical_request = format!(
        "{}\n{canonical_uri}\n{canonical_query_string}\n{canonical_headers}\n{signed_headers}\n{hashed_payload}",
        req.method
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let string_to_sign = format!("{V3_ALGORITHM}\n{hashed_canonical_request}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    let signature = hex(&mac.finalize().into_bytes());
    let authorization =
        format!("{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}");
    V3Signature {
        hashed_payload,
        canonical_uri,
        canonical_query_string,
        canonical_headers,
        signed_headers,
        canonical_request,
        hashed_canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// Every step of a V1 (HMAC-SHA1) signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Signature {
    pub canonicalized_query_string: String,
    pub string_to_sign: String,
    pub signature: String,
}

/// Signs the parameter set (query and form body, without `Signature`) with HMAC-SHA1.
pub fn sign_v1(method: &str, params: &[(String, String)], secret: &str) -> V1Signature {
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "Signature").collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(&b.1)));
    let canonicalized_query_string =
        sorted.iter().map(|(k, v)| format!("{}={}", pct(k), pct(v))).collect::<Vec<_>>().join("&");
    let string_to_sign = format!("{method}&{}&{}", pct("/"), pct(&canonicalized_query_string));
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    V1Signature { canonicalized_query_string, string_to_sign, signature }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let v: Value = serde_json::from_str(include_str!("../../tests/fixtures/signature-vectors.json")).unwrap();
        v["vectors"].as_array().unwrap().clone()
    }

    fn pairs(v: &Value) -> Vec<(String, String)> {
        v.as_object()
            .map_or_else(Vec::new, |m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
    }

    fn s(v: &Value) -> &str {
        v.as_str().unwrap()
    }

    #[test]
    fn every_v3_vector_and_intermediate() {
        let mut seen = 0;
        for v in vectors().iter().filter(|v| v["scheme"] == V3_ALGORITHM) {
            let i = &v["inputs"];
            let query = pairs(&i["query"]);
            let headers = pairs(&i["headers"]);
            let body = i["body"].as_str().unwrap_or("");
            let req = V3Request {
                method: s(&i["method"]),
                path: s(&i["path"]),
                query: &query,
                headers: &headers,
                body: body.as_bytes(),
            };
            let got = sign_v3(&req, s(&i["access_key_id"]), s(&i["access_key_secret"]));
            let m = &v["intermediates"];
            let id = &v["id"];
            assert_eq!(got.hashed_payload, s(&m["hashed_payload"]), "{id}");
            assert_eq!(got.canonical_uri, s(&m["canonical_uri"]), "{id}");
            assert_eq!(got.canonical_query_string, s(&m["canonical_query_string"]), "{id}");
            assert_eq!(got.canonical_headers, s(&m["canonical_headers"]), "{id}");
            assert_eq!(got.signed_headers, s(&m["signed_headers"]), "{id}");
            assert_eq!(got.canonical_request, s(&m["canonical_request"]), "{id}");
            assert_eq!(got.hashed_canonical_request, s(&m["hashed_canonical_request"]), "{id}");
            assert_eq!(got.string_to_sign, s(&m["string_to_sign"]), "{id}");
            assert_eq!(got.signature, s(&v["outputs"]["signature"]), "{id}");
            assert_eq!(got.authorization, s(&v["outputs"]["authorization"]), "{id}");
            seen += 1;
        }
        assert_eq!(seen, 6);
    }

    #[test]
    fn every_v1_vector_and_intermediate() {
        let mut seen = 0;
        for v in vectors().iter().filter(|v| v["scheme"] != V3_ALGORITHM) {
            let i = &v["inputs"];
            let mut params = pairs(&i["query_params_without_signature"]);
            params.extend(pairs(&i["body_params"]));
            let got = sign_v1(s(&i["method"]), &params, s(&i["access_key_secret"]));
            let m = &v["intermediates"];
            let id = &v["id"];
            let names: Vec<String> = {
                let mut p: Vec<&(String, String)> = params.iter().collect();
                p.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                p.iter().map(|(k, _)| k.clone()).collect()
            };
            let want_names: Vec<String> =
                m["sorted_parameter_names"].as_array().unwrap().iter().map(|n| s(n).to_string()).collect();
            assert_eq!(names, want_names, "{id}");
            let mut signed = params.clone();
            signed.sort();
            let mut want_signed = pairs(&m["signed_params"]);
            want_signed.sort();
            assert_eq!(signed, want_signed, "{id}");
            assert_eq!(got.canonicalized_query_string, s(&m["canonicalized_query_string"]), "{id}");
            assert_eq!(got.string_to_sign, s(&m["string_to_sign"]), "{id}");
            assert_eq!(format!("{}&", s(&i["access_key_secret"])), s(&m["hmac_key"]), "{id}");
            assert_eq!(got.signature, s(&v["outputs"]["signature"]), "{id}");
            seen += 1;
        }
        assert_eq!(seen, 7);
    }

    #[test]
    fn v1_signature_does_not_depend_on_where_parameters_travel() {
        let all = vectors();
        let sig = |id: &str| s(&all.iter().find(|v| v["id"] == id).unwrap()["outputs"]["signature"]).to_string();
        assert_eq!(sig("v1_tea_create_replication_job_form_body"), sig("v1_tea_create_replication_job_query"));
    }
}
