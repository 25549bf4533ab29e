//! Public keys given to ImportKeyPair. EC2 reads three encodings: an OpenSSH public key line
//! (`ssh-rsa AAAA… comment`, as in `~/.ssh/id_rsa.pub`), an RFC 4716 SSH2 public key file
//! (`---- BEGIN SSH2 PUBLIC KEY ----`), and for RSA a base64 DER SubjectPublicKeyInfo. Anything
//! else — other key types, RSA keys under 1024 or over 4096 bits — is `InvalidKey.Format`.

use super::{KeyType, imported_rsa_fingerprint, openssh_line, rsa_public_key, sha256_fingerprint};
use crate::error::{Ec2Error, ErrorCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::BigUint;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use ssh_key::PublicKey;
use ssh_key::public::KeyData;

/// Smallest RSA key EC2 imports (the `rsa` crate refuses more than 4096 bits itself).
const MIN_RSA_BITS: usize = 1024;

/// A public key ImportKeyPair accepted.
#[derive(Debug)]
pub struct ImportedKey {
    pub key_type: KeyType,
    /// The OpenSSH public key line, with the key name as its comment.
    pub public_key: String,
    pub fingerprint: String,
}

/// Reads `material` (PublicKeyMaterial, already base64-decoded); the key is named `name`.
pub fn import(material: &[u8], name: &str) -> Result<ImportedKey, Ec2Error> {
    let text = std::str::from_utf8(material)
        .map_err(|_| invalid_format())?
        .trim();
    let key = parse(text).ok_or_else(invalid_format)?;
    match key.key_data() {
        KeyData::Rsa(ssh_rsa) => {
            let rsa = to_rsa(ssh_rsa).ok_or_else(invalid_format)?;
            Ok(ImportedKey {
                key_type: KeyType::Rsa,
                public_key: openssh_line(&rsa_public_key(&rsa, name)),
                fingerprint: imported_rsa_fingerprint(&rsa),
            })
        }
        KeyData::Ed25519(_) => {
            let public = PublicKey::new(key.key_data().clone(), name);
            Ok(ImportedKey {
                key_type: KeyType::Ed25519,
                public_key: openssh_line(&public),
                fingerprint: sha256_fingerprint(&public),
            })
        }
        _ => Err(invalid_format()),
    }
}

fn invalid_format() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidKeyFormat,
        "Key is not in valid OpenSSH public key format",
    )
}

fn parse(text: &str) -> Option<PublicKey> {
    if let Some(body) = rfc4716_body(text) {
        return PublicKey::from_bytes(&STANDARD.decode(body).ok()?).ok();
    }
    if let Ok(key) = PublicKey::from_openssh(text) {
        return Some(key);
    }
    let der = STANDARD
        .decode(text.split_whitespace().collect::<String>())
        .ok()?;
    let rsa = rsa::RsaPublicKey::from_public_key_der(&der).ok()?;
    Some(rsa_public_key(&rsa, ""))
}

/// The base64 body of an RFC 4716 file: its header lines (`Comment: …`, possibly continued
/// with a trailing `\`) are skipped.
fn rfc4716_body(text: &str) -> Option<String> {
    let inner = text
        .strip_prefix("---- BEGIN SSH2 PUBLIC KEY ----")?
        .strip_suffix("---- END SSH2 PUBLIC KEY ----")?;
    let mut body = String::new();
    let mut in_header = false;
    for line in inner.lines().map(str::trim) {
        if in_header || line.contains(':') {
            in_header = line.ends_with('\\');
        } else {
            body.push_str(line);
        }
    }
    Some(body)
}

fn to_rsa(key: &ssh_key::public::RsaPublicKey) -> Option<rsa::RsaPublicKey> {
    let n = BigUint::from_bytes_be(key.n.as_positive_bytes()?);
    let e = BigUint::from_bytes_be(key.e.as_positive_bytes()?);
    let rsa = rsa::RsaPublicKey::new(n, e).ok()?;
    (rsa.n().bits() >= MIN_RSA_BITS).then_some(rsa)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public halves of the test vectors in `key_pair::tests`.
    const RSA_LINE: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDVza2XENq8sobD1j0yc9e3gbob7S7po4ehZexN49gb+IfmM0AFBgWLawAvtJ/aGEs+7qHg+GKZi7DaZsAxsZPZ03O/67iZ2SYu/4aD1Bg8LW1LoEzFc53UP9OSuPEt3PGf6Rb86cwmU2/G+Q59C0TMX6dyqhIOBAKrvTr6uSQzmQ== me@laptop\n";
    const RSA_RFC4716: &str = "---- BEGIN SSH2 PUBLIC KEY ----
Comment: \"1024-bit RSA, converted by root@vm from \\
OpenSSH\"
AAAAB3NzaC1yc2EAAAADAQABAAAAgQDVza2XENq8sobD1j0yc9e3gbob7S7po4ehZexN49
gb+IfmM0AFBgWLawAvtJ/aGEs+7qHg+GKZi7DaZsAxsZPZ03O/67iZ2SYu/4aD1Bg8LW1L
oEzFc53UP9OSuPEt3PGf6Rb86cwmU2/G+Q59C0TMX6dyqhIOBAKrvTr6uSQzmQ==
---- END SSH2 PUBLIC KEY ----
";
    const RSA_DER: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDVza2XENq8sobD1j0yc9e3gbob7S7po4ehZexN49gb+IfmM0AFBgWLawAvtJ/aGEs+7qHg+GKZi7DaZsAxsZPZ03O/67iZ2SYu/4aD1Bg8LW1LoEzFc53UP9OSuPEt3PGf6Rb86cwmU2/G+Q59C0TMX6dyqhIOBAKrvTr6uSQzmQIDAQAB";
    const ED25519_LINE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJKeon45KvB5G57uQo31fV1nX4ySP0HWnxGHik30qehu";

    #[test]
    fn imported_rsa_fingerprint_is_md5_of_der_public_key() {
        // openssl rsa -pubout -outform DER < key.pem | openssl md5 -c
        for text in [RSA_LINE, RSA_RFC4716, RSA_DER] {
            let key = import(text.as_bytes(), "laptop").unwrap();
            assert_eq!(key.key_type, KeyType::Rsa);
            assert_eq!(
                key.fingerprint, "39:a7:49:c5:d2:c4:a2:9e:46:2b:82:8d:91:20:52:e5",
                "{text}"
            );
            let (line, comment) = RSA_LINE.trim().rsplit_once(' ').unwrap();
            assert_eq!(comment, "me@laptop");
            assert_eq!(key.public_key, format!("{line} laptop"));
        }
    }

    #[test]
    fn imported_ed25519_fingerprint_is_base64_sha256() {
        let key = import(ED25519_LINE.as_bytes(), "k").unwrap();
        assert_eq!(key.key_type, KeyType::Ed25519);
        assert_eq!(
            key.fingerprint,
            "9cH5cJxsB2b4Pjj6OS/cJjbuspeea8bnkiQPjVrxdz4="
        );
        assert_eq!(key.public_key, format!("{ED25519_LINE} k"));
    }

    #[test]
    fn anything_else_is_invalid_format() {
        let ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=";
        let small_rsa = {
            let n = ssh_key::Mpint::from_positive_bytes(&[0xc5; 64]).unwrap();
            let e = ssh_key::Mpint::from_positive_bytes(&[1, 0, 1]).unwrap();
            let data = KeyData::Rsa(ssh_key::public::RsaPublicKey { e, n });
            PublicKey::new(data, "").to_openssh().unwrap()
        };
        let truncated = &ED25519_LINE[..40];
        for bad in [
            "",
            "hello",
            ecdsa,
            &small_rsa,
            truncated,
            "-----BEGIN RSA PRIVATE KEY-----",
        ] {
            let err = import(bad.as_bytes(), "k").unwrap_err();
            assert_eq!(err.code.as_str(), "InvalidKey.Format", "{bad}");
            assert_eq!(err.message, "Key is not in valid OpenSSH public key format");
        }
        assert_eq!(
            import(&[0xff, 0xfe], "k").unwrap_err().code.as_str(),
            "InvalidKey.Format",
            "not UTF-8"
        );
    }
}
