//! Key pairs: EC2's rules for names, keys made as CreateKeyPair makes them, the public keys
//! ImportKeyPair reads, and EC2's fingerprints — whose hash depends on the key type and on
//! whether EC2 made the key or was given it:
//!
//! | key      | created by EC2                        | imported                           |
//! |----------|---------------------------------------|------------------------------------|
//! | RSA      | SHA-1 of the PKCS#8 DER private key   | MD5 of the DER SubjectPublicKeyInfo |
//! | ED25519  | base64 SHA-256 of the OpenSSH public key blob, `=`-padded (both)           |
//!
//! RSA digests are lower-case hex pairs joined by colons, as `openssl sha1 -c` prints them.

mod import;
mod ppk;

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::tags::Tag;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, LineEnding, PrivateKey, PublicKey, public::KeyData};
use std::str::FromStr;

pub use import::{ImportedKey, import};

/// Longest key name EC2 accepts (ASCII characters).
pub const MAX_NAME_LEN: usize = 255;

/// CreateKeyPair makes 2048-bit RSA keys.
const CREATED_RSA_BITS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ed25519,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ed25519 => "ed25519",
        }
    }
}

impl FromStr for KeyType {
    type Err = Ec2Error;

    fn from_str(text: &str) -> Result<Self, Ec2Error> {
        match text {
            "rsa" => Ok(Self::Rsa),
            "ed25519" => Ok(Self::Ed25519),
            _ => Err(Ec2Error::invalid_parameter("KeyType", text)),
        }
    }
}

/// How CreateKeyPair hands out the private key: PEM (OpenSSH-readable) or PuTTY's PPK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    Pem,
    Ppk,
}

impl FromStr for KeyFormat {
    type Err = Ec2Error;

    fn from_str(text: &str) -> Result<Self, Ec2Error> {
        match text {
            "pem" => Ok(Self::Pem),
            "ppk" => Ok(Self::Ppk),
            _ => Err(Ec2Error::invalid_parameter("KeyFormat", text)),
        }
    }
}

/// A key pair as EC2 keeps it: the public half only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub key_pair_id: String,
    pub name: String,
    pub key_type: KeyType,
    pub fingerprint: String,
    /// The OpenSSH public key line, with the key name as its comment.
    pub public_key: String,
    pub create_time: String,
    pub tags: Vec<Tag>,
}

impl Tagged for KeyPair {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<KeyPair>] = &[
    def("key-pair-id", |k| one(&k.key_pair_id)),
    def("key-name", |k| one(&k.name)),
    def("fingerprint", |k| one(&k.fingerprint)),
    def("key-type", |k| one(k.key_type.as_str())),
];

/// A key name: 1–255 ASCII characters.
pub fn check_name(name: &str) -> Result<(), Ec2Error> {
    if name.is_empty() {
        return Err(Ec2Error::missing_parameter("KeyName"));
    }
    if !name.is_ascii() {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({name}) for parameter keyName is invalid. Character sets beyond ASCII are not supported."
        )));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({name}) for parameter keyName is invalid. Length exceeds maximum of {MAX_NAME_LEN}."
        )));
    }
    Ok(())
}

/// The error for a second key pair of the same name in one account and region.
pub fn duplicate(name: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidKeyPairDuplicate,
        format!("The keypair '{name}' already exists."),
    )
}

/// The error for a key name the caller does not have.
pub fn not_found(name: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidKeyPairNotFound,
        format!("The key pair '{name}' does not exist"),
    )
}

/// A key CreateKeyPair made: the private key goes to the caller once and is never stored.
pub struct CreatedKey {
    /// The private key: RSA as PKCS#1 PEM, ED25519 as an OpenSSH private key, or PPK.
    pub key_material: String,
    pub public_key: String,
    pub fingerprint: String,
}

/// Makes a fresh key pair named `name` (the name is the key's comment, as EC2 sets it).
pub fn create(key_type: KeyType, format: KeyFormat, name: &str) -> CreatedKey {
    match key_type {
        KeyType::Rsa => {
            let private = rsa::RsaPrivateKey::new(&mut OsRng, CREATED_RSA_BITS)
                .expect("2048-bit RSA key generation cannot fail");
            created_rsa(&private, format, name)
        }
        KeyType::Ed25519 => {
            let mut private = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)
                .expect("ED25519 key generation cannot fail");
            private.set_comment(name);
            created_ed25519(&private, format)
        }
    }
}

fn created_rsa(private: &rsa::RsaPrivateKey, format: KeyFormat, name: &str) -> CreatedKey {
    let public = rsa_public_key(&private.to_public_key(), name);
    let key_material = match format {
        KeyFormat::Pem => private
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .expect("an RSA key encodes as PKCS#1")
            .to_string(),
        KeyFormat::Ppk => ppk::rsa(private, &public, name),
    };
    let pkcs8 = private
        .to_pkcs8_der()
        .expect("an RSA key encodes as PKCS#8");
    CreatedKey {
        key_material,
        public_key: openssh_line(&public),
        fingerprint: colon_hex(&Sha1::digest(pkcs8.as_bytes())),
    }
}

fn created_ed25519(private: &PrivateKey, format: KeyFormat) -> CreatedKey {
    let public = private.public_key();
    let key_material = match format {
        KeyFormat::Pem => private
            .to_openssh(LineEnding::LF)
            .expect("an ED25519 key encodes as OpenSSH")
            .to_string(),
        KeyFormat::Ppk => {
            let keypair = private.key_data().ed25519().expect("an ED25519 key");
            ppk::ed25519(keypair, public, private.comment())
        }
    };
    CreatedKey {
        key_material,
        public_key: openssh_line(public),
        fingerprint: sha256_fingerprint(public),
    }
}

/// An RSA public key as an OpenSSH key with `comment`.
fn rsa_public_key(public: &rsa::RsaPublicKey, comment: &str) -> PublicKey {
    let data = ssh_key::public::RsaPublicKey::try_from(public)
        .expect("an RSA public key converts to its SSH form");
    PublicKey::new(KeyData::Rsa(data), comment)
}

fn openssh_line(public: &PublicKey) -> String {
    public
        .to_openssh()
        .expect("a public key encodes as an OpenSSH line")
}

/// EC2's fingerprint of an imported RSA key: MD5 of its DER SubjectPublicKeyInfo.
fn imported_rsa_fingerprint(public: &rsa::RsaPublicKey) -> String {
    let der = public
        .to_public_key_der()
        .expect("an RSA public key encodes as DER");
    colon_hex(&md5::Md5::digest(der.as_bytes()))
}

/// EC2's fingerprint of an ED25519 key: base64 (padded) SHA-256 of the public key blob.
fn sha256_fingerprint(public: &PublicKey) -> String {
    let blob = public.to_bytes().expect("a public key encodes as a blob");
    STANDARD.encode(Sha256::digest(blob))
}

fn colon_hex(digest: &[u8]) -> String {
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;

    /// A 1024-bit RSA key made with `openssl genrsa -traditional 1024`.
    pub const RSA_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDVza2XENq8sobD1j0yc9e3gbob7S7po4ehZexN49gb+IfmM0AF
BgWLawAvtJ/aGEs+7qHg+GKZi7DaZsAxsZPZ03O/67iZ2SYu/4aD1Bg8LW1LoEzF
c53UP9OSuPEt3PGf6Rb86cwmU2/G+Q59C0TMX6dyqhIOBAKrvTr6uSQzmQIDAQAB
AoGBAKhHED/8Vg16/jMZZmVVZA3dHxxn3CqsOU5BKHJNyISLYns/Dz5k9Ow8tZLW
uZIw2NiZffPRy9lKZ1Ie2VrDh7fUGUdPUriH8s4iqW8gP7snl0vhEw5j0jV7c0qh
BRfxp/ly3h7pxZZqr5FDb5Jm09YNBNT+ooS9jY1zEy5H28XhAkEA8Ht5/nGwdPAx
IO2wr++kKIXpPVdHIf+VGYWtBVq96U9yNRzuMkLz0VfKftLye8VFriem5KrFMX8P
R+j9acIr1QJBAOOZfkYBPgG9KapZVF5hQQqec3yzxDkO8wTzA9NAtksKsXc7bktc
SpjanUhe1CtaqCZDfGLU0gIoPOXqw0w3XrUCQQDiVyU8Md8mQQfMeUrKXOAB7//V
5zahLkA0NFfj6UNDu62/hco/bjqzd1C0y3DEw6jQwKtZH83Xx0InqYgSKVo9AkBP
TIGUfoZOMMw9kBY3NAdnXcG7Jx8tCipeBRXGGvvotXcTpd9N3oAXNcQrHO8rk9CW
VFkYTjJFkiN1sBAPlBMpAkA7+v39szNiH5IISlIicUGMImpOty4HBQ4NLIHENe6B
Do4LAlaIeSYCdMwclETV+FvaHZ3sBYu9EvXEURXP5JCq
-----END RSA PRIVATE KEY-----
";

    /// An ED25519 key made with `ssh-keygen -t ed25519 -C ""`.
    pub const ED25519_OPENSSH: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACCSnqJ+OSrweRue7kKN9X1dZ1+Mkj9B1p8Rh4pN9KnobgAAAIhIqwTNSKsE
zQAAAAtzc2gtZWQyNTUxOQAAACCSnqJ+OSrweRue7kKN9X1dZ1+Mkj9B1p8Rh4pN9Knobg
AAAECWGLtgEeRHDfat1SgYSE4F4KMwo+2z0HnKuMOMt96oc5Keon45KvB5G57uQo31fV1n
X4ySP0HWnxGHik30qehuAAAAAAECAwQF
-----END OPENSSH PRIVATE KEY-----
";

    pub fn rsa_vector() -> rsa::RsaPrivateKey {
        rsa::RsaPrivateKey::from_pkcs1_pem(RSA_PEM).unwrap()
    }

    pub fn ed25519_vector() -> PrivateKey {
        PrivateKey::from_openssh(ED25519_OPENSSH).unwrap()
    }

    #[test]
    fn created_rsa_fingerprint_is_sha1_of_pkcs8() {
        // openssl pkcs8 -topk8 -nocrypt -outform DER < key.pem | openssl sha1 -c
        let created = created_rsa(&rsa_vector(), KeyFormat::Pem, "k");
        assert_eq!(
            created.fingerprint,
            "ce:b0:86:70:93:6e:89:02:ab:0c:9c:db:d2:ab:5a:41:24:0f:ec:da"
        );
        assert_eq!(
            created.key_material, RSA_PEM,
            "PKCS#1 PEM, as AWS hands out"
        );
        assert!(
            created
                .public_key
                .starts_with("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDVza2X")
        );
        assert!(
            created.public_key.ends_with(" k"),
            "the name is the comment"
        );
    }

    #[test]
    fn created_ed25519_fingerprint_is_base64_sha256_padded() {
        // ssh-keygen -lf key: SHA256:9cH5cJxsB2b4Pjj6OS/cJjbuspeea8bnkiQPjVrxdz4 (unpadded)
        let created = created_ed25519(&ed25519_vector(), KeyFormat::Pem);
        assert_eq!(
            created.fingerprint,
            "9cH5cJxsB2b4Pjj6OS/cJjbuspeea8bnkiQPjVrxdz4="
        );
        assert_eq!(created.key_material, ED25519_OPENSSH);
    }

    #[test]
    fn fresh_keys_parse_back_and_match_their_public_halves() {
        let rsa_key = create(KeyType::Rsa, KeyFormat::Pem, "web");
        assert!(
            rsa_key
                .key_material
                .starts_with("-----BEGIN RSA PRIVATE KEY-----\n")
        );
        let parsed = rsa::RsaPrivateKey::from_pkcs1_pem(&rsa_key.key_material).unwrap();
        assert_eq!(parsed.size() * 8, CREATED_RSA_BITS);
        let again = created_rsa(&parsed, KeyFormat::Pem, "web");
        assert_eq!(again.fingerprint, rsa_key.fingerprint);
        assert_eq!(again.public_key, rsa_key.public_key);

        let ed = create(KeyType::Ed25519, KeyFormat::Pem, "web");
        assert!(
            ed.key_material
                .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        );
        let parsed = PrivateKey::from_openssh(&ed.key_material).unwrap();
        assert_eq!(parsed.public_key().to_openssh().unwrap(), ed.public_key);
        assert!(ed.public_key.starts_with("ssh-ed25519 ") && ed.public_key.ends_with(" web"));
        assert_eq!(ed.fingerprint.len(), 44);
    }

    #[test]
    fn names() {
        assert!(check_name("my key_1.pem").is_ok());
        assert!(check_name(&"k".repeat(255)).is_ok());
        assert_eq!(
            check_name(&"k".repeat(256)).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            check_name("clé").unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            check_name("").unwrap_err().code,
            ErrorCode::MissingParameter
        );
        assert_eq!(duplicate("a").message, "The keypair 'a' already exists.");
        assert_eq!(not_found("a").message, "The key pair 'a' does not exist");
    }

    #[test]
    fn types_and_formats_parse() {
        assert_eq!("ed25519".parse::<KeyType>().unwrap(), KeyType::Ed25519);
        assert_eq!("rsa".parse::<KeyType>().unwrap().as_str(), "rsa");
        assert_eq!(
            "dsa".parse::<KeyType>().unwrap_err().code.as_str(),
            "InvalidParameterValue"
        );
        assert_eq!("ppk".parse::<KeyFormat>().unwrap(), KeyFormat::Ppk);
        assert_eq!(
            "der".parse::<KeyFormat>().unwrap_err().code.as_str(),
            "InvalidParameterValue"
        );
    }
}
