//! Query parameters → a JSON object keyed by the model's member names (as the SDKs name them),
//! checked against the operation's input shape: unknown parameters, missing required members,
//! malformed numbers and booleans and out-of-enum values are refused with EC2's codes.

use crate::model::{Model, Shape, ShapeKind};
use localvpc_model::{Ec2Error, ErrorCode};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Most parameters one request may carry. The largest real requests (1000 IDs plus 50 filters,
/// or a few hundred rule fields) stay far below it; the body limit alone would allow ~250 000.
pub const MAX_PARAMETERS: usize = 5000;
/// Most members of one list parameter: AWS's limit on ID lists ("up to 1000 resource IDs").
pub const MAX_LIST_MEMBERS: usize = 1000;

/// Parameters that belong to the request envelope or its signature, not to the operation.
fn is_envelope(key: &str) -> bool {
    matches!(
        key,
        "Action"
            | "Version"
            | "AWSAccessKeyId"
            | "Signature"
            | "SignatureMethod"
            | "SignatureVersion"
            | "Timestamp"
            | "Expires"
    ) || key.starts_with("X-Amz-")
}

/// Parameters as they arrive, grouped by the model's structure.
enum Node {
    Leaf(String),
    Struct(BTreeMap<String, Node>),
    List(BTreeMap<u32, Node>),
}

/// Decodes `params` for the operation whose input shape is `input`.
pub fn decode(
    model: &Model,
    input: Option<&str>,
    params: &[(String, String)],
) -> Result<Value, Ec2Error> {
    let Some(input) = input else {
        return match params.iter().find(|(k, _)| !is_envelope(k)) {
            Some((k, _)) => Err(unknown(k)),
            None => Ok(Value::Object(Map::new())),
        };
    };
    if params.len() > MAX_PARAMETERS {
        return Err(Ec2Error::invalid_value(format!(
            "The request has {} parameters; at most {MAX_PARAMETERS} are allowed.",
            params.len()
        )));
    }
    let mut root = Node::Struct(BTreeMap::new());
    for (key, value) in params.iter().filter(|(k, _)| !is_envelope(k)) {
        insert(
            model,
            model.shape(input),
            &mut root,
            key,
            key.split('.'),
            value,
        )?;
    }
    to_value(model, model.shape(input), root, "")
}

fn unknown(key: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::UnknownParameter,
        format!("The parameter {key} is not recognized"),
    )
}

fn insert<'k>(
    model: &Model,
    shape: &Shape,
    node: &mut Node,
    key: &str,
    mut segments: impl Iterator<Item = &'k str>,
    value: &str,
) -> Result<(), Ec2Error> {
    let Some(segment) = segments.next() else {
        return match shape.kind {
            ShapeKind::Structure | ShapeKind::List | ShapeKind::Map => Err(unknown(key)),
            _ => {
                *node = Node::Leaf(value.to_owned());
                Ok(())
            }
        };
    };
    match (shape.kind, node) {
        (ShapeKind::Structure, Node::Struct(children)) => {
            let (name, member) = shape
                .members
                .iter()
                .find(|(name, m)| m.wire_name(name) == segment)
                .ok_or_else(|| unknown(key))?;
            let child_shape = model.shape(&member.shape);
            let child = children
                .entry(name.clone())
                .or_insert_with(|| empty_node(child_shape));
            insert(model, child_shape, child, key, segments, value)
        }
        (ShapeKind::List, Node::List(items)) => {
            let index: u32 = segment
                .parse()
                .ok()
                .filter(|i| *i >= 1)
                .ok_or_else(|| unknown(key))?;
            let member_shape = model.shape(
                &shape
                    .member
                    .as_ref()
                    .expect("list shape has a member")
                    .shape,
            );
            let child = items
                .entry(index)
                .or_insert_with(|| empty_node(member_shape));
            insert(model, member_shape, child, key, segments, value)
        }
        _ => Err(unknown(key)),
    }
}

fn empty_node(shape: &Shape) -> Node {
    match shape.kind {
        ShapeKind::Structure => Node::Struct(BTreeMap::new()),
        ShapeKind::List => Node::List(BTreeMap::new()),
        _ => Node::Leaf(String::new()),
    }
}

fn to_value(model: &Model, shape: &Shape, node: Node, path: &str) -> Result<Value, Ec2Error> {
    Ok(match node {
        Node::Struct(mut children) => {
            let mut object = Map::new();
            for (name, member) in &shape.members {
                let wire_path = join(path, &member.wire_name(name));
                match children.remove(name) {
                    Some(child) => {
                        object.insert(
                            name.clone(),
                            to_value(model, model.shape(&member.shape), child, &wire_path)?,
                        );
                    }
                    None if shape.required.contains(name) => {
                        return Err(Ec2Error::missing_parameter(&wire_path));
                    }
                    None => {}
                }
            }
            Value::Object(object)
        }
        Node::List(items) => {
            check_list_length(path, items.len())?;
            let member_shape = model.shape(
                &shape
                    .member
                    .as_ref()
                    .expect("list shape has a member")
                    .shape,
            );
            Value::Array(
                items
                    .into_iter()
                    .map(|(i, item)| to_value(model, member_shape, item, &format!("{path}.{i}")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Node::Leaf(text) => scalar(shape, text, path)?,
    })
}

/// A filter's values count against the filter limits (`FilterLimitExceeded`), any other list
/// against [`MAX_LIST_MEMBERS`].
fn check_list_length(path: &str, members: usize) -> Result<(), Ec2Error> {
    if members <= MAX_LIST_MEMBERS {
        return Ok(());
    }
    let message = format!(
        "The parameter {path} has {members} members; at most {MAX_LIST_MEMBERS} are allowed."
    );
    Err(if path.starts_with("Filter.") {
        Ec2Error::new(ErrorCode::FilterLimitExceeded, message)
    } else {
        Ec2Error::invalid_value(message)
    })
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn allowed_is(shape: &Shape, values: &[&str]) -> bool {
    shape
        .enum_values
        .as_ref()
        .is_some_and(|v| v.iter().map(String::as_str).eq(values.iter().copied()))
}

fn scalar(shape: &Shape, text: String, path: &str) -> Result<Value, Ec2Error> {
    let invalid = || Ec2Error::invalid_value(format!("Invalid value '{text}' for {path}"));
    Ok(match shape.kind {
        ShapeKind::Integer | ShapeKind::Long => {
            Value::from(text.trim().parse::<i64>().map_err(|_| invalid())?)
        }
        ShapeKind::Double | ShapeKind::Float => {
            let n: f64 = text.trim().parse().map_err(|_| invalid())?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(invalid)?
        }
        ShapeKind::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(invalid()),
        },
        _ => {
            // Reachability Analyzer's `Protocol` takes any case (AWS's guide sends `TCP`).
            let any_case = path == "Protocol" && allowed_is(shape, &["tcp", "udp"]);
            if let Some(allowed) = &shape.enum_values
                && !allowed
                    .iter()
                    .any(|v| v == &text || (any_case && v.eq_ignore_ascii_case(&text)))
            {
                return Err(Ec2Error::invalid_value(format!(
                    "Value ({text}) for parameter {path} is invalid. Valid values: {}",
                    allowed.join(", ")
                )));
            }
            Value::String(text)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(op: &str, pairs: &[(&str, &str)]) -> Result<Value, Ec2Error> {
        let m = Model::get();
        decode(m, m.operations[op].input.as_deref(), &params(pairs))
    }

    #[test]
    fn lists_structures_and_filters() {
        let v = run(
            "DescribeVpcs",
            &[
                ("Action", "DescribeVpcs"),
                ("Version", "2016-11-15"),
                ("Filter.2.Name", "tag:Name"),
                ("Filter.2.Value.1", "web"),
                ("Filter.1.Name", "vpc-id"),
                ("Filter.1.Value.2", "vpc-2"),
                ("Filter.1.Value.1", "vpc-1"),
                ("VpcId.1", "vpc-12345678"),
                ("MaxResults", "10"),
            ],
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"Filters": [{"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}, {"Name": "tag:Name", "Values": ["web"]}],
                   "VpcIds": ["vpc-12345678"], "MaxResults": 10})
        );
    }

    #[test]
    fn nested_specs_and_booleans() {
        let v = run(
            "CreateNetworkInterface",
            &[
                ("SubnetId", "subnet-12345678"),
                ("PrivateIpAddresses.1.PrivateIpAddress", "10.0.0.5"),
                ("PrivateIpAddresses.1.Primary", "true"),
                ("TagSpecification.1.ResourceType", "network-interface"),
                ("TagSpecification.1.Tag.1.Key", "Name"),
                ("TagSpecification.1.Tag.1.Value", "eni-01"),
                ("SecurityGroupId.1", "sg-12345678"),
            ],
        )
        .unwrap();
        assert_eq!(v["PrivateIpAddresses"][0]["Primary"], json!(true));
        assert_eq!(v["TagSpecifications"][0]["Tags"][0]["Key"], json!("Name"));
        assert_eq!(v["Groups"], json!(["sg-12345678"]));
    }

    #[test]
    fn refusals() {
        let err = run("DescribeVpcs", &[("Item", "x")]).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::UnknownParameter,
                "The parameter Item is not recognized"
            )
        );
        assert_eq!(
            run("DescribeVpcs", &[("VpcId.0", "x")]).unwrap_err().code,
            ErrorCode::UnknownParameter
        );
        assert_eq!(
            run("DescribeVpcs", &[("VpcId", "x")]).unwrap_err().code,
            ErrorCode::UnknownParameter
        );
        assert_eq!(
            run("DescribeVpcs", &[("MaxResults.1", "5")])
                .unwrap_err()
                .code,
            ErrorCode::UnknownParameter
        );
        let err = run("DeleteVpc", &[]).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::MissingParameter,
                "The request must contain the parameter VpcId"
            )
        );
        assert_eq!(
            run("DescribeVpcs", &[("MaxResults", "ten")])
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            run("DeleteVpc", &[("VpcId", "vpc-1"), ("DryRun", "maybe")])
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        let err = run(
            "CreateVpc",
            &[("CidrBlock", "10.0.0.0/16"), ("InstanceTenancy", "shared")],
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        let err = run("CreateSecurityGroup", &[("GroupName", "x")]).unwrap_err();
        assert_eq!(
            err.message,
            "The request must contain the parameter GroupDescription"
        );
    }

    #[test]
    fn limits() {
        let ids: Vec<(String, String)> = (1..=1001)
            .map(|i| (format!("VpcId.{i}"), "vpc-1".to_owned()))
            .collect();
        let m = Model::get();
        let input = m.operations["DescribeVpcs"].input.as_deref();
        let err = decode(m, input, &ids).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::InvalidParameterValue,
                "The parameter VpcId has 1001 members; at most 1000 are allowed."
            )
        );
        assert!(decode(m, input, &ids[..1000]).is_ok());
        let mut values: Vec<(String, String)> = (1..=1001)
            .map(|i| (format!("Filter.1.Value.{i}"), "x".to_owned()))
            .collect();
        values.push(("Filter.1.Name".into(), "vpc-id".into()));
        assert_eq!(
            decode(m, input, &values).unwrap_err().code,
            ErrorCode::FilterLimitExceeded
        );
        let many: Vec<(String, String)> = (0..=MAX_PARAMETERS)
            .map(|i| (format!("VpcId.{}", i % 900 + 1), "vpc-1".to_owned()))
            .collect();
        let err = decode(m, input, &many).unwrap_err();
        assert_eq!(
            err.message,
            "The request has 5001 parameters; at most 5000 are allowed."
        );
    }

    #[test]
    fn nested_required_members_name_their_full_path() {
        let err = run(
            "ModifySecurityGroupRules",
            &[
                ("GroupId", "sg-12345678"),
                ("SecurityGroupRule.1.SecurityGroupRule.IpProtocol", "tcp"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "The request must contain the parameter SecurityGroupRule.1.SecurityGroupRuleId"
        );
    }
}
