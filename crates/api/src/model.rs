//! The trimmed botocore EC2 model (`model/ec2.json`), loaded once. It is the single source of
//! wire names, list shapes, required members and enums for both directions of the protocol.

use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeKind {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Boolean,
    Timestamp,
    Double,
    Float,
    Blob,
}

#[derive(Debug, Deserialize)]
pub struct MemberRef {
    pub shape: String,
    #[serde(rename = "locationName")]
    pub location_name: Option<String>,
    #[serde(rename = "queryName")]
    pub query_name: Option<String>,
}

impl MemberRef {
    /// The parameter name a request carries for this member (EC2 flavour of the query protocol:
    /// `queryName`, else `locationName` with its first letter upper-cased, else the member name).
    pub fn wire_name(&self, member: &str) -> String {
        if let Some(q) = &self.query_name {
            return q.clone();
        }
        match &self.location_name {
            Some(l) => {
                let mut chars = l.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            None => member.to_owned(),
        }
    }

    /// The XML element name a response uses for this member.
    pub fn element_name<'a>(&'a self, member: &'a str) -> &'a str {
        self.location_name.as_deref().unwrap_or(member)
    }
}

#[derive(Debug)]
pub struct Shape {
    pub kind: ShapeKind,
    /// Structure members in model order (responses are written in this order).
    pub members: Vec<(String, MemberRef)>,
    pub member: Option<MemberRef>,
    pub required: HashSet<String>,
    pub enum_values: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(rename = "type")]
    kind: ShapeKind,
    #[serde(default)]
    members: serde_json::Map<String, Value>,
    member: Option<MemberRef>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(rename = "enum")]
    enum_values: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub input: Option<String>,
    pub output: Option<String>,
}

#[derive(Deserialize)]
struct RawModel {
    operations: HashMap<String, Operation>,
    #[serde(rename = "allOperations")]
    all_operations: Vec<String>,
    shapes: HashMap<String, RawShape>,
}

pub struct Model {
    pub operations: HashMap<String, Operation>,
    pub all_operations: HashSet<String>,
    shapes: HashMap<String, Shape>,
}

/// The XML namespace of every EC2 response.
pub const XML_NAMESPACE: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// Enums AWS keeps growing, whose unknown values the service answers with a code of its own
/// (DescribeInstanceTypes: `InvalidInstanceType`) instead of refusing them as malformed input.
/// Handlers taking these values check them.
const OPEN_ENUMS: &[&str] = &["InstanceType"];

impl Model {
    /// The embedded model, parsed on first use.
    pub fn get() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Self::parse(include_str!("../model/ec2.json")).expect("embedded EC2 model is valid")
        })
    }

    fn parse(text: &str) -> serde_json::Result<Model> {
        let raw: RawModel = serde_json::from_str(text)?;
        let shapes = raw
            .shapes
            .into_iter()
            .map(|(name, s)| {
                let members = s
                    .members
                    .into_iter()
                    .map(|(m, v)| Ok((m, serde_json::from_value(v)?)))
                    .collect::<serde_json::Result<_>>()?;
                let shape = Shape {
                    kind: s.kind,
                    members,
                    member: s.member,
                    required: s.required.into_iter().collect(),
                    enum_values: s
                        .enum_values
                        .filter(|_| !OPEN_ENUMS.contains(&name.as_str())),
                };
                Ok((name, shape))
            })
            .collect::<serde_json::Result<_>>()?;
        Ok(Model {
            operations: raw.operations,
            all_operations: raw.all_operations.into_iter().collect(),
            shapes,
        })
    }

    pub fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("shape {name} missing from the embedded model"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_follow_the_ec2_serializer() {
        let m = Model::get();
        let req = m.shape("CreateNetworkInterfaceRequest");
        let wire: Vec<String> = req.members.iter().map(|(n, r)| r.wire_name(n)).collect();
        assert!(wire.contains(&"SecurityGroupId".to_string()), "{wire:?}");
        assert!(wire.contains(&"TagSpecification".to_string()));
        let filter = m.shape("Filter");
        let values = filter.members.iter().find(|(n, _)| n == "Values").unwrap();
        assert_eq!(values.1.wire_name(&values.0), "Value");
    }

    #[test]
    fn every_operation_shape_resolves() {
        let m = Model::get();
        for op in m.operations.values() {
            for s in op.input.iter().chain(op.output.iter()) {
                m.shape(s);
            }
        }
        assert!(m.all_operations.contains("CreateVpcEndpoint"));
    }
}
