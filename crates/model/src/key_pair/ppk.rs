//! PuTTY private key files (`KeyFormat=ppk`), version 2 and unencrypted, as EC2 hands them out:
//! every PuTTY since 0.52 reads them.
//!
//! The file carries the OpenSSH public key blob, a private blob in PuTTY's layout and an
//! HMAC-SHA-1 over both (keyed with SHA-1 of `putty-private-key-file-mac-key`, the empty
//! passphrase appended).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rsa::traits::PrivateKeyParts;
use sha1::{Digest, Sha1};
use ssh_key::PublicKey;
use ssh_key::private::Ed25519Keypair;

/// PPK files wrap their base64 at 64 characters.
const LINE_WIDTH: usize = 64;

/// An RSA key: the private blob is `mpint d, mpint p, mpint q, mpint iqmp`.
pub fn rsa(private: &rsa::RsaPrivateKey, public: &PublicKey, comment: &str) -> String {
    let primes = private.primes();
    let iqmp = private
        .crt_coefficient()
        .expect("a two-prime RSA key has a CRT coefficient");
    let mut blob = Vec::new();
    for number in [private.d(), &primes[0], &primes[1], &iqmp] {
        put_mpint(&mut blob, &number.to_bytes_be());
    }
    encode(public, &blob, comment)
}

/// An ED25519 key: the private blob is the 32-byte seed as PuTTY writes an unsigned
/// little-endian integer (its high zero bytes dropped).
pub fn ed25519(keypair: &Ed25519Keypair, public: &PublicKey, comment: &str) -> String {
    let seed = keypair.private.to_bytes();
    let significant = seed.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut blob = Vec::new();
    put_string(&mut blob, &seed[..significant]);
    encode(public, &blob, comment)
}

fn encode(public: &PublicKey, private_blob: &[u8], comment: &str) -> String {
    let algorithm = public.algorithm();
    let algorithm = algorithm.as_str();
    let public_blob = public.to_bytes().expect("a public key encodes as a blob");
    let mut mac_input = Vec::new();
    for field in [
        algorithm.as_bytes(),
        b"none",
        comment.as_bytes(),
        &public_blob,
        private_blob,
    ] {
        put_string(&mut mac_input, field);
    }
    let mac_key = Sha1::digest(b"putty-private-key-file-mac-key");
    let mut mac = Hmac::<Sha1>::new_from_slice(&mac_key).expect("HMAC takes any key length");
    mac.update(&mac_input);
    let mac: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (public_count, public_lines) = base64_lines(&public_blob);
    let (private_count, private_lines) = base64_lines(private_blob);
    format!(
        "PuTTY-User-Key-File-2: {algorithm}\nEncryption: none\nComment: {comment}\n\
         Public-Lines: {public_count}\n{public_lines}Private-Lines: {private_count}\n\
         {private_lines}Private-MAC: {mac}\n",
    )
}

/// `bytes` in base64 wrapped at [`LINE_WIDTH`], each line ending in a newline, and the count.
fn base64_lines(bytes: &[u8]) -> (usize, String) {
    let text = STANDARD.encode(bytes);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(LINE_WIDTH)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    (
        lines.len(),
        lines.iter().map(|l| format!("{l}\n")).collect(),
    )
}

/// SSH wire `string`: a 32-bit big-endian length, then the bytes.
fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// SSH wire `mpint` of a non-negative big-endian number: minimal, with a zero byte in front
/// when the top bit is set so it does not read as negative.
fn put_mpint(out: &mut Vec<u8>, big_endian: &[u8]) {
    let start = big_endian
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(big_endian.len());
    let digits = &big_endian[start..];
    if digits.first().is_some_and(|&b| b & 0x80 != 0) {
        let mut padded = Vec::with_capacity(digits.len() + 1);
        padded.push(0);
        padded.extend_from_slice(digits);
        put_string(out, &padded);
    } else {
        put_string(out, digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_pair::rsa_public_key;
    use crate::key_pair::tests::{ed25519_vector, rsa_vector};

    /// `puttygen key.pem -O private --ppk-param version=2 -C ""` of the RSA test vector.
    const RSA_PPK: &str = "PuTTY-User-Key-File-2: ssh-rsa
Encryption: none
Comment: 
Public-Lines: 4
AAAAB3NzaC1yc2EAAAADAQABAAAAgQDVza2XENq8sobD1j0yc9e3gbob7S7po4eh
ZexN49gb+IfmM0AFBgWLawAvtJ/aGEs+7qHg+GKZi7DaZsAxsZPZ03O/67iZ2SYu
/4aD1Bg8LW1LoEzFc53UP9OSuPEt3PGf6Rb86cwmU2/G+Q59C0TMX6dyqhIOBAKr
vTr6uSQzmQ==
Private-Lines: 8
AAAAgQCoRxA//FYNev4zGWZlVWQN3R8cZ9wqrDlOQShyTciEi2J7Pw8+ZPTsPLWS
1rmSMNjYmX3z0cvZSmdSHtlaw4e31BlHT1K4h/LOIqlvID+7J5dL4RMOY9I1e3NK
oQUX8af5ct4e6cWWaq+RQ2+SZtPWDQTU/qKEvY2NcxMuR9vF4QAAAEEA8Ht5/nGw
dPAxIO2wr++kKIXpPVdHIf+VGYWtBVq96U9yNRzuMkLz0VfKftLye8VFriem5KrF
MX8PR+j9acIr1QAAAEEA45l+RgE+Ab0pqllUXmFBCp5zfLPEOQ7zBPMD00C2Swqx
dztuS1xKmNqdSF7UK1qoJkN8YtTSAig85erDTDdetQAAAEA7+v39szNiH5IISlIi
cUGMImpOty4HBQ4NLIHENe6BDo4LAlaIeSYCdMwclETV+FvaHZ3sBYu9EvXEURXP
5JCq
Private-MAC: 4e0b0c9e1ee91432e52421476baaf5065d2de297
";

    /// `puttygen key -O private --ppk-param version=2 -C vec` of the ED25519 test vector.
    const ED25519_PPK: &str = "PuTTY-User-Key-File-2: ssh-ed25519
Encryption: none
Comment: vec
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIJKeon45KvB5G57uQo31fV1nX4ySP0HWnxGHik30
qehu
Private-Lines: 1
AAAAIJYYu2AR5EcN9q3VKBhITgXgozCj7bPQecq4w4y33qhz
Private-MAC: af785e1013dd161689bf8d9b8b05b06f882d1b75
";

    #[test]
    fn rsa_matches_puttygen() {
        let private = rsa_vector();
        let public = rsa_public_key(&private.to_public_key(), "");
        assert_eq!(rsa(&private, &public, ""), RSA_PPK);
    }

    #[test]
    fn ed25519_matches_puttygen() {
        let private = ed25519_vector();
        let keypair = private.key_data().ed25519().unwrap();
        assert_eq!(ed25519(keypair, private.public_key(), "vec"), ED25519_PPK);
    }

    #[test]
    fn mpints_are_minimal_and_positive() {
        let mut out = Vec::new();
        put_mpint(&mut out, &[0, 0, 0x7f]);
        put_mpint(&mut out, &[0x80]);
        put_mpint(&mut out, &[0]);
        assert_eq!(out, [0, 0, 0, 1, 0x7f, 0, 0, 0, 2, 0, 0x80, 0, 0, 0, 0]);
    }
}
