//! API tokens: `ns_` and 32 random bytes in base64url, shown once; the tokens file holds only
//! each token's SHA-256 and its scopes, and presented tokens are compared in constant time.

use std::path::Path;

use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the ICP and the accounts.
    Read,
    /// Score accounts.
    Score,
}

impl Scope {
    /// The scope named `name`: `read` or `score`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "read" => Some(Self::Read),
            "score" => Some(Self::Score),
            _ => None,
        }
    }

    /// Its name: `read` or `score`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Score => "score",
        }
    }
}

/// One token as the file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// A short name for listing and revoking: the first 8 hex digits of the hash.
    pub id: String,
    /// The token's SHA-256, in hex.
    pub sha256: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

/// The tokens file: JSON, `{"tokens": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Every token.
    pub tokens: Vec<Entry>,
}

/// A tokens file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The file cannot be read or written.
    #[error("tokens file `{path}`: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No token has this id.
    #[error("no token `{0}` in the tokens file; `northstar token list` shows them")]
    Unknown(String),
}

/// The SHA-256 of `token`, in hex, as the tokens file keeps it.
pub fn hash(token: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(token.as_bytes()) {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    hex
}

impl Tokens {
    /// The tokens of the file `path`; none when it does not exist yet.
    pub fn read(path: &Path) -> Result<Self, TokenError> {
        let problem = |reason: String| TokenError::File {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = fs_err::read_to_string(path).map_err(|e| problem(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| problem(e.to_string()))
    }

    /// Writes the tokens to `path`, atomically.
    pub fn write(&self, path: &Path) -> Result<(), TokenError> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        northstar_output::write_file(path, |w| w.write_all(text.as_bytes())).map_err(|e| TokenError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// A new token with `scopes`: its text, to be shown once, and its entry, added here.
    pub fn issue(&mut self, scopes: &[Scope]) -> (String, Entry) {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = format!(
            "ns_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let sha256 = hash(&token);
        let mut scopes = scopes.to_vec();
        scopes.sort_unstable();
        scopes.dedup();
        let entry = Entry {
            id: sha256[..8].to_owned(),
            sha256,
            scopes,
        };
        self.tokens.push(entry.clone());
        (token, entry)
    }

    /// Removes the token `id`.
    pub fn revoke(&mut self, id: &str) -> Result<(), TokenError> {
        let before = self.tokens.len();
        self.tokens.retain(|t| t.id != id);
        match self.tokens.len() < before {
            true => Ok(()),
            false => Err(TokenError::Unknown(id.to_owned())),
        }
    }

    /// The scopes of the presented `token`, compared with every entry in constant time; none
    /// when it is no token of the file.
    pub fn scopes_of(&self, token: &str) -> Option<&[Scope]> {
        let presented = hash(token);
        let mut found = None;
        for entry in &self.tokens {
            if bool::from(entry.sha256.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(entry.scopes.as_slice());
            }
        }
        found
    }

    /// Whether the entry of hash `sha256` is still in the file.
    pub fn holds(&self, sha256: &str) -> bool {
        self.tokens.iter().any(|t| t.sha256 == sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_shown_once_and_only_its_hash_is_kept() {
        let mut tokens = Tokens::default();
        let (token, entry) = tokens.issue(&[Scope::Score, Scope::Read, Scope::Score]);
        assert!(token.starts_with("ns_") && token.len() == 3 + 43, "{token}");
        assert_eq!(entry.scopes, [Scope::Read, Scope::Score]);
        let file = serde_json::to_string(&tokens).unwrap();
        assert!(!file.contains(&token[3..]), "the token never appears in the file");
        assert_eq!(tokens.scopes_of(&token), Some(&[Scope::Read, Scope::Score][..]));
        assert_eq!(tokens.scopes_of("ns_guess"), None);
        let (other, _) = tokens.issue(&[Scope::Read]);
        assert_ne!(other, token);
        tokens.revoke(&entry.id).expect("revoked");
        assert_eq!(tokens.scopes_of(&token), None);
        assert!(tokens.revoke(&entry.id).is_err());
    }

    #[test]
    fn the_hash_is_sha256_in_lowercase_hex() {
        // FIPS 180-2, appendix B.1: the digest of "abc".
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
