//! IP protocols as security group rules name them, and the ports each protocol's rules cover.
//! Protocols are canonicalised (`6` is `tcp`, `all` is `-1`); TCP/UDP need port ranges, ICMP a
//! type and code, and every other protocol covers all ports.

use crate::error::{Ec2Error, ErrorCode};
use std::fmt;

/// An IP protocol as EC2 stores it: the named ones by name, `-1` for all, others by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Any other IANA protocol number; such rules cover every port.
    Number(u8),
}

impl Protocol {
    /// Reads a protocol as callers write it: a name (any case), its number, `-1` or `all`.
    pub fn parse(text: &str) -> Result<Self, Ec2Error> {
        let lower = text.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "-1" | "all" => Self::All,
            "tcp" => Self::Tcp,
            "udp" => Self::Udp,
            "icmp" => Self::Icmp,
            "icmpv6" => Self::Icmpv6,
            digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                match digits.parse::<u8>() {
                    Ok(6) => Self::Tcp,
                    Ok(17) => Self::Udp,
                    Ok(1) => Self::Icmp,
                    Ok(58) => Self::Icmpv6,
                    Ok(n) => Self::Number(n),
                    Err(_) => return Err(unknown_protocol(text)),
                }
            }
            _ => return Err(unknown_protocol(text)),
        })
    }

    /// How EC2 names the protocol inside rule summaries (`TCP`, `ALL`, …).
    pub(super) fn label(self) -> String {
        match self {
            Self::All => "ALL".into(),
            Self::Tcp => "TCP".into(),
            Self::Udp => "UDP".into(),
            Self::Icmp => "ICMP".into(),
            Self::Icmpv6 => "ICMPv6".into(),
            Self::Number(n) => n.to_string(),
        }
    }
}

/// The wire form: `tcp`, `udp`, `icmp`, `icmpv6`, `-1` or a number.
impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("-1"),
            Self::Tcp => f.write_str("tcp"),
            Self::Udp => f.write_str("udp"),
            Self::Icmp => f.write_str("icmp"),
            Self::Icmpv6 => f.write_str("icmpv6"),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

fn unknown_protocol(text: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Invalid value '{text}' for IP protocol. Unknown protocol."
    ))
}

/// The ports a rule of `protocol` covers. TCP/UDP need a port range (0–65535, from ≤ to; `-1`
/// for both, which the AWS CLI sends for `--port all`, means the whole range); ICMP needs a type
/// and code (`-1` = all); ICMPv6's are optional; every other protocol covers all ports whatever
/// the caller says, as EC2 documents.
pub fn port_range(
    protocol: Protocol,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Option<(i32, i32)>, Ec2Error> {
    match protocol {
        Protocol::Tcp | Protocol::Udp => {
            let (from, to) = match (from, to) {
                (None, None) => return Err(both_ports_needed("TCP/UDP")),
                (Some(-1), Some(-1)) => (0, 65535),
                (from, to) => (from.unwrap_or(-1), to.unwrap_or(-1)),
            };
            for port in [from, to] {
                if !(0..=65535).contains(&port) {
                    return Err(Ec2Error::new(
                        ErrorCode::InvalidPermissionMalformed,
                        format!("TCP/UDP port ({port}) out of range"),
                    ));
                }
            }
            if from > to {
                return Err(Ec2Error::invalid_value(format!(
                    "Invalid TCP/UDP port range: the from port ({from}) is greater than the to port ({to})."
                )));
            }
            Ok(Some((from as i32, to as i32)))
        }
        Protocol::Icmp | Protocol::Icmpv6 => {
            if from.is_none() && to.is_none() {
                if protocol == Protocol::Icmp {
                    return Err(both_ports_needed("ICMP"));
                }
                return Ok(Some((-1, -1)));
            }
            let (kind, code) = (from.unwrap_or(-1), to.unwrap_or(-1));
            for (what, value) in [("type", kind), ("code", code)] {
                if !(-1..=255).contains(&value) {
                    return Err(Ec2Error::invalid_value(format!(
                        "Invalid value '{value}' for ICMP {what}. It must be -1 (all) or between 0 and 255."
                    )));
                }
            }
            if kind == -1 && code != -1 {
                return Err(Ec2Error::invalid_value(
                    "Invalid ICMP code: all ICMP types (-1) require all ICMP codes (-1).",
                ));
            }
            Ok(Some((kind as i32, code as i32)))
        }
        Protocol::All | Protocol::Number(_) => Ok(None),
    }
}

fn both_ports_needed(protocols: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Invalid value 'Must specify both from and to ports with {protocols}.' for portRange."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_are_canonicalised() {
        for (text, expected) in [
            ("tcp", "tcp"),
            ("TCP", "tcp"),
            ("6", "tcp"),
            ("udp", "udp"),
            ("17", "udp"),
            ("icmp", "icmp"),
            ("1", "icmp"),
            ("icmpv6", "icmpv6"),
            ("58", "icmpv6"),
            ("-1", "-1"),
            ("all", "-1"),
            ("47", "47"),
            ("0", "0"),
        ] {
            assert_eq!(
                Protocol::parse(text).unwrap().to_string(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn unknown_protocols_are_refused() {
        for bad in ["tcpx", "256", "-2", "", "ip"] {
            let err = Protocol::parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParameterValue, "{bad}");
        }
        assert_eq!(
            Protocol::parse("gre").unwrap_err().message,
            "Invalid value 'gre' for IP protocol. Unknown protocol."
        );
    }

    #[test]
    fn tcp_and_udp_need_a_port_range() {
        let err = port_range(Protocol::Tcp, None, None).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            err.message,
            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange."
        );
        let err = port_range(Protocol::Udp, None, Some(22)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidPermissionMalformed);
        assert_eq!(err.message, "TCP/UDP port (-1) out of range");
        assert_eq!(
            port_range(Protocol::Tcp, Some(0), Some(65536))
                .unwrap_err()
                .code,
            ErrorCode::InvalidPermissionMalformed
        );
        assert_eq!(
            port_range(Protocol::Tcp, Some(80), Some(22))
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            port_range(Protocol::Tcp, Some(22), Some(22)).unwrap(),
            Some((22, 22))
        );
        assert_eq!(
            port_range(Protocol::Udp, Some(0), Some(65535)).unwrap(),
            Some((0, 65535))
        );
        assert_eq!(
            port_range(Protocol::Tcp, Some(-1), Some(-1)).unwrap(),
            Some((0, 65535))
        );
    }

    #[test]
    fn icmp_needs_type_and_code() {
        let err = port_range(Protocol::Icmp, None, None).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value 'Must specify both from and to ports with ICMP.' for portRange."
        );
        assert_eq!(
            port_range(Protocol::Icmp, Some(-1), Some(-1)).unwrap(),
            Some((-1, -1))
        );
        assert_eq!(
            port_range(Protocol::Icmp, Some(8), Some(-1)).unwrap(),
            Some((8, -1))
        );
        assert_eq!(
            port_range(Protocol::Icmp, Some(3), Some(4)).unwrap(),
            Some((3, 4))
        );
        assert_eq!(
            port_range(Protocol::Icmp, Some(256), Some(0))
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
        assert_eq!(
            port_range(Protocol::Icmp, Some(-2), Some(0))
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
        assert_eq!(
            port_range(Protocol::Icmp, Some(-1), Some(4))
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
    }

    #[test]
    fn icmpv6_ports_are_optional() {
        assert_eq!(
            port_range(Protocol::Icmpv6, None, None).unwrap(),
            Some((-1, -1))
        );
        assert_eq!(
            port_range(Protocol::Icmpv6, Some(128), Some(0)).unwrap(),
            Some((128, 0))
        );
    }

    #[test]
    fn other_protocols_cover_all_ports_whatever_is_said() {
        assert_eq!(port_range(Protocol::All, Some(22), Some(22)).unwrap(), None);
        assert_eq!(
            port_range(Protocol::Number(47), Some(1), Some(2)).unwrap(),
            None
        );
        assert_eq!(port_range(Protocol::All, None, None).unwrap(), None);
    }
}
